"""One cache of what was learned from files, trusted while each file's size and mtime stay the same,
or, when only the mtime moved, while its bytes do.

A cache file in .cache/ is JSON: {"version": ..., "entries": {key: [size, mtime_ns, digest, value]}},
one entry per file, digest being bytes_digest of the file's bytes. The stamp is checked first
(no reading); a file with a new mtime but the same size is read and compared by its digest,
so a fresh clone or a checkout, which stamps every file anew (as Netlify's builds do), still
finds its cache. A cache file is data only (never pickle: a crafted cache file must not run
code), and it is only ever a speed-up, so anything doubtful is thrown away and rebuilt: a file
that cannot be read, is not JSON, or has another shape, and a cache written by another version
of the generator. A file changed in the last two seconds is never trusted by its stamp
(files.is_racy): its entry has no mtime, and is found by its digest alone.
"""
from __future__ import annotations

import functools
import hashlib
import json
import operator
import os
import pickle
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import generator
from generator.files import hash_stamped_file, is_racy, list_files, read_regular_file, write_file_atomic
from generator.jsonout import ascii_json, compact_json

FORMAT = 2  # the layout of cache files; bump when it changes
GENERATOR_DIR = Path(generator.__file__).resolve().parent

# A per-paper cache file (related papers' and search's term counts) is written again once more
# than this share of the papers differ from it: rewriting tens of megabytes for a few papers
# costs more than counting those few again in the next process.
STALE_SHARE = 0.01

Stamp = tuple[int, int]  # (size, mtime_ns)
Stamps = dict[str, Stamp]  # file key -> stamp


def file_stamp(path: Path) -> Stamp | None:
    """The file's (size, mtime_ns); None when it does not exist."""
    try:
        stat = path.stat()
    except OSError:  # missing, a broken link or a link loop: the reader of the file reports it
        return None
    return stat.st_size, stat.st_mtime_ns


def trusted_stamps(paths: Iterable[Path]) -> Stamps | None:
    """The stamp of each path that exists, keyed by the path as given; None as soon as one
    changed moments ago (files.is_racy), as right after an ingest wrote 10,000 files."""
    stamps: Stamps = {}
    for path in paths:
        stamp = file_stamp(path)
        if stamp is not None:
            if is_racy(stamp[1]):
                return None
            stamps[str(path)] = stamp
    return stamps


def folder_stamps(folder: Path) -> Stamps:
    """Every file under folder, keyed by its path; nothing when the folder does not exist."""
    if not folder.is_dir():
        return {}
    return list_files(folder, prefix=os.path.join(folder, ""))


def changed_files(before: Stamps, after: Stamps) -> set[str]:
    """The files added, changed or removed from one listing to the other."""
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


def any_racy(stamps: Mapping[str, Stamp]) -> bool:
    # The newest mtime found in C: a generator over 80,000 stamps took 40 ms of a no-change build.
    return bool(stamps) and is_racy(max(stamps.values(), key=_MTIME)[1])


_MTIME = operator.itemgetter(1)
DIGEST_SIZE = 16  # bytes of BLAKE2b: every digest the build keeps


def bytes_digest(data: bytes) -> str:
    """The digest the build record keeps: of an output's bytes, of a page's context, of stamps."""
    return hashlib.blake2b(data, digest_size=DIGEST_SIZE).hexdigest()


def stamped_file_digest(path: str | Path) -> tuple[str, Stamp] | None:
    """bytes_digest of a regular file's bytes, read a piece at a time, with its stamp as it was
    opened (files.hash_stamped_file); None for what is not one, or cannot be read."""
    hashed = hashlib.blake2b(digest_size=DIGEST_SIZE)
    stamp = hash_stamped_file(path, hashed)
    return None if stamp is None else (hashed.hexdigest(), stamp)


def file_digest(path: str | Path) -> str | None:
    """bytes_digest of a regular file's bytes; None for what is not one, or cannot be read."""
    data = read_regular_file(path)
    return None if data is None else bytes_digest(data)


