"""`digest serve`: build, serve site/, watch the sources, rebuild what changed, reload open pages.

    PreviewSession.start()   bind the port -> full build -> serve -> watch; then, on the rebuild
                             thread, the files saved during the build, and the state to load
    on each burst of changes ingest new digests -> SiteBuilder.rebuild(changed)
                             -> reload event, or the errors shown on every page
    PreviewSession.stop()    watcher, rebuild worker, event streams, server

A failed rebuild keeps the last good pages served. A rebuild that could build some of
the files saved shows those, and the others as they last built (a paper file that does
not parse, a digest that does not ingest); either way the paths it could not build are
retried with the next change, so fixing the file clears the error.
"""
from __future__ import annotations

import contextlib
import errno
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from generator.cache import Stamps, any_racy, bytes_digest, changed_files, folder_stamps
from generator.errors import MAX_NOTICES_PER_KIND, BuildFailed, SourceError, capped_notice_lines, display_path
from generator.heap import settle
from generator.preview.server import LiveReload, PreviewServer
from generator.preview.watch import Debouncer, FolderWatcher, is_editor_noise
from generator.project import Project
from generator.words import count_of

DEFAULT_HOST = "127.0.0.1"  # the preview is for this machine only unless --host says otherwise
DEFAULT_PORT = 8000
RELOAD_GRACE_SECONDS = 1.0  # the longest the deferred work waits for open pages to reload
STATIC_FOLDER = "static/"  # where a build writes the theme's static files (theme.asset_names)
LOADED_NOTICE_SECONDS = 2.0  # a warm-up this long is reported: saves were slow to show until it ended


class BuildOutcome(Protocol):
    """What a build reports: the site-relative files it wrote and removed, or its errors."""

    @property
    def written(self) -> Sequence[str]: ...
    @property
    def removed(self) -> Sequence[str]: ...
    @property
    def errors(self) -> Sequence[SourceError]: ...
    @property
    def deferred(self) -> Sequence[str]: ...  # pages left for write_deferred_pages
    @property
    def notices(self) -> Sequence[SourceError]: ...  # published, but most likely a typo
    def removals(self) -> str: ...  # what it removed, in a few words


class Builder(Protocol):
    """What the session asks of a site builder (SiteBuilder; test doubles in tests/)."""

    def build(self, parallel: bool | None = None) -> BuildOutcome:
        """Everything, from scratch; parallel: on every core (only before other threads start)."""
        ...

    def adopt(self, inputs: Stamps | None) -> BuildOutcome | None:
        """Take over site/ as the last build left it when inputs (build.stamp.input_stamps) still
        match its stamp; None: build instead."""
        ...

    def warm_up(self) -> BuildOutcome | None:
        """After adopt: load what rebuild needs (on the rebuild thread, while pages are served);
        a build when an input changed since adopt, whose outcome is returned; None otherwise."""
        ...

    def rebuild(self, changed: Iterable[Path], defer_data: bool = False,
                shown: Collection[str] | None = None) -> BuildOutcome:
        """Only what the changed files affect; the search index and data files (feeds, papers.json)
        wait for write_deferred when deferred, and so do the pages not `shown` (site paths; None:
        every page now), for write_deferred_pages."""
        ...

    def write_deferred_pages(self) -> BuildOutcome:
        """The pages a deferred rebuild left out (also the first thing write_deferred does)."""
        ...

    def write_deferred(self, should_stop: Callable[[], bool] | None = None) -> Sequence[str]:
        """The search index and data files a deferred rebuild left out; the files it wrote or
        removed. should_stop: when it says so, the search index waits for the next rebuild."""
        ...

    def save_record(self) -> bool:
        """As the preview stops: the build record of site/ as it is, for the next `digest build`
        (when the state is settled; False otherwise)."""
        ...

    def save_stamp(self, stamped: Stamps | None, is_noise: Callable[[str], bool]) -> bool:
        """After save_record: the build stamp, when site/ was made from the input files as they are
        now (stamped: the inputs it was last stamped for; is_noise: files no build reads)."""
        ...


