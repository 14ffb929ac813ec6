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
from generator.files import Output, Remade, output_bytes


def search_files(site: Site, cache_file: Path | None = None,
                 should_stop: Callable[[], bool] | None = None) -> dict[str, Output]:
    """{site-relative path: bytes, or Remade} of every file of the search index; cache_file keeps the
    papers' terms between builds (build/search/term_cache.py); should_stop: see build_search_files."""
    return dict(search_file_stream(site, cache_file, should_stop))


def search_file_stream(site: Site, cache_file: Path | None = None,
                       should_stop: Callable[[], bool] | None = None) -> Iterator[tuple[str, Output]]:
    """search_files' files one after another (search.search_file_stream)."""
    return search.search_file_stream(list(site.papers), list(site.topics), cache_file, should_stop)


def output_digest(data: Output) -> str:
    return data.digest if isinstance(data, Remade) else bytes_digest(data)


def render_pages(renderer: Renderer, page_list: Iterable[Page]) -> Iterator[tuple[str, bytes]]:
    """(site-relative path, bytes) of each page, in order."""
    for page in page_list:
        yield page.path, b"".join(page_parts(renderer, page))


def write_pages(renderer: Renderer, page_list: Iterable[Page], staged: StagedSite) -> None:
    """Each page written as it is made, part by part: papers.json is never whole in memory."""
    for page in page_list:
        staged.write(page.path, page_parts(renderer, page))


def page_parts(renderer: Renderer, page: Page) -> Iterable[bytes]:
    if page.produce is not None:
        return page.produce(page.context)
    return (renderer.render(page.template, page.template_variables(), page.path).encode("utf-8"),)


def write_changed(files: Iterable[tuple[str, Output]], staged: StagedSite,
                  known: Mapping[str, str] | None) -> tuple[dict[str, str], list[str]]:
    """Every file's digest, and the files written into the staging folder: those whose digest is
    not the one `known` (the last build's record) has, all of them without it. files: (path,
    output), each written as it comes."""
    digests: dict[str, str] = {}
    written = []
    for path, data in files:
        digests[path] = digest = output_digest(data)
        if known is None or known.get(path) != digest:
            staged.write(path, output_bytes(data))
            written.append(path)
    return digests, sorted(written)
