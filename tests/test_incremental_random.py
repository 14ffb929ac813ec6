"""Random curator edits, built the three incremental ways a site is built: by the preview's builder
(one SiteBuilder rebuilding what was saved, open pages first, the rest deferred), by `digest build`
in place (a new builder each time, from the last build's record) and by Netlify deploys (a fresh
checkout each time, with the last deploy's .cache/ and site/). After each round of edits each must
give, byte for byte, the site of the same content ingested and built with nothing recorded.

The targeted tests in test_build_incremental.py check one edit each; these walk through sequences
no one would think to write down (a paper retitled, moved to another day, deleted, then a topic
renamed), where a page the dependency map or the record forgot stays stale, or a digest the ingest
state vouched for is not read. Fixed seeds and a small project (topic pages of one paper, feeds of
three, as in the golden project), so a run is the same everywhere and takes seconds.
"""
from __future__ import annotations

import datetime as dt
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.build.builder import SiteBuilder, build_site
from generator.errors import BuildFailed, display_path
from generator.ingest.catalog import run_ingest
from generator.preview.session import _built
from generator.project import Project
from tests.helpers import ROOT, snapshot

GOLDEN = ROOT / "tests" / "fixtures" / "golden" / "content"
TOPICS = ["language-models", "vision", "other"]
# Two ISO weeks and two months, so that week and month pages gain and lose papers too.
DAYS = [dt.date(2025, 7, 30), dt.date(2025, 7, 31), dt.date(2025, 8, 1), dt.date(2025, 8, 4),
        dt.date(2025, 8, 5), dt.date(2025, 8, 18), dt.date(2025, 8, 19)]
WORDS = ["sparse", "experts", "routing", "diffusion", "agents", "retrieval", "tokens", "scaling", "vision",
         "language", "model", "benchmark", "memory", "reward", "policy", "graph", "video", "speech"]
ROUNDS = 12


@dataclass
class Fields:
    """What a generated paper file holds."""

    title: str
    featured: list[dt.date]
    topics: list[str]
    body: str
    upvotes: int | None = None
    arxiv_id: str = ""
    ranked: bool = False  # a place on each of its days: its number + 1, one no other paper has

    def text(self, number: int) -> str:
        lines = ["---", f'title: "{self.title}"', f"slug: paper-{number}",
                 f"featured: [{', '.join(map(str, self.featured))}]", f"topics: [{', '.join(self.topics)}]"]
        if self.upvotes is not None:
            lines.append(f"upvotes: {self.upvotes}")
        if self.arxiv_id:
            lines.append(f'arxiv_id: "{self.arxiv_id}"')
        if self.ranked:
            lines.append("ranks: {" + ", ".join(f"{day}: {number + 1}" for day in self.featured) + "}")
        return "\n".join([*lines, "---", self.body, ""])


