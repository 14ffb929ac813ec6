"""Paper files <-> Paper objects: front matter parsing, validation and writing.

A paper file is `content/papers/<slug>.md`: YAML front matter between `---`
lines, then the abstract as a Markdown body. Every problem is reported as a
SourceError with the file and line, never as a traceback.
"""
from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import json
import os
import stat
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from generator import workers
from generator.cache import FileStampCache, Stamp, bytes_digest
from generator.content import schema
from generator.content.frontmatter import FrontMatterError, parse_front_matter
from generator.content.identity import identity_keys
from generator.content.schema import Paper, front_matter_fields
from generator.content.validate import validate_fields
from generator.content.yamlout import dump_fields
from generator.errors import SourceError, display_path, undecodable_line
from generator.files import link_leading_out, read_stamped_file, write_file_atomic
from generator.heap import gc_paused
from generator.jsonout import ascii_json
from generator.project import Project

CACHE_FILE = "papers.json"  # in the project's cache folder
CACHE_KIND = "paper files"


@dataclass(frozen=True)
class PaperFile:
    """A paper file as read: the Paper, where each front matter key is (for error messages), and
    what identifies the paper (identity_keys, one per line), worked out once with the parse, so
    that an ingest finds 80,000 papers' keys in the cache instead of working them out each time."""

    paper: Paper
    key_lines: dict[str, int]
    identity: str

    @property
    def body(self) -> str:
        return self.paper.body

    @property
    def keys(self) -> list[str]:
        return self.identity.split("\n") if self.identity else []


def duplicate_papers(files: list[PaperFile]) -> list[SourceError]:
    """The same paper in two files: same normalized title, same abstract or same arXiv id. `digest check`
    lists them, ingest refuses to run (it could not tell which of the two a digest's paper is), and
    a build refuses to publish the paper twice."""
    return PaperIdentities().add(files)


class PaperIdentities:
    """The file each paper identity (PaperFile.keys) belongs to: what duplicate_papers works out, kept
    by a builder that rebuilds, so that an edit or a new file that makes one paper of two files is
    refused as a full build refuses it, without working out every paper's keys again."""

    def __init__(self) -> None:
        self._owners: dict[str, str] = {}  # identity key -> the path shown of the file that has it

    def add(self, files: Iterable[PaperFile]) -> list[SourceError]:
        """One error for each file that has a key a file added before has; the others added."""
        added, errors = self._sorted_out(files, set())
        self._owners.update(added)
        return errors

    def errors_replacing(self, replaced: Iterable[Paper], files: Iterable[PaperFile]) -> list[SourceError]:
        """What add would report if `replaced` (papers as they were before an edit) gave way to
        `files` (those read again, and new ones); nothing changes."""
        return self._sorted_out(files, _keys_of(replaced))[1]

    def replace(self, replaced: Iterable[Paper], files: Iterable[PaperFile]) -> None:
        """`replaced` gives way to `files`, once errors_replacing found none."""
        gone = _keys_of(replaced)
        added, _ = self._sorted_out(files, gone)
        for key in gone:
            self._owners.pop(key, None)
        self._owners.update(added)

    def _sorted_out(self, files: Iterable[PaperFile], gone: set[str]) -> tuple[dict[str, str], list[SourceError]]:
        """The keys of the files that have none another file has (here, unless `gone`, or earlier
        among them), and an error for each of the others."""
        added: dict[str, str] = {}
        errors: list[SourceError] = []
        owners = self._owners
        for file in files:
            keys = file.keys
            for key in keys:
                if key in added or (key in owners and key not in gone):
                    errors.append(_same_paper(file, key, added.get(key) or owners[key]))
                    break
            else:
                path = file.paper.path
                for key in keys:
                    added[key] = path
        return added, errors


def _keys_of(papers: Iterable[Paper]) -> set[str]:
    return {key for paper in papers for key in identity_keys(paper.title, paper.body, paper.arxiv_id)}


def _same_paper(file: PaperFile, key: str, other: str) -> SourceError:
    what = key.split(":", 1)[0]
    return SourceError(file.paper.path, 1, f"same {what} as {other}: one paper in two files",
                       "merge the featured dates into one file and delete the other")


def read_paper_file(path: Path) -> tuple[PaperFile | None, list[SourceError]]:
    return parse_paper_file(path, path.read_bytes())


