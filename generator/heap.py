"""The process's heap: the cyclic garbage collector kept off work that makes millions of objects
and no cycles, and freed memory handed back to the system before a build forks.

Loading 80,000 papers, ingesting them and building the search index each make millions
of small objects; the collector walked the growing heap again and again for nothing (a
third of the time of a load from the cache). Memory is still freed as soon as it is
unused: reference counting does not pause.
"""
from __future__ import annotations

import ctypes
import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def settle(collect: bool = False) -> None:
    """Everything alive now is long-lived state (the dev server's, kept for the next edit): the
    collector stops walking it. A full collection over 80,000 papers' state took a second, and
    came in the middle of a rebuild. What dies later is still freed by reference counting (papers,
    sites and pages hold no cycles). collect: first collect what earlier calls kept back, after
    work that replaced state with cycles (a new template environment, say)."""
    if collect:
        gc.unfreeze()
        gc.collect()
    gc.freeze()


def return_freed_memory() -> None:
    """Give the pages of freed memory back to the system before forking. A forked process's
    resident memory counts every page of its parent's that was resident at the fork, and after
    ingest at 80,000 papers glibc kept ~100 MB of freed pages: the search process and each
    page helper carried them as their own."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to give back this way
        return None
