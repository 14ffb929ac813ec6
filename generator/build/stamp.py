"""The no-change shortcut: what the last successful build read, by size and mtime, and the site/ it left.

Stored in .cache/build-stamp.json as one digest: `digest build` skips a build whose
inputs and site/ still give it; `digest serve` takes over such a site/ instead of
rendering it again. Callers take input_stamps once, before building, and pass them
to is_up_to_date and save.

The digest covers every input file's stamp (80,000 paper files cost one folder listing,
not 80,000 JSON entries to read back) and site/'s top-level listing (record.site_listing):
a site/ removed, emptied or replaced is built again. A page edited inside site/ by hand is
not looked for; site/ belongs to the build (record.py).

When the digest differs, a second look, in .cache/build-inputs.json: each input's stamp and the
digest of the bytes the build read. If every file whose stamp moved still has those bytes (a
checkout, a clone, an editor saving without a change), nothing changed, and the stamp is taken
again. At 80,000 papers one paper file saved unchanged cost a build 6.5 s and 820 MB to find that out.

The digest is taken over the inputs' paths, as the last build listed them; the second look names
each input by its path from the project's folder (a built-in theme's files, outside it, by their
own): a project moved, or cloned into another folder (a CI runner's), finds its site up to date by
the second look. Named by absolute paths there too, a moved project of 80,000 papers took a whole
build (16 s) to find its site up to date.
"""
from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TypeVar

import generator
from generator.build.record import site_listing
from generator.cache import (
    Stamp,
    Stamps,
    any_racy,
    file_digest,
    folder_stamps,
    generator_version,
    stamped_file_digest,
    values_digest,
)
from generator.files import is_racy, write_file_atomic
from generator.heap import gc_paused
from generator.jsonout import compact_json_written_once
from generator.project import Project

STAMP_FILE = "build-stamp.json"  # in the project's cache folder
INPUTS_FILE = "build-inputs.json"  # beside it: the second look's stamps and digests


def input_stamps(project: Project, folders: Iterable[Path] | None = None) -> Stamps | None:
    """Every file a build reads (in Project.input_folders, or the folders given) with its size
    and mtime; None while one changed in the last two seconds (see files.is_racy)."""
    return trusted(input_listing(project, folders))


def trusted(listing: Stamps) -> Stamps | None:
    """An input_listing as input_stamps gives it: None while a file in it changed moments ago."""
    return None if any_racy(listing) else listing


def input_listing(project: Project, folders: Iterable[Path] | None = None) -> Stamps:
    """input_stamps, racy or not. The collector is paused: after an ingest the heap holds millions
    of objects, and the 80,000 stamps made here started collections that walked them (0.6 s -> 0.3 s)."""
    stamps: Stamps = {}
    with gc_paused():
        for folder in project.input_folders() if folders is None else folders:
            stamps.update(folder_stamps(folder))
    return stamps


def paper_stamps(project: Project, listing: Stamps) -> dict[str, Stamp]:
    """The paper files' stamps in an input_listing, by file name."""
    prefix = papers_prefix(project)
    return {key[len(prefix):]: value for key, value in listing.items()
            if key.startswith(prefix) and os.sep not in key[len(prefix):]}


def papers_prefix(project: Project) -> str:
    """How a paper file's key in an input listing begins: Project.input_folders resolves its folders."""
    return os.path.join(project.papers.resolve(), "")


def site_is_current(project: Project) -> bool:
    """is_up_to_date over the folders the last build stamped, without reading site.yaml for
    them (nor importing a YAML parser: a tenth of a no-change `digest build` at 80,000
    papers). site.yaml is in content/, so a change to it changes the digest in any case."""
    folders = _stamped_folders(project)
    return folders is not None and is_up_to_date(project, input_stamps(project, folders))


def _stamped_folders(project: Project) -> list[Path] | None:
    """The folders the stamp was taken over, when they are all places a build may read from
    (the project, or the generator's own themes); None otherwise."""
    stored = _stored(project).get("folders")
    if not isinstance(stored, list) or not all(isinstance(folder, str) for folder in stored):
        return None
    root = project.root.resolve()
    folders = [root / folder for folder in stored]  # an absolute one stays as it is
    places = (root, GENERATOR_ROOT)
    return folders if all(any(folder.is_relative_to(place) for place in places) for folder in folders) else None