@dataclass(frozen=True)
class _NothingBuilt:
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    errors: tuple[SourceError, ...] = ()
    deferred: tuple[str, ...] = ()
    notices: tuple[SourceError, ...] = ()

    def removals(self) -> str:
        return "removed 0"


NOTHING_BUILT = _NothingBuilt()


@dataclass(frozen=True)
class _WithErrors:
    """A build's outcome and more errors: a digest's that did not ingest, beside the build of
    everything else (PreviewSession._ingest_then)."""

    built: BuildOutcome
    errors: tuple[SourceError, ...]

    @property
    def written(self) -> Sequence[str]:
        return self.built.written

    @property
    def removed(self) -> Sequence[str]:
        return self.built.removed

    @property
    def deferred(self) -> Sequence[str]:
        return self.built.deferred

    @property
    def notices(self) -> Sequence[SourceError]:
        return self.built.notices

    def removals(self) -> str:
        return self.built.removals()


def _built(result: BuildOutcome | None) -> BuildOutcome | None:
    """The outcome of a build that changed the site, maybe leaving out some files it reports
    errors for (their pages stay as they last built); None for a build that failed and changed nothing."""
    if result is None or (result.errors and not (result.written or result.removed or result.deferred)):
        return None
    return result


class IngestOutcome(Protocol):
    @property
    def written(self) -> Sequence[Path]: ...  # paper files created or updated


BuilderFactory = Callable[[Project], Builder]
Ingest = Callable[[Project, list[Path] | None], IngestOutcome]  # (project, digests or None for all)


class ServeError(Exception):
    """A problem the curator can fix before serving (e.g. the port is taken); the message says how."""


def say(message: str) -> None:
    print(message, flush=True)  # flushed: the preview runs for hours, often with output piped


def serve(project: Project, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          report: Callable[[str], None] = say) -> int:
    """Runs the preview until Ctrl-C; returns the exit code for the command line."""
    session = PreviewSession(project, host, port, report=report)
    previous_handlers = _stop_on_signals()
    try:
        session.start()
        report(f"Serving {display_path(session.site_dir)} at {session.url}  (Ctrl-C to stop)")
        while True:
            time.sleep(3600)
    except ServeError as problem:
        report(str(problem))
        return 1
    except KeyboardInterrupt:
        report("Stopping.")
        return 0
    finally:
        _ignore_interrupts_while(session.stop)
        _restore_handlers(previous_handlers)


