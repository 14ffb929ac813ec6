"""What ingest has already done, committed with the content: so a curator's deletion sticks.

content/ingested.tsv has one line per paper placed on a day: `day<TAB>slug<TAB>key`,
the key being what identifies the paper in its digest (its arXiv id or its title).
A paper file a curator deleted, or a featured date a curator removed, is not brought
back by the digest that still lists it: the line says it was ingested already. To
bring a paper back, delete its lines here and run `digest ingest`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import BuildFailed, SourceError, display_path, undecodable_line

HEADER = "# day\tslug\tkey — papers ingest has placed; delete a paper's lines to let ingest bring it back\n"


@dataclass
class Ledger:
    placed: set[tuple[dt.date, str]] = field(default_factory=set)  # (day, slug)
    keys: dict[str, str] = field(default_factory=dict)  # identity key -> slug
    lines: set[tuple[str, str, str]] = field(default_factory=set)

    @classmethod
    def read(cls, path: Path) -> Ledger:
        ledger = cls()
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return ledger
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:  # saved in another encoding: which lines mean what is unknown
            number = undecodable_line(data, error)
            raise BuildFailed([SourceError(display_path(path), number, "not UTF-8 text",
                                           "save the file as UTF-8, or delete that line")]) from None
        for line in text.splitlines():
            parts = line.split("\t")
            if line.startswith("#") or len(parts) != 3:
                continue
            try:
                ledger.add(dt.date.fromisoformat(parts[0]), parts[1], parts[2])
            except ValueError:
                continue  # a line a person mangled: as if it were not there
        return ledger

    def add(self, day: dt.date, slug: str, key: str) -> None:
        self.placed.add((day, slug))
        self.keys.setdefault(key, slug)
        self.lines.add((day.isoformat(), slug, key))

    def was_placed(self, day: dt.date, slug: str) -> bool:
        return (day, slug) in self.placed

    def slug_of(self, keys: list[str]) -> str | None:
        """The slug a paper with one of these identity keys was ingested as, if it ever was."""
        return next((self.keys[key] for key in keys if key in self.keys), None)

    def text(self) -> str:
        return HEADER + "".join(f"{day}\t{slug}\t{key}\n" for day, slug, key in sorted(self.lines))