GENERATOR_ROOT = Path(generator.__file__).resolve().parent.parent  # the built-in themes are here


def is_up_to_date(project: Project, inputs: Stamps | None) -> bool:
    """inputs: input_stamps(project), taken now. Up to date by the second look, the stamp is
    saved again with the inputs' new mtimes, so that the next run needs only the first."""
    if inputs is None or not project.site.is_dir():
        return False
    stored = _stored(project)
    digest = stored.get("digest")
    if digest is None:
        return False
    context = _context(project)
    if digest == _digest(context, inputs):
        return True
    # The second look only where it can find the site up to date: the same files, generator and site/.
    # Here by the names the inputs file keeps: the first look's paths are the folder's, where the
    # last build ran (35 ms fewer at 80,000 papers than renaming them for every no-change build).
    named = Names(project)
    portable = named.portable(inputs)
    if stored.get("names") != _names(portable) or stored.get("context") != context:
        return False
    built = _built_inputs(project, digest)
    if built is None or not _same_bytes(built, portable, named):
        return False
    save(project, inputs, {named.local(key): known for key, (_, known) in built.items()})
    return True


Value = TypeVar("Value")


class Names:
    """How the stamp files name an input: by its path from the project's folder, when inside it."""

    def __init__(self, project: Project):
        self.root = os.path.join(project.root.resolve(), "")  # as Project.input_folders resolves

    def portable(self, stamps: Mapping[str, Value]) -> dict[str, Value]:
        """The stamps (or anything by input path) by the names the files keep, in the same order."""
        return {self.name(key): value for key, value in stamps.items()}

    def name(self, path: str) -> str:
        return path[len(self.root):] if path.startswith(self.root) else path

    def local(self, name: str) -> str:
        """The path of the input a stamp file names."""
        return os.path.join(self.root, name)  # an absolute name stays as it is


BuiltInputs = dict[str, tuple[tuple[int, int | None], str | None]]  # key -> ((size, mtime_ns or None), digest)


def _same_bytes(built: BuiltInputs, inputs: Stamps, named: Names) -> bool:
    """Whether the inputs (by their portable names) are the files the build read, with the bytes
    it read: the same names, and each file whose stamp moved of the same size and digest."""
    if built.keys() != inputs.keys():
        return False
    moved = [key for key, stamp in inputs.items() if stamp != built[key][0]]
    # Sizes first, without reading: a deploy that edits one paper among 80,000 files stamped
    # anew is told apart at once, not after reading the files before it (0.7 s for all of them).
    if any(inputs[key][0] != built[key][0][0] or built[key][1] is None for key in moved):
        return False
    return all(file_digest(named.local(key)) == built[key][1] for key in moved)


def _built_inputs(project: Project, digest: str | None = None) -> BuiltInputs | None:
    """The inputs file's entries; with digest, only when they were saved with that stamp."""
    path = project.cache_dir / INPUTS_FILE
    try:
        info = path.stat()
    except OSError:
        return None
    stamp, built = _read_inputs_file(str(path), info.st_size, info.st_mtime_ns, info.st_ino)
    return built if built is not None and (digest is None or stamp == digest) else None


@functools.lru_cache(maxsize=1)
def _read_inputs_file(path: str, size: int, mtime_ns: int, inode: int) -> tuple[object, BuiltInputs | None]:
    """(the stamp it was saved with, its entries) of the inputs file as it is on disk (its size,
    mtime and inode): `digest build` asks before and after its ingest and again as it saves, and
    at 80,000 papers each reading costs 0.1 s."""
    try:
        stored = json.loads(Path(path).read_bytes())
        built = dict(zip(stored["keys"], zip(zip(stored["sizes"], stored["mtimes"], strict=True), stored["digests"],
                                             strict=True), strict=True))
        return stored["stamp"], built
    except (OSError, ValueError, TypeError, KeyError):  # gone, not JSON, or another shape
        return None, None


def _stored(project: Project) -> dict:
    try:
        stored = json.loads((project.cache_dir / STAMP_FILE).read_bytes())
    except (OSError, ValueError):
        return {}
    return stored if isinstance(stored, dict) else {}


