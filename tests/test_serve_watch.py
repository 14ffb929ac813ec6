"""Watching: bursts of changes become one batch; editor noise and plain reads are ignored."""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from test_serve_support import wait_for

from generator.preview.watch import Debouncer, FolderWatcher, is_editor_noise


class BatchRecorder:
    def __init__(self):
        self.batches: list[set[Path]] = []
        self.lock = threading.Lock()

    def __call__(self, batch: set[Path]) -> None:
        with self.lock:
            self.batches.append(batch)

    def all_paths(self) -> set[Path]:
        with self.lock:
            return set().union(*self.batches) if self.batches else set()


@pytest.fixture
def watched(tmp_path: Path):
    folder = tmp_path / "content"
    (folder / "papers").mkdir(parents=True)
    (folder / "papers" / "a.md").write_text("first\n")
    recorder = BatchRecorder()
    debouncer = Debouncer(recorder, quiet_seconds=0.15)
    watcher = FolderWatcher(debouncer)
    watcher.watch_folder(folder)
    watcher.start()
    debouncer.start()
    yield folder, recorder
    watcher.stop()
    debouncer.stop()


@pytest.mark.parametrize("name", ["a.md.swp", ".a.md.swx", "a.md~", "4913", ".#a.md", "#a.md#", ".a.md.x1y2.tmp", "sedsU5dDh"])
def test_editor_files_are_noise(name):
    assert is_editor_noise(Path("content/papers") / name)


@pytest.mark.parametrize("name", ["a.md", "topics.yaml", "2025-08-18.txt", "site.yaml", "2508.01234.md"])
def test_source_files_are_not_noise(name):
    assert not is_editor_noise(Path("content") / name)


def test_a_save_is_reported_once(watched):
    folder, recorder = watched
    (folder / "papers" / "a.md").write_text("second\n")
    assert wait_for(lambda: recorder.batches)
    time.sleep(0.4)
    assert recorder.batches == [{folder / "papers" / "a.md"}]


def test_a_vim_style_save_reports_only_the_real_file(watched):
    folder, recorder = watched
    papers = folder / "papers"
    (papers / "4913").write_text("")
    (papers / "4913").unlink()
    (papers / ".a.md.swp").write_bytes(b"swap")
    (papers / "a.md~").write_text("first\n")
    (papers / "a.md").write_text("edited\n")
    (papers / "a.md~").unlink()
    (papers / ".a.md.swp").unlink()
    assert wait_for(lambda: recorder.batches)
    time.sleep(0.4)
    assert recorder.all_paths() == {papers / "a.md"}


def test_a_checkout_touching_many_files_is_one_batch(watched):
    folder, recorder = watched
    for number in range(300):
        (folder / "papers" / f"paper-{number}.md").write_text(f"paper {number}\n")
    assert wait_for(lambda: recorder.batches)
    time.sleep(0.5)
    assert len(recorder.batches) == 1
    assert len(recorder.batches[0]) == 300


def test_an_atomic_write_reports_the_final_name(watched):
    folder, recorder = watched
    temporary = folder / "papers" / ".b.md.k2j3.tmp"
    temporary.write_text("new paper\n")
    temporary.rename(folder / "papers" / "b.md")
    assert wait_for(lambda: recorder.batches)
    time.sleep(0.3)
    assert recorder.all_paths() == {folder / "papers" / "b.md"}


def assert_still_watching(folder: Path, recorder: BatchRecorder) -> None:
    """The positive control of a "nothing happened" test: a real save right after is reported."""
    (folder / "papers" / "control.md").write_text("a real change\n")
    assert wait_for(lambda: folder / "papers" / "control.md" in recorder.all_paths())


def test_reading_files_is_not_a_change(watched):
    folder, recorder = watched
    for _ in range(5):
        (folder / "papers" / "a.md").read_text()
    time.sleep(0.5)
    assert recorder.batches == []
    assert_still_watching(folder, recorder)


def test_deleting_a_file_is_a_change(watched):
    folder, recorder = watched
    (folder / "papers" / "a.md").unlink()
    assert wait_for(lambda: recorder.batches)
    assert folder / "papers" / "a.md" in recorder.all_paths()