class PreviewSession:
    """One preview: the server, the watcher and the rebuild worker, started and stopped together."""

    def __init__(self, project: Project | Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *,
                 builder_factory: BuilderFactory | None = None, ingest: Ingest | None = None,
                 report: Callable[[str], None] = say):
        """project: a Project or its folder."""
        # Watcher events name resolved paths; the project's must compare equal to them.
        self.project = (project if isinstance(project, Project) else Project.at(project)).resolved()
        self.project_dir = self.project.root
        self.site_dir = self.project.site
        self.live = LiveReload()
        self._address = (host, port)
        self._builder_factory = builder_factory or _site_builder
        self._ingest = ingest or _run_ingest
        self._report = report
        self._builder: Builder | None = None
        self._unbuilt: set[Path] = set()  # changes of failed rebuilds, retried with the next one
        self._before_first_build: dict[str, tuple[int, int]] = {}  # source files as the first build read them
        self._stamped: Stamps | None = None  # the inputs site/ was stamped for at the start (taken over or built)
        self._built_from: Stamps | None = None  # the inputs the first build read, when it built them all
        self._static: dict[str, str] | None = None  # site/static/'s files and their digests, as last shown
        self._server: PreviewServer | None = None
        self._debouncer = Debouncer(self._apply_changes, first=self._catch_up_and_warm_up,
                                    waiting_for_first=self._tell_saves_wait)
        self._loading = False  # from taking site/ over until _warm_up has loaded what rebuilds need
        self._built_while_loading: set[Path] = set()  # saves the warm-up's build showed (_warm_up)
        self._watcher = FolderWatcher(self._debouncer)
        self._server_thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return self._server.url

    def start(self) -> None:
        # The port first: a taken port should fail at once, not after a long build.
        self._server = _bind(self._address, self.site_dir, self.live)
        # Before any thread of ours runs, the first build may fork a worker per core (half
        # the wait at 10,000 papers); the watcher starts after it, so what was saved during
        # the build is caught up by comparing the source files before and after.
        self._full_build(on_every_core=threading.active_count() == 1)
        settle()
        self._server_thread = threading.Thread(target=self._server.serve_forever, name="digest-serve", daemon=True)
        self._server_thread.start()
        self._start_watching()
        # The catch-up runs first on the rebuild thread: listing every source file again (0.6 s
        # at 80,000 papers) need not delay serving what the first build left.
        self._debouncer.start()

    def stop(self) -> None:
        self._watcher.stop()
        # A rebuild under way gets a few seconds to end, so that its record and stamp are saved. The
        # load of a taken-over site (12 s at 80,000 papers) is left behind at once: it only reads, bar
        # a cache it may rewrite and a build of saves made meanwhile, which write through temporary
        # files and staging folders that the next command removes. Waiting for it kept Ctrl-C 5 s.
        if self._loading:
            self._debouncer.stop(timeout=0)
        else:
            self._debouncer.stop()
        if self._builder is not None and self._debouncer.finished():
            # The pages this session rewrote are then known to the next `digest build`, which
            # otherwise renders every page (its record was let go when the site first changed).
            # Only a speed-up: should it fail, that build renders every page, as it did before.
            with contextlib.suppress(Exception):
                self._builder.save_record()
                # And the stamp: the next start then takes site/ over at once (11 s less at 80,000 papers).
                self._builder.save_stamp(self._stamped, lambda path: is_editor_noise(Path(path)))
        self.live.close()
        if self._server is not None:
            if self._server_thread is not None:
                self._server.shutdown()
            self._server.server_close()

    def _start_watching(self) -> None:
        try:
            self._watch_new_folders()
            # The project folder itself, not recursively: an override folder (templates/, static/)
            # or themes/ created later is seen, rebuilt from and then watched.
            self._watcher.watch_folder(self.project_dir, recursive=False, accept=self._is_top_input_folder)
            self._watcher.start()
        except OSError as error:
            raise ServeError(_cannot_watch(error)) from None

    def _watch_new_folders(self) -> None:
        """Start watching input folders that appeared since, e.g. after site.yaml named another
        templates_dir, or that were made again (an override folder is found once it exists and
        something was rebuilt)."""
        for folder in self.watched_folders():
            if not self._watcher.watches(folder):  # new, or deleted and made again since it was watched
                self._watcher.watch_folder(folder)

    def _is_top_input_folder(self, path: Path) -> bool:
        """Whether a path right in the project folder holds an input folder (templates/, static/,
        themes/ or those site.yaml names); the build's own site/ and anything else are not."""
        tops = {self.project_dir / folder.relative_to(self.project_dir).parts[0]
                for folder in self.project.theme_folders(self.project.load_config()[0])
                if folder.is_relative_to(self.project_dir) and folder != self.project_dir}
        return path in tops

    def watched_folders(self) -> list[Path]:
        """The folders a build reads (Project.input_folders: content/, themes/, the override
        folders and the theme's own) that exist now."""
        return [folder for folder in self.project.input_folders() if folder.is_dir()]

    def _full_build(self, on_every_core: bool = False) -> None:
        """Like `digest build`: take over a site/ left up to date (ingest then has nothing to do
        either: its inputs are among the build's), or ingest every digest and build."""
        self._report("Building the site...")
        started = time.perf_counter()
        result, errors = self._collect_errors(
            lambda: self._adopt() or self._ingest_then(None, lambda ingested: self._first_build(on_every_core)))
        if self._built_from is not None and not errors:
            self._stamp(self._built_from)
        self._finish(result, errors, changed=None, started=started)

    def _adopt(self) -> BuildOutcome | None:
        inputs = self._list_sources()
        adopted = self._make_builder().adopt(inputs)
        self._loading = adopted is not None  # what rebuilds need is loaded next (_warm_up)
        if adopted is not None:
            self._stamped = inputs
        return adopted

    def _first_build(self, on_every_core: bool) -> BuildOutcome:
        inputs = self._list_sources()  # after ingest: its own writes are built
        builder = self._builder or self._make_builder()
        # Everything is built (what the build record says is there is kept), and stamped for the
        # next start by _full_build, unless a digest failed to ingest: the next start, building
        # instead of taking site/ over, then reports it again.
        result = builder.build(parallel=on_every_core)
        self._built_from = inputs if not result.errors else None
        return result

    def _stamp(self, inputs: Stamps) -> None:
        from generator.build import stamp  # imported here: importing serve must stay cheap

        stamp.save(self.project, inputs)
        self._stamped = inputs

    def _list_sources(self) -> Stamps | None:
        """The source files as the first build reads them, kept to catch up afterwards. They are
        the build stamp's inputs too (Project.input_folders), so one listing serves both: None
        while one changed moments ago, as stamp.input_stamps gives."""
        self._before_first_build = self._source_files()
        return None if any_racy(self._before_first_build) else self._before_first_build

    def _source_files(self) -> dict[str, tuple[int, int]]:
        """Every watched file's path (as text: 80,000 Path objects cost a third of a second) with
        its size and mtime; folders that do not exist are skipped."""
        files: dict[str, tuple[int, int]] = {}
        for folder in self.watched_folders():
            files.update(folder_stamps(folder))
        return files

    def _catch_up_and_warm_up(self) -> None:
        self._catch_up()
        self._warm_up()

    def _catch_up(self) -> None:
        """Queue the files added, changed or deleted while the first build ran (the watcher has
        started since, so none is missed)."""
        before, after = self._before_first_build, self._source_files()
        changed = {Path(path) for path in changed_files(before, after)}
        changed = {path for path in changed if not is_editor_noise(path)}
        if changed:
            self._debouncer.add(changed)

    def _warm_up(self) -> None:
        """On the rebuild thread, before the first change: what a taken-over site/ left to load."""
        builder = self._builder
        if builder is None:
            return
        started = time.perf_counter()
        result, errors = self._collect_errors(lambda: builder.warm_up() or NOTHING_BUILT)
        settle()
        if errors or (result is not None and (result.written or result.removed)):
            # It built the saves that came meanwhile: their own batch, next, finds nothing left
            # to do, and need not say so.
            self._built_while_loading = self._debouncer.pending()
            self._finish(result, errors, changed=self._built_while_loading, started=started)
        elif (seconds := time.perf_counter() - started) >= LOADED_NOTICE_SECONDS:
            self._report(f"Loaded the site for quick rebuilds in {seconds:.1f} s")
        self._loading = False

    def _tell_saves_wait(self, paths: list[Path]) -> bool:
        """A save while a taken-over site loads (20 s at 80,000 papers) is shown only after: said
        at once. Whether it was said."""
        if self._loading:
            self._report(f"{_describe_changes(set(paths))}: the preview is still loading the site, "
                         "and shows this once it has")
        return self._loading

    def _make_builder(self) -> Builder:
        self._builder = self._builder_factory(self.project)
        return self._builder

    def _apply_changes(self, changed: set[Path]) -> None:
        """Runs on the rebuild worker thread, once per settled burst of changes."""
        started = time.perf_counter()
        changed = changed | self._unbuilt
        # Before the rebuild reads them: a file saved in a new folder once the rebuild has read
        # the folder is then seen, and rebuilt next.
        self._watch_new_folders_before_a_rebuild()
        digests = sorted(path for path in changed if self._is_digest(path) and path.is_file())
        result, errors = self._collect_errors(
            lambda: self._ingest_then(digests, lambda ingested: self._rebuild(changed | ingested)))
        built = _built(result)
        self._unbuilt = changed if built is None else self._digests_to_retry(changed, errors)
        if built is not None:
            self.live.hold(built.deferred)  # a page not written yet is served once it is
        self._finish(result, errors, changed=changed, started=started)
        self._built_while_loading = set()
        if built is not None:
            # The open pages load first: the other pages and the search index (a second of CPU at
            # 10,000 papers) would slow the server's answers to them.
            self.live.wait_for_reloads(RELOAD_GRACE_SECONDS, give_up=self._debouncer.has_pending)
            self._write_deferred(started, changed)
        # The new state, kept for the next edit; a change other than to paper files may have
        # replaced the templates and the whole site, whose old cycles are collected first.
        settle(collect=any(path.parent != self.project.papers for path in changed))

    def _digests_to_retry(self, changed: set[Path], errors: list[str]) -> set[Path]:
        """Of a build that left out the files it reports errors for, the changes to retry with the
        next one: the digests, since one of them may have failed to ingest. The builder reads the
        paper files it left out again by itself, and retrying every change saved since the
        first error made each edit at 80,000 papers slower than the one before."""
        return {path for path in changed if self._is_digest(path)} if errors else set()

    def _watch_new_folders_before_a_rebuild(self) -> None:
        try:
            self._watch_new_folders()
        except OSError as error:  # the preview goes on with the folders it has
            self._report(_cannot_watch(error))

    def _rebuild(self, changed: set[Path]) -> BuildOutcome:
        if self._builder is None:  # the first build failed before a builder existed
            return self._make_builder().build()
        return self._builder.rebuild(sorted(changed), defer_data=True, shown=self.live.open_pages())

    def _write_deferred(self, started: float, changed: set[Path]) -> None:
        """After open pages were told to reload: the other pages, then the search index and data
        files, and a reload of search pages only (a feed or papers.json is not a page a curator
        watches)."""
        builder = self._builder
        if builder is None:  # the first build failed: it left nothing to write
            self.live.release()
            return
        try:
            result, errors = self._collect_errors(builder.write_deferred_pages)
        finally:
            self.live.release()
        if errors or result is None:
            self._unbuilt = changed
            self._show_errors(errors)
            return
        open_pages = self.live.open_pages()  # their related papers were updated after their reload
        if result.written and (open_pages is None or not open_pages.isdisjoint(result.written)):
            self.live.publish_update()
        # A save while the index is made (a second at 10,000 papers) stops it: the newer edit is
        # shown first, and its own rebuild defers the index again.
        written = [*result.written, *builder.write_deferred(self._debouncer.has_pending)]
        if written:
            self.live.publish_search_index()
            self._report(f"  then {count_of(len(written), 'more file')} (other pages, search index, data files) "
                         f"in {(time.perf_counter() - started) * 1000:.0f} ms after the change")

    def _ingest_then(self, digests: list[Path] | None, build: Callable[[set[Path]], BuildOutcome]) -> BuildOutcome:
        """Ingests the digests (None: all of them), then builds with the paper files ingest wrote.

        A digest that fails to ingest does not stop the build of everything else: its papers stay
        as they last built, and the errors of both are reported together.
        """
        if links_out := self.project.links_leading_out():  # one made since the preview started
            raise BuildFailed(links_out)
        written: set[Path] = set()
        ingest_errors: list[SourceError] = []
        if digests is None or digests:
            try:
                written = set(self._ingest(self.project, digests).written)
            except BuildFailed as failure:
                ingest_errors = failure.errors
            # Built from right below: their events are no save of the curator's to rebuild and
            # report again, nor one to stop this rebuild's search index for.
            self._debouncer.ignore_own_writes([*written, self.project.ingest_ledger, self.project.ingest_record])
        result = build(written)
        if ingest_errors:  # a broken paper file is reported by both: once is enough
            return _WithErrors(result, tuple(dict.fromkeys(ingest_errors + list(result.errors))))
        return result

    def _is_digest(self, path: Path) -> bool:
        """A page copy (.txt) or an API answer (.json), as ingest reads them."""
        if path.parent != self.project.digests:
            return False
        from generator.ingest.catalog import is_digest_name  # imported here: importing serve must stay cheap

        return is_digest_name(path.name)

    def _collect_errors(self, build: Callable[[], BuildOutcome]) -> tuple[BuildOutcome | None, list[str]]:
        """Runs one build; returns its result and its errors as `file:line: message` lines."""
        try:
            result = build()
        except BuildFailed as failure:
            return None, [str(error) for error in failure.errors] or [str(failure)]
        except Exception as error:  # a broken template or a bug must not end the preview
            return None, [describe_unexpected(error, self.watched_folders())]
        return result, [str(error) for error in result.errors]

    def _finish(self, result: BuildOutcome | None, errors: list[str], changed: set[Path] | None,
                started: float) -> None:
        built = _built(result)
        if built is None:
            self._show_errors(errors)
        else:
            self._show_success(built, changed, started, errors)

    def _show_errors(self, errors: list[str]) -> None:
        self.live.publish_errors(errors)
        self._report_errors(f"Build failed ({count_of(len(errors), 'error')}); still serving the last good pages:", errors)

    def _report_errors(self, heading: str, errors: list[str]) -> None:
        self._report(heading)
        for error in errors:
            self._report(f"  {error}")

    def _show_success(self, result: BuildOutcome, changed: set[Path] | None, started: float,
                      errors: list[str]) -> None:
        """errors: those of the files the build left out (_built), shown on the open pages and
        after the line that says what it built."""
        milliseconds = (time.perf_counter() - started) * 1000
        was_failing = bool(self.live.errors)
        # Pages left for after the reload count too: a page served before the edit whose stream
        # opens only now (the reload script listens once its page has painted) learns of the new
        # version from the hello, and its reload waits for its page to be written (hold).
        if changed is None or result.written or result.removed or result.deferred or was_failing:
            self.live.publish_reload(whole=self._static_changed(result), errors=errors)
        if was_failing and not errors:  # the line after it may well say that nothing changed: the save undid the error
            self._report("Build fixed; the open pages no longer show the errors.")
        self._report_built(result, changed, milliseconds)
        if errors:
            self._report_errors(f"{count_of(len(errors), 'error')}; the site shows those files as they last built:", errors)

    def _report_built(self, result: BuildOutcome, changed: set[Path] | None, milliseconds: float) -> None:
        if changed is None and not result.written:
            self._report(f"site/ is up to date (no input changed since the last build); ready in {milliseconds:.0f} ms")
            return
        if changed and not result.written and not result.removed:  # not "rebuilt 0 files", which says too little
            if result.deferred:  # the pages it reaches are all written next (_write_deferred), none being open
                self._report(f"{_describe_changes(changed)}: no page open in a browser shows it ({milliseconds:.0f} ms)")
            elif not changed <= self._built_while_loading:
                self._report(f"{_describe_changes(changed)}: nothing on the site changed ({milliseconds:.0f} ms)")
            return
        what = "Built" if changed is None else f"{_describe_changes(changed)}: rebuilt"
        self._report(f"{what} {count_of(len(result.written), 'file')}, {result.removals()} in {milliseconds:.0f} ms")
        for line in capped_notice_lines(list(result.notices), MAX_NOTICES_PER_KIND):  # as `digest build` prints them
            self._report(f"notice: {line}")

    def _static_changed(self, result: BuildOutcome) -> bool:
        """Whether a file in site/static/ changed or went since the last build shown. The theme's
        stylesheets and scripts are named by their bytes, but the other files there (images,
        search.js) keep their address, which pages shown in place would keep showing."""
        touched = any(path.startswith(STATIC_FOLDER) for path in (*result.written, *result.removed))
        if self._static is not None and not touched:
            return False
        before = self._static
        try:
            self._static = _digests(self.site_dir / STATIC_FOLDER)
        except OSError:  # unreadable: the pages had better load whole
            self._static = None
            return True
        return before is not None and any(self._static.get(path) != digest for path, digest in before.items())