def paper_file_now(path: Path) -> PaperFile | None:
    """The file as it is now, read again for a notice; None when it was deleted or broken since."""
    try:
        return read_paper_file(path)[0]
    except OSError:
        return None


def parse_paper_file(path: Path, data: bytes, shown: str | None = None) -> tuple[PaperFile | None, list[SourceError]]:
    """The paper file at path, from its bytes; shown: its display_path, when the caller knows it."""
    shown = shown or display_path(path)
    if data.startswith(codecs.BOM_UTF8):  # saved by an editor that marks UTF-8 (Windows Notepad)
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = undecodable_line(data, error)
        return None, [SourceError(shown, line, "not UTF-8 text", "save the file as UTF-8")]
    try:
        front = parse_front_matter(text)
    except FrontMatterError as error:
        return None, [SourceError(shown, error.line, error.message, error.hint)]
    errors = validate_fields(front.fields, front.key_lines, shown, expected_slug=path.stem, one_line=front.one_line)
    if errors:
        return None, errors
    paper = paper_from_fields(front.fields, front.body, shown, front.body_line)
    return PaperFile(paper, front.key_lines, "\n".join(identity_keys(paper.title, paper.body, paper.arxiv_id))), []


def paper_from_fields(fields: dict[str, Any], body: str, path: str, body_line: int) -> Paper:
    """A Paper from validated front matter; absent optional fields take their declared defaults."""
    # Looked up on each call, so that a variant of Paper installed in `schema` is the one made.
    paper_type = schema.Paper
    values = {name: read(fields[name]) for name, read in _readers(paper_type) if name in fields}
    return paper_type(**values, body=body.strip(), path=path, body_line=body_line)


_READERS: dict[type[Paper], tuple[tuple[str, Callable[[Any], Any]], ...]] = {}


def _readers(paper_type: type[Paper]) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    """Each front matter field's name and reader: looked up once, not three attributes deep for
    each of 80,000 papers' fields (0.2 s of a cached load)."""
    if paper_type not in _READERS:
        _READERS[paper_type] = tuple((field.name, field.spec.kind.read) for field in front_matter_fields(paper_type))
    return _READERS[paper_type]


def paper_listing(project: Project,
                  stamps: Mapping[str, Stamp] | None = None) -> tuple[list[tuple[str, Stamp]], list[SourceError]]:
    """The paper files' names (regular `*.md` files, hidden ones such as an editor's `.#name.md`
    lock left out) with their stamps, sorted, and an error for each `*.md` entry that is not a
    readable regular file (a folder, a broken link, a FIFO: opening a FIFO would block the command
    forever). stamps: by file name, as the caller took them earlier; each other file is stat'ed
    here, once (a stat of 80,000 files takes half a second). Names, not Paths: 80,000 Path objects
    took 0.35 s of every load."""
    found: list[tuple[str, Stamp]] = []
    errors: list[SourceError] = []
    candidates = _paper_entries(project.papers)
    if candidates is None:
        return [], []
    for entry in candidates:
        if entry.is_symlink() and (outside := link_leading_out(Path(entry.path), project.root.resolve())):
            errors.append(outside)
            continue
        # A regular file (not a link, whose own stamp misses edits of its target) keeps its given stamp.
        stamp = stamps.get(entry.name) if stamps is not None and entry.is_file(follow_symlinks=False) else None
        stamp = stamp or _regular_file_stamp(entry)
        if stamp is not None:
            found.append((entry.name, stamp))
        else:
            errors.append(SourceError(display_path(entry.path), 0, "not a regular file (a folder, a broken link or a FIFO)",
                                      "replace it by a paper file or move it out of content/papers/"))
    return sorted(found), sorted(errors, key=str)  # names are unique: stamps are never compared


def is_paper_file_name(name: str) -> bool:
    """A paper file's name in content/papers/: `*.md`, but not a hidden one (an editor's `.#name.md` lock)."""
    return name.endswith(".md") and not name.startswith(".")


def _paper_entries(folder: Path) -> list[os.DirEntry[str]] | None:
    """The folder's paper file entries (is_paper_file_name); None without the folder."""
    try:
        with os.scandir(folder) as entries:
            return [entry for entry in entries if is_paper_file_name(entry.name)]
    except FileNotFoundError:
        return None