def test_changes_during_a_slow_batch_wait_for_the_next_one(tmp_path):
    started, release = threading.Event(), threading.Event()
    batches: list[set[Path]] = []

    def slow_rebuild(batch: set[Path]) -> None:
        batches.append(batch)
        started.set()
        release.wait(5)

    debouncer = Debouncer(slow_rebuild, quiet_seconds=0.05)
    debouncer.start()
    try:
        debouncer.add([tmp_path / "one"])
        assert started.wait(5)
        debouncer.add([tmp_path / "two"])
        debouncer.add([tmp_path / "three"])
        time.sleep(0.2)
        assert len(batches) == 1  # one rebuild at a time
        release.set()
        assert wait_for(lambda: len(batches) == 2)
        assert batches == [{tmp_path / "one"}, {tmp_path / "two", tmp_path / "three"}]
    finally:
        release.set()
        debouncer.stop()


def test_a_change_while_the_first_work_runs_is_told_once_and_waits_for_it(tmp_path):
    loading, release = threading.Event(), threading.Event()
    batches: list[set[Path]] = []
    told: list[list[Path]] = []

    def first() -> None:
        loading.set()
        release.wait(5)

    def tell(paths: list[Path]) -> bool:
        told.append(paths)
        return True

    debouncer = Debouncer(batches.append, quiet_seconds=0.02, first=first, waiting_for_first=tell)
    debouncer.start()
    try:
        assert loading.wait(5)
        debouncer.add([tmp_path / "one.md"])
        debouncer.add([tmp_path / "two.md"])
        time.sleep(0.1)
        assert told == [[tmp_path / "one.md"]]  # at once, and once: not again for the second save
        assert batches == []  # the batch waits for the first work
        release.set()
        assert wait_for(lambda: len(batches) == 1)
        assert batches == [{tmp_path / "one.md", tmp_path / "two.md"}]
        debouncer.add([tmp_path / "three.md"])
        assert wait_for(lambda: len(batches) == 2)
        assert told == [[tmp_path / "one.md"]]  # after it, changes are not waiting for it
    finally:
        release.set()
        debouncer.stop()


def test_a_burst_of_many_files_waits_longer_for_quiet_than_one_save(tmp_path):
    batches: list[set[Path]] = []
    debouncer = Debouncer(batches.append, quiet_seconds=0.05, burst_quiet_seconds=1.0)
    debouncer.start()
    try:
        debouncer.add([tmp_path / "one.md"])
        assert wait_for(lambda: len(batches) == 1, timeout=0.9)  # one save: reported after the short quiet time
        many = [tmp_path / f"paper-{number}.md" for number in range(8)]
        debouncer.add(many[:5])
        time.sleep(0.3)  # a pause inside a checkout on a busy machine
        debouncer.add(many[5:])
        assert wait_for(lambda: len(batches) == 2)
        assert batches[1] == set(many)  # the pause did not split the burst
    finally:
        debouncer.stop()


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=folder, check=True,
                   capture_output=True)


def test_a_real_git_checkout_is_one_batch(tmp_path):
    if shutil.which("git") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("git is missing; CI must run the checkout test", pytrace=False)
        pytest.skip("git is not installed")
    folder = tmp_path / "content"
    (folder / "papers").mkdir(parents=True)
    git(folder, "init", "-q", "-b", "main")
    for number in range(200):
        (folder / "papers" / f"paper-{number}.md").write_text(f"version one of {number}\n")
    git(folder, "add", ".")
    git(folder, "commit", "-q", "-m", "one")
    git(folder, "checkout", "-q", "-b", "edits")
    for number in range(200):
        (folder / "papers" / f"paper-{number}.md").write_text(f"version two of {number}\n")
    git(folder, "commit", "-q", "-am", "two")

    recorder = BatchRecorder()
    debouncer = Debouncer(recorder)  # the quiet time `digest serve` uses
    watcher = FolderWatcher(debouncer)
    watcher.watch_folder(folder / "papers")  # as content/papers/ would be; .git/ is the repository's own business
    watcher.start()
    debouncer.start()
    try:
        git(folder, "checkout", "-q", "main")
        assert wait_for(lambda: recorder.batches)
        time.sleep(0.5)
        assert len(recorder.batches) == 1
        assert len(recorder.batches[0]) == 200
    finally:
        watcher.stop()
        debouncer.stop()


