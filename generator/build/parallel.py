"""A full build's pages, search index and listings made on every core, by forked processes beside this one.

Only the command line's full builds come here; the dev server's incremental rebuilds
render in the calling thread with sitefiles.py, since forking a threaded process is unsafe.
"""
from __future__ import annotations

import functools
import gc
import multiprocessing
import os
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from generator import workers
from generator.build import pages as page_builders
from generator.build.pages import Page
from generator.build.related import related_papers
from generator.build.render import Renderer
from generator.build.site import Site
from generator.build.sitefiles import search_file_stream, write_changed, write_pages
from generator.build.staging import StagedSite
from generator.content.papers import PaperCache
from generator.content.schema import Paper
from generator.errors import BuildFailed, SourceError
from generator.heap import return_freed_memory
from generator.orphans import die_with, forking

SearchResult = tuple[dict[str, str], list[str]]  # every search file's digest, and those written (write_changed)
ListingErrors = dict[int, list[SourceError]]  # a listing's number -> the errors met rendering it
ChunkErrors = dict[int, list[SourceError]]  # a chunk of pages' number -> the error that stopped it


class Claims:
    """Numbered tasks, each done once, by whichever of the build's processes claims it first:
    flags the forked processes share, made before the first of them forks."""

    def __init__(self, count: int):
        context = multiprocessing.get_context("fork")
        self._claimed = context.RawArray("b", count)
        self._lock = context.Lock()

    def __len__(self) -> int:
        return len(self._claimed)

    def claim(self, number: int) -> bool:
        """Whether this process is the first to ask for task `number`, and so does it."""
        with self._lock:
            first = not self._claimed[number]
            self._claimed[number] = 1
        return first


class Listings:
    """The listings of every paper (papers.json, sitemap.xml: the largest pages, seconds each at
    80,000 papers), rendered by whichever process is free first: the search process once its own
    files are written (first on a deploy, whose index is an update), or a process rendering pages
    once they are (first in a cold build, whose index is made whole)."""

    def __init__(self, renderer: Renderer, pages: list[Page]):
        self.renderer = renderer
        self.pages = pages
        self._claims = Claims(len(pages))

    def __len__(self) -> int:
        return len(self.pages)

    def claim(self, number: int) -> bool:
        """Whether this process is the first to ask for listing `number`, and so renders it."""
        return self._claims.claim(number)

    def render(self, number: int, staged: StagedSite) -> list[SourceError]:
        """Listing `number` rendered into the staging folder, unless another process claimed it;
        its errors."""
        return errors_writing(self.renderer, [self.pages[number]], staged) if self.claim(number) else []

    def render_unclaimed(self, staged: StagedSite) -> ListingErrors:
        return {number: errors for number in range(len(self)) if (errors := self.render(number, staged))}


def errors_writing(renderer: Renderer, pages: list[Page], staged: StagedSite) -> list[SourceError]:
    """Render and write these pages; their errors as a list, which travels between processes
    (BuildFailed does not pickle)."""
    try:
        write_pages(renderer, pages, staged)
    except BuildFailed as failed:
        return failed.errors
    return []


def first_listing_error(*found: ListingErrors) -> None:
    """Raises the errors of the first listing that failed, as a serial build meets them."""
    errors = {number: listing_errors for each in found for number, listing_errors in each.items()}
    if errors:
        raise BuildFailed(errors[min(errors)])


