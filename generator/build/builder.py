"""`digest build`: content/ -> site/. Load and check everything, then render, then write.

A full build renders into a staging folder swapped in only on success. SiteBuilder
keeps what it read and rendered in memory, so `rebuild` (used by the dev server)
re-reads only the changed paper files and re-renders only the pages whose context
changed. Nothing is written when any error is found.
"""
from __future__ import annotations

import bisect
import datetime as dt
import os
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from generator.build import pages as page_builders
from generator.build import record, stamp
from generator.build.fingerprint import Fingerprints
from generator.build.pages import NO_REGION, Page, PageTable, Scope
from generator.build.parallel import (
    ForkedCall,
    FullBuildJob,
    Listings,
    SearchProcess,
    first_listing_error,
    related_ahead,
)
from generator.build.related import Edit, affected_by, forget_computation, related_papers
from generator.build.render import Renderer
from generator.build.search import SearchCancelled
from generator.build.site import Site, assemble_site, check_topics, patch_site
from generator.build.sitefiles import (
    output_digest,
    page_parts,
    render_pages,
    search_file_stream,
    search_files,
    write_changed,
    write_pages,
)
from generator.build.staging import StagedSite, remove_file
from generator.build.theme import (
    Theme,
    asset_names,
    check_template_files,
    collect_static,
    find_theme,
    immutable_headers,
)
from generator.cache import Stamp, Stamps, bytes_digest, changed_files
from generator.config import SiteConfig
from generator.content.check import featured_on_unlikely_days, likely_featured_days, shown_wrong
from generator.content.math import convert_ahead
from generator.content.papers import (
    PaperCache,
    PaperFile,
    PaperIdentities,
    is_paper_file_name,
    load_paper_files,
    parse_paper_file,
)
from generator.content.schema import Paper
from generator.content.taxonomy import Topic, load_taxonomy
from generator.errors import BuildFailed, SourceError, display_path
from generator.files import Output, list_files, output_bytes, resolve_inside, write_file_atomic
from generator.heap import gc_paused
from generator.project import Project


@dataclass
class BuildResult:
    written: list[str]  # site-relative paths written (or rewritten)
    removed: list[str]
    errors: list[SourceError]  # empty on success; a rebuild's also those of the files it left out (_reread)
    seconds: float
    deferred: list[str] = field(default_factory=list)  # pages left for write_deferred_pages (rebuild's shown)
    # A full build swapped a new site/ in for one that was there: whatever the old one held is gone,
    # unlisted in `removed` (listing it would take a second at 80,000 papers).
    replaced: bool = False
    notices: list[SourceError] = field(default_factory=list)  # published, but most likely a typo

    def removals(self) -> str:
        """What the build removed from site/, said in a few words."""
        return "replaced the old site/ whole" if self.replaced else f"removed {len(self.removed)}"


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


@dataclass
class Deferred:
    """What a dev-server rebuild leaves for after the reload: the pages no browser has open, and
    its site's search index and data files."""

    site: Site
    scope: Scope
    pages: list[Page] = field(default_factory=list)  # HTML pages to render: bookkept, not yet written


@dataclass(frozen=True)
class PendingRelated:
    """A dev-server rebuild's related-papers update, left for after the open pages reloaded: in a
    slow stretch of a 2-core machine it was most of a title edit's rebuild at 9,877 papers (~170
    of ~250 ms), and the open page shows the edit without it. Until it runs, the site's pages show
    the related lists of the site before the edit (the same papers, some of them retitled)."""

    edit: Edit | None  # the papers before the edit, and the edited ones as they are now (related.Edit)
    before: dict[str, tuple[str, ...]]  # the related lists before the edit
    scope: Scope  # the edit's regions, without the papers whose related list changed


@dataclass
class Reread:
    """The paper files a rebuild read again: by path as text, each one's paper (None: deleted), the
    digest of the bytes each was parsed from (by slug), and the files parsed; those left out, the
    site keeping their papers as they were, and why (SiteBuilder._reread)."""

    papers: dict[str, Paper | None] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    files: list[PaperFile] = field(default_factory=list)
    left_out: list[Path] = field(default_factory=list)
    errors: list[SourceError] = field(default_factory=list)

    def leave_out(self, path: Path, errors: list[SourceError]) -> None:
        paper = self.papers.pop(str(path), None)
        if paper is not None:
            self.digests.pop(paper.slug, None)
            self.files = [file for file in self.files if file.paper is not paper]
        self.left_out.append(path)
        self.errors += errors


PageMaker = Callable[[Site, SiteConfig, Scope | None], list[Page]]
STOP_EVERY_PARTS = 1000  # papers.json's records between two questions whether a newer save waits


def _never() -> bool:
    return False


# In the project's cache folder: the term counts of each paper, for related papers and for search.
RELATED_CACHE_FILE = "related-terms.bin"
SEARCH_CACHE_FILE = "search-index.bin"