def _regular_file_stamp(entry: os.DirEntry[str]) -> Stamp | None:
    """The (size, mtime_ns) of a regular file; None for anything else."""
    try:
        info = entry.stat(follow_symlinks=True)
    except OSError:  # a broken link, or deleted since the folder was listed
        return None
    return (info.st_size, info.st_mtime_ns) if stat.S_ISREG(info.st_mode) else None


def _read_paper_or_report(path: Path, shown: str) -> tuple[bytes, list[SourceError]]:
    try:
        return path.read_bytes(), []
    except OSError as error:  # unreadable (permissions), or replaced by a folder since it was listed
        return b"", [SourceError(shown, 0, f"cannot read: {error.strerror or error}",
                                 "check the file's permissions")]


def load_paper_files(project: Project,
                     stamps: Mapping[str, Stamp] | None = None) -> tuple[list[PaperFile], list[SourceError]]:
    """Every paper file, parsed; unchanged files come from the cache of the previous run.
    stamps: the files' stamps by name, when the caller took them before anything read them."""
    with gc_paused():
        return _load_paper_files(project, stamps)


def _load_paper_files(project: Project, stamps: Mapping[str, Stamp] | None) -> tuple[list[PaperFile], list[SourceError]]:
    cache = PaperCache.of(project)
    listing, errors = paper_listing(project, stamps)
    folder, shown_folder = str(project.papers), display_path(project.papers)
    # Each stamp was taken before reading its file: an edit made since then misses the cache.
    found = {name: cache.get(folder, name, stamp, _shown_in(shown_folder, name)) for name, stamp in listing}
    unknown = [(name, stamp) for name, stamp in listing if found[name] is None]
    for (name, stamp), (parsed, file_errors) in zip(unknown, _parsing(project.papers, unknown)):
        errors.extend(file_errors)
        if parsed is not None:
            found[name] = cache.put(name, stamp, parsed, _shown_in(shown_folder, name))
    cache.save([name for name, _ in listing])
    return [paper_file for paper_file in found.values() if paper_file is not None], errors


PARSE_CHUNK = 250  # paper files per task of the parsing workers: ~40 ms of work each
PARSE_AHEAD_FROM = 500  # paper files: fewer parse in less time than forking the workers takes

Parsing = workers.Results[tuple["ParsedFile | None", list[SourceError]]]
# What a worker parsing ahead gives for a file: the stamp it read the file at (None: it could not).
ParsedAhead = tuple["Stamp | None", "ParsedFile | None", list[SourceError]]
_parsing_ahead: dict[Path, tuple[list[str], workers.Results[ParsedAhead]]] = {}  # by papers folder: parse_ahead's


def parse_ahead(project: Project) -> None:
    """Starts parsing every paper file on forked workers now, when there is no paper cache yet
    (a cold build), or only an older generator's, so that they parse while this process does
    something else: `digest build` imports the build's modules (0.4 s, a cold load of 1,000 papers
    is 0.15 s more) and reads the digests. The next load of the papers takes each file's result if
    the file still has the stamp it was read at. The workers stamp the files as they read them:
    listing them with their stamps here first kept the imports waiting 0.2 s at 10,000 papers,
    1.5–1.9 s at 80,000."""
    if PaperCache.is_current(project) or project.papers in _parsing_ahead:
        return
    names = _plain_file_names(project.papers)
    if names and workers.worth_forking(len(names), PARSE_AHEAD_FROM):
        shown_folder = display_path(project.papers)
        parse = partial(_parsed_ahead, project.papers, shown_folder)
        _parsing_ahead[project.papers] = names, workers.map_in_order(parse, names, PARSE_CHUNK, PARSE_AHEAD_FROM)


def _plain_file_names(folder: Path) -> list[str] | None:
    """The names paper_listing would list, sorted, from the folder's entries alone (no stat); None
    when an entry is anything but a regular file, for paper_listing to look at closer."""
    candidates = _paper_entries(folder)
    if candidates is None or not all(entry.is_file(follow_symlinks=False) for entry in candidates):
        return None
    return sorted(entry.name for entry in candidates)