class ForkedCall:
    """function(*args) run by one forked process; what it returns comes back through a pipe.
    Started before any thread or pool exists, since forking a threaded process is unsafe. The
    process inherits its arguments; only the result travels, pickled."""

    def __init__(self, name: str, function: Callable[..., Any], *args: object):
        context = multiprocessing.get_context("fork")
        self._name = name
        self._results, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_call_in_process, daemon=True,
                                        args=(sender, function, args, os.getpid()))
        with forking():
            self._process.start()
        sender.close()  # this process only reads: the pipe ends when the worker's end closes

    def result(self) -> Any:
        """Once the process is done: what the function returned. Its exception, if it raised one,
        is raised here as a RuntimeError naming it in one line (an exception may not pickle)."""
        try:
            status, value = self._results.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(f"the {self._name} worker ended without a result (exit code {self._process.exitcode})") from None
        finally:
            self._results.close()
        self._process.join()
        if status == _FAILED:
            raise RuntimeError(f"the {self._name} worker failed: {value}")
        return value

    def stop(self) -> None:
        """Ends the process, done or not: after a failure elsewhere, or once its result is taken."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._results.close()

    def done(self) -> bool:
        """Whether the process has sent its result, so that result() would not wait."""
        return self._results.poll()


_DONE, _FAILED = "done", "failed"  # what a forked call sends back, with a value


def _call_in_process(sender: Connection, function: Callable[..., Any], args: tuple, parent: int) -> None:
    die_with(parent)
    outcome: tuple[str, object]
    try:
        outcome = _DONE, function(*args)
    except BaseException as error:
        outcome = _FAILED, _one_line(error)
    sender.send(outcome)
    sender.close()


def _one_line(error: BaseException) -> str:
    """The exception and the innermost line that raised it: what a fault report needs, and the
    command line prints no traceback."""
    description = traceback.format_exception_only(error)[-1].strip()
    frames = traceback.extract_tb(error.__traceback__)
    return f"{description} (at {frames[-1].filename}:{frames[-1].lineno})" if frames else description


def related_ahead(papers: list[Paper], cache_file: Path | None) -> ForkedCall:
    """The papers' related lists (related.related_papers), worked out by a forked process started
    as soon as the papers are loaded: beside the theme's loading, the site's assembly and the
    listings, where this process would work them out alone later. It alone imports SciPy's
    sparse matrices (generator/imports.py defers them). For a builder that builds once: one that
    keeps its state keeps the computation too, for the next edit's update (related.py)."""
    # After an ingest of 80,000 papers glibc holds ~100 MB it freed; the process would carry them
    # beside its sparse matrices, the build's largest then (925 MB, 815 MB without them).
    return_freed_memory()
    return ForkedCall("related papers", functools.partial(related_papers, cache_file=cache_file), papers)


class SearchProcess:
    """The search files, made and written into the staging folder by one forked process started as
    soon as the Site exists: they need the papers alone, so it runs while this process works out
    page contexts and fingerprints, then beside the pages' rendering (FullBuildJob). Then the
    listings no other process has claimed yet. Only the digests and a listing's errors travel
    back. Last it writes the paper cache, if a load changed it: the main process, busier, would
    do it in its own time (a deploy stamps every file anew, and the rewrite takes a second at
    80,000 papers)."""

    def __init__(self, site: Site, staged: StagedSite, cache_file: Path | None, known: Mapping[str, str] | None,
                 listings: Listings, papers: PaperCache):
        """papers: the cache the papers were loaded through, for good."""
        gc.freeze()  # see FullBuildJob.run; the pages' end, or stop(), unfreezes
        return_freed_memory()
        self._papers = papers
        self.listings = listings
        self._call = ForkedCall("search", _search_files_and_listings, site, staged, cache_file, known, listings, papers)

    def result(self) -> tuple[SearchResult, ListingErrors]:
        """Once the worker is done: the search files, and the errors of the listings it rendered."""
        digests, written, listing_errors, papers_saved = self._call.result()
        if papers_saved:
            self._papers.saved_elsewhere()
        return (digests, written), listing_errors

    def done(self) -> bool:
        """Whether the worker is done, its core free for other work."""
        return self._call.done()

    def stop(self) -> None:
        """After a failure elsewhere: the worker's files go with the staging folder."""
        self._call.stop()
        gc.unfreeze()


def _search_files_and_listings(site: Site, staged: StagedSite, cache_file: Path | None, known: Mapping[str, str] | None,
                               listings: Listings, papers: PaperCache) -> tuple[dict[str, str], list[str], ListingErrors, bool]:
    digests, written = write_changed(search_file_stream(site, cache_file), staged, known)
    with page_builders.rendering_each_page_once():
        listing_errors = listings.render_unclaimed(staged)
    return digests, written, listing_errors, papers.save_now()


