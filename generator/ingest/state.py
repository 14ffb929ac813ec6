"""What the last successful ingest read and wrote, so that the next one reads only the digests that changed.

Why reading only some digests gives the same paper files as reading them all: a
successful ingest leaves content/ where re-applying every digest it read changes
nothing (ingest only ever adds a day, a source, a place or a gap-filling field, and
all of them are there already). Drafts are applied day by day, so while no paper
file, the ledger and the taxonomy changed since then, every draft of a day before
the first day of a new or edited digest still changes nothing, and the days from
there on are applied again in full: every digest holding one of them is read, so
each day's places are counted as a full ingest counts them. A deleted digest only
removes drafts that changed nothing. Anything else changed (a paper file, the
ledger, the taxonomy, the generator), or no state: a full ingest.

A file stamped less than two seconds after its last change may change again unseen
(files.is_racy): such a digest counts as changed next time; any other such file is
recorded with a hash of its text (read when stamped, before ingest reads it, or as
ingest wrote it) that the next ingest checks.

Stamps are checked first; where they moved but the bytes did not, nothing changed: a fresh
clone (every Netlify build) stamps every file anew. So each digest is recorded with a hash
of the bytes ingest read, and the paper files with one hash of every file's name and bytes
(the paper cache knows each file's, cache.FileStampCache.digest).

The state is JSON in .cache/ (never pickle), and only ever a speed-up: anything
doubtful in it means a full ingest.

A fresh clone has no .cache/ (a first Netlify build, CI, a teammate's checkout), and would
read every digest again: 16 s of a cold build of 80,000 papers. So an ingest that writes
paper files also writes content/ingest-record.json, committed with them: the state without
what only this machine knows (mtimes, racy files), checked by the bytes alone (digests by
size and hash, the taxonomy and the ledger by hash, the paper files by papers_contents).
It changes only when the files it describes do, and once after an upgrade of ingest's code,
which the record's version names. A paper file edited since, another
generator, or a record that does not parse (a merge conflict): a full ingest, as without it.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import workers
from generator.cache import Stamp, bytes_digest, file_digest, file_stamp, generator_version
from generator.content.papers import PaperCache, is_paper_file_name
from generator.files import is_racy, write_file_atomic
from generator.project import Project

STATE_FILE = "ingest-state.json"  # in the project's cache folder
# Packages ingest never imports (tests/test_ingest_incremental.py runs one and checks): a change to
# their code leaves the state and the record valid. Had it not, every Netlify build after a change
# to how pages are made would read every digest again (16 s at 80,000 papers), until an ingest
# that wrote paper files wrote the record anew.
NOT_INGEST_CODE = frozenset({"build", "preview"})
UNKNOWN = "unknown"  # a file changed moments ago that could not be read: a full ingest next time
Days = tuple[dt.date, dt.date]  # the first and last day a digest holds


@dataclass
class Inputs:
    """Everything ingest depends on, stamped before any of it is read: a file changed while
    ingest runs then differs from its recorded stamp next time."""

    digests: dict[Path, Stamp | None]
    taxonomy: Any  # see file_entry
    ledger: Any
    papers: dict[str, Stamp]  # file name -> stamp
    racy_papers: dict[str, str | None]  # changed moments before they were stamped -> hash of the text
    racy_digests: set[Path]  # changed moments before they were stamped
    root: Path  # the project's folder: digests are recorded by their path from there
    digest_hashes: dict[Path, str | None] = field(default_factory=dict)  # read to compare, once each

    @classmethod
    def take(cls, project: Project, digests: list[Path]) -> Inputs:
        papers = paper_stamps(project.papers)
        racy = {name: file_digest(project.papers / name) for name, stamp in papers.items() if is_racy(stamp[1])}
        digest_stamps = {path: file_stamp(path) for path in digests}
        return cls(digest_stamps, file_entry(project.taxonomy_file), file_entry(project.ingest_ledger), papers, racy,
                   {path for path, stamp in digest_stamps.items() if stamp is not None and is_racy(stamp[1])},
                   project.root)

    def digest_hash(self, digest: Path) -> str | None:
        """The hash of the digest file's bytes now (None: unreadable), read once."""
        if digest not in self.digest_hashes:
            self.digest_hashes[digest] = file_digest(digest)
        return self.digest_hashes[digest]

    def key(self, digest: Path) -> str:
        """How the state names a digest: its path from the project's folder, so that a project
        moved or cloned elsewhere (a CI checkout, a copy) keeps its state."""
        return os.path.relpath(os.path.abspath(digest), os.path.abspath(self.root))


