"""One writer at a time: the project lock, and the clean-up of what a killed run left behind.

Commands that write (build, ingest, serve, new, retopic, enrich) hold an exclusive
`flock` on `.cache/lock`, which also holds the holder's pid for the message a second
command prints. The kernel releases the lock when its process dies, however it dies,
so a lock left by a killed run never blocks the next one; that next run then removes
the staging folders and temporary files the killed one left.
"""
from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.project import Project

LOCK_FILE = "lock"  # in the project's cache folder
# What a killed run can leave: site/ being built or being replaced, and files written through
# a temporary file and a rename (files.write_file_atomic names them `.<name>.<random>.tmp`).
STAGING_PATTERNS = (".site-build-*", ".site-old-*")


class ProjectBusy(Exception):
    """Another digest command holds the project lock."""

    def __init__(self, pid: str):
        super().__init__(f"another digest command (pid {pid or 'unknown'}) is using this project; "
                         "wait for it or stop it")
        self.pid = pid


class LockUnavailable(Exception):
    """The lock file cannot be made (a read-only .cache/); the command goes on without it."""


@contextmanager
def project_lock(project: Project) -> Iterator[bool]:
    """Holds the project's lock; raises ProjectBusy when another command holds it, and
    LockUnavailable when the cache folder cannot be written. Gives whether the last holder was
    killed or interrupted: it leaves its pid in the file, which a holder that ends normally (or
    with an error) empties. Without a lock file, that is not known, and the answer is yes."""
    path = project.cache_dir / LOCK_FILE
    # No lock file: .cache/ was deleted, perhaps after a run was killed; what that run left is
    # searched for as if it had been (a fresh clone pays one search of the content folders).
    unknown = not path.exists()
    descriptor = _open_lock_file(path)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ProjectBusy(_holder(descriptor)) from None
        killed = unknown or bool(_holder(descriptor))
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        try:
            yield killed
        except Exception:  # an error: writers removed their own temporary files as they stopped
            os.ftruncate(descriptor, 0)
            raise
        # Ctrl-C or a signal (a BaseException) may come in the middle of a writer's clean-up: the
        # pid stays, so that the next run searches the content folders as after a kill.
        os.ftruncate(descriptor, 0)
    finally:
        os.close(descriptor)  # closing releases the lock


def _open_lock_file(path: Path) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise LockUnavailable(f"cannot use {path}: {error.strerror or error}") from None


def _holder(descriptor: int) -> str:
    try:
        return os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""


def remove_leftovers(project: Project, killed: bool = True) -> list[Path]:
    """Staging folders and temporary files a killed run left; call only while holding the lock,
    when no other run can be using them. Returns what was removed. killed: project_lock says the
    last run was killed; only then are the content folders searched for temporary files (80 ms
    of every command's start-up in a folder of 80,000 papers); .cache/ always is."""
    from generator.build.staging import restore_site

    restore_site(project.site)
    removed: list[Path] = []
    site_parent = project.site.parent
    for pattern in STAGING_PATTERNS:
        for folder in site_parent.glob(pattern):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    # .cache/ is small, and a run that was not killed may leave a temporary file there too: a forked
    # worker it stopped on a failure elsewhere, while the worker wrote its cache (parallel.ForkedCall).
    searched = (project.root, project.content, project.papers, project.digests) if killed else ()
    for folder in (*searched, project.cache_dir):
        for temporary in _temporary_files(folder):
            Path(temporary).unlink(missing_ok=True)
            removed.append(Path(temporary))
    return removed


def _temporary_files(folder: Path) -> list[str]:
    """`.*.tmp` files in folder. Matched by hand: Path.glob's pattern test took 80 ms of every
    command's start-up in a folder of 80,000 papers."""
    try:
        with os.scandir(folder) as entries:
            return [entry.path for entry in entries if entry.name.startswith(".") and entry.name.endswith(".tmp")
                    and entry.is_file(follow_symlinks=False)]
    except (FileNotFoundError, NotADirectoryError):
        return []