def values_digest(value: object) -> str:
    """A digest of plain values (text, numbers, dates, tuples, dataclasses of them): pickled in
    fast mode, so that equal values give equal bytes whether or not they share objects (no
    memo), and only hashed, never loaded. Four times faster than repr for 80,000 stamps. The
    pickle is hashed frame by frame as it is written, never whole in memory (a buffer and its
    copy: tracemalloc's peak for 80,000 stamps 4 MB, now 69 KB)."""
    hashed = _Hashed()
    pickler = pickle.Pickler(hashed, protocol=5)
    pickler.fast = True
    pickler.dump(value)
    return hashed.hash.hexdigest()


class _Hashed:
    """A file that hashes what is written to it, as bytes_digest hashes bytes."""

    def __init__(self) -> None:
        self.hash = hashlib.blake2b(digest_size=DIGEST_SIZE)

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        return len(data)


@functools.cache
def generator_version(leave_out: frozenset[str] = frozenset()) -> str:
    """Changes with the generator: its version and the bytes of each of its modules, so that an
    upgrade (or an edit to the code) never reads what older code wrote, while the same code
    installed anew (pip on every Netlify build gives its files new mtimes) reads it.
    leave_out: packages of the generator (folders, "build") whose code cannot change what the
    caller keeps, because it never runs them."""
    digest = hashlib.sha256(repr((FORMAT, generator.__version__)).encode())
    modules = (name for name in list_files(GENERATOR_DIR) if name.endswith(".py") and name.split("/")[0] not in leave_out)
    for name in sorted(modules):
        digest.update(f"\n{name}\n".encode())
        digest.update((GENERATOR_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


def _cache_version(kind: str) -> str:
    return f"{kind}/{generator_version()}"


def _file_head(version: str) -> bytes:
    """A FileStampCache file's first bytes: its version, before its entries."""
    return b'{"version":' + ascii_json(version).encode("ascii") + b","


class FileStampCache:
    """Entries keyed by file, each with the file's stamp and digest when the entry was made and a JSON value."""

    def __init__(self, path: Path, kind: str):
        """kind: what the entries hold, so that one cache's file is never read as another's."""
        self.path = path
        self.kind = kind
        self.version = _cache_version(kind)
        self._entries: dict[str, Any] = self._read() or {}
        self._dirty = False

    @staticmethod
    def is_current(path: Path, kind: str) -> bool:
        """Whether the file at path holds this generator's entries of this kind: told from its first
        bytes, as _encoded writes them, not the whole file (170 MB at 80,000 papers)."""
        try:
            with path.open("rb") as file:  # first: without a file (a cold build) the version is not worked out
                head = _file_head(_cache_version(kind))
                return file.read(len(head)) == head
        except OSError:
            return False

    def _read(self) -> dict[str, Any] | None:
        if not self.is_current(self.path, self.kind):
            return None  # decoding an older generator's file to drop it took 0.9 s at 80,000 papers
        try:
            stored = json.loads(self.path.read_bytes())
        except (OSError, ValueError):  # missing, unreadable or not JSON (UnicodeDecodeError is a ValueError)
            return None
        if not isinstance(stored, dict) or stored.get("version") != self.version:
            return None
        entries = stored.get("entries")
        return entries if isinstance(entries, dict) else None

    def get(self, key: str, stamp: Stamp, path: str | Path) -> Any:
        """The value stored for key while the file at path still has this stamp, or the same
        bytes under a new mtime; None otherwise."""
        entry: Any = self._entries.get(key)
        if not _is_entry(entry) or entry[0] != stamp[0]:
            return None
        if entry[1] != stamp[1] and self.digest(key, stamp, path) != entry[2]:
            return None
        return entry[3]

    def digest(self, key: str, stamp: Stamp, path: str | Path) -> str | None:
        """bytes_digest of the file at path, which has this stamp: the entry's when the stamp is
        the entry's, else read from the file; None when it cannot be read."""
        known = self.known_digest(key, stamp)
        if known is not None:
            return known
        digest = file_digest(path)
        self.learn_digest(key, stamp, digest)
        return digest

    def learn_digest(self, key: str, stamp: Stamp, digest: str | None) -> None:
        """The digest of key's file, read by the caller while the file had this stamp: an entry
        made from the same bytes is trusted by the new stamp from now on."""
        entry: Any = self._entries.get(key)
        if _is_entry(entry) and entry[0] == stamp[0] and entry[2] == digest and not is_racy(stamp[1]):
            entry[1], self._dirty = stamp[1], True

    def stored_digest(self, key: str) -> str:
        """The digest of the bytes key's entry was made from: right after get() gave its value, the
        digest of the file's bytes now."""
        return str(self._entries[key][2])

    def known_digest(self, key: str, stamp: Stamp) -> str | None:
        """The entry's digest when the entry has this stamp, without reading the file."""
        entry: Any = self._entries.get(key)
        return str(entry[2]) if _is_entry(entry) and entry[0] == stamp[0] and entry[1] == stamp[1] else None

    def put(self, key: str, stamp: Stamp, value: Any, digest: str) -> bool:
        """Keep value for key, learned from the file's bytes, whose bytes_digest is `digest`; whether
        it is trusted by the file's stamp. A file changed moments ago may change again unseen,
        keeping its stamp: its entry holds no mtime, so it is found only by comparing the file's
        bytes with its digest (a read instead of a parse: after an ingest wrote 80,000 files, the
        build parsed the last two seconds' worth again, and so did the next deploy)."""
        racy = is_racy(stamp[1])
        self._entries[key] = [stamp[0], None if racy else stamp[1], digest, value]
        self._dirty = True
        return not racy

    def keep_only(self, keys: set[str]) -> None:
        """Forget the entries of files that are gone."""
        if not keys.issuperset(self._entries):
            self._entries = {key: entry for key, entry in self._entries.items() if key in keys}
            self._dirty = True

    def save(self) -> bool:
        """Write the file if an entry changed; whether it now holds every entry."""
        if not self._dirty:
            return True
        try:
            write_file_atomic(self.path.parent, self.path.name, self._encoded())
        except OSError:
            return False  # a read-only checkout still builds, only slower
        self._dirty = False
        return True

    def saved_elsewhere(self) -> None:
        """A forked copy of this cache, made after its last change, saved it: nothing is left to write."""
        self._dirty = False

    def _encoded(self) -> Iterator[bytes]:
        """The file, entry by entry: one text of 80,000 papers' entries added 300 MB to the peak of a
        build's memory (and took four bytes a character once any of them held an emoji: hence ASCII)."""
        yield _file_head(self.version) + b'"entries":{'
        for number, (key, entry) in enumerate(self._entries.items()):
            # ASCII text is the same bytes either way, and orjson writes it in an eighth of the time
            # (9,877 papers' entries: 80-95 -> 36 ms, the ASCII check's 17 included). Other text
            # stays json's: orjson keeps a UTF-8 copy of each non-ASCII text it writes for as long
            # as the text lives, the cache's whole life.
            if key.isascii() and _is_ascii(entry):
                line = compact_json(key) + b":" + compact_json(entry)
            else:
                line = f"{ascii_json(key)}:{ascii_json(entry)}".encode("ascii")
            yield b"," + line if number else line
        yield b"}}"


def _is_ascii(value: Any) -> bool:
    """Whether every text in a JSON value (lists, text, numbers; a mapping counts as not) is ASCII."""
    if isinstance(value, str):
        return value.isascii()
    if isinstance(value, list):
        return all(map(_is_ascii, value))
    return not isinstance(value, dict)


def _is_entry(entry: Any) -> bool:
    return isinstance(entry, list) and len(entry) == 4
