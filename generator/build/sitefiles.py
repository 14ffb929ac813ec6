"""The files a build makes from a Site, in this process: every page rendered by its template
(or its produce function), and the search index. Static files come from the theme (theme.py).

parallel.py does the same work on every core for a full build from the command line.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from generator.build import search
from generator.build.pages import Page
from generator.build.render import Renderer
from generator.build.site import Site
from generator.build.staging import StagedSite
from generator.cache import bytes_digest


def search_files(site: Site, cache_file: Path | None = None,
                 should_stop: Callable[[], bool] | None = None) -> dict[str, bytes]:
    """{site-relative path: bytes} of every file of the search index; cache_file keeps the papers'
    terms between builds (build/search/term_cache.py); should_stop: see build_search_files."""
    return search.build_search_files(list(site.papers), list(site.topics), cache_file, should_stop)


def render_pages(renderer: Renderer, page_list: Iterable[Page]) -> Iterator[tuple[str, bytes]]:
    """(site-relative path, bytes) of each page, in order."""
    for page in page_list:
        if page.produce is not None:
            yield page.path, page.produce(page.context)
        else:
            yield page.path, renderer.render(page.template, page.template_variables(), page.path).encode("utf-8")


def write_pages(renderer: Renderer, page_list: Iterable[Page], staged: StagedSite) -> None:
    for path, data in render_pages(renderer, page_list):
        staged.write(path, data)


def write_changed(files: Mapping[str, bytes], staged: StagedSite,
                  known: Mapping[str, str] | None) -> tuple[dict[str, str], list[str]]:
    """Every file's digest, and the files written into the staging folder: those whose digest is
    not the one `known` (the last build's record) has, all of them without it."""
    digests = {path: bytes_digest(data) for path, data in files.items()}
    written = sorted(path for path in files if known is None or known.get(path) != digests[path])
    for path in written:
        staged.write(path, files[path])
    return digests, written
