"""Random digests, front matter and site.yaml through `digest check` and `digest build` in a subprocess.

Whatever the input: the exit code is 0, 1 or 2, nothing prints a traceback, and a failed
command leaves content/ and site/ byte for byte as they were. Fixed seed, a bounded
number of projects, so a run is the same everywhere and stays within seconds.
"""
from __future__ import annotations

import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, ROOT, snapshot

SEED = 20251128
CASES = 10
GOLDEN = FIXTURES / "golden" / "content"

CONFIG_VALUES: dict[str, list[object]] = {
    "title": ["Digest", "", "  ", 7, "a\nb", "T\x00", "[unclosed"],
    "base_url": ["https://example.org/", "https://x.org\nDisallow: /", "javascript:alert(1)", "http://", "https://a b",
                 "ftp://x", 3, "https://[::1"],
    "static_dir": ["static", "/tmp", "../x", ".", ".git", "", "a/../../b", 5],
    "templates_dir": ["templates", "/etc", "..", "layouts", "x\x01"],
    "theme": ["default", "../../etc", "/tmp", "nope", ".hidden", "a/b"],
    "feed_size": [10, 0, -1, "ten", True, 10 ** 30, 2.5],
    "home_days": [1, None, [], {}],
    "colour": ["blue"],
}
DIGEST_LINES = ["Aug 18", "August 32", "2025-02-30", "2025-08-18", "Daily Papers", "A title of a paper",
                "An abstract that goes on for a while about models.", "", "", "x" * 400, "\t", "Subscribe",
                "[link](javascript:alert(1))", "![pixel](https://evil.example/p.png)", "---", "title: x"]
FRONT_MATTER_LINES = ["title: A paper", "title: [unclosed", "slug: skippipe", "slug: ../../etc", "featured: [2025-08-18]",
                      "featured: [2025-02-30]", "featured: yes", "topics: [language-models]", "topics: [languge-models]",
                      "topics: nope", "links:\n- url: javascript:alert(1)\n  kind: code", "topcis: [x]", "\tbad: tab",
                      "title: a\x07b", "authors: [A, B]", "arxiv_id: 2508.01234", "- list item", "key: value: other"]


def random_config(rng: random.Random) -> bytes:
    if rng.random() < 0.15:
        return rng.choice([b"- a list\n", b"\xff\xfe not utf-8\n", b"title: [\n", b"title: a\ntitle: b\n", b""])
    keys = rng.sample(sorted(CONFIG_VALUES), rng.randint(1, 3))
    lines = [f"{key}: {_yaml_value(rng.choice(CONFIG_VALUES[key]))}" for key in keys]
    return ("\n".join(lines) + "\n").encode()


def _yaml_value(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.encode("unicode_escape").decode().replace('"', '\\"') + '"'
    return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def random_digest(rng: random.Random) -> bytes:
    text = "\n".join(rng.choice(DIGEST_LINES) for _ in range(rng.randint(0, 30)))
    data = text.encode()
    return data + b"\xff\xfe" if rng.random() < 0.1 else data


VALID_PAPER = ["title: A fuzzed paper", "slug: fuzzed", "featured: [2025-08-18]", "topics: [language-models]"]


def random_paper(rng: random.Random) -> bytes:
    if rng.random() < 0.4:  # a valid paper with a hostile body
        lines = VALID_PAPER
    else:
        lines = rng.sample(FRONT_MATTER_LINES, rng.randint(0, 7))
    body = rng.choice(["An abstract.", "![x](https://evil.example/pixel.png)", "", "<script>alert(1)</script>"])
    opener = rng.choice(["---\n", "---\n", "--\n", ""])
    return f"{opener}{chr(10).join(lines)}\n---\n{body}\n".encode()


MUTATIONS: list[tuple[str, Callable[[random.Random], bytes]]] = [
    ("site.yaml", random_config),
    ("digests/2025-08-18.txt", random_digest),
    ("papers/skippipe.md", random_paper),
    ("papers/fuzzed.md", random_paper),
]


@pytest.fixture(scope="module")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("fuzz") / "base"
    shutil.copytree(GOLDEN, project / "content")
    assert digest(project, "build").returncode == 0
    return project


def digest(project: Path, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", "--project", str(project), command],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def add_odd_entry(project: Path, rng: random.Random) -> None:
    """Something in papers/ that is not a file: a folder or a broken link."""
    path = project / "content" / "papers" / rng.choice(["folder.md", "broken.md"])
    path.mkdir() if path.name == "folder.md" else path.symlink_to("nowhere.md")


def mutate(project: Path, rng: random.Random) -> None:
    count = 1 if rng.random() < 0.6 else rng.randint(2, len(MUTATIONS))
    for name, make in rng.sample(MUTATIONS, count):
        path = project / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make(rng))
    if rng.random() < 0.35:
        add_odd_entry(project, rng)


@pytest.mark.parametrize("case", range(CASES))
def test_random_projects_get_messages_and_lose_nothing(built_project: Path, tmp_path: Path, case: int) -> None:
    rng = random.Random(SEED + case)
    project = tmp_path / "project"
    shutil.copytree(built_project, project, symlinks=True)
    mutate(project, rng)
    content, site = snapshot(project / "content"), snapshot(project / "site")
    for command in ("check", "build"):
        result = digest(project, command)
        output = result.stdout + result.stderr
        assert result.returncode in (0, 1, 2), output
        assert "Traceback" not in output, output
        if result.returncode != 0:
            assert snapshot(project / "content") == content, f"{command} changed content/: {output}"
            assert snapshot(project / "site") == site, f"{command} changed site/: {output}"