def _parsed_ahead(folder: Path, shown_folder: str, name: str) -> ParsedAhead:
    """In a worker: the file read, stamped as it was read, and parsed; only its cache entry travels."""
    read = read_stamped_file(folder / name)
    if read is None:
        return None, None, []  # the load reads it again, and says what is wrong with it
    data, stamp = read
    parsed, errors = _parsed_bytes(folder / name, data, _shown_in(shown_folder, name))
    return stamp, parsed and replace(parsed, paper_file=None), errors


def _parsing(folder: Path, files: list[tuple[str, Stamp]]) -> Parsing:
    """The files parsed in order: parse_ahead's results when it parses these very files, each
    taken if its file still has the stamp listed, else parsed again here; without them, parsed now."""
    ahead = _parsing_ahead.pop(folder, None)
    if ahead is not None:
        names, parsing = ahead
        if names == [name for name, _ in files]:
            return _taken_if_unchanged(folder, files, parsing)
        parsing.close()  # its workers stop, and others may fork
    return _parsed_files(folder, files)


def _taken_if_unchanged(folder: Path, files: list[tuple[str, Stamp]],
                        parsing: workers.Results[ParsedAhead]) -> Generator[tuple[ParsedFile | None, list[SourceError]], None, None]:
    shown_folder = display_path(folder)
    for (name, stamp), (read_at, parsed, errors) in zip(files, parsing):
        if read_at == stamp:
            yield parsed, errors
        else:  # edited since the worker read it, or unreadable then
            yield _parsed_file((folder / name, _shown_in(shown_folder, name)))


def _parsed_files(folder: Path, files: list[tuple[str, Stamp]], threshold: int | None = None) -> Parsing:
    """Each file read and parsed, in order: by forked workers, which start now, when there are
    many (workers.worth_forking; a cold load of 10,000 papers parses for 1.5 s on one core)."""
    shown_folder = display_path(folder)  # once, not per file (os.path.relpath: 6 µs a file, in every worker)
    files_shown = [(folder / name, _shown_in(shown_folder, name)) for name, _ in files]
    return workers.map_in_order(_parsed_file, files_shown, PARSE_CHUNK, threshold, in_worker=_parsed_file_to_send)


def _parsed_file_to_send(file_shown: tuple[Path, str]) -> tuple[ParsedFile | None, list[SourceError]]:
    """In a worker: the PaperFile stays behind and only its cache entry, which the parent keeps
    anyway, travels. For 10,000 papers, sending the entries and decoding them takes 0.29 s of the
    parent's time; sending the Papers took 0.33 s, and their entries were still to make."""
    parsed, errors = _parsed_file(file_shown)
    return (parsed and replace(parsed, paper_file=None)), errors


@dataclass(frozen=True)
class ParsedFile:
    """A paper file parsed: its cache entry, the digest of the bytes it came from, and the
    PaperFile itself when it was parsed in this process."""

    entry: list[str]  # _paper_file_to_json
    digest: str
    paper_file: PaperFile | None


def _parsed_file(file_shown: tuple[Path, str]) -> tuple[ParsedFile | None, list[SourceError]]:
    """(the file, its display_path) parsed."""
    path, shown = file_shown
    data, errors = _read_paper_or_report(path, shown)
    if errors:
        return None, errors
    return _parsed_bytes(path, data, shown)


def _parsed_bytes(path: Path, data: bytes, shown: str) -> tuple[ParsedFile | None, list[SourceError]]:
    paper_file, errors = parse_paper_file(path, data, shown)
    if paper_file is None:
        return None, errors
    return ParsedFile(_paper_file_to_json(paper_file), bytes_digest(data), paper_file), []


