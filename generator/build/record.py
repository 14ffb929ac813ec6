"""What the last build wrote, kept in .cache/build-record.json, so that the next build, even in a
new process on another machine, renders only the pages whose context changed.

The record holds each page's fingerprint (fingerprint.py), the digest of every other
output's bytes (static and search files), and the key of each record in papers.json, so that
the next build copies the records of unchanged papers from the file (pages.RecordReuse).
It is trusted only under the same key: the generator's code, Python's version (the
fingerprints are pickle's bytes), the theme's files, site.yaml and topics.yaml; and only
for the site/ it describes, recognised by its top-level listing. Anything else (no record,
another key, an unreadable file, a site/ removed or replaced) gives a cold build, which is
always correct.

site/ belongs to the build: a page edited there by hand stays until its context changes;
`digest build --clean` renders everything again. On Netlify, the plugin in
netlify/plugins/digest-cache keeps .cache/ and site/ from one deploy to the next.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from generator.cache import generator_version
from generator.files import list_files, read_regular_file, write_file_atomic
from generator.jsonout import compact_json_written_once
from generator.project import Project

RECORD_FILE = "build-record.json"  # in the project's cache folder


@dataclass
class BuildRecord:
    key: str
    pages: dict[str, str]  # page path -> fingerprint of its context
    files: dict[str, str]  # static and search file path -> digest of its bytes
    records: bytes = b""  # the key of each record in papers.json, in order (pages.record_keys)

    def outputs(self) -> set[str]:
        return set(self.pages) | set(self.files)


def record_key(project: Project, theme_folders: tuple[Path, ...]) -> str:
    """Everything but the pages' contexts that a page's bytes depend on."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{generator_version()}\n{sys.version}\n".encode())
    for source in (project.config_file, project.taxonomy_file):
        digest.update(_file_bytes(source))
    for number, folder in enumerate(theme_folders):  # by place, not path: the project may move
        for relative in sorted(list_files(folder)) if folder.is_dir() else ():
            digest.update(f"\n{number}/{relative}\n".encode())
            digest.update(_file_bytes(folder / relative))
    return digest.hexdigest()


def load(project: Project, key: str) -> BuildRecord | None:
    """The last build's record when it was made under `key` for the site/ there now; None otherwise."""
    try:
        stored = json.loads((project.cache_dir / RECORD_FILE).read_bytes())
        if stored["key"] != key or stored["site"] != site_listing(project.site):
            return None
        record = BuildRecord(key, stored["pages"], stored["files"], base64.b64decode(stored["records"], validate=True))
    except (OSError, ValueError, KeyError, TypeError, binascii.Error):
        return None
    valid = all(isinstance(value, dict) for value in (record.pages, record.files))
    return record if valid else None


def forget(project: Project) -> None:
    """Before site/ is changed in place: a run stopped halfway then leaves no record of it."""
    (project.cache_dir / RECORD_FILE).unlink(missing_ok=True)


def save(project: Project, record: BuildRecord) -> None:
    data = {"key": record.key, "site": site_listing(project.site), "pages": record.pages, "files": record.files,
            "records": base64.b64encode(record.records).decode("ascii")}
    try:
        write_file_atomic(project.cache_dir, RECORD_FILE, compact_json_written_once(data))
    except OSError:
        return  # a read-only checkout still builds, only cold each time


def site_listing(site: Path) -> list[list[object]]:
    """site/'s top level, names with file sizes: what tells the site/ a record describes from
    another one (a restored copy keeps it; an emptied or replaced site/ does not)."""
    try:
        with os.scandir(site) as entries:
            return sorted([entry.name, entry.stat().st_size if entry.is_file() else -1] for entry in entries)
    except OSError:
        return []


def _file_bytes(path: Path) -> bytes:
    """b"" for what is not a readable regular file: the build skips or reports such files, here
    they are just another key."""
    return read_regular_file(path) or b""