def file_entry(path: Path) -> Any:
    """How the state records the taxonomy or the ledger: None when it does not exist, else
    [size, mtime_ns, hash of its text] (UNKNOWN when it cannot be read). Both are compared by
    their text, which a fresh clone keeps (hashing the ledger of 80,000 papers takes 20 ms)."""
    stamp = file_stamp(path)
    if stamp is None:
        return None
    digest = file_digest(path)
    return UNKNOWN if digest is None else [*stamp, digest]


def paper_stamps(folder: Path) -> dict[str, Stamp]:
    """The stamp of each paper file (papers.paper_listing's names) by name."""
    stamps: dict[str, Stamp] = {}
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if is_paper_file_name(entry.name):
                    try:
                        info = entry.stat()
                    except OSError:  # gone, or a broken link: loading the papers reports it
                        continue
                    stamps[entry.name] = info.st_size, info.st_mtime_ns
    except FileNotFoundError:
        pass
    return stamps


@dataclass
class Written:
    """What ingest wrote: each file's stamp once renamed into place, and a hash of its text."""

    stamps: dict[Path, Stamp] = field(default_factory=dict)
    hashes: dict[Path, str] = field(default_factory=dict)

    def add(self, path: Path, stamp: Stamp, data: bytes) -> None:
        self.stamps[path] = stamp
        self.hashes[path] = bytes_digest(data)


def papers_fingerprint(stamps: dict[str, Stamp]) -> str:
    """One hash of every paper file's name and stamp: the state stays small at 100,000 papers."""
    listing = "\n".join(f"{name}\t{size}\t{mtime}" for name, (size, mtime) in sorted(stamps.items()))
    return bytes_digest(listing.encode("utf-8"))


class IngestState:
    """The state file's content; see the module's docstring."""

    def __init__(self, data: dict[str, Any]):
        self.data = data

    @staticmethod
    def version() -> str:
        return f"ingest state/{generator_version(NOT_INGEST_CODE)}"

    @classmethod
    def read(cls, project: Project) -> IngestState | None:
        return cls._from_file(project.cache_dir / STATE_FILE)

    @classmethod
    def read_record(cls, project: Project) -> IngestState | None:
        """The record committed with the content (see the module's docstring)."""
        return cls._from_file(project.ingest_record)

    @classmethod
    def _from_file(cls, path: Path) -> IngestState | None:
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError):  # missing, unreadable, not JSON: a full ingest
            return None
        if not isinstance(data, dict) or data.get("version") != cls.version():
            return None
        return cls(data)

    def digests_changed(self, inputs: Inputs, project: Project) -> list[Path] | None:
        """The new and edited digests, in the order given; None when only a full ingest is sure to be right."""
        try:
            if not (_file_unchanged(self.data["taxonomy"], inputs.taxonomy)
                    and _file_unchanged(self.data["ledger"], inputs.ledger)
                    and self._papers_unchanged(inputs, project)):
                return None
            return [path for path, stamp in inputs.digests.items() if self._digest_entry(inputs, path, stamp) is None]
        except (KeyError, TypeError, ValueError, AttributeError):  # a state of another shape
            return None

    def digests_from(self, day: dt.date, inputs: Inputs, exclude: Iterable[Path]) -> list[Path]:
        """The unchanged digests holding a day on or after `day`."""
        skip = set(exclude)
        return [path for path, stamp in inputs.digests.items()
                if path not in skip and (entry := self._digest_entry(inputs, path, stamp)) is not None and entry[1] >= day]

    def known_days(self, inputs: Inputs) -> dict[Path, Days]:
        """The days of each digest unchanged since it was recorded."""
        return {path: days for path, stamp in inputs.digests.items()
                if (days := self._digest_entry(inputs, path, stamp)) is not None}

    def known_hashes(self, inputs: Inputs) -> dict[Path, str]:
        """The recorded hash of each digest unchanged since then."""
        return {path: self.data["digests"][inputs.key(path)][4] for path in self.known_days(inputs)}

    def contents(self) -> str:
        return str(self.data["contents"])

    def _digest_entry(self, inputs: Inputs, path: Path, stamp: Stamp | None) -> Days | None:
        entry = self.data["digests"].get(inputs.key(path))
        if stamp is None or not isinstance(entry, list) or len(entry) != 5:
            return None
        if entry[:2] != list(stamp) and not (entry[0] == stamp[0] and inputs.digest_hash(path) == entry[4]):
            return None
        return dt.date.fromisoformat(entry[2]), dt.date.fromisoformat(entry[3])

    def _papers_unchanged(self, inputs: Inputs, project: Project) -> bool:
        if self.data["papers"] != papers_fingerprint(inputs.papers):
            # Stamped anew (a fresh clone, a checkout) is no change while every file's bytes are the same.
            newest = self.data.get("newest")
            return bool(self.data["contents"] == papers_contents(project, inputs.papers, inputs.racy_papers,
                                                                 newest if isinstance(newest, int) else None))
        hashed: dict[str, str] = self.data["hashed"]
        return all((inputs.racy_papers[name] if name in inputs.racy_papers else file_digest(project.papers / name))
                   == digest for name, digest in hashed.items())