class PaperCache:
    """Parsed paper files by file name, in .cache/papers.json: parsing YAML is most of the time
    of loading 10,000 papers.

    It stores what read_paper_file found (the front matter fields with dates as ISO text,
    the line of each key, the body and its first line) and makes the Paper again with
    paper_from_fields, so a paper is defined in one place only. Only files that parsed
    cleanly are kept, so every error is found again on every run.
    """

    # One per cache file and process, so that ingest and then build in one run decode it once.
    _open: ClassVar[dict[Path, PaperCache]] = {}

    @classmethod
    def of(cls, project: Project) -> PaperCache:
        path = project.cache_dir / CACHE_FILE
        if path not in cls._open:
            cls._open[path] = cls(path)
        return cls._open[path]

    def __init__(self, path: Path):
        self._stored = FileStampCache(path, kind=CACHE_KIND)
        self._decoded: dict[str, tuple[Stamp, PaperFile]] = {}
        # name -> (slug, digest of the bytes the paper was last loaded from): also for a file
        # changed moments ago, which _decoded leaves out but a page's fingerprint still needs.
        self._loaded: dict[str, tuple[str, str]] = {}

    def get(self, folder: str, name: str, stamp: Stamp, shown: str) -> PaperFile | None:
        """The paper file `name` in folder as parsed when it had this stamp (or its bytes); shown: its display_path."""
        decoded = self._decoded.get(name)
        if decoded is None or decoded[0] != stamp:
            paper_file = _paper_file_from_json(self._stored.get(name, stamp, os.path.join(folder, name)), shown)
            if paper_file is None:
                return None
            self._decoded[name] = stamp, paper_file
            self._loaded[name] = paper_file.paper.slug, self._stored.stored_digest(name)
            return paper_file
        paper_file = decoded[1]
        if paper_file.paper.path != shown:  # the same file seen from another working directory
            paper_file = replace(paper_file, paper=replace(paper_file.paper, path=shown))
        return paper_file

    @staticmethod
    def is_current(project: Project) -> bool:
        """Whether the project has a paper cache this generator reads. Without one, every paper is
        parsed: after an upgrade too, when `digest check` parsed 80,304 in its own process (10.6 s,
        8.9 s on the workers), its digests' workers having started first."""
        return FileStampCache.is_current(project.cache_dir / CACHE_FILE, CACHE_KIND)

    @classmethod
    def loaded_digests(cls, project: Project) -> dict[str, str]:
        """File name -> the digest of the bytes each paper of the last load was parsed from, when
        this process has the project's cache open (never opened for this: it is large)."""
        cache = cls._open.get(project.cache_dir / CACHE_FILE)
        return {} if cache is None else {name: digest for name, (_, digest) in cache._loaded.items()}

    def paper_digests(self) -> dict[str, str]:
        """slug -> the digest of the bytes each paper of the last load was parsed from."""
        return dict(self._loaded.values())

    def known_digest(self, name: str, stamp: Stamp) -> str | None:
        """bytes_digest of the paper file `name` while it has the stamp its entry has; else None."""
        return self._stored.known_digest(name, stamp)

    def learn_digest(self, name: str, stamp: Stamp, digest: str | None) -> None:
        """The digest of the paper file `name`, read while it had this stamp (cache.FileStampCache.learn_digest)."""
        self._stored.learn_digest(name, stamp, digest)

    def put(self, name: str, stamp: Stamp, parsed: ParsedFile, shown: str) -> PaperFile:
        """Keep the paper file `name`, parsed when it had this stamp; the PaperFile it holds."""
        paper_file = parsed.paper_file or _paper_file_from_json(parsed.entry, shown)
        assert paper_file is not None, "an entry made by _paper_file_to_json"
        if self._stored.put(name, stamp, parsed.entry, parsed.digest):
            self._decoded[name] = stamp, paper_file
        else:  # a file changed moments ago may change again under the same stamp
            self._decoded.pop(name, None)
        self._loaded[name] = paper_file.paper.slug, parsed.digest
        return paper_file

    def save(self, file_names: list[str]) -> None:
        """Keep the entries of these files only, and write the cache if it changed (at the end of
        saved_once, within one)."""
        names = set(file_names)
        self._stored.keep_only(names)
        if not names.issuperset(self._decoded):
            self._decoded = {name: entry for name, entry in self._decoded.items() if name in names}
        if not names.issuperset(self._loaded):
            self._loaded = {name: entry for name, entry in self._loaded.items() if name in names}
        if not PaperCache._saving_deferred:
            self._stored.save()

    def save_now(self) -> bool:
        """Write the cache now if it changed, even within saved_once: for a caller that loads no
        more papers and has a moment to spare (a build's search process, once its files are
        written); whether the file is now up to date."""
        return self._stored.save()

    def saved_elsewhere(self) -> None:
        """A process forked after the last load saved the cache (save_now): this one need not."""
        self._stored.saved_elsewhere()

    _saving_deferred: ClassVar[bool] = False

    @classmethod
    @contextlib.contextmanager
    def saved_once(cls) -> Iterator[None]:
        """Loads within write the cache once, at the end: `digest build` loads the papers in ingest
        and again in the build, and each write of 80,000 papers' entries takes two seconds."""
        cls._saving_deferred = True
        try:
            yield
        finally:
            cls._saving_deferred = False
            for cache in cls._open.values():
                cache._stored.save()


