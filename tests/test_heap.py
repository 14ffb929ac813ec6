"""Memory handed back to the system before a build forks its workers (generator/heap.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from generator import heap
from generator.build import parallel

STATUS = Path("/proc/self/status")
needs_trim = pytest.mark.skipif(not STATUS.exists() or heap._malloc_trim() is None,
                                reason="needs Linux's /proc and glibc's malloc_trim")


def resident_mb() -> float:
    line = next(line for line in STATUS.read_text().splitlines() if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def free_between_kept_objects() -> list[bytes]:
    """~40 MB freed in blocks between small objects still alive, which are returned: the allocator
    keeps the freed pages until trimmed."""
    freed, kept = [], []
    for number in range(2000):
        freed.append(b"x" * 20_000 + str(number).encode())
        kept.append(b"k" * 600 + str(number).encode())
    return kept


@needs_trim
def test_memory_freed_between_objects_that_stay_goes_back_to_the_system():
    kept = free_between_kept_objects()
    before = resident_mb()
    heap.return_freed_memory()
    assert before - resident_mb() > 25  # of the ~40 MB freed
    assert len(kept) == 2000


@needs_trim
def test_the_related_papers_process_does_not_carry_memory_freed_before_it_forks(monkeypatch):
    # At 80,000 papers an ingest before the build left ~100 MB freed, which this process carried:
    # the largest of the build's.
    monkeypatch.setattr(parallel, "related_papers", lambda papers, cache_file: resident_mb())
    kept = free_between_kept_objects()
    before = resident_mb()
    assert before - parallel.related_ahead([], None).result() > 25  # of the ~40 MB freed
    assert len(kept) == 2000