class RandomProject:
    """A project of generated paper files, and the edits a curator makes to them."""

    def __init__(self, root: Path, seed: int):
        self.root = root
        self.rng = random.Random(seed)
        self.next_number = 0
        self.fields: dict[int, Fields] = {}  # by paper number
        self.digests: dict[dt.date, list[tuple[str, str]]] = {}  # day -> its page copy's titles and abstracts
        shutil.copytree(GOLDEN, root / "content", ignore=shutil.ignore_patterns("papers"))
        (root / "content" / "papers").mkdir()
        for _ in range(8):
            self.add()

    def path(self, number: int) -> Path:
        return self.root / "content" / "papers" / f"paper-{number}.md"

    def words(self, count: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(count))

    def new_fields(self, number: int) -> Fields:
        rng = self.rng
        fields = Fields(title=f"Paper {number}: {self.words(rng.randrange(2, 6)).capitalize()}",
                        featured=sorted(rng.sample(DAYS, rng.choice([1, 1, 2]))),
                        topics=rng.sample(TOPICS, rng.choice([1, 1, 2])),
                        body=f"We study {self.words(rng.randrange(6, 20))} ({number}).")
        if rng.random() < 0.6:
            fields.upvotes = rng.randrange(0, 60)
        if rng.random() < 0.5:
            fields.arxiv_id = f"2508.{10000 + number:05d}"
        fields.ranked = rng.random() < 0.4
        return fields

    def write(self, number: int) -> Path:
        self.path(number).write_text(self.fields[number].text(number), encoding="utf-8")
        return self.path(number)

    # --- The edits: each changes the content and gives the files it saved ---

    def add(self) -> list[Path]:
        number, self.next_number = self.next_number, self.next_number + 1
        self.fields[number] = self.new_fields(number)
        return [self.write(number)]

    def delete(self) -> list[Path]:
        number = self.rng.choice(sorted(self.fields))
        del self.fields[number]
        self.path(number).unlink()
        return [self.path(number)]

    def change(self, name: str, value: Callable[[int, Fields], object]) -> list[Path]:
        """One field of one paper set anew."""
        number = self.rng.choice(sorted(self.fields))
        setattr(self.fields[number], name, value(number, self.fields[number]))
        return [self.write(number)]

    def rewrite(self) -> list[Path]:
        number = self.rng.choice(sorted(self.fields))
        self.fields[number] = self.new_fields(number)
        return [self.write(number)]

    def rename_topic(self) -> list[Path]:
        taxonomy = self.root / "content" / "topics.yaml"
        name = "name: " + self.rng.choice(["Language Models", "Computer Vision"])
        text = taxonomy.read_text(encoding="utf-8")
        renamed = name + " Again"  # and back, the next time
        text = text.replace(renamed, name) if renamed in text else text.replace(name, renamed)
        taxonomy.write_text(text, encoding="utf-8")
        return [taxonomy]

    def break_paper(self) -> Path:
        """A paper file saved with front matter that does not parse; its fields stay as they were."""
        path = self.path(self.rng.choice(sorted(self.fields)))
        path.write_text(path.read_text(encoding="utf-8").replace("title: ", 'title: "unclosed\n', 1), encoding="utf-8")
        return path

    def mend(self, path: Path) -> list[Path]:
        """A file break_paper broke saved as its fields say, unless an edit since removed the paper."""
        number = int(path.stem.removeprefix("paper-"))
        return [self.write(number)] if number in self.fields else []

    def save_digest(self) -> list[Path]:
        """A day's page copy saved with a paper more, or with one of its abstracts corrected."""
        day = self.rng.choice(DAYS)
        papers = self.digests.setdefault(day, [])
        if papers and self.rng.random() < 0.3:
            index = self.rng.randrange(len(papers))
            papers[index] = (papers[index][0], f"We correct {self.words(self.rng.randrange(8, 16))} ({index}).")
        else:
            papers.append((f"Digest paper {day.day}-{len(papers)}: {self.words(3)}",
                           f"We propose {self.words(self.rng.randrange(8, 16))} in a language model ({len(papers)})."))
        path = self.root / "content" / "digests" / f"{day}.txt"
        path.parent.mkdir(exist_ok=True)
        entries = "".join(f"{title}\n\n{abstract}\n\n" for title, abstract in papers)
        path.write_text(f"Daily Papers\n\n{day:%b} {day.day}\n\n{entries}", encoding="utf-8")
        return [path]

    def edit_ingested(self) -> list[Path]:
        """A paper file ingest wrote, retitled, re-topicked or deleted by hand: ingest must keep the
        curator's change (the ledger remembers a deleted paper) however often it reads the digest."""
        ingested = sorted(path for path in (self.root / "content" / "papers").glob("*.md")
                          if not path.stem.startswith("paper-"))
        if not ingested:
            return self.save_digest()
        path = self.rng.choice(ingested)
        how = self.rng.choice(["retitle", "topics", "delete"])
        if how == "delete":
            path.unlink()
            return [path]
        lines = path.read_text(encoding="utf-8").splitlines()
        if how == "retitle":
            lines = [f'title: "{line[8:-1]} revised"' if line.startswith('title: "') else line for line in lines]
        else:
            lines = [f"topics: [{', '.join(self.rng.sample(TOPICS, 2))}]" if line.startswith("topics:") else line
                     for line in lines]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return [path]

    def rename(self) -> list[Path]:
        """A paper file saved under another name, its slug with it: its page moves."""
        number, renamed = self.rng.choice(sorted(self.fields)), self.next_number
        self.next_number += 1
        self.fields[renamed] = self.fields.pop(number)
        self.path(number).unlink()
        return [self.path(number), self.write(renamed)]

    def change_settings(self) -> list[Path]:
        """Smaller or larger topic pages, feeds and day pages in site.yaml."""
        settings = self.root / "content" / "site.yaml"
        sizes = {"topic_page_size": [1, 2, 50], "feed_size": [3, 5], "day_page_size": [2, 3, 100]}
        kept = [line for line in settings.read_text(encoding="utf-8").splitlines()
                if line.split(":")[0] not in sizes]
        chosen = [f"{name}: {self.rng.choice(values)}" for name, values in sizes.items()]
        settings.write_text("\n".join(kept + chosen) + "\n", encoding="utf-8")
        return [settings]

    def random_edit(self) -> tuple[str, list[Path]]:
        rng = self.rng
        edits: dict[str, Callable[[], list[Path]]] = {
            "retitle": lambda: self.change("title", lambda n, _: f"Paper {n}: {self.words(rng.randrange(2, 6))}"),
            "abstract": lambda: self.change("body", lambda n, _: f"We revisit {self.words(rng.randrange(6, 20))} ({n})."),
            "topics": lambda: self.change("topics", lambda n, _: rng.sample(TOPICS, rng.choice([1, 2]))),
            "upvotes": lambda: self.change("upvotes", lambda n, _: rng.choice([None, rng.randrange(0, 60)])),
            "featured": lambda: self.change("featured", lambda n, _: sorted(rng.sample(DAYS, rng.choice([1, 2])))),
            "arxiv id": lambda: self.change("arxiv_id", lambda n, f: "" if f.arxiv_id else f"2508.{10000 + n:05d}"),
            "rewrite": self.rewrite,
            "add": self.add,
            "delete": self.delete if len(self.fields) > 4 else self.add,
            "ranks": lambda: self.change("ranked", lambda n, f: not f.ranked),
            "rename": self.rename,
            "topic renamed": self.rename_topic,
            "settings": self.change_settings,
            "digest": self.save_digest,
            "ingested paper edited": self.edit_ingested,
        }
        kind = rng.choices(list(edits), weights=[3, 2, 3, 3, 3, 2, 2, 2, 2, 2, 2, 1, 1, 3, 2])[0]
        return kind, edits[kind]()

    def open_pages(self) -> set[str]:
        """Pages a reader might have open: some paper pages, the home page, a topic's page."""
        papers = {f"papers/p/paper-{number}/index.html" for number in self.rng.sample(sorted(self.fields), 2)}
        return papers | set(self.rng.sample(["index.html", "topics/vision/index.html", "dates/2025-08-18/index.html"], 1))