def _shown_in(shown_folder: str, name: str) -> str:
    """display_path of the file `name` in a folder shown as shown_folder, without asking the system
    again for each of 10,000 files."""
    return name if shown_folder == "." else f"{shown_folder}{os.sep}{name}"


def _paper_file_to_json(paper_file: PaperFile) -> list[str]:
    """[the front matter fields, key lines and body line as one JSON text, the body, the identity]:
    the cache keeps its entries as read for as long as the process runs, and at 80,000 papers the
    fields as JSON objects (dicts, lists, dates tagged) took 200 MB beside the papers, in every
    forked worker too; as one text each they take 70 MB, and the body and the identity are the
    PaperFile's own strings."""
    paper = paper_file.paper
    meta = [_to_json(fields_from_paper(paper)), paper_file.key_lines, paper.body_line]
    return [ascii_json(meta), paper.body, paper_file.identity]


def _paper_file_from_json(value: Any, shown: str) -> PaperFile | None:
    """None for anything but what _paper_file_to_json wrote: the file is parsed instead."""
    if value is None:
        return None
    try:
        meta, body, identity = value
        fields, key_lines, body_line = _CACHE_DECODER.decode(meta)
        if not isinstance(key_lines, dict) or not isinstance(identity, str):
            return None
        return PaperFile(paper_from_fields(fields, body, shown, body_line), key_lines, identity)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


DATE_TAG = "date"  # {"date": "2025-08-18"} in the cache stands for a date value


def _to_json(value: Any) -> Any:
    """Front matter values as JSON: dates tagged, date keys as the text YAML would give."""
    if isinstance(value, dt.date):
        return {DATE_TAG: value.isoformat()}
    if isinstance(value, list):
        return [_to_json(item) for item in value]
    if isinstance(value, dict):
        return {(key.isoformat() if isinstance(key, dt.date) else key): _to_json(item) for key, item in value.items()}
    return value


def _tagged_date(value: dict) -> Any:
    """A JSON object as the cache holds it: a tagged date as the date, any other as it is. As the
    decoder's hook, it is called in C for each object, where walking the decoded values again in
    Python took 0.5 s of a cached load of 80,000 papers."""
    if len(value) == 1 and DATE_TAG in value:
        return dt.date.fromisoformat(value[DATE_TAG])
    return value


_CACHE_DECODER = json.JSONDecoder(object_hook=_tagged_date)


def load_papers(project: Project, stamps: Mapping[str, Stamp] | None = None) -> tuple[list[Paper], list[SourceError]]:
    """Every paper under content/papers/, sorted by slug, with every problem found (stamps: see load_paper_files)."""
    files, errors = load_paper_files(project, stamps)
    return [paper_file.paper for paper_file in files], errors


def fields_from_paper(paper: Paper) -> dict[str, Any]:
    """Front matter for a paper, in the declared field order, optionals left at their default left out."""
    fields: dict[str, Any] = {}
    for schema_field in front_matter_fields(type(paper)):
        value = getattr(paper, schema_field.name)
        if schema_field.is_written(value):
            fields[schema_field.name] = schema_field.spec.kind.write(value)
    return fields


def format_paper_file(fields: dict[str, Any], body: str) -> str:
    """The file's text: fields in the declared order; a key the schema does not declare goes last, never lost."""
    order = {schema_field.name: position for position, schema_field in enumerate(front_matter_fields(schema.Paper))}
    ordered = {key: fields[key] for key in sorted(fields, key=lambda key: order.get(key, len(order)))}
    return f"---\n{dump_fields(ordered)}---\n{body.strip()}\n"


def write_atomic(path: Path, text: str) -> None:
    """A paper file written through a temporary file and a rename, so a crash never leaves half a file."""
    write_file_atomic(path.parent, path.name, text.encode("utf-8"))
