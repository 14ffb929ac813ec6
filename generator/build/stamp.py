"""The no-change shortcut: what the last successful full build read and wrote, by size and mtime.

Stored in .cache/build-stamp.json (a generator.cache file). `digest build` skips a
build whose stamp still matches; `digest serve` takes over such a site/ instead of
rendering it again. Callers take input_stamps once, before building, and pass them
to is_up_to_date and save.
"""
from __future__ import annotations

from generator.cache import FileStampCache, Stamps, any_racy, folder_stamps
from generator.project import Project

STAMP_FILE = "build-stamp.json"  # in the project's cache folder


def input_stamps(project: Project) -> Stamps | None:
    """Every file a build reads (Project.input_folders) with its size and mtime; None while
    one changed in the last two seconds (see files.is_racy). The generator's own code is
    in the cache's version."""
    stamps: Stamps = {}
    for folder in project.input_folders():
        stamps.update(folder_stamps(folder))
    return None if any_racy(stamps) else stamps


def is_up_to_date(project: Project, inputs: Stamps | None) -> bool:
    """inputs: input_stamps(project), taken now."""
    return inputs is not None and project.site.is_dir() and _cache(project).matches(_with_site(project, inputs))


def save(project: Project, inputs: Stamps | None) -> None:
    """After a successful full build, with the input_stamps taken before it: a file changed
    while it ran then differs from the stamp, and the next build does not skip it.
    Nothing is saved while an input changed moments ago (inputs is None)."""
    if inputs is None:
        return
    cache = _cache(project)
    cache.record(_with_site(project, inputs))
    cache.save()


def _with_site(project: Project, inputs: Stamps) -> Stamps:
    """The inputs and every file in site/, so that a site/ touched by hand is built again."""
    return {**inputs, **folder_stamps(project.site.resolve())}


def _cache(project: Project) -> FileStampCache:
    return FileStampCache(project.cache_dir / STAMP_FILE, kind="build inputs and outputs")