class SiteBuilder:
    def __init__(self, project: Project | Path, site_dir: Path | None = None, parallel: bool = False,
                 keep_state: bool = True):
        """project: a Project, or the folder of one (then site_dir, when given, replaces its site/).

        parallel: render pages and build the search index in forked processes during full
        builds; only for single-threaded callers such as the CLI (forking a threaded process
        is unsafe). Incremental rebuilds always run in the calling thread.
        keep_state: keep what a build read and made for rebuild(); a builder that builds once
        (the CLI's) need not, and then skips making the pages it does not render (most paper
        pages: about a second at 80,000 papers). Without it, rebuild() builds in full."""
        self.parallel = parallel
        self.keep_state = keep_state
        self.project = _as_project(project, site_dir)
        self.site_dir = self.project.site
        self._resources: Resources | None = None
        self._papers: dict[str, Paper] = {}  # by resolved file path, as text (80,000 Paths took 0.4 s)
        self._site: Site | None = None  # the last site built, to tell what an edit reaches
        self._pages = PageTable()  # the pages (and contexts) site/'s pages were rendered from
        self._site_files: set[str] = set()  # every site-relative path in site_dir
        self._search_files: set[str] = set()  # those of them the search index wrote
        self._failed_papers: set[Path] = set()  # re-read on the next rebuild, even if unchanged
        self._deferred: Deferred | None = None  # what a rebuild left for write_deferred
        self._pending_related: PendingRelated | None = None  # what a rebuild left for write_deferred_pages
        self._adopted: Stamps | None = None  # the inputs site/ was adopted for, until warm_up loads them
        self._site_changed = False  # site/ changed since the record and stamp were saved (_before_changing_site)
        self._file_digests: dict[str, str] = {}  # site file -> digest of the bytes last written there (or recorded)
        self._affecting_every_page: tuple[SiteConfig | None, set[Path]] = (None, set())  # for the config in it
        self._rendered_key: str | None = None  # the record key site/'s pages were rendered under (_record_key)
        self._parsed_digests: dict[str, str] = {}  # slug -> digest of the bytes its paper was parsed from
        self._identities = PaperIdentities()  # of self._papers: an edit must not make one paper of two
        self._loaded_identities = PaperIdentities()  # of the papers last loaded, kept once their build succeeds

    def build(self, parallel: bool | None = None, paper_stamps: Mapping[str, Stamp] | None = None) -> BuildResult:
        """Full build, swapped into site_dir atomically; parallel overrides the builder's setting.
        paper_stamps: the paper files' stamps by name, taken before the build (load_paper_files)."""
        started = time.perf_counter()
        parallel = self.parallel if parallel is None else parallel
        self._pending_related = None  # worked out anew with everything else
        related: ForkedCall | None = None
        try:
            with gc_paused():  # millions of objects and no cycles (heap.py)
                papers, errors = self._load_papers(paper_stamps)
                if parallel and not self.keep_state and not errors:
                    related = related_ahead(papers, self._related_cache)
                # Before the theme is read: a template saved while this build runs then makes the
                # next build's key differ, rather than the record vouch for pages of the older one.
                key = self._record_key()
                resources = self._resources_reporting(errors)
                site = self.assemble(resources, papers, errors)
            written, removed, replaced = self._write_everything(resources, site, parallel, key, related)
        except BuildFailed as failed:
            return BuildResult([], [], failed.errors, time.perf_counter() - started)
        finally:
            if related is not None:
                related.stop()
        if self.keep_state:
            self._remember(resources, papers, site, key)
        return BuildResult(written, removed, [], time.perf_counter() - started, replaced=replaced,
                           notices=self._unlikely_days(site) + shown_wrong(self.project, site.papers))

    def _unlikely_days(self, site: Site) -> list[SourceError]:
        """Papers on the site's days after tomorrow (`2062` typed for `2026`) or before arXiv began
        (`0025` for `2025`): the first heads the home page and the feeds, the second stretches the
        Days calendar and the topics' years back to it, so the build that publishes either says so,
        as `digest check` does."""
        today = dt.date.today()
        # The site's days outside the likely span, found by bisection: asking every paper took
        # 45 ms of each full build at 80,304 papers.
        first_likely, last_likely = likely_featured_days(today)
        days = site.days
        unlikely = days[:bisect.bisect_left(days, first_likely)] + days[bisect.bisect_right(days, last_likely):]
        papers = {paper.slug: paper for day in unlikely for paper in site.papers_by_day[day]}
        return featured_on_unlikely_days(self.project, papers.values(), today)

    def adopt(self, inputs: Stamps | None) -> BuildResult | None:
        """Take over site/ as the last build left it, when no input changed since (inputs:
        stamp.input_stamps(project), taken now), without rendering or writing a page; None:
        build instead. What a rebuild needs in memory is loaded later, by warm_up."""
        started = time.perf_counter()
        if not stamp.is_up_to_date(self.project, inputs):
            return None
        self._adopted = inputs
        return BuildResult([], [], [], time.perf_counter() - started)

    def warm_up(self) -> BuildResult | None:
        """After adopt: load the state a build leaves in memory for rebuild() (seconds at 80,000
        papers, so the dev server serves first and does this on its rebuild thread). When an
        input changed since adopt, a build instead, which renders what the change reached."""
        adopted, self._adopted = self._adopted, None
        if adopted is None:
            return None
        key = self._record_key()  # before the theme is read, as a build takes it
        try:
            resources, papers, errors = self._load_everything()
            site = self.assemble(resources, papers, errors)
        except BuildFailed:
            return self.build()  # reports the errors, and the next change starts from a full build
        # Checked after loading: a file saved while it was read is in the state but not in site/,
        # and its own rebuild would then find nothing to change.
        if stamp.input_stamps(self.project) != adopted:
            return self.build()
        page_list = self._all_pages(resources, site)
        self._pages = PageTable(page_list)
        self._site_files = set(list_files(self.site_dir))  # as the last build left it: the stamp says so
        last = record.load(self.project, key)
        self._file_digests = dict(last.files) if last else {}
        self._search_files = self._site_files - set(self._pages) - set(resources.static_outputs())
        self._remember(resources, papers, site, key)
        return None

    def save_record(self) -> bool:
        """The build record of site/ as this builder left it (the dev server calls this as it
        stops), so that the next `digest build` renders only what differs, not every page (35 s at
        80,000 papers). Only a settled state is recorded: nothing loading, deferred or failed; the
        key taken before the theme its pages were rendered with was read; each paper fingerprinted
        by the bytes it was parsed from, so that a file saved after its last rebuild differs, and
        the next build renders it. True when saved."""
        if (not self._site_changed or not self._settled() or self._site is None or self._resources is None
                or self._rendered_key is None):
            return False
        other_files = [path for path in self._site_files if path not in self._pages]
        if any(path not in self._file_digests for path in other_files):  # bytes it does not know: no record
            return False
        files = {path: self._file_digests[path] for path in other_files}
        prints = Fingerprints(self._parsed_digests)
        by_slug = self._site.paper_by_slug()
        page_size = self._resources.config.day_page_size
        fingerprints = {path: prints.of_paper_page(paper, related, by_slug, day_pages)
                        for path, paper, related, day_pages in page_builders.paper_page_parts(self._site, page_size)}
        fingerprints.update((path, prints.of(page.context)) for path, page in self._pages.items() if path not in fingerprints)
        records = page_builders.record_keys(self._site.papers, prints.paper)
        record.save(self.project, record.BuildRecord(self._rendered_key, fingerprints, files, records))
        self._site_changed = False
        return True

    def save_stamp(self, stamped: Stamps | None, is_noise: Callable[[str], bool]) -> bool:
        """The build stamp of site/ as this builder left it (the dev server calls this as it stops,
        after save_record), so that the next `digest serve` takes site/ over and the next `digest
        build` has nothing to do: without it each loads every paper to find that out (11 s and 6 s at
        80,000 papers). Saved only when site/ was made from the input files as they are now:
        stamped, the inputs site/ was last stamped for (taken over or built whole; None: it was
        not); every file changed since (but the is_noise ones no build reads) a paper file with the
        bytes this builder last parsed from it, or one gone that it no longer holds; the state
        settled and recorded. Any other change (a template, the config, a digest) leaves it unsaved,
        and the next run builds to find what that reached. True when saved."""
        inputs = stamp.input_stamps(self.project)
        if stamped is None or inputs is None or self._site_changed or not self._settled():
            return False
        changed = [path for path in changed_files(stamped, inputs) if not is_noise(path)]
        if not all(self._holds_as_read(path) for path in changed):
            return False
        # The bytes each paper was last parsed from, edits included: the paper cache knows those of the first load only.
        papers = stamp.papers_prefix(self.project)
        parsed = {f"{papers}{slug}.md": digest for slug, digest in self._parsed_digests.items()}
        stamp.save(self.project, inputs, parsed)
        return True

    def _holds_as_read(self, path: str) -> bool:
        """Whether the file is a paper file with the bytes this builder last parsed from it, or one
        gone whose paper it no longer holds."""
        folder, name = os.path.split(path)
        if folder != str(self.project.papers) or not is_paper_file_name(name):
            return False
        slug = name.removesuffix(".md")
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            return slug not in self._parsed_digests
        except OSError:
            return False
        return self._parsed_digests.get(slug) == bytes_digest(data)

    def _settled(self) -> bool:
        """Whether site/ holds what this builder's pages say: loaded, nothing left to write, no failure."""
        return (self._resources is not None and self._adopted is None and self._deferred is None
                and self._pending_related is None and not self._failed_papers)

    def _record_key(self) -> str:
        """The build record's key for the config, taxonomy and theme files as they are now."""
        config, _ = self.project.load_config()  # errors in it are the build's to report
        return record.record_key(self.project, self.project.theme_folders(config))

    @property
    def _search_cache(self) -> Path:
        return self.project.cache_dir / SEARCH_CACHE_FILE

    @property
    def _related_cache(self) -> Path:
        return self.project.cache_dir / RELATED_CACHE_FILE

    def _remember(self, resources: Resources, papers: list[Paper], site: Site, key: str) -> None:
        self._resources = resources
        papers_dir = stamp.papers_prefix(self.project)  # a paper's file name is its slug (checked on load)
        self._papers = {f"{papers_dir}{paper.slug}.md": paper for paper in papers}
        self._identities = self._loaded_identities
        self._parsed_digests = PaperCache.of(self.project).paper_digests()  # of the load just made
        self._site = site
        self._failed_papers = set()
        # What an earlier rebuild left for write_deferred is of an older site: this build wrote the
        # search index and the data files too, and writing it now would put the older ones back.
        self._deferred = None
        self._rendered_key = key

    def _all_pages(self, resources: Resources, site: Site, scope: Scope | None = None,
                   make: PageMaker = page_builders.all_pages) -> list[Page]:
        """The pages (of a scope), the related papers worked out first with their term cache."""
        page_builders.related_slugs(site, self._related_cache)
        return make(site, resources.config, scope)

    def rebuild(self, changed: Iterable[Path], defer_data: bool = False,
                shown: Collection[str] | None = None) -> BuildResult:
        """Incremental build after `changed` files were edited, added or deleted.

        defer_data: render only the HTML pages now and leave the search index and the data
        files (feeds, papers.json, sitemap.xml) for write_deferred(), so that the dev server
        reloads open pages first (at 10,000 papers the index takes a second, papers.json a
        tenth, a page a millisecond or two).
        shown: with defer_data, the site paths of the pages open in a browser: of the HTML pages
        only these are rendered now, the others first thing in write_deferred (an edit reaches
        10-20 pages at 10,000 papers, and the open one alone is on screen). None: every page now.
        When the edit keeps every slug, the shown pages take the related lists from before it,
        and write_deferred_pages updates them (PendingRelated).
        """
        self.warm_up()  # its own result is subsumed: the pages it wrote are in site/ either way
        changed_papers, needs_full = self._classify(changed)
        if needs_full or self._resources is None:
            return self.build()
        started = time.perf_counter()
        pending: PendingRelated | None = None
        try:
            written, removed = self._finish_related()  # the last rebuild's, if write_deferred_pages did not come
            edit = self._reread(changed_papers | self._failed_papers)
            keys = sorted(edit.papers)
            before = [self._papers[key] for key in keys if key in self._papers]
            after = [paper for key in keys if (paper := edit.papers[key]) is not None]
            assert self._site is not None, "a rebuild follows a build"
            site = patch_site(self._site, before, after)
            if defer_data and shown and _same_slugs(before, after):
                # The open pages first, with the related lists of the site before the edit: the
                # same papers, shown as they are now. write_deferred_pages updates them.
                pending = self._scope_before_related(before + after, site)
                scope = pending.scope
                page_builders.take_related(site, pending.before)
            else:
                scope = self._scope(before + after, site)
            now_written, now_removed = self._write_changes(self._resources, site, defer_data, scope, shown)
        except BuildFailed as failed:
            self._failed_papers |= changed_papers  # read again next time: the state still holds the old text
            return BuildResult([], [], failed.errors, time.perf_counter() - started)
        self._keep_reread(edit.papers, edit.digests)
        self._identities.replace(before, edit.files)
        self._site = site
        self._pending_related = pending
        self._failed_papers = set(edit.left_out)
        deferred = [page.path for page in self._deferred.pages] if self._deferred else []
        return BuildResult(written + now_written, removed + now_removed, edit.errors, time.perf_counter() - started,
                           deferred, notices=featured_on_unlikely_days(self.project, after, dt.date.today())
                           + shown_wrong(self.project, after))

    def _load_everything(self, paper_stamps: Mapping[str, Stamp] | None = None
                         ) -> tuple[Resources, list[Paper], list[SourceError]]:
        """Config, taxonomy, theme and papers; paper errors are raised with any others later."""
        papers, errors = self._load_papers(paper_stamps)
        return self._resources_reporting(errors), papers, errors

    def _load_papers(self, paper_stamps: Mapping[str, Stamp] | None = None) -> tuple[list[Paper], list[SourceError]]:
        """Every paper under content/papers/, sorted by slug, and every problem found, the same
        paper in two files included (publishing it twice would make two pages of one paper)."""
        files, errors = load_paper_files(self.project, paper_stamps)
        identities = PaperIdentities()
        errors += identities.add(files)
        if self.keep_state:
            self._loaded_identities = identities
        return [file.paper for file in files], errors

    def _resources_reporting(self, paper_errors: list[SourceError]) -> Resources:
        """load_resources, whose errors are raised together with the papers' errors."""
        try:
            return self.load_resources()
        except BuildFailed as failed:
            raise BuildFailed(failed.errors + paper_errors) from None

    def load_resources(self) -> Resources:
        config, errors = self.project.load_config()
        topics, topic_errors = load_taxonomy(self.project.taxonomy_file)
        theme, theme_errors = find_theme(self.project.root, config)
        errors += topic_errors + theme_errors
        if errors:
            raise BuildFailed(errors)
        static_files, file_errors = collect_static(theme)
        file_errors += check_template_files(theme)
        if file_errors:
            raise BuildFailed(file_errors)
        renderer = Renderer(theme, config, asset_names(static_files), topics)
        template_errors = renderer.check_templates()
        if template_errors:
            raise BuildFailed(template_errors)
        return Resources(config, tuple(topics), theme, static_files, renderer)

    def assemble(self, resources: Resources, papers: list[Paper], errors: list[SourceError]) -> Site:
        """Check the papers against the taxonomy; every content error is reported at once."""
        self._check_topics(resources, papers, errors)
        return assemble_site(papers, list(resources.topics))

    def _check_topics(self, resources: Resources, papers: list[Paper], errors: list[SourceError]) -> None:
        """Raises BuildFailed with `errors` and those of papers naming a topic the taxonomy lacks."""
        errors = errors + check_topics(papers, list(resources.topics), display_path(self.project.taxonomy_file))
        if errors:
            raise BuildFailed(errors)

    def _write_everything(self, resources: Resources, site: Site, parallel: bool, key: str,
                          related: ForkedCall | None = None) -> tuple[list[str], list[str], bool]:
        """Every page and file, rendered and written only where it differs from what the last
        build's record says site/ holds (all of them in a cold build); those written and removed,
        and whether a cold build replaced a site/ that was there.
        key: the record's key (_record_key), taken before the resources were loaded.
        related: the related lists being worked out elsewhere (parallel.related_ahead)."""
        last = record.load(self.project, key)
        known = last.files if last else None
        recorded = last.pages if last else {}
        staged = StagedSite(self.site_dir)
        prints = Fingerprints(PaperCache.of(self.project).paper_digests())
        records: bytes | None = None
        fingerprints: dict[str, str] | None = None
        with gc_paused():  # every page's context: millions of objects and no cycles (heap.py)
            reuse = None
            if last is not None:
                records = page_builders.record_keys(site.papers, prints.paper)
                reuse = page_builders.RecordReuse(self.site_dir / "papers.json", last.records, records)
            listings = page_builders.listing_pages(site, resources.config, reuse=reuse)
            if last is not None:
                fingerprints = prints.of_pages((page.path, page.context) for page in listings)
        stale_listings = listings if fingerprints is None else _stale(listings, fingerprints, recorded)
        if parallel:
            convert_ahead(text for paper in site.papers for text in (paper.title, paper.ai_summary))
        search = SearchProcess(site, staged, self._search_cache, known, Listings(resources.renderer, stale_listings),
                               PaperCache.of(self.project)) if parallel else None
        try:
            with gc_paused():
                # Without a record every listing is stale, and what the next build compares them with
                # is worked out here, with the search process running beside (3 s of one core at
                # 80,000 papers, which the other core spent idle when it came before the fork).
                if records is None:
                    records = page_builders.record_keys(site.papers, prints.paper)
                if fingerprints is None:
                    fingerprints = prints.of_pages((page.path, page.context) for page in listings)
                if related is not None:
                    if last is None:  # every page is rendered
                        resources.renderer.make_abstracts(site.papers)  # while the related lists are worked out
                    page_builders.take_related(site, related.result())
                page_list, stale = self._fingerprinted_pages(resources, site, recorded, prints, fingerprints)
            digests, changed = self._render_into(staged, resources, site, stale, stale_listings, search, known)
            page_list, stale = page_list + listings, stale + stale_listings
            static_digests, static_changed = write_changed(resources.static_outputs().items(), staged, known)
            digests, changed = {**digests, **static_digests}, changed + static_changed
            written = sorted([page.path for page in stale] + changed)
            site_files = set(fingerprints) | set(digests)
            removed, replaced = self._commit(staged, last, written, site_files)
        except BaseException:
            if search is not None:
                search.stop()
            staged.discard()
            raise
        record.save(self.project, record.BuildRecord(key, fingerprints, digests, records))
        self._site_changed = False
        self._file_digests = dict(digests)
        self._pages = PageTable(page_list)
        self._site_files = site_files
        self._search_files = set(digests) - set(static_digests)
        return written, removed, replaced

    def _commit(self, staged: StagedSite, last: record.BuildRecord | None, written: list[str],
                outputs: set[str]) -> tuple[list[str], bool]:
        """The staged build put in place: the whole folder without a record of the last build,
        else the files written moved in and those the last build made and this one did not
        (`outputs`: every file of the new site) removed. Those removed, and whether a whole
        site/ that was there was replaced."""
        record.forget(self.project)  # site/ changes now: the last record no longer describes it
        if last is None:
            return [], staged.commit()
        removed = sorted(last.outputs() - outputs)
        staged.commit_into(written, removed)
        return removed, False

    def _fingerprinted_pages(self, resources: Resources, site: Site, recorded: Mapping[str, str],
                             prints: Fingerprints, fingerprints: dict[str, str]) -> tuple[list[Page], list[Page]]:
        """Every page but the listings: the pages made (all, or only those to render when the
        builder keeps no state), and those whose fingerprint is not the one `recorded` (the last
        build's) has. Each page's fingerprint goes into `fingerprints`; paper pages are
        fingerprinted from their parts, and made only when needed."""
        pages = self._all_pages(resources, site, make=page_builders.pages_but_papers_and_listings)
        if not self.keep_state:  # the related lists are made: what made them goes before the workers fork
            forget_computation()
        fingerprints.update(prints.of_pages((page.path, page.context) for page in pages))
        papers = []
        by_slug = site.paper_by_slug()
        page_size = resources.config.day_page_size
        for path, paper, related, day_pages in page_builders.paper_page_parts(site, page_size):
            fingerprint = fingerprints[path] = prints.of_paper_page(paper, related, by_slug, day_pages)
            if self.keep_state or recorded.get(path) != fingerprint:
                papers.append((path, paper))
        pages += [page_builders.paper_page(paper, site, page_size, path) for path, paper in papers]
        return pages, _stale(pages, fingerprints, recorded)

    def _render_into(self, staged: StagedSite, resources: Resources, site: Site, pages: list[Page],
                     listings: list[Page], search: SearchProcess | None,
                     known: Mapping[str, str] | None) -> tuple[dict[str, str], list[str]]:
        """Write these pages into the staging folder, then the search files whose digest is not
        the one `known` records (all without it), then the listings of every paper: in this
        process, or by it and any helpers (parallel.FullBuildJob) while `search` makes the search
        files (the listings by whichever is free first, parallel.Listings);
        the search files' digests, and those written. Either way a page's error comes before a
        listing's, so both report the same first error."""
        # Each page's own folder (papers/<c>/<slug>/) is made as the page is written: that is 10,000
        # mkdir calls at 10,000 papers, shared between the processes instead of made up front.
        staged.make_folders((page.path for page in pages), own_folders=search is None)
        if search is not None:
            rendered = FullBuildJob(resources.renderer, pages, staged, search.listings, core_freed=search.done,
                                    builds_once=not self.keep_state).run()
            searched, listed = search.result()
            first_listing_error(rendered, listed)
            return searched
        write_pages(resources.renderer, pages, staged)
        searched = write_changed(search_file_stream(site, self._search_cache), staged, known)
        write_pages(resources.renderer, listings, staged)
        return searched

    def _scope(self, edited: list[Paper], site: Site) -> Scope:
        """What an edit of these papers (as they were and as they are) reaches: _regions, and the
        papers whose related list changed or shows one of them."""
        pending = self._scope_before_related(edited, site)
        return self._related_update(site, pending)

    def _regions(self, edited: list[Paper], site: Site) -> Scope:
        """The edited papers' own pages, the days they are featured on and those days' neighbours
        (whose pages link them), and their topics; the papers the edit moved to another page of a
        long day, and their topics (a topic page's day heading links the day's page that lists its
        first paper of the day)."""
        featured = {day for paper in edited for day in paper.featured}
        days = featured | {near for known in (site, self._site) if known for day in featured
                           for near in _days_around(known.days, day)}
        moved = self._moved_across_pages(featured, site)
        by_slug = site.paper_by_slug()
        topics = {topic for paper in (*edited, *(by_slug[slug] for slug in moved)) for topic in paper.topics}
        return Scope(frozenset({paper.slug for paper in edited} | moved), frozenset(days), frozenset(topics))

    def _moved_across_pages(self, days: set[dt.date], site: Site) -> set[str]:
        """The papers an edit moved to another page of one of these days (a paper joining, leaving
        or moving in a long day's ranking moves others): their own pages link the page that holds
        them (Site.day_page). The edited papers' own pages are in the scope anyway."""
        if self._resources is None or self._site is None:  # nothing rendered yet: every page is
            return set()
        last, page_size, moved = self._site, self._resources.config.day_page_size, set()
        for day in days:
            before, after = last.papers_by_day.get(day, ()), site.papers_by_day.get(day, ())
            if before is not after and max(len(before), len(after)) > page_size:
                stayed = {paper.slug for paper in before} & {paper.slug for paper in after}
                moved |= {slug for slug in stayed if last.day_page(day, slug, page_size) != site.day_page(day, slug, page_size)}
        return moved

    def _scope_before_related(self, edited: list[Paper], site: Site) -> PendingRelated:
        """The edit's regions (its scope), with what its related-papers update needs
        (_related_update), which adds the papers whose related list it changes."""
        slugs = {paper.slug for paper in edited}
        before = page_builders.related_slugs(self._site) if self._site else {}
        edit = (self._site.papers, {slug: site.paper_by_slug().get(slug) for slug in slugs}) if self._site else None
        return PendingRelated(edit, before, self._regions(edited, site))

    def _related_update(self, site: Site, pending: PendingRelated) -> Scope:
        """The site's related lists worked out after the edit; the edit's whole scope: its regions
        and the papers whose list changed or shows an edited paper."""
        page_builders.take_related(site, related_papers(site.papers, cache_file=self._related_cache, edit=pending.edit))
        listing = Scope(frozenset(affected_by(pending.before, pending.scope.papers)), frozenset(), frozenset())
        return pending.scope | listing

    def _finish_related(self) -> tuple[list[str], list[str]]:
        """The related-papers update a rebuild left (PendingRelated), and the pages it changes,
        written with those the rebuild left; the data files stay deferred. The files written and removed."""
        pending, self._pending_related = self._pending_related, None
        if pending is None or self._site is None or self._resources is None:
            return [], []
        scope = self._related_update(self._site, pending)
        return self._write_changes(self._resources, self._site, True, scope)

    def _write_changes(self, resources: Resources, site: Site, defer_data: bool, scope: Scope,
                       shown: Collection[str] | None = None) -> tuple[list[str], list[str]]:
        """Render the pages of the scope whose context changed, then write those whose bytes changed
        (with shown, of the HTML pages only the shown ones: see rebuild). Pages a deferred write
        left undone (a newer edit stopped it, or none ran) are rendered with them."""
        pending = self._deferred
        self._deferred = None
        stale, gone = self._stale_pages(resources, site, scope, page_builders.html_pages if defer_data else None)
        stale = _with_pending(stale, pending.pages if pending else [], self._pages)
        if defer_data:  # the data files and the search files stay as they are until write_deferred
            later = [page for page in stale if shown is not None and page.path not in shown]
            self._deferred = Deferred(site, scope | pending.scope if pending else scope, later)
            stale = [page for page in stale if shown is None or page.path in shown]
        outputs: dict[str, Output] = dict(render_pages(resources.renderer, stale))
        if not defer_data:
            if pending:
                outputs.update(self._render_stale(resources, site, pending.scope, page_builders.data_pages))
            searched = search_files(site, self._search_cache)
            outputs.update(searched)
            gone += sorted(self._search_files - set(searched))
            self._search_files = set(searched)
        return self._write_outputs(outputs), self._remove(gone)

    def _render_stale(self, resources: Resources, site: Site, scope: Scope,
                      make: PageMaker | None = None) -> dict[str, Output]:
        """The scope's pages (those `make` makes; all by default) whose context changed, rendered.
        Only for pages no region of the scope forgets (data pages: see _stale_pages)."""
        stale, _ = self._stale_pages(resources, site, scope, make)
        return dict(render_pages(resources.renderer, stale))

    def _stale_pages(self, resources: Resources, site: Site, scope: Scope,
                     make: PageMaker | None = None) -> tuple[list[Page], list[str]]:
        """The scope's pages (those `make` makes; all by default) whose context changed, and the
        paths of the HTML pages of the scope's regions that are no more. The pages made are kept
        as the site's from here on (self._pages), and those no more are forgotten."""
        page_list = self._all_pages(resources, site, scope, make or page_builders.all_pages)
        stale = [page for page in page_list if page.path not in self._pages
                 or self._pages[page.path].context != page.context]
        new_paths = {page.path for page in page_list}
        # A deleted paper's page, a day left without papers, the last page of a topic that shrank:
        # only HTML pages go (feeds are per topic, the rest site-wide), and only when `make`
        # makes HTML pages at all (the data pages' makers make none, and must forget none).
        gone: list[str] = []
        if any(path.endswith(".html") for path in new_paths):
            gone = sorted(path for path in self._pages.in_regions(scope.regions())
                          if path not in new_paths and path.endswith(".html"))
        # The listings are made whole, or not at all: when made, a part of them not made again
        # (the site went back under a limit: PAPERS_PER_FILE, outputs.SITEMAP_LIMIT) is gone.
        listings = self._pages.in_regions([page_builders.LISTINGS])
        if any(path in new_paths for path in listings):
            gone += sorted(path for path in listings if path not in new_paths)
        self._pages.forget(gone)
        self._pages.keep(page_list)
        return stale, gone

    def write_deferred(self, should_stop: Callable[[], bool] | None = None) -> list[str]:
        """What the last rebuild(defer_data=True) left, lightest first: the feeds, the search index,
        then papers.json and the sitemap; the files written or removed. should_stop: asked before
        each step and while the search index is made (seconds at 80,000 papers); when it says so,
        what is left waits for the next rebuild, which defers it again. A save then waits for one
        short step, not for the lists of every paper (a second at 80,000 papers), which come last."""
        pages = self.write_deferred_pages()
        if pages.errors:
            raise BuildFailed(pages.errors)
        deferred, self._deferred = self._deferred, None
        if deferred is None or self._resources is None:
            return pages.written
        stop = should_stop or _never
        if stop():
            self._deferred = deferred
            return pages.written
        outputs = self._render_stale(self._resources, deferred.site, deferred.scope, page_builders.light_data_pages)
        written = pages.written + self._write_outputs(outputs)
        try:
            if stop():
                raise SearchCancelled
            searched = search_files(deferred.site, self._search_cache, should_stop)
        except SearchCancelled:
            self._deferred = Deferred(deferred.site, NO_REGION)  # left: the index and the site-wide lists
            return written
        written += self._write_outputs(searched)
        removed = self._remove_all_but((self._site_files - self._search_files) | set(searched))
        self._search_files = set(searched)
        listings, gone = (None, []) if stop() else self._listings_unless_stopped(deferred.site, stop)
        if listings is None:
            self._deferred = Deferred(deferred.site, NO_REGION)
        else:
            written += self._write_outputs(listings)
        return sorted(written + removed + gone)

    def _listings_unless_stopped(self, site: Site, stop: Callable[[], bool]
                                 ) -> tuple[dict[str, bytes] | None, list[str]]:
        """papers.json and the sitemap, rendered part by part (a record a paper), asking stop() every
        STOP_EVERY_PARTS: papers.json took 0.7 s at 10,000 papers in a slow hour, and a save came
        meanwhile waited for it. None when stopped; they are then rendered again next time.
        Second, the files of their parts the site no longer has, removed whether stopped or not."""
        assert self._resources is not None, "after a build"
        stale, gone = self._stale_pages(self._resources, site, NO_REGION, page_builders.listing_pages)
        removed = self._remove(gone)
        outputs = {}
        for page in stale:
            parts = []
            for number, part in enumerate(page_parts(self._resources.renderer, page)):
                if number % STOP_EVERY_PARTS == 0 and stop():
                    self._pages.forget(forgotten.path for forgotten in stale)  # not rendered: stale the next time
                    return None, removed
                parts.append(part)
            outputs[page.path] = b"".join(parts)
        return outputs, removed

    def write_deferred_pages(self) -> BuildResult:
        """The pages the last rebuild left for after the reload (those not shown), written; the
        first thing write_deferred does. On an error they stay left, for the next rebuild, unless
        the rebuild also left its related-papers update (_finish_related): its pages and those are
        written together, by _write_changes, which does not keep them when rendering fails."""
        started = time.perf_counter()
        try:
            if self._pending_related is not None:  # its pages are written with those left
                written, removed = self._finish_related()
                return BuildResult(written, removed, [], time.perf_counter() - started)
            if self._deferred is None or self._resources is None or not self._deferred.pages:
                return BuildResult([], [], [], 0.0)
            outputs = dict(render_pages(self._resources.renderer, self._deferred.pages))
        except BuildFailed as failed:
            return BuildResult([], [], failed.errors, time.perf_counter() - started)
        written = self._write_outputs(outputs)
        self._deferred = replace(self._deferred, pages=[])
        return BuildResult(written, [], [], time.perf_counter() - started)

    def _remove_all_but(self, kept: set[str]) -> list[str]:
        """Remove the site files not in kept; the files removed."""
        removed = self._remove(self._site_files - kept)
        self._site_files = set(kept)
        return removed

    def _remove(self, paths: Iterable[str]) -> list[str]:
        """Remove these site files (those of a deleted paper, say) where they are; the files removed."""
        removed = sorted(path for path in paths if path in self._site_files)
        if removed:
            self._before_changing_site()
        for path in removed:
            remove_file(self.site_dir, path)
            self._file_digests.pop(path, None)
            self._site_files.discard(path)
        return removed

    def _write_outputs(self, outputs: Mapping[str, Output]) -> list[str]:
        """Write into site/ the outputs whose bytes differ from the file there; those written. Each
        output is a site file from here on. A file whose digest this builder knows is compared by
        digest, not read: at 80,000 papers the search index's 81,000 files took 3.6 s to read back
        after every edit."""
        written = []
        for path, data in sorted(outputs.items()):
            digest = output_digest(data)
            if self._file_digests.get(path) != digest and self._replace_if_changed(path, output_bytes(data)):
                written.append(path)
            self._file_digests[path] = digest
            self._site_files.add(path)
        return written

    def _replace_if_changed(self, path: str, data: bytes) -> bool:
        target = resolve_inside(self.site_dir, path)
        if target.is_file() and target.read_bytes() == data:
            return False
        self._before_changing_site()
        write_file_atomic(self.site_dir, path, data)
        return True

    def _before_changing_site(self) -> None:
        """An incremental rebuild is about to change site/ in place: the build record and stamp
        describe the site/ before it, and the next `digest build` must not trust them (an edit
        undone after the preview stopped would otherwise keep the edited pages)."""
        if not self._site_changed:
            record.forget(self.project)
            stamp.forget(self.project)
            self._site_changed = True

    def _classify(self, changed: Iterable[Path]) -> tuple[set[Path], bool]:
        """Split changed files into paper files and files that affect every page."""
        papers_dir = self.project.papers.resolve()
        affecting_all = self._paths_affecting_every_page()
        paper_files: set[Path] = set()
        needs_full = False
        for path in (Path(item).resolve() for item in changed):
            if path.parent == papers_dir and is_paper_file_name(path.name):
                paper_files.add(path)
            elif any(path.is_relative_to(affecting) for affecting in affecting_all):
                needs_full = True
        return paper_files, needs_full

    def _paths_affecting_every_page(self) -> set[Path]:
        """The config, the taxonomy, and every input folder but content/ (templates, static
        files, themes), override folders included even when they did not exist at the last build.
        Other files in content/ are digests, which reach the build as the paper files ingest writes.
        Worked out once per config: resolving them took 3 ms of each edit's rebuild."""
        config = self._resources.config if self._resources else None
        if self._affecting_every_page[0] is not config or config is None:
            content = self.project.content.resolve()
            folders = {folder for folder in self.project.input_folders(config) if folder != content}
            self._affecting_every_page = (config, folders | {self.project.config_file.resolve(),
                                                             self.project.taxonomy_file.resolve()})
        return self._affecting_every_page[1]

    def _reread(self, paths: set[Path]) -> Reread:
        """The changed files read again. A file the site cannot take as it is now is left out: one
        that does not parse, names a topic the taxonomy lacks, or holds a paper another file holds.
        Its paper stays as the site has it until a save mends it, and the rest of the edit is built,
        so that one broken file holds back no other save. Raises BuildFailed when every file is left out.
        The known papers stay as they are until the rebuild succeeds (_keep_reread): copying their
        dict to change it took 40-70 ms of a preview edit at 9,877 papers after an idle second on a
        2-core VM, every paper it touched coming back into the caches, against 1 ms warm."""
        edit = Reread()
        for path in sorted(paths):
            if not path.is_file():
                edit.papers[str(path)] = None  # deleted
                continue
            data = path.read_bytes()
            paper_file, errors = parse_paper_file(path, data)
            if errors or paper_file is None:
                edit.leave_out(path, errors)
                continue
            edit.papers[str(path)] = paper_file.paper
            edit.digests[paper_file.paper.slug] = bytes_digest(data)
            edit.files.append(paper_file)
        while unfit := self._unfit(edit):  # leaving a file out keeps its paper's old keys: look again
            for path, errors in unfit.items():
                edit.leave_out(path, errors)
        if edit.errors and not edit.papers:
            raise BuildFailed(edit.errors)
        return edit

    def _unfit(self, edit: Reread) -> dict[Path, list[SourceError]]:
        """The files read again whose paper the site cannot take: a topic the taxonomy lacks, or
        the paper of another file (PaperIdentities); their errors, by file."""
        assert self._resources is not None, "a rebuild follows a build"
        before = [self._papers[key] for key in edit.papers if key in self._papers]
        after = [paper for paper in edit.papers.values() if paper is not None]
        taxonomy = display_path(self.project.taxonomy_file)
        errors = (self._identities.errors_replacing(before, edit.files)
                  + check_topics(after, list(self._resources.topics), taxonomy))
        files = {paper.path: Path(key) for key, paper in edit.papers.items() if paper is not None}
        unfit: dict[Path, list[SourceError]] = {}
        for error in errors:
            unfit.setdefault(files[error.path], []).append(error)
        return unfit

    def _keep_reread(self, papers: Mapping[str, Paper | None], digests: Mapping[str, str]) -> None:
        """The known papers updated in place with those read again (None: deleted)."""
        for key, paper in papers.items():
            if paper is None:
                self._papers.pop(key, None)
                self._parsed_digests.pop(Path(key).stem, None)
            else:
                self._papers[key] = paper
        self._parsed_digests.update(digests)


