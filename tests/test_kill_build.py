"""`digest build` killed with -9 at random moments: site/ is always one complete build, and
nothing the killed run started lives on or stays behind."""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, snapshot

SEED = 99
KILLS = 20
SEED_CONTENT = ROOT / "content"  # the seed site: enough papers for a build to take a moment


def start_build(project: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "generator", "--project", str(project), "build"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)


def build(project: Path) -> None:
    process = start_build(project)
    assert process.wait(timeout=120) == 0


def set_variant(project: Path, variant: int) -> None:
    (project / "content" / "site.yaml").write_text(f"title: Variant {variant}\n")


def alive(pid: int) -> bool:
    """Whether pid runs (a zombie waiting to be reaped has stopped running)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(SEED_CONTENT, project / "content")
    return project


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_kill_9_at_random_moments_leaves_a_complete_site(project: Path) -> None:
    expected = {}
    for variant in (0, 1):
        set_variant(project, variant)
        started = time.monotonic()
        build(project)
        duration = time.monotonic() - started
        expected[variant] = snapshot(project / "site")
    rng = random.Random(SEED)
    for kill in range(KILLS):
        set_variant(project, kill % 2)
        process = start_build(project)
        time.sleep(rng.uniform(0.0, duration * 1.2))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        site = snapshot(project / "site")
        assert site in (expected[0], expected[1]), f"kill {kill}: site/ is not one complete build"
    set_variant(project, 0)
    build(project)
    assert snapshot(project / "site") == expected[0]
    assert sorted(path.name for path in project.iterdir() if path.name.startswith(".site-")) == []


WORKER_SCRIPT = """
import os, time
from generator.build import parallel

def nap():
    print(os.getpid(), flush=True)
    time.sleep(120)

parallel.ForkedCall("nap", nap).result()
"""


def test_forked_workers_die_with_their_parent() -> None:
    # The search process, the related papers' and any page helper are each a ForkedCall.
    parent = subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    assert alive(worker)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(timeout=30)
    deadline = time.monotonic() + 10
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(worker)


CTRL_C_IN_A_FORK = """
import os, signal
from generator.build.parallel import ForkedCall
os.register_at_fork(before=lambda: os.kill(os.getpid(), signal.SIGINT))  # Ctrl-C as the fork starts
try:
    call = ForkedCall("mask", signal.pthread_sigmask, signal.SIG_BLOCK, [])
except KeyboardInterrupt:
    print("stopped")
else:
    print("went on")
"""


def test_ctrl_c_in_the_middle_of_a_fork_stops_the_command() -> None:
    """Raised inside the fork's callbacks, Python would print it as ignored and drop it."""
    result = subprocess.run([sys.executable, "-c", CTRL_C_IN_A_FORK], capture_output=True, text=True, cwd=ROOT,
                            timeout=60)
    assert result.stdout.strip() == "stopped", result.stderr
    assert "Exception ignored" not in result.stderr


def test_a_forked_worker_takes_ctrl_c_again() -> None:
    from generator.build.parallel import ForkedCall

    held = ForkedCall("mask", signal.pthread_sigmask, signal.SIG_BLOCK, []).result()
    assert signal.SIGINT not in held and signal.SIGTERM not in held


def test_the_swap_never_leaves_a_moment_without_a_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.build import staging

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("old")
    staged = staging.StagedSite(site)
    staged.write("index.html", b"new")

    def no_two_step_renames(source: object, target: object) -> None:
        raise AssertionError("site/ was moved away before the new one was in place")

    monkeypatch.setattr(staging.os, "rename", no_two_step_renames)
    staged.commit()
    assert (site / "index.html").read_text() == "new"
    assert [path.name for path in tmp_path.iterdir()] == ["site"]