def site_built_from_nothing(project: Path, scratch: Path) -> dict[str, str]:
    """The site of the project's content ingested and built with nothing recorded: every digest
    read again (no ingest state, no ingest record), then a build without any cache."""
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(project / "content", scratch / "content")
    (scratch / "content" / "ingest-record.json").unlink(missing_ok=True)
    run_ingest(Project.at(scratch))
    assert build_site(scratch).errors == []
    return snapshot(scratch / "site")


def mismatch(built: dict[str, str], expected: dict[str, str]) -> list[str]:
    """The site paths whose files differ, or that only one of the two sites has."""
    return sorted(path for path in built.keys() | expected.keys() if built.get(path) != expected.get(path))


@pytest.mark.parametrize("seed", [9, 16])
def test_random_edits_rebuilt_by_the_preview_give_the_site_of_a_build_from_nothing(tmp_path, seed):
    project = RandomProject(tmp_path / "project", seed)
    builder = SiteBuilder(project.root)
    assert builder.build().errors == []
    done: list[str] = []
    unbuilt: list[Path] = []  # the saves of a rebuild that failed whole, retried with the next (session.py)

    def rebuild(saved: list[Path]) -> list[str]:
        """The session's rebuild: saved digests ingested first (a broken paper file stops ingest,
        and the digest is retried with the next save), then the paper files ingest wrote built."""
        nonlocal unbuilt
        changed = [*dict.fromkeys(unbuilt + saved)]
        digests = [path for path in changed if path.suffix == ".txt"]
        written: list[Path] = []
        errors = []
        if digests:
            try:
                written = run_ingest(Project.at(project.root), digests).written
            except BuildFailed as failure:
                errors = failure.errors
        result = builder.rebuild(changed + written, defer_data=True, shown=project.open_pages())
        errors += result.errors
        unbuilt = changed if _built(result) is None else digests if errors else []
        return [error.path for error in errors]

    for round_number in range(ROUNDS):
        # A paper file saved broken holds back no other save but one that rebuilds everything (a
        # site.yaml or topics.yaml edit), which waits for the mend; its page stays as last built.
        broken = project.break_paper() if project.rng.random() < 0.3 else None
        # Saves in a burst: the next one comes before the deferred files of the last are written.
        for _ in range(project.rng.choice([1, 1, 2, 3])):
            kind, saved = project.random_edit()
            done.append(kind)
            errors = rebuild(saved + ([broken] if broken else []))
            assert set(errors) <= ({display_path(broken)} if broken else set()), done
        if broken is not None:  # mended (unless an edit rewrote or removed it)
            assert rebuild(project.mend(broken)) == [], done
        builder.write_deferred()
        expected = site_built_from_nothing(project.root, tmp_path / "scratch")
        assert mismatch(snapshot(project.root / "site"), expected) == [], f"round {round_number}, after {done}"