def _same_slugs(before: list[Paper], after: list[Paper]) -> bool:
    """Whether an edit kept the same papers (slugs), so that the related lists before it still
    name papers of the site after it."""
    return sorted(paper.slug for paper in before) == sorted(paper.slug for paper in after)


def _with_pending(stale: list[Page], pending: list[Page], pages: Mapping[str, Page]) -> list[Page]:
    """The stale pages, and the pages of the site (as `pages` now has them) that a deferred write
    left unwritten: their file is older than their bookkept context, stale or not."""
    paths = {page.path for page in stale}
    return stale + [pages[page.path] for page in pending if page.path not in paths and page.path in pages]


def _stale(pages: list[Page], fingerprints: Mapping[str, str], recorded: Mapping[str, str]) -> list[Page]:
    """The pages whose fingerprint is not the one recorded (all, with nothing recorded)."""
    return [page for page in pages if recorded.get(page.path) != fingerprints[page.path]]


def _days_around(days: tuple[dt.date, ...], day: dt.date) -> tuple[dt.date, ...]:
    """Of sorted days, those just before and just after `day` (which need not be one of them)."""
    before, after = bisect.bisect_left(days, day), bisect.bisect_right(days, day)
    return days[max(before - 1, 0):before] + days[after:after + 1]


def build_site(project: Project | Path, clean: bool = False) -> BuildResult:
    """One build for the CLI; raises BuildFailed with every error found.

    When no input file changed since the last successful build (by size and mtime)
    and site/'s top level is as that build left it, nothing is rebuilt; otherwise only
    what changed is (record.py). clean: forget both, and render every page again.
    """
    started = time.perf_counter()
    project = _as_project(project)
    builder = SiteBuilder(project, parallel=True, keep_state=False)
    if clean:
        stamp.forget(project)
        record.forget(project)
    listing = stamp.input_listing(project)
    inputs = stamp.trusted(listing)
    if stamp.is_up_to_date(project, inputs):
        return BuildResult([], [], [], time.perf_counter() - started)
    result = builder.build(paper_stamps=stamp.paper_stamps(project, listing))  # no second stat of each paper
    if result.errors:
        raise BuildFailed(result.errors)
    stamp.save(project, listing)  # files an ingest just wrote too: stamp.save compares their bytes
    return result


def _as_project(project: Project | Path, site_dir: Path | None = None) -> Project:
    """The Project given, or the one in a folder (tests and scripts pass folders); site_dir,
    when given, replaces its site/."""
    if not isinstance(project, Project):
        return Project.at(project, site_dir)
    return replace(project, site=Path(site_dir)) if site_dir is not None else project
