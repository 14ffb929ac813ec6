"""The no-change shortcut: what the last successful build read, by size and mtime, and the site/ it left.

Stored in .cache/build-stamp.json as one digest: `digest build` skips a build whose
inputs and site/ still give it; `digest serve` takes over such a site/ instead of
rendering it again. Callers take input_stamps once, before building, and pass them
to is_up_to_date and save.

The digest covers every input file's stamp (80,000 paper files cost one folder listing,
not 80,000 JSON entries to read back) and site/'s top-level listing (record.site_listing):
a site/ removed, emptied or replaced is built again. A page edited inside site/ by hand is
not looked for; site/ belongs to the build (record.py).
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

import generator
from generator.build.record import site_listing
from generator.cache import Stamp, Stamps, any_racy, folder_stamps, generator_version, values_digest
from generator.files import write_file_atomic
from generator.heap import gc_paused
from generator.project import Project

STAMP_FILE = "build-stamp.json"  # in the project's cache folder


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
    prefix = os.path.join(project.papers, "")
    return {key[len(prefix):]: value for key, value in listing.items()
            if key.startswith(prefix) and os.sep not in key[len(prefix):]}


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
    folders = [Path(folder) for folder in stored]
    places = (project.root.resolve(), GENERATOR_ROOT)
    return folders if all(any(folder.is_relative_to(place) for place in places) for folder in folders) else None


GENERATOR_ROOT = Path(generator.__file__).resolve().parent.parent  # the built-in themes are here


def is_up_to_date(project: Project, inputs: Stamps | None) -> bool:
    """inputs: input_stamps(project), taken now."""
    if inputs is None or not project.site.is_dir():
        return False
    digest = _stored(project).get("digest")
    return digest is not None and digest == _digest(project, inputs)


def _stored(project: Project) -> dict:
    try:
        stored = json.loads((project.cache_dir / STAMP_FILE).read_bytes())
    except (OSError, ValueError):
        return {}
    return stored if isinstance(stored, dict) else {}


def save(project: Project, inputs: Stamps | None) -> None:
    """After a successful build, with the input_stamps taken before it: a file changed
    while it ran then differs from the stamp, and the next build does not skip it.
    Nothing is saved while an input changed moments ago (inputs is None)."""
    if inputs is None:
        return
    folders = [str(folder) for folder in project.input_folders()]  # as input_stamps took them
    data = json.dumps({"digest": _digest(project, inputs), "folders": folders}).encode()
    try:
        write_file_atomic(project.cache_dir, STAMP_FILE, data)
    except OSError:
        return  # a read-only checkout still builds, only each time


def forget(project: Project) -> None:
    """The next build builds, whatever changed."""
    (project.cache_dir / STAMP_FILE).unlink(missing_ok=True)


def _digest(project: Project, inputs: Stamps) -> str:
    """The generator's code, the inputs and site/'s top level, in one value."""
    # In listing order (files.list_files), not sorted: the order changes only with the files
    # listed, which changes the digest anyway. Sorting cost 60 ms at 80,000 papers.
    return values_digest((generator_version(), inputs, site_listing(project.site)))
