"""Small helpers shared by tests: a scratch project, a snapshot of a folder's bytes, a full disk and a curator's save made mid-command."""
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def make_project(tmp_path: Path, digests: list[Path] = ()) -> Path:
    """A project folder with the real taxonomy and the given digests."""
    project = tmp_path / "project"
    (project / "content" / "digests").mkdir(parents=True)
    shutil.copy(ROOT / "content" / "topics.yaml", project / "content" / "topics.yaml")
    for digest in digests:
        shutil.copy(digest, project / "content" / "digests" / digest.name)
    return project


def snapshot(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def set_mtimes(folder: Path, when: float) -> None:
    """Every file and folder under folder last modified at `when`: set an hour
    back, sources are old enough to be trusted to a stamp, which trusts none saved in the last 2 s."""
    for path in [*folder.rglob("*")]:
        os.utime(path, (when, when))


def digest_cli(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", "--project", str(project), *args],
                          capture_output=True, text=True, cwd=ROOT)


RELATED_LINK = re.compile(r'class="related-title" href="/papers/[^/]/([^/]+)/"')


def related_shown(html: str) -> list[str]:
    """The slugs of the related papers a paper page lists, in order."""
    return RELATED_LINK.findall(html)


def disk_fills_after(monkeypatch, files: int) -> list[Path]:
    """Ingest's batch writer (catalog.write_temporary_quickly, which retopic uses too) fails with a
    full disk once `files` files are written; the list of those written, as it grows."""
    import errno

    from generator.ingest import catalog

    written: list[Path] = []
    real = catalog.write_temporary_quickly

    def fill_up(path, data, sync=False):
        if len(written) == files:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(path)
        return real(path, data, sync)

    monkeypatch.setattr(catalog, "write_temporary_quickly", fill_up)
    return written


def curator_saves_after_load(monkeypatch, module, path: Path) -> None:
    """`module`'s load_paper_files is followed at once by a curator's save of `path` (an authors
    line added): a save made while the command that loaded the papers runs."""
    real = module.load_paper_files

    def load_then_curator_saves(project, stamps=None):
        loaded = real(project, stamps)
        path.write_text(path.read_text().replace("topics:", "authors: [Saved Meanwhile]\ntopics:", 1))
        return loaded

    monkeypatch.setattr(module, "load_paper_files", load_then_curator_saves)