def _digests(folder: Path) -> dict[str, str]:
    """Every file in folder (a few, small) and a digest of its bytes."""
    if not folder.is_dir():
        return {}
    return {path.relative_to(folder).as_posix(): bytes_digest(path.read_bytes())
            for path in folder.rglob("*") if path.is_file()}


def describe_unexpected(error: Exception, source_folders: list[Path]) -> str:
    """`file:line: Error: message`, pointing at the curator's file (e.g. a template) when one is involved."""
    filename, line = getattr(error, "filename", None), getattr(error, "lineno", None)
    if not (filename and line):
        # Jinja puts template frames into the traceback, so the last frame in a source folder is the culprit.
        frames = traceback.extract_tb(error.__traceback__)
        ours = [frame for frame in frames if any(_is_inside(Path(frame.filename), folder) for folder in source_folders)]
        filename, line = (ours[-1].filename, ours[-1].lineno) if ours else (None, None)
    where = f"{display_path(filename)}:{line}: " if filename and line else ""
    return f"{where}{type(error).__name__}: {error}"


def _is_inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True


def _describe_changes(changed: set[Path]) -> str:
    if not changed:  # warm_up found inputs saved after the site was taken over: it knows them, not this session
        return "Files saved while the preview loaded the site"
    names = sorted(display_path(path) for path in changed)
    shown = ", ".join(names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _bind(address: tuple[str, int], site_dir: Path, live: LiveReload) -> PreviewServer:
    host, port = address
    try:
        return PreviewServer(address, site_dir, live)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            suggestion = f"digest serve --port {free}" if (free := free_port_after(host, port)) else "digest serve --port N"
            raise ServeError(f"Port {port} on {host} is already in use (another `digest serve`?). "
                             f"Stop that server, or pick another port: {suggestion}") from None
        if error.errno == errno.EACCES:
            raise ServeError(f"Port {port} needs administrator rights; pick one above 1023: "
                             "digest serve --port 8000") from None
        raise ServeError(f"Cannot listen on {host}:{port}: {error.strerror or error}. "
                         "Check --host (e.g. --host 127.0.0.1) and --port.") from None


def free_port_after(host: str, port: int, tries: int = 50) -> int | None:
    """The first port after `port` that can be bound on host right now; None when none of the
    next `tries` can (or the address itself is unusable)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in range(port + 1, min(port + 1 + tries, 65536)):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return candidate
    return None


def _cannot_watch(error: OSError) -> str:
    """inotify limits: the kernel refuses more watches."""
    return (f"Cannot watch the project's folders: {error.strerror or error}. On Linux, raise "
            "fs.inotify.max_user_watches / max_user_instances (sysctl) and try again.")


def _site_builder(project: Project) -> Builder:
    from generator.build.builder import (
        SiteBuilder,  # imported here: importing serve must stay cheap
    )

    return SiteBuilder(project)


def _run_ingest(project: Project, digests: list[Path] | None) -> IngestOutcome:
    from generator.ingest.catalog import notice_lines, run_ingest

    report = run_ingest(project, digests)
    for line in notice_lines(report):
        say(line)
    return report


def _stop_on_signals() -> dict[int, Any]:
    """Ctrl-C and SIGTERM (e.g. from a process manager) both stop the preview cleanly.

    SIGINT is set explicitly: a shell script that starts the preview in the background
    hands it SIGINT ignored, and the preview could then only be killed.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {number: signal.signal(number, signal.default_int_handler) for number in (signal.SIGINT, signal.SIGTERM)}


def _restore_handlers(previous: dict[int, Any]) -> None:
    for number, handler in previous.items():
        signal.signal(number, handler)


def _ignore_interrupts_while(action: Callable[[], None]) -> None:
    """A second Ctrl-C while shutting down must not leave a traceback or a half-stopped server."""
    if threading.current_thread() is not threading.main_thread():
        action()
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        action()
    finally:
        signal.signal(signal.SIGINT, previous)
