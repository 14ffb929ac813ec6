"""Plain-text fixture files of test cases, read by one helper (markdown-it-py's fixture style).

A case file (tests/fixtures/cases/*.txt) holds cases one after another:

    # Lines starting with '#' between cases are comments.

    name of the case
    .
    first section (e.g. the input), any number of lines
    .
    second section (e.g. what is expected)
    .

The name is one line; every case of a file has the same number of sections, each
closed by a line holding only '.'. Inside a section `{U+XXXX}` stands for that
character, so carriage returns, tabs, trailing spaces and invisible characters stay
visible in the file: `{U+000D}`, `{U+0009}`, `{U+0020}`, `{U+00A0}`.

Each case knows the line its name is on, and pytest shows it in the test id, so a
failure points at the fixture line: `test_x[pagecopy.txt:12 a title without abstract]`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "fixtures" / "cases"
CODE_POINT = re.compile(r"\{U\+([0-9A-Fa-f]{4,6})\}")


@dataclass(frozen=True)
class Case:
    file: str  # the fixture file's name
    line: int  # the line of the case's name, 1-based
    name: str
    sections: tuple[str, ...]  # each without its final newline, {U+XXXX} decoded
    section_lines: tuple[int, ...]  # the first line of each section

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def __str__(self) -> str:
        return f"{self.where} {self.name}"


def read_cases(path: Path | str, sections: int = 2) -> list[Case]:
    """Every case of a fixture file; a malformed file fails with its line."""
    path = CASES / path if isinstance(path, str) else path
    lines = path.read_text(encoding="utf-8").split("\n")
    cases: list[Case] = []
    number = 0
    while number < len(lines):
        line = lines[number]
        if not line.strip() or line.startswith("#"):
            number += 1
            continue
        start = number
        if number + 1 >= len(lines) or lines[number + 1] != ".":
            raise ValueError(f"{path.name}:{start + 1}: a case name must be followed by a line holding only '.'")
        number += 2
        texts, firsts = [], []
        for _ in range(sections):
            firsts.append(number + 1)
            body = []
            while number < len(lines) and lines[number] != ".":
                body.append(lines[number])
                number += 1
            if number >= len(lines):
                raise ValueError(f"{path.name}:{start + 1}: case '{line}' needs {sections} sections, each closed by '.'")
            texts.append(decode("\n".join(body)))
            number += 1
        cases.append(Case(path.name, start + 1, line, tuple(texts), tuple(firsts)))
    if not cases:
        raise ValueError(f"{path.name}: no cases")
    return cases


def decode(text: str) -> str:
    return CODE_POINT.sub(lambda match: chr(int(match.group(1), 16)), text)


def parametrize(path: str, sections: int = 2, known_failures: dict[str, str] | None = None):
    """@parametrize("pagecopy.txt") runs a test once per case, its id naming the fixture line.

    known_failures maps case names to the reason they fail today: those cases are
    xfail(strict=True), so fixing the bug makes the test say so."""
    known_failures = dict(known_failures or {})
    cases = read_cases(path, sections)
    params = []
    for case in cases:
        reason = known_failures.pop(case.name, None)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(case, marks=marks, id=str(case)))
    if known_failures:
        raise ValueError(f"{path}: no case named {sorted(known_failures)}")
    return pytest.mark.parametrize("case", params)
