"""Rendering pages and the search index, in this process or on every core.

A full build from the command line forks one worker per core (FullBuildJob);
the dev server's incremental rebuilds render in the calling thread, since
forking a threaded process is unsafe.
"""
from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from generator.build import search
from generator.build.output import StagedSite
from generator.build.pages import Page
from generator.build.render import Renderer
from generator.build.site import Site
from generator.errors import BuildFailed, SourceError

SEARCH_PATHS = (search.INDEX_PATH,)


def search_files(site: Site) -> dict[str, bytes]:
    return search.build_search_files(list(site.papers), list(site.topics))


def render_pages(renderer: Renderer, page_list: list[Page]) -> Iterable[tuple[str, bytes]]:
    for page in page_list:
        if page.produce is not None:
            text = page.produce(page.context)
        else:
            text = renderer.render(page.template, dict(page.context), page.path)
        yield page.path, text.encode("utf-8")


def write_pages(renderer: Renderer, page_list: list[Page], staged: StagedSite) -> None:
    for path, data in render_pages(renderer, page_list):
        staged.write(path, data)


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
    chunk_size: int = 400

    def run(self) -> dict[str, bytes]:
        """The search files, once every page is written; raises the first failing page's error."""
        workers = min(len(os.sched_getaffinity(0)), MAX_WORKERS)
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_adopt_job, initargs=(self,)) as pool:
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


def _adopt_job(job: FullBuildJob) -> None:
    global _job_in_worker
    _job_in_worker = job


def _write_in_worker(start: int, stop: int) -> list[SourceError]:
    """Render and write pages[start:stop]; errors come back as a list (BuildFailed does not pickle)."""
    try:
        write_pages(_job_in_worker.renderer, _job_in_worker.pages[start:stop], _job_in_worker.staged)
    except BuildFailed as failed:
        return failed.errors
    return []


def _search_in_worker() -> dict[str, bytes]:
    return search_files(_job_in_worker.site)
