"""A full build's pages and search index made on every core by forked worker processes.

Only the command line's full builds come here; the dev server's incremental rebuilds
render in the calling thread with sitefiles.py, since forking a threaded process is unsafe.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from generator.build.pages import Page
from generator.build.render import Renderer
from generator.build.site import Site
from generator.build.sitefiles import search_files, write_changed, write_pages
from generator.build.staging import StagedSite
from generator.errors import BuildFailed, SourceError
from generator.orphans import die_with


@dataclass
class FullBuildJob:
    """A full build's pages and search files, made by forked worker processes, one per core.

    The pages are cut into chunks that idle workers pick up, so the search index (one
    long task, queued first) and the pages share the cores. Workers inherit the job
    through fork instead of receiving it pickled, and write their pages straight into
    the staging folder, whose folders already exist; only errors and the search files
    travel back. Forking is unsafe in a threaded process, hence SiteBuilder(parallel=...).
    """

    renderer: Renderer
    pages: list[Page]
    staged: StagedSite
    site: Site
    search_cache: Path | None = None  # the search index's term cache (sitefiles.search_files)
    known_files: Mapping[str, str] | None = None  # the last build's digests (sitefiles.write_changed)
    chunk_size: int = 400

    def run(self) -> tuple[dict[str, str], list[str]]:
        """Once every page is written: the search files' digests and those the search worker
        wrote (write_changed); raises the first failing page's error."""
        workers = min(len(os.sched_getaffinity(0)), MAX_WORKERS)
        # Everything made so far lives as long as the build: the collector need not walk it again
        # in each worker (0.2 s of 10,000 papers' rendering), nor touch and so copy its memory.
        gc.freeze()
        try:
            return self._run_pool(workers)
        finally:
            gc.unfreeze()  # the dev server goes on, and its old states must be collectable

    def _run_pool(self, workers: int) -> tuple[dict[str, str], list[str]]:
        context = multiprocessing.get_context("fork")
        initargs = (self, os.getpid())
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_adopt_job, initargs=initargs) as pool:
            try:
                searched = pool.submit(_search_in_worker)
                chunks = [pool.submit(_write_in_worker, start, start + self.chunk_size)
                          for start in range(0, len(self.pages), self.chunk_size)]
                for chunk in chunks:  # in page order, so the error reported is the one a serial build meets
                    if errors := chunk.result():
                        raise BuildFailed(errors)
                return searched.result()
            except BaseException:
                pool.shutdown(cancel_futures=True)
                raise


MAX_WORKERS = 8
_job_in_worker: FullBuildJob | None = None  # set by the pool's initializer in each forked worker


def _adopt_job(job: FullBuildJob, parent: int) -> None:
    global _job_in_worker
    die_with(parent)
    _job_in_worker = job


def _job() -> FullBuildJob:
    assert _job_in_worker is not None, "runs only in a worker started by FullBuildJob.run"
    return _job_in_worker


def _write_in_worker(start: int, stop: int) -> list[SourceError]:
    """Render and write pages[start:stop]; errors come back as a list (BuildFailed does not pickle)."""
    job = _job()
    try:
        write_pages(job.renderer, job.pages[start:stop], job.staged)
    except BuildFailed as failed:
        return failed.errors
    return []


def _search_in_worker() -> tuple[dict[str, str], list[str]]:
    """The search files, written into the staging folder by this worker (10,000 files at 10,000
    papers, created while the others render); only their digests travel back."""
    job = _job()
    return write_changed(search_files(job.site, job.search_cache), job.staged, job.known_files)
