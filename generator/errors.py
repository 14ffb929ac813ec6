"""Errors that point at the input: a file, a line, what is wrong and how to fix it.

Every stage collects SourceErrors instead of raising on the first one, so a
curator sees every problem of a run at once. cli.py prints them (and the preview its
notices), capped as below so that 80,000 papers' notices do not bury the rest.
"""
from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

MAX_ERRORS_PER_FILE = 20  # a pasted novel gives one error per paragraph: the first ones say enough
MAX_ERRORS = 200
MAX_NOTICES_PER_KIND = 20  # a kind of notice comes once per paper (in the fallback topic, no abstract): 5,000 at 80k


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


def capped_notice_lines(notices: list[SourceError], per_kind: int = MAX_NOTICES_PER_KIND) -> list[str]:
    """Every notice as a line, but at most per_kind of one message, then "… and N more: MESSAGE": at
    80,000 papers 5,000 were in the fallback topic, one line each."""
    shown, per_message = first_of_each(notices, lambda notice: notice.message, per_kind)
    return [str(notice) for notice in shown] + [
        f"… and {count - per_kind} more: {message} (`digest check --all` lists every one)"
        for message, count in per_message.items() if count > per_kind]


def capped_error_lines(errors: list[SourceError], per_file: int = MAX_ERRORS_PER_FILE,
                       total: int = MAX_ERRORS) -> list[str]:
    """Every error as a line, but at most per_file of one file (then "… and N more in FILE")
    and total in all: 50 MB of pasted prose would otherwise print half a million lines."""
    shown, per_path = first_of_each(errors, lambda error: error.path, per_file)
    lines = [str(error) for error in shown[:total]]
    lines += [f"… and {count - per_file} more in {path}" for path, count in per_path.items() if count > per_file]
    if len(shown) > total:
        lines.append(f"… and {len(shown) - total} more problems in other files")
    return lines


def first_of_each(problems: list[SourceError], key: Callable[[SourceError], str],
                  per_key: int) -> tuple[list[SourceError], dict[str, int]]:
    """The problems in order, but at most per_key of those sharing a key; and how many each key has."""
    shown: list[SourceError] = []
    counts: dict[str, int] = {}
    for problem in problems:
        name = key(problem)
        counts[name] = counts.get(name, 0) + 1
        if counts[name] <= per_key:
            shown.append(problem)
    return shown, counts
