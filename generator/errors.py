"""Errors that point at the input: a file, a line, what is wrong and how to fix it.

Every stage collects SourceErrors instead of raising on the first one, so a
curator sees every problem of a run at once. Only cli.py prints them.
"""
from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SourceError:
    path: str  # as the user should see it, relative to the project when possible
    line: int  # 1-based; 0 when the problem is the file as a whole
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class BuildFailed(Exception):
    """Raised by a stage that cannot go on; carries every error found so far."""

    def __init__(self, errors: list[SourceError]):
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = list(errors)


def undecodable_line(data: bytes, error: UnicodeDecodeError) -> int:
    """The line, counted from 1, of the first byte of data that is not UTF-8: where a file saved
    in another encoding first goes wrong."""
    return data.count(b"\n", 0, error.start) + 1


def display_path(path: Path | str) -> str:
    """The path relative to the working directory when it is inside it."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    return absolute if relative.startswith("..") else relative


def unknown_key(path: str, line: int, key: object, known: Sequence[str], what: str = "key") -> SourceError:
    """An "unknown <what> '<key>'" error; its hint is the closest known name, else all of them.

    `what` names the key as the file's reader knows it: "field", "site config key", "topic key".
    """
    close = difflib.get_close_matches(str(key), known, n=1)
    names = what.split()[-1] + "s"  # "site config key" -> "known keys: ..."
    hint = f"did you mean '{close[0]}'?" if close else f"known {names}: " + ", ".join(known)
    return SourceError(path, line, f"unknown {what} '{key}'", hint)
