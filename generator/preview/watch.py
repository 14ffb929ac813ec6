"""Watch source folders and hand each burst of changes to one callback call.

A save in an editor is several file system events (a probe file, a swap file,
a rename); a `git checkout` is hundreds. The Debouncer waits until the folders
have been quiet for a moment and then reports every changed path at once, so
each burst costs one rebuild. Callbacks run one at a time on a single worker
thread: changes that arrive during a rebuild wait for the next batch.
"""
from __future__ import annotations

import os
import re
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch

from generator.cache import file_stamp
from generator.files import is_hidden_name

QUIET_SECONDS = 0.05  # one save: its events come within milliseconds; waiting longer only delays the reload
# When the last event of every changed file says it is complete (closed after writing, or renamed
# into place), only the events of the same save that may still come are waited for.
COMPLETE_QUIET_SECONDS = 0.01
# Many files at once is a checkout, a copy or a script: wait longer, because on a busy
# machine such a burst can pause for a moment and must still become one rebuild.
BURST_FILES = 5
BURST_QUIET_SECONDS = 0.3

# Only events that mean "the content changed"; reading a file (opened, closed
# without writing) must not count, or the build's own reads would start a rebuild.
CONTENT_EVENTS = frozenset({"created", "modified", "deleted", "moved", "closed"})


SED_TEMPORARY = re.compile(r"sed[A-Za-z0-9]{6}")


def is_editor_noise(path: Path) -> bool:
    """Files editors and tools write next to the real one: swap, backup, lock, probe files."""
    name = path.name
    return (
        is_hidden_name(name)  # .file.swp, .#file (Emacs lock), #file# (Emacs autosave)
        or name.endswith(("~", ".swp", ".swo", ".swx", ".tmp", ".part", ".crdownload"))
        or name == "4913"  # Vim probes whether it may write in the folder
        or SED_TEMPORARY.fullmatch(name) is not None  # `sed -i` writes sedXXXXXX, then renames it
    )


class Debouncer:
    """Collects changed paths and calls `on_batch(paths)` once they stop coming."""

    def __init__(self, on_batch: Callable[[set[Path]], None], quiet_seconds: float = QUIET_SECONDS,
                 burst_quiet_seconds: float = BURST_QUIET_SECONDS, first: Callable[[], None] | None = None,
                 waiting_for_first: Callable[[list[Path]], bool] | None = None):
        """first: run on the worker thread before any batch (changes meanwhile wait for it).
        waiting_for_first: called with the paths another thread (the watcher's) adds while `first`
        runs, so that whoever saved them hears why nothing happens yet; once it says True
        (it told them), not again."""
        self._on_batch = on_batch
        self._first = first
        self._waiting_for_first = waiting_for_first
        self._first_running = False
        self._told_waiting = False
        self._quiet_seconds = quiet_seconds
        self._burst_quiet_seconds = max(quiet_seconds, burst_quiet_seconds)
        self._pending: dict[Path, bool] = {}  # changed path -> whether its last event said it is complete
        self._own_writes: dict[Path, tuple[int, int]] = {}  # see ignore_own_writes
        self._last_change = 0.0
        self._stopping = False
        self._condition = threading.Condition()
        self._worker = threading.Thread(target=self._run, name="digest-rebuild", daemon=True)

    def add(self, paths: Iterable[Path], complete: bool = False) -> None:
        """complete: the files were closed after writing or renamed into place (see
        COMPLETE_QUIET_SECONDS); a file created, modified or removed may change again at once."""
        with self._condition:
            # Checked under the lock that ignore_own_writes records them under: checked just before
            # and added just after, a write recorded meanwhile would wait as a change.
            paths = [path for path in paths if not self._is_own_write(path)]
            if not paths:
                return
            self._pending.update(dict.fromkeys(paths, complete))
            self._last_change = time.monotonic()
            self._condition.notify()
            tell = self._first_running and not self._told_waiting and threading.current_thread() is not self._worker
        if tell and self._waiting_for_first is not None and self._waiting_for_first(paths):
            with self._condition:
                self._told_waiting = True

    def ignore_own_writes(self, paths: Iterable[Path]) -> None:
        """Files the worker has just written itself (ingest's paper files and records), which it
        builds from at once: their events, come or still to come, are no change while the files
        stay as written. Each call replaces the files of the one before."""
        stamps = {path: stamp for path in paths if (stamp := file_stamp(path)) is not None}
        with self._condition:
            self._own_writes = stamps
            for path in [path for path in self._pending if path in stamps]:
                if self._is_own_write(path):
                    del self._pending[path]

    def _is_own_write(self, path: Path) -> bool:
        written = self._own_writes.get(path)
        return written is not None and written == file_stamp(path)

    def has_pending(self) -> bool:
        """Whether changes wait for the worker: long work on it can stop and let them through."""
        with self._condition:
            return bool(self._pending)

    def pending(self) -> set[Path]:
        """The changed paths waiting for the worker, now."""
        with self._condition:
            return set(self._pending)

    def start(self) -> None:
        self._first_running = self._first is not None  # from now: a change added meanwhile waits for it
        self._worker.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify()
        if self._worker.is_alive():
            self._worker.join(timeout)

    def finished(self) -> bool:
        """Whether the worker has ended (after stop), so that nothing it does is under way."""
        return not self._worker.is_alive()

    def _run(self) -> None:
        if self._first is not None:
            try:
                self._first()
            except Exception:
                traceback.print_exc()
            finally:
                with self._condition:
                    self._first_running = False
        while (batch := self._next_batch()) is not None:
            try:
                self._on_batch(batch)
            except Exception:  # the callback's bug must not silently end watching for the rest of the session
                traceback.print_exc()

    def _next_batch(self) -> set[Path] | None:
        """Blocks until a burst of changes has settled; None when stopping."""
        with self._condition:
            while not self._stopping:
                if not self._pending:
                    self._condition.wait()
                    continue
                remaining = self._last_change + self._quiet_time() - time.monotonic()
                if remaining <= 0:
                    batch, self._pending = set(self._pending), {}
                    return batch
                self._condition.wait(remaining)
            return None


    def _quiet_time(self) -> float:
        if len(self._pending) >= BURST_FILES:
            return self._burst_quiet_seconds
        return min(COMPLETE_QUIET_SECONDS, self._quiet_seconds) if all(self._pending.values()) else self._quiet_seconds


