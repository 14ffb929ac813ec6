"""Keeping Python's cyclic garbage collector off work that makes millions of objects and no cycles.

Loading 80,000 papers, ingesting them and building the search index each make millions
of small objects; the collector walked the growing heap again and again for nothing (a
third of the time of a load from the cache). Memory is still freed as soon as it is
unused: reference counting does not pause.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
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
