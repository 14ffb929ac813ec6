"""`digest build`: content/ -> site/. Load and check everything, then render, then write.

A full build renders into a staging folder swapped in only on success. SiteBuilder
keeps what it read and rendered in memory, so `rebuild` (used by the dev server)
re-reads only the changed paper files and re-renders only the pages whose context
changed. Nothing is written when any error is found.
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from generator.build import pages as page_builders
from generator.build import stamp
from generator.build.output import StagedSite, remove_file
from generator.build.parallel import (
    SEARCH_PATHS,
    FullBuildJob,
    render_pages,
    search_files,
    write_pages,
)
from generator.build.render import Renderer
from generator.build.site import Site, assemble_site, check_topics
from generator.build.theme import (
    Theme,
    asset_names,
    collect_static,
    find_theme,
    immutable_headers,
)
from generator.config import SiteConfig, load_config
from generator.content.papers import load_papers, read_paper_file
from generator.content.schema import Paper
from generator.content.taxonomy import Topic, load_taxonomy
from generator.errors import BuildFailed, SourceError, display_path
from generator.files import resolve_inside, write_file_atomic


@dataclass
class BuildResult:
    written: list[str]  # site-relative paths written (or rewritten)
    removed: list[str]
    errors: list[SourceError]  # empty on success
    seconds: float


@dataclass(frozen=True)
class Resources:
    """Everything but the papers: config, taxonomy, theme. A change to any of them re-renders all."""

    config: SiteConfig
    topics: tuple[Topic, ...]
    theme: Theme
    static_files: dict[str, bytes] = field(compare=False)  # static name -> bytes
    renderer: Renderer = field(compare=False)

    def static_outputs(self) -> dict[str, bytes]:
        """Static files under their (fingerprinted) names, and the headers that cache them."""
        outputs = {self.renderer.assets[name]: data for name, data in self.static_files.items()}
        return {**outputs, "_headers": immutable_headers(self.renderer.assets)}


class SiteBuilder:
    def __init__(self, project_dir: Path, site_dir: Path | None = None, parallel: bool = False):
        """parallel: render pages and build the search index in forked processes during full
        builds; only for single-threaded callers such as the CLI (forking a threaded process
        is unsafe). Incremental rebuilds always run in the calling thread."""
        self.parallel = parallel
        self.project_dir = Path(project_dir)
        self.content_dir = self.project_dir / "content"
        self.site_dir = Path(site_dir) if site_dir else self.project_dir / "site"
        self._resources: Resources | None = None
        self._papers: dict[Path, Paper] = {}  # by resolved file path
        self._contexts: dict[str, object] = {}  # page path -> the context it was rendered from
        self._site_files: set[str] = set()  # every site-relative path in site_dir
        self._failed_papers: set[Path] = set()  # re-read on the next rebuild, even if unchanged
        self._pending_search: Site | None = None  # a rebuild whose search index is still to be written

    def build(self, parallel: bool | None = None) -> BuildResult:
        """Full build, swapped into site_dir atomically; parallel overrides the builder's setting."""
        started = time.perf_counter()
        try:
            resources, papers, errors = self._load_everything()
            site = self.assemble(resources, papers, errors)
            written = self._write_everything(resources, site, self.parallel if parallel is None else parallel)
        except BuildFailed as failed:
            return BuildResult([], [], failed.errors, time.perf_counter() - started)
        self._remember(resources, papers)
        return BuildResult(written, [], [], time.perf_counter() - started)

    def adopt(self, inputs: str | None) -> BuildResult | None:
        """Take over site/ as the last full build left it, when no input changed since (inputs:
        stamp.input_stamp(self), taken now): the state a build leaves in memory for rebuild(),
        without rendering or writing a page. None: build instead."""
        started = time.perf_counter()
        if not stamp.is_up_to_date(self, inputs):
            return None
        try:
            resources, papers, errors = self._load_everything()
            site = self.assemble(resources, papers, errors)
        except BuildFailed:
            return None
        page_list = page_builders.all_pages(site, resources.config)
        self._contexts = {page.path: page.context for page in page_list}
        self._site_files = {page.path for page in page_list} | set(resources.static_outputs()) | set(SEARCH_PATHS)
        self._remember(resources, papers)
        return BuildResult([], [], [], time.perf_counter() - started)

    def _remember(self, resources: Resources, papers: list[Paper]) -> None:
        self._resources = resources
        papers_dir = (self.content_dir / "papers").resolve()  # a paper's file name is its slug (checked on load)
        self._papers = {papers_dir / f"{paper.slug}.md": paper for paper in papers}
        self._failed_papers = set()

    def rebuild(self, changed: Iterable[Path], defer_search: bool = False) -> BuildResult:
        """Incremental build after `changed` files were edited, added or deleted.

        defer_search: leave the search index for write_search(), so that the dev server can
        reload open pages first (the index takes ~1.5 s at 10,000 papers; a page takes ms).
        """
        changed_papers, needs_full = self._classify(changed)
        if needs_full or self._resources is None:
            return self.build()
        started = time.perf_counter()
        try:
            papers = self._reread(changed_papers | self._failed_papers)
            site = self.assemble(self._resources, list(papers.values()), [])
            written, removed = self._write_changes(self._resources, site, defer_search)
        except BuildFailed as failed:
            self._failed_papers |= changed_papers  # read again next time: the state still holds the old text
            return BuildResult([], [], failed.errors, time.perf_counter() - started)
        self._papers = papers
        self._failed_papers = set()
        return BuildResult(written, removed, [], time.perf_counter() - started)

    def _load_everything(self) -> tuple[Resources, list[Paper], list[SourceError]]:
        """Config, taxonomy, theme and papers; paper errors are raised with any others later."""
        papers, errors = load_papers(self.content_dir)
        try:
            resources = self.load_resources()
        except BuildFailed as failed:
            raise BuildFailed(failed.errors + errors) from None
        return resources, papers, errors

    def load_resources(self) -> Resources:
        config, errors = load_config(self.content_dir / "site.yaml")
        topics, topic_errors = load_taxonomy(self.content_dir / "topics.yaml")
        theme, theme_errors = find_theme(self.project_dir, config)
        errors += topic_errors + theme_errors
        if errors:
            raise BuildFailed(errors)
        static_files = collect_static(theme)
        renderer = Renderer(theme, config, asset_names(static_files), topics)
        template_errors = renderer.check_templates()
        if template_errors:
            raise BuildFailed(template_errors)
        return Resources(config, tuple(topics), theme, static_files, renderer)

    def assemble(self, resources: Resources, papers: list[Paper], errors: list[SourceError]) -> Site:
        """Check the papers against the taxonomy; every content error is reported at once."""
        taxonomy = display_path(self.content_dir / "topics.yaml")
        errors = errors + check_topics(papers, list(resources.topics), taxonomy)
        if errors:
            raise BuildFailed(errors)
        return assemble_site(papers, list(resources.topics))

    def _write_everything(self, resources: Resources, site: Site, parallel: bool) -> list[str]:
        page_list = page_builders.all_pages(site, resources.config)
        staged = StagedSite(self.site_dir)
        try:
            # Workers make each page's own folder (papers/<slug>/) while they render: that is
            # 10,000 mkdir calls at 10,000 papers, shared between the cores instead of made up front.
            staged.make_folders((page.path for page in page_list), own_folders=not parallel)
            if parallel:
                searched = FullBuildJob(resources.renderer, page_list, staged, site).run()
            else:
                write_pages(resources.renderer, page_list, staged)
                searched = search_files(site)
            extra = {**resources.static_outputs(), **searched}
            for path, data in sorted(extra.items()):
                staged.write(path, data)
            staged.commit()
        except BaseException:
            staged.discard()
            raise
        self._contexts = {page.path: page.context for page in page_list}
        self._site_files = {page.path for page in page_list} | set(extra)
        return sorted(self._site_files)

    def _write_changes(self, resources: Resources, site: Site, defer_search: bool) -> tuple[list[str], list[str]]:
        """Render the pages whose context changed, then write those whose bytes changed."""
        page_list = page_builders.all_pages(site, resources.config)
        stale = [page for page in page_list if self._contexts.get(page.path) != page.context]
        outputs = dict(render_pages(resources.renderer, stale))
        self._pending_search = site if defer_search else None
        if not defer_search:
            outputs.update(search_files(site))
        new_files = {page.path for page in page_list} | set(resources.static_outputs()) | set(SEARCH_PATHS)
        written = [path for path, data in sorted(outputs.items()) if self._replace_if_changed(path, data)]
        removed = sorted(self._site_files - new_files)
        for path in removed:
            remove_file(self.site_dir, path)
        self._contexts = {page.path: page.context for page in page_list}
        self._site_files = new_files
        return written, removed

    def write_search(self) -> list[str]:
        """The search files deferred by the last rebuild(defer_search=True); those rewritten."""
        site, self._pending_search = self._pending_search, None
        if site is None:
            return []
        return [path for path, data in sorted(search_files(site).items()) if self._replace_if_changed(path, data)]

    def _replace_if_changed(self, path: str, data: bytes) -> bool:
        target = resolve_inside(self.site_dir, path)
        if target.is_file() and target.read_bytes() == data:
            return False
        write_file_atomic(self.site_dir, path, data)
        return True

    def _classify(self, changed: Iterable[Path]) -> tuple[set[Path], bool]:
        """Split changed files into paper files and files that affect every page."""
        papers_dir = (self.content_dir / "papers").resolve()
        paper_files: set[Path] = set()
        needs_full = False
        for path in (Path(item).resolve() for item in changed):
            if path.parent == papers_dir and path.suffix == ".md" and not path.name.startswith("."):
                paper_files.add(path)
            elif self._affects_every_page(path):
                needs_full = True
        return paper_files, needs_full

    def _affects_every_page(self, path: Path) -> bool:
        content = self.content_dir.resolve()
        if path in (content / "site.yaml", content / "topics.yaml"):
            return True
        resources = self._resources
        folders = [*resources.theme.template_dirs, *resources.theme.static_dirs] if resources else []
        if resources:  # project override folders count even when they did not exist at the last build
            folders += [self.project_dir / resources.config.templates_dir, self.project_dir / resources.config.static_dir]
        return any(path.is_relative_to(folder.resolve()) for folder in folders)

    def _reread(self, paths: set[Path]) -> dict[Path, Paper]:
        """The known papers with the changed files read again; deleted files drop out."""
        papers = dict(self._papers)
        errors: list[SourceError] = []
        for path in sorted(paths):
            papers.pop(path, None)
            if not path.is_file():
                continue
            paper_file, file_errors = read_paper_file(path)
            errors += file_errors
            if paper_file:
                papers[path] = paper_file.paper
        if errors:
            self._failed_papers |= paths
            raise BuildFailed(errors)
        return papers


def build_site(project_dir: Path, site_dir: Path | None = None) -> BuildResult:
    """One full build for the CLI; raises BuildFailed with every error found.

    When no input file changed since the last successful build (by size and mtime)
    and site/ is exactly as that build left it, nothing is rebuilt.
    """
    started = time.perf_counter()
    builder = SiteBuilder(project_dir, site_dir, parallel=True)
    inputs = stamp.input_stamp(builder)
    if stamp.is_up_to_date(builder, inputs):
        return BuildResult([], [], [], time.perf_counter() - started)
    result = builder.build()
    if result.errors:
        raise BuildFailed(result.errors)
    stamp.save(builder, inputs)
    return result