class _ChangeHandler(FileSystemEventHandler):
    def __init__(self, debouncer: Debouncer, folder: Path, accept: Callable[[Path], bool] | None = None):
        self._debouncer = debouncer
        self._folder = folder
        self._accept = accept

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in CONTENT_EVENTS:
            return
        if event.is_directory and event.event_type == "modified":
            return  # a folder's mtime changes with every file in it; the file event says more
        source = self._accepted(Path(os.fsdecode(event.src_path)))
        target = self._accepted(Path(os.fsdecode(event.dest_path))) if event.dest_path else []
        # Complete: closed after writing, or renamed into place (an editor's atomic save). A file
        # renamed away is not: vim renames the old file to a backup before writing the new one.
        if source:
            self._debouncer.add(source, complete=event.event_type == "closed")
        if target:
            self._debouncer.add(target, complete=True)

    def _accepted(self, path: Path) -> list[Path]:
        """[path] when it is content (not editor noise, not in a hidden folder, accepted); else []."""
        keep = not is_editor_noise(path) and not self._in_hidden_folder(path) and (self._accept is None or self._accept(path))
        return [path] if keep else []

    def _in_hidden_folder(self, path: Path) -> bool:
        """Inside .git/, .obsidian/, .idea/ and the like: tools' state, not content."""
        try:
            parts = path.relative_to(self._folder).parts[:-1]
        except ValueError:
            return False
        return any(part.startswith(".") for part in parts)


@dataclass(frozen=True)
class _Watch:
    observed: ObservedWatch
    # The folder the watch was made for, held open: a folder deleted while watched keeps its inode
    # as long as it is held, so one made in its place, which the watch never reports on, has another.
    # None where a folder cannot be opened (Windows): the watch is then taken to last.
    handle: int | None


class FolderWatcher:
    """Watches folders (recursively), feeding one Debouncer."""

    def __init__(self, debouncer: Debouncer):
        self._debouncer = debouncer
        self._observer = Observer()
        self._observer.daemon = True
        self._recursive: dict[Path, _Watch] = {}

    def watch_folder(self, folder: Path, recursive: bool = True, accept: Callable[[Path], bool] | None = None) -> None:
        """accept: reports only the paths it accepts (all of them without it). A folder watched
        before is watched anew: its old watch ended with the folder it was made for."""
        if (old := self._recursive.pop(folder, None)) is not None:
            self._observer.unschedule(old.observed)
            _close(old.handle)
        handler = _ChangeHandler(self._debouncer, folder, accept)
        observed = self._observer.schedule(handler, str(folder), recursive=recursive)
        if recursive:
            self._recursive[folder] = _Watch(observed, _open_folder(folder))

    def watches(self, folder: Path) -> bool:
        """Whether the folder is watched as it is now, by its own watch or a parent's. A folder
        deleted or moved away, then made again (a checkout of a branch without it, and back), is
        another folder: the watch of the old one reports nothing in it."""
        return any((folder == watched or watched in folder.parents) and _is_folder_at(watch.handle, watched)
                   for watched, watch in self._recursive.items())

    def start(self) -> None:
        self._observer.start()

    def stop(self) -> None:
        self._observer.stop()
        if self._observer.is_alive():
            self._observer.join(timeout=5.0)
        for watch in self._recursive.values():
            _close(watch.handle)
        self._recursive.clear()


def _open_folder(folder: Path) -> int | None:
    try:
        return os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return None


def _close(handle: int | None) -> None:
    if handle is not None:
        os.close(handle)


def _is_folder_at(handle: int | None, path: Path) -> bool:
    """Whether the open folder is the one at path now (without one, whether a folder is there)."""
    if handle is None:
        return path.is_dir()
    try:
        held, there = os.fstat(handle), path.stat()
    except OSError:
        return False
    return (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)