def test_a_failing_callback_does_not_end_watching(tmp_path, capsys):
    batches: list[set[Path]] = []

    def flaky(batch: set[Path]) -> None:
        batches.append(batch)
        if len(batches) == 1:
            raise RuntimeError("callback bug")

    debouncer = Debouncer(flaky, quiet_seconds=0.02)
    debouncer.start()
    try:
        debouncer.add([tmp_path / "one"])
        assert wait_for(lambda: len(batches) == 1)
        debouncer.add([tmp_path / "two"])
        assert wait_for(lambda: len(batches) == 2)
    finally:
        debouncer.stop()
    assert "RuntimeError: callback bug" in capsys.readouterr().err


def test_files_in_hidden_folders_are_not_content(watched):
    folder, recorder = watched
    (folder / ".obsidian").mkdir()
    (folder / ".obsidian" / "workspace.json").write_text("{}")
    time.sleep(0.5)
    assert recorder.batches == []
    assert_still_watching(folder, recorder)


def test_the_debouncer_says_when_changes_wait_so_long_work_can_give_way(tmp_path):
    release = threading.Event()
    debouncer = Debouncer(lambda paths: release.wait(5), quiet_seconds=0.01)
    debouncer.start()
    try:
        assert not debouncer.has_pending()
        debouncer.add([tmp_path / "a.md"])
        wait_for(lambda: not debouncer.has_pending())  # taken by the worker, which is busy with it
        debouncer.add([tmp_path / "b.md"])
        assert debouncer.has_pending()
    finally:
        release.set()
        debouncer.stop()


def test_a_file_closed_after_writing_is_rebuilt_without_waiting_the_quiet_time(tmp_path):
    # A save's last event says the file is complete: the reload need not wait for silence.
    recorder = BatchRecorder()
    debouncer = Debouncer(recorder, quiet_seconds=2.0)
    debouncer.start()
    try:
        started = time.monotonic()
        debouncer.add([tmp_path / "a.md"], complete=True)
        assert wait_for(lambda: recorder.batches, timeout=1.5)
        assert time.monotonic() - started < 1.0
        debouncer.add([tmp_path / "a.md"], complete=True)
        debouncer.add([tmp_path / "b.md"])  # modified, not closed yet: the whole burst waits
        time.sleep(1.0)
        assert len(recorder.batches) == 1
        assert wait_for(lambda: len(recorder.batches) == 2, timeout=3)
    finally:
        debouncer.stop()



def test_an_own_write_seen_while_it_is_being_recorded_is_still_ignored(tmp_path, monkeypatch):
    """The watcher's thread may check a file against the worker's own writes just before the
    worker records it: the file must not then wait as a change (a rebuild told "nothing on the
    site changed" for ingest's own record)."""
    from generator.preview import watch

    record = tmp_path / "ingest-record.json"
    record.write_text("first")
    debouncer = Debouncer(lambda paths: None)
    debouncer.ignore_own_writes([record])  # the last ingest's write
    record.write_text("second write")  # the next ingest's, not yet recorded
    checking, go_on = threading.Event(), threading.Event()
    real_stamp = watch.file_stamp

    def stamp_in_between(path: Path):
        if threading.current_thread().name == "watcher":
            checking.set()
            go_on.wait(5)
        return real_stamp(path)

    monkeypatch.setattr(watch, "file_stamp", stamp_in_between)
    watcher = threading.Thread(target=debouncer.add, args=([record],), name="watcher")
    watcher.start()
    assert checking.wait(5)
    recording = threading.Thread(target=debouncer.ignore_own_writes, args=([record],))
    recording.start()
    recording.join(0.5)  # done by now, unless it waits for the watcher's check to end
    go_on.set()
    watcher.join(5)
    recording.join(5)
    assert debouncer.pending() == set()