@dataclass
class FullBuildJob:
    """A full build's pages, rendered by this process beside the search process, and by a forked
    helper for each further core.

    The pages are cut into chunks, each rendered by the process that claims it first, then the
    listings no process has claimed yet. Helpers inherit the job through fork instead of
    receiving it pickled, and write their pages straight into the staging folder, whose shared
    folders already exist; only errors travel back. On two cores there is no helper while the
    search process runs: a pool of two page workers, with this process waiting, made the build
    3-5% slower at 1,000 to 80,000 papers, with 5% more CPU: each worker filled its own caches and
    copied the parts of the heap it touched. It peaked 70 MB lower at 80,000 (bench/RESULTS.md).
    Once the search process is done, one helper forks for the chunks left (core_freed). Forking
    is unsafe in a threaded process, hence SiteBuilder(parallel=...).
    """

    renderer: Renderer
    pages: list[Page]
    staged: StagedSite
    listings: Listings | None = None  # rendered after the pages, unless the search process took them
    max_chunk: int = 400  # pages per task; fewer in a small build (_chunk_size)
    # Whether a core the build used has come free (the search process's): then a helper forks for
    # the chunks left. At 9,877 papers the search process ended 0.3 s before this one's pages did.
    core_freed: Callable[[], bool] | None = None
    # For a builder that builds once: nothing it renders is kept for a next time, and its heap stays
    # frozen after the pages, since the collector would walk it all again at the next allocations
    # (the build record's JSON: 0.74 s, not 0.08).
    builds_once: bool = False

    def run(self) -> ListingErrors:
        """Once every page is written; raises the first failing page's error, the one a serial
        build meets. The errors of the listings this process and its helpers rendered."""
        # Everything made so far lives as long as the build: the collector need not walk it again
        # (0.2 s of 10,000 papers' rendering), nor touch and so copy its memory in each helper.
        gc.freeze()
        helpers = page_helpers()
        if helpers:  # else this process would only fault the freed pages in again as it renders
            return_freed_memory()
        try:
            with page_builders.rendering_each_page_once(self.builds_once):
                return self._render_with_helpers(helpers)
        finally:
            if not self.builds_once:
                gc.unfreeze()  # a builder that builds again must be able to collect its old states

    def _render_with_helpers(self, helpers: int) -> ListingErrors:
        chunks = self._chunks(helpers + 1)
        claims = Claims(len(chunks))
        started = [ForkedCall("page", _help_render, self, chunks, claims) for _ in range(helpers)]
        try:
            outcomes = [self._render_claimed(chunks, claims, started)]
            outcomes += [helper.result() for helper in started]
        finally:
            for helper in started:
                helper.stop()
        failed = {number: errors for chunk_errors, _ in outcomes for number, errors in chunk_errors.items()}
        if failed:  # every chunk before the first that failed was rendered: its error comes first
            raise BuildFailed(failed[min(failed)])
        return {number: errors for _, listing_errors in outcomes for number, errors in listing_errors.items()}

    def _render_claimed(self, chunks: list[tuple[int, int]], claims: Claims,
                        started: list[ForkedCall] | None = None) -> tuple[ChunkErrors, ListingErrors]:
        """The chunks this process claims, rendered in order until one fails; then, if none did, the
        listings no process has claimed yet. Chunks are claimed lowest first, so those rendered by
        all processes are a run from the first. `started`: in the build's own process, its helpers,
        one more of which it starts once a core comes free while two chunks or more are left."""
        core_freed = self.core_freed if started is not None else None
        for number, (start, stop) in enumerate(chunks):
            if not claims.claim(number):
                continue
            if errors := errors_writing(self.renderer, self.pages[start:stop], self.staged):
                return {number: errors}, {}
            if core_freed is not None and started is not None and len(chunks) - number > 2 and core_freed():
                started.append(ForkedCall("page", _help_render, self, chunks, claims))
                core_freed = None
        return {}, self.listings.render_unclaimed(self.staged) if self.listings else {}

    def _chunks(self, processes: int) -> list[tuple[int, int]]:
        size = self._chunk_size(processes)
        return [(start, min(start + size, len(self.pages))) for start in range(0, len(self.pages), size)]

    def _chunk_size(self, processes: int) -> int:
        """max_chunk pages, or fewer, so that each process takes several tasks: the topic and day
        pages, the slowest to render, come first, and at 1,000 papers they filled the first of three
        tasks, whose process went on alone for 0.15 s after the other was done."""
        return max(1, min(self.max_chunk, len(self.pages) // (processes * TASKS_PER_PROCESS)))


TASKS_PER_PROCESS = 8  # at least, in a build of few pages (FullBuildJob._chunk_size)


def page_helpers() -> int:
    """Forked helpers that render a full build's pages: one for each core beyond the two that this
    process and the search process take."""
    return max(0, workers.worker_count() - 2)


def _help_render(job: FullBuildJob, chunks: list[tuple[int, int]], claims: Claims) -> tuple[ChunkErrors, ListingErrors]:
    """In a forked helper: what it claims of the job, rendered beside the build's own process."""
    with page_builders.rendering_each_page_once():
        return job._render_claimed(chunks, claims)