@pytest.mark.parametrize("seed", [3, 4])
def test_random_edits_built_by_digest_build_give_the_site_of_a_build_from_nothing(tmp_path, seed):
    project = RandomProject(tmp_path / "project", seed)
    assert build_site(project.root).errors == []
    done: list[str] = []
    for round_number in range(ROUNDS):
        for _ in range(project.rng.choice([1, 1, 2])):
            done.append(project.random_edit()[0])
        if project.rng.random() < 0.2:  # a build that fails changes nothing in site/
            before, broken = snapshot(project.root / "site"), project.break_paper()
            with pytest.raises(BuildFailed) as failed:
                build_site(project.root)
            assert [error.path for error in failed.value.errors] == [display_path(broken)]
            assert snapshot(project.root / "site") == before, done
            project.mend(broken)
        run_ingest(Project.at(project.root))  # as `digest build` does first
        assert build_site(project.root).errors == []
        expected = site_built_from_nothing(project.root, tmp_path / "scratch")
        assert mismatch(snapshot(project.root / "site"), expected) == [], f"round {round_number}, after {done}"


@pytest.mark.parametrize("seed", [5, 6])
def test_random_edits_deployed_from_fresh_checkouts_give_the_site_of_a_build_from_nothing(tmp_path, seed):
    """As on Netlify: each round a new checkout of the content in the same folder, every file stamped
    anew, with .cache/ and site/ as the last deploy left them; `digest build` there. Some rounds
    the curator ingested before committing (the paper files, the ledger and the ingest record are
    in the checkout), others only the digest was committed (the deploy ingests it)."""
    project = RandomProject(tmp_path / "project", seed)
    deploy, staged = tmp_path / "deploy", tmp_path / "next"
    done: list[str] = []
    for round_number in range(ROUNDS):
        for _ in range(project.rng.choice([1, 1, 2])):
            done.append(project.random_edit()[0])
        if project.rng.random() < 0.5:
            run_ingest(Project.at(project.root))
            done.append("ingested before the commit")
        shutil.copytree(project.root / "content", staged / "content", copy_function=shutil.copyfile)
        if deploy.exists():
            for kept in (".cache", "site"):
                shutil.copytree(deploy / kept, staged / kept, symlinks=True)
            shutil.rmtree(deploy)
        staged.rename(deploy)
        run_ingest(Project.at(deploy))
        assert build_site(deploy).errors == []
        # Against a checkout ingested and built with no cache: the deploy's record and caches must
        # neither lose a digest's papers nor keep any of an older checkout.
        expected = site_built_from_nothing(project.root, tmp_path / "scratch")
        assert mismatch(snapshot(deploy / "site"), expected) == [], f"round {round_number}, after {done}"
