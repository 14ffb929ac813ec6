"""Large per-item work on every core: forked worker processes, results in order.

Parsing paper files (a cold load), assigning topics and formatting paper files each
depend on one item only, and are most of an 80,000-paper ingest's CPU time. The
workers are forked, so they inherit the items and whatever else the work reads as
they are when the pool starts instead of receiving them pickled: only chunk bounds go
out, and only results come back. Forking is safe only in a process running no other
thread: the preview loads and ingests from its rebuild thread, so there the work stays
in that thread; the command line starts none (the pool's own threads start after its
workers, see ProcessPoolExecutor with the fork context).

Small work (the seed, one new day) is done in the calling process: starting the
workers costs more than they save there (see PARALLEL_FROM).
"""
from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from generator.errors import BuildFailed, SourceError

if TYPE_CHECKING:
    from concurrent.futures import Future

PARALLEL_FROM = 2000  # items; measured, see bench/RESULTS.md "ingest on both cores"
MAX_WORKERS = 8

Item = TypeVar("Item")
Result = TypeVar("Result")
Work = Callable[[int, int], list[Any]]  # work(start, stop): the results of items start..stop-1

_work_in_worker: Work | None = None  # set by the pool's initializer in each forked worker


def worth_forking(count: int, threshold: int | None = None) -> bool:
    """Whether `count` items are worth the workers' start-up (at least `threshold` of them,
    PARALLEL_FROM by default), there are cores to use, and forking is safe (no other thread: a
    lock another thread holds would stay held in the workers)."""
    enough = count >= (PARALLEL_FROM if threshold is None else threshold)
    return enough and worker_count() > 1 and threading.active_count() == 1 and hasattr(os, "fork")


def worker_count() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(cores, MAX_WORKERS)


def map_in_order(function: Callable[[Item], Result], items: Sequence[Item], chunk_size: int,
                 threshold: int | None = None,
                 in_worker: Callable[[Item], Result] | None = None) -> Results[Result]:
    """function(item) of each item, in order: by forked workers in chunks of chunk_size, which
    start now (see results_in_order), when worth_forking(len(items), threshold); else in this
    process, as the results are taken. in_worker: what a worker applies instead, for results
    that travel back lighter."""
    if not worth_forking(len(items), threshold):
        return (function(item) for item in items)
    return results_in_order(partial(_apply_to_range, in_worker or function, items), len(items), chunk_size)


def map_started(function: Callable[[Item], Result], items: Sequence[Item], chunk_size: int,
                threshold: int | None = None) -> Callable[[], list[Result]]:
    """map_in_order's work, started now, its results taken later: by calling what this returns.
    On forked workers, they go on while the caller does other work; in this process (too few
    items, or another pool's threads running), it is done before this returns, so that it still
    comes before the caller's other work rather than after it."""
    results = map_in_order(function, items, chunk_size, threshold)
    if isinstance(results, InOrder):
        return lambda: list(results)
    done = list(results)
    return lambda: done


def _apply_to_range(function: Callable[[Item], Result], items: Sequence[Item], start: int, stop: int) -> list[Result]:
    return [function(item) for item in items[start:stop]]


def results_in_order(work: Callable[[int, int], list[Result]], count: int, chunk_size: int) -> InOrder[Result]:
    """work(start, stop) over range(count) in chunks of chunk_size, run by forked workers that
    start now, while the caller goes on; an iterator over each item's result in item order, a
    chunk as soon as it and those before it are done. A BuildFailed in a worker is raised there
    with the same errors, as the serial code raises it."""
    return InOrder(work, count, chunk_size)


class InOrder(Iterator[Result]):
    """results_in_order's results. The pool ends once its last results are taken, when a result
    raises, or at close(): a consumer that stops early closes it (a `for` or `zip` that takes
    every result needs not: a zip stops without asking again, and no thread is left by then)."""

    def __init__(self, work: Callable[[int, int], list[Result]], count: int, chunk_size: int):
        # Imported here: a small ingest never needs them, and they take 12 ms to import.
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from generator.orphans import forking

        self._chunks: deque[Future[tuple[list[Any], list[SourceError]]]] = deque()
        self._ready: deque[Result] = deque()  # each chunk's results dropped once taken: 80,000 files' texts are 330 MB
        self._pool = ProcessPoolExecutor(worker_count(), mp_context=multiprocessing.get_context("fork"),
                                         initializer=_adopt_work, initargs=(work, os.getpid()))
        try:
            with forking():  # the workers fork at the first task
                self._chunks.extend(self._pool.submit(_run_chunk, start, min(start + chunk_size, count))
                                    for start in range(0, count, chunk_size))
        except BaseException:
            self.close()
            raise

    def __next__(self) -> Result:
        while not self._ready:
            if not self._chunks:
                raise StopIteration
            try:
                results, errors = self._chunks.popleft().result()
                if errors:
                    raise BuildFailed(errors)
            except BaseException:  # an error, or the consumer interrupted: no more chunks
                self.close()
                raise
            if not self._chunks:  # the pool ends before the last results go: a consumer that takes
                self._pool.shutdown()  # exactly `count` of them (a zip) leaves no thread behind
            self._ready.extend(results)
        return self._ready.popleft()

    def close(self) -> None:
        """Cancels the chunks not yet started and ends the pool."""
        self._chunks.clear()
        self._ready.clear()
        self._pool.shutdown(cancel_futures=True)

    def __del__(self) -> None:
        if hasattr(self, "_pool"):  # not when the pool could not start
            self.close()  # dropped unfinished, as an error unwound past its consumer: no thread is left


# What map_in_order gives: results made as they are taken, or by workers; either can be closed.
Results = Generator[Result, None, None] | InOrder[Result]


def _adopt_work(work: Work, parent: int) -> None:
    global _work_in_worker
    from generator.orphans import die_with  # in the worker only: ctypes is no import for a small ingest

    die_with(parent)
    _work_in_worker = work


def _run_chunk(start: int, stop: int) -> tuple[list[Any], list[SourceError]]:
    """The chunk's results, or the errors of a BuildFailed: the exception itself does not pickle,
    and a content error must reach the person as file, line and message, not as a traceback."""
    assert _work_in_worker is not None, "runs only in a worker started by results_in_order"
    try:
        return _work_in_worker(start, stop), []
    except BuildFailed as failed:
        return [], failed.errors