def record_of_another_generator(record: Path) -> bool:
    """Whether the record was written by another version of ingest's code. Until it is written
    again, every cold build (every Netlify deploy) reads every digest, so the first ingest after
    an upgrade writes it anew, paper files or not. A record a curator deleted stays deleted."""
    try:
        data = json.loads(record.read_bytes())
    except (OSError, ValueError):  # missing, or a merge conflict for the curator to settle
        return False
    return isinstance(data, dict) and data.get("version") != IngestState.version()


def _file_unchanged(recorded: Any, now: Any) -> bool:
    """Whether a file is as recorded; both are file_entry's."""
    if recorded is None or now is None:
        return recorded is None and now is None  # absent then and now
    return isinstance(recorded, list) and isinstance(now, list) and len(recorded) == len(now) == 3 \
        and recorded[2] == now[2]


@dataclass
class NewState:
    """The state after a successful ingest, from its inputs, what it read and what it wrote."""

    project: Project
    inputs: Inputs
    days: dict[Path, Days]  # of every digest this ingest read or knew unchanged
    hashes: dict[Path, str]  # of the bytes of the same digests, as read
    written: Written
    contents: str | None = None  # papers_contents when known unchanged (nothing was written)

    def save(self) -> None:
        data = {"version": IngestState.version(), "taxonomy": self.inputs.taxonomy,
                "ledger": self._ledger(), "digests": self._digests(), **self._papers()}
        with contextlib.suppress(OSError):  # a read-only checkout still ingests, only in full each time
            write_file_atomic(self.project.cache_dir, STATE_FILE,
                              json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        record = self.project.ingest_record
        if data["contents"] != UNKNOWN and (self.written.stamps or record_of_another_generator(record)):
            with contextlib.suppress(OSError):  # an older record no longer matches the paper files: a full ingest
                write_file_atomic(record.parent, record.name, self._record_text(data))

    def _record_text(self, state: dict[str, Any]) -> bytes:
        """The record of this state (see the module's docstring): mtimes left out (None), so that
        sizes and hashes are compared, and the paper files known by papers_contents alone. Racy
        digests are in it, since their bytes are what is compared. One digest to a line: a new day
        is one more line in a diff."""
        head = {"version": state["version"], "taxonomy": _without_mtime(state["taxonomy"]),
                "ledger": _without_mtime(state["ledger"]), "papers": UNKNOWN, "hashed": {}, "contents": state["contents"]}
        lines = [f"{json.dumps(key, ensure_ascii=False)}: {json.dumps(_without_mtime(entry))}"
                 for key, entry in sorted(self._digests(racy=True).items())]
        text = json.dumps(head, ensure_ascii=False)[:-1] + ', "digests": {\n' + ",\n".join(lines) + "\n}}\n"
        return text.encode("utf-8")

    def _ledger(self) -> Any:
        ledger = self.project.ingest_ledger
        if ledger in self.written.stamps:
            return [*self.written.stamps[ledger], self.written.hashes[ledger]]
        return self.inputs.ledger

    def _digests(self, racy: bool = False) -> dict[str, list[Any]]:
        """By path from the project's folder (Inputs.key); racy digests are left out, so that they
        count as new next time, unless `racy` (the record, which compares bytes, not stamps)."""
        return {self.inputs.key(path): [*stamp, days[0].isoformat(), days[1].isoformat(), self.hashes[path]]
                for path, stamp in self.inputs.digests.items()
                if stamp is not None and (racy or path not in self.inputs.racy_digests)
                and (days := self.days.get(path)) and path in self.hashes}

    def _papers(self) -> dict[str, Any]:
        """The stamps' fingerprint, the hash of each racy file, papers_contents, and the newest mtime
        (papers_contents' changed_after next time). A file written two seconds or more before this
        is not racy: any later change gives it another mtime."""
        stamps = dict(self.inputs.papers)
        known = dict(self.inputs.racy_papers)
        racy = dict(self.inputs.racy_papers)
        papers = self.project.papers  # a property that joins paths: once, not per file
        for path, stamp in self.written.stamps.items():
            if path.parent == papers:
                stamps[path.name] = stamp
                known[path.name] = self.written.hashes[path]
                if is_racy(stamp[1]):
                    racy[path.name] = self.written.hashes[path]
                else:
                    racy.pop(path.name, None)
        contents = self.contents or papers_contents(self.project, stamps, known)
        if None in racy.values() or contents is None:  # one could not be read: what it holds is unknown
            return {"papers": UNKNOWN, "hashed": {}, "contents": UNKNOWN}
        newest = max((mtime for _, mtime in stamps.values()), default=0)
        return {"papers": papers_fingerprint(stamps), "hashed": racy, "contents": contents, "newest": newest}


def _without_mtime(entry: Any) -> Any:
    """[size, mtime, ...] -> [size, None, ...]; anything else (None, UNKNOWN) as it is."""
    return [entry[0], None, *entry[2:]] if isinstance(entry, list) else entry


def papers_contents(project: Project, stamps: dict[str, Stamp], known: dict[str, str | None],
                    changed_after: int | None = None) -> str | None:
    """One hash of every paper file's name and bytes (known: hashes already read, by name); None
    when one cannot be read. The files whose stamp the paper cache does not hold are read, the
    cache learning their digests: on a deploy, all of them (a clone stamps every file anew).
    changed_after: the newest mtime of the files when the cache last saw them. The files changed
    since then are read on every core while this process loads the cache (0.55 s each at 80,000
    papers), since the cache cannot know their stamps."""
    names = sorted(stamps)
    ahead = [] if changed_after is None else [name for name in names
                                              if name not in known and stamps[name][1] > changed_after]
    reading = file_digests(project.papers, ahead)  # the workers start now
    cache = PaperCache.of(project)  # loaded while the workers read
    read = dict(zip(ahead, reading))
    digests = {name: known[name] if name in known else read[name] if name in read
               else cache.known_digest(name, stamps[name]) for name in names}
    unread = [name for name in names if digests[name] is None and name not in known and name not in read]
    read.update(zip(unread, file_digests(project.papers, unread)))
    for name, digest in read.items():
        cache.learn_digest(name, stamps[name], digest)
        digests[name] = digest
    if None in digests.values():
        return None
    return bytes_digest("\n".join([f"{name}\t{digests[name]}" for name in names]).encode("utf-8"))


DIGEST_CHUNK = 2000  # files a worker reads at a time


def file_digests(folder: Path, names: list[str]) -> Iterator[str | None]:
    """file_digest of each file in folder, in order, on every core when there are many: reading
    80,000 files takes a second (as on every deploy), and ingest would leave the other cores idle."""
    paths = [os.path.join(folder, name) for name in names]  # a Path per file: 0.5 s at 80,000
    return workers.map_in_order(file_digest, paths, DIGEST_CHUNK)
