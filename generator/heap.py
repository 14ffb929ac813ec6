"""Pausing Python's cyclic garbage collector around work that makes millions of objects and no cycles.

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