def save(project: Project, inputs: Stamps | None, digests: Mapping[str, str | None] | None = None) -> None:
    """After a successful build, with the input listing taken before it: a file changed while it
    ran then differs from the stamp, and the next build does not skip it. digests: of the inputs'
    bytes, where the caller knows them (input_digests otherwise). A file changed moments ago
    (files.is_racy) may change again unseen, keeping its stamp: its mtime is left out, so the
    digest never matches, and the second look compares its bytes (after an ingest, the next
    build took 6.5 s at 80,000 papers to find the site up to date)."""
    if inputs is None:
        return
    named = Names(project)
    folders = [named.name(str(folder)) for folder in project.input_folders()]  # as input_stamps took them
    known = input_digests(project, inputs, digests or {})
    stamps: dict[str, tuple[int, int | None]] = {
        key: (size, None if is_racy(mtime) else mtime) for key, (size, mtime) in inputs.items()}
    context = _context(project)
    digest = _digest(context, stamps)
    portable = named.portable(stamps)
    # Flat lists in listing order: read back in a third of the time of one list per file.
    entries = {"stamp": digest, "keys": list(portable), "sizes": [size for size, _ in portable.values()],
               "mtimes": [mtime for _, mtime in portable.values()], "digests": [known[key] for key in stamps]}
    summary = {"digest": digest, "folders": folders, "names": _names(portable), "context": context}
    try:
        write_file_atomic(project.cache_dir, INPUTS_FILE, compact_json_written_once(entries))
        write_file_atomic(project.cache_dir, STAMP_FILE, json.dumps(summary).encode())
    except OSError:
        return  # a read-only checkout still builds, only each time
    finally:
        _read_inputs_file.cache_clear()  # the file it holds is gone: not kept in memory for nothing


def input_digests(project: Project, inputs: Stamps, given: Mapping[str, str | None]) -> Mapping[str, str | None]:
    """The digest of the bytes the build read of each input: given; else the paper cache's, for a
    paper file this process loaded; else the last save's, for a file with the same stamp; else
    read now, when the file still has the stamp it was listed with (cold builds read the digests
    and the theme again: 0.1 s at 80,000 papers, where the paper files would cost 0.7 s).
    None: not known, and the file is built again when its stamp moves."""
    if given.keys() >= inputs.keys():  # the second look's
        return given
    from generator.content.papers import PaperCache  # not for a no-change build

    before = _built_inputs(project) or {}
    loaded = PaperCache.loaded_digests(project)
    papers = papers_prefix(project)
    named = Names(project)
    digests: dict[str, str | None] = {}
    for key, stamp in inputs.items():
        earlier = before.get(named.name(key))
        if key in given:
            digests[key] = given[key]
        elif key.startswith(papers) and key[len(papers):] in loaded:
            digests[key] = loaded[key[len(papers):]]
        elif earlier is not None and earlier[0] == stamp:
            digests[key] = earlier[1]
        else:
            digests[key] = _digest_if_unchanged(key, stamp)
    return digests


def _digest_if_unchanged(path: str, stamp: Stamp) -> str | None:
    """The digest of the file's bytes when it still has the stamp it was listed with, on a file
    system whose mtimes tell nanoseconds apart: a file changed since, or within a coarse clock's
    tick, may hold other bytes than the build read."""
    found = stamped_file_digest(path)
    if found is None or found[1] != stamp or (is_racy(stamp[1]) and stamp[1] % 1_000_000_000 == 0):
        return None
    return found[0]


def forget(project: Project) -> None:
    """The next build builds, whatever changed."""
    (project.cache_dir / STAMP_FILE).unlink(missing_ok=True)
    (project.cache_dir / INPUTS_FILE).unlink(missing_ok=True)


def _digest(context: str, inputs: Mapping[str, tuple[int, int | None]]) -> str:
    """The context (_context) and the inputs, in one value."""
    # In listing order (files.list_files), not sorted: the order changes only with the files
    # listed, which changes the digest anyway. Sorting cost 60 ms at 80,000 papers.
    return values_digest((context, inputs))


def _names(inputs: Mapping[str, object]) -> str:
    """The input files' names, in any order: a clone lists a folder in another order than the
    checkout it was cloned from."""
    return values_digest(sorted(inputs))


def _context(project: Project) -> str:
    """What the digest covers besides the inputs: the generator's code and site/'s top level."""
    return values_digest((generator_version(), site_listing(project.site)))
