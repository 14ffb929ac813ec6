"""The no-change shortcut: what the last successful full build read and wrote, by size and mtime.

Stored in .cache/build-stamp.json. `digest build` skips a build whose stamp still
matches; `digest serve` takes over such a site/ instead of rendering it again.
Callers take input_stamp once, before building, and pass it to is_up_to_date and save.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from generator.build.theme import find_theme
from generator.config import load_config
from generator.files import is_racy, list_files, write_file_atomic

if TYPE_CHECKING:
    from generator.build.builder import SiteBuilder

CACHE_DIR = ".cache"  # at the project root, ignored by git
STAMP_FILE = "build-stamp.json"
GENERATOR_DIR = Path(__file__).resolve().parent.parent


def is_up_to_date(builder: SiteBuilder, inputs: str | None) -> bool:
    """inputs: input_stamp(builder), taken now."""
    return bool(inputs) and builder.site_dir.is_dir() and read_stamp(_path(builder)) == {
        "inputs": inputs, "site": site_stamp(builder.site_dir)}


def save(builder: SiteBuilder, inputs: str | None) -> None:
    """After a successful full build, with the input_stamp taken before it: a file changed
    while it ran then differs from the stamp, and the next build does not skip it.
    Nothing is saved while an input changed moments ago (inputs is None)."""
    if inputs is None:
        return
    path = _path(builder)
    write_file_atomic(path.parent, path.name, json.dumps(
        {"inputs": inputs, "site": site_stamp(builder.site_dir)}, sort_keys=True).encode())


def _path(builder: SiteBuilder) -> Path:
    return builder.project_dir / CACHE_DIR / STAMP_FILE


def input_stamp(builder: SiteBuilder) -> str | None:
    """A digest of the size and mtime of every file a build reads, and of the generator's code;
    None while a file changed in the last two seconds (see content.is_racy)."""
    config, _ = load_config(builder.content_dir / "site.yaml")
    theme, _ = find_theme(builder.project_dir, config)
    folders = (builder.content_dir, *theme.template_dirs, *theme.static_dirs)
    listing = [(str(folder), sorted(list_files(folder).items())) for folder in folders if folder.is_dir()]
    if any(is_racy(mtime) for _, files in listing for _, (_, mtime) in files):
        return None
    listing.append(("code", [(str(path.relative_to(GENERATOR_DIR)), path.stat().st_mtime_ns) for path in sorted(GENERATOR_DIR.rglob("*.py"))]))
    return hashlib.sha256(repr((str(builder.site_dir.resolve()), listing)).encode()).hexdigest()


def site_stamp(site_dir: Path) -> str:
    return hashlib.sha256(repr(sorted(list_files(site_dir).items())).encode()).hexdigest()


def read_stamp(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
