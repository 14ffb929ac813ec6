"""generator/build/lunr_port.yaml, the provenance of the lunr.js port, cannot go stale silently.

Every function and name it lists exists; every function of the search code that speaks of lunr
is listed; the vendored lunr.js is the file it names; the deviations it claims hold.
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PORT = yaml.safe_load((ROOT / "generator" / "build" / "lunr_port.yaml").read_text(encoding="utf-8"))
SEARCH_CODE = sorted([*ROOT.glob("generator/build/search.py"), *ROOT.glob("generator/build/search/**/*.py")])
LINES = re.compile(r"(\d+)-(\d+)")


def definitions(module: Path) -> dict[str, ast.AST]:
    """Module-level functions, classes and assigned names of a module."""
    found: dict[str, ast.AST] = {}
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        found[name.id] = node
    return found


def listed(module: Path) -> set[str]:
    relative = module.relative_to(ROOT).as_posix()
    return {name for entry in PORT["ported"] if entry["module"] == relative for name in entry.get("functions", [])}


@pytest.mark.parametrize("entry", PORT["ported"], ids=[entry["upstream"] for entry in PORT["ported"]])
def test_every_listed_function_and_name_exists(entry):
    module = ROOT / entry["module"]
    assert module.is_file(), f"{entry['module']} is gone: update generator/build/lunr_port.yaml"
    defined = definitions(module)
    functions = entry.get("functions", [])
    assert functions or entry.get("names"), entry["upstream"]
    for name in functions:
        assert isinstance(defined.get(name), ast.FunctionDef), f"{entry['module']} has no function {name}"
    for name in entry.get("names", []):
        assert name in defined, f"{entry['module']} has no {name}"
    first, last = (int(number) for number in LINES.fullmatch(str(entry["lines"])).groups())
    assert 1 <= first <= last


def test_every_function_of_the_search_code_that_speaks_of_lunr_is_listed():
    assert SEARCH_CODE, "no search code found under generator/build/"
    unlisted = []
    for module in SEARCH_CODE:
        whole = any(entry.get("whole_module") and entry["module"] == module.relative_to(ROOT).as_posix()
                    for entry in PORT["ported"])
        for name, node in definitions(module).items():
            if not isinstance(node, ast.FunctionDef):
                continue
            docstring = ast.get_docstring(node) or ""
            if (whole or re.search(r"\blunr\b", docstring)) and name not in listed(module):
                unlisted.append(f"{module.relative_to(ROOT)}: {name}")
    assert unlisted == [], "add these ports to generator/build/lunr_port.yaml"


def test_the_vendored_lunr_js_is_the_recorded_file():
    vendored = PORT["upstream"]["vendored"]
    data = (ROOT / vendored["path"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == vendored["sha256"]
    assert f"- {PORT['upstream']['version']}\n" in data[:300].decode()  # the file's own header
    notes = (ROOT / "themes" / "default" / "static" / "VENDORED.md").read_text(encoding="utf-8")
    assert f"sha256: `{vendored['sha256']}`" in notes and "generator/build/lunr_port.yaml" in notes


def test_the_surrogate_pair_deviation_gives_lunr_js_stems():
    from generator.build.search.lunr_stemmer import _porter, js_stem

    # Expected values from lunr.js 2.3.9's lunr.stemmer under Node.
    expected = {"🤗s": "🤗", "🤗y": "🤗i", "a🤗🤗ing": "a🤗🤗", "ya🤗ing": "ya🤗", "ya🤗e": "ya🤗", "surveys": "survey"}
    assert {word: js_stem(word) for word in expected} == expected
    assert _porter("ya🤗ing") != "ya🤗"  # stemming the Python string as it is would differ


def test_the_stop_words_are_lunr_js_words():
    from generator.build.search.terms import STOP_WORDS, search_term

    assert len(STOP_WORDS) == 119 and {"a", "the", "would", "your"} <= STOP_WORDS
    assert [search_term(word) for word in ("the", "surveys", "yours")] == ["", "survey", "your"]


def test_the_separator_is_lunr_js_separator_character_for_character():
    """terms.LUNR_SEPARATOR against lunr.tokenizer.separator itself, run by Node on every BMP character."""
    from generator.build.search.terms import LUNR_SEPARATOR

    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is missing; CI must run the lunr.js tests", pytrace=False)
        pytest.skip("node is not installed")
    script = ("const lunr = require(process.argv[1]); const found = [];"
              "for (let c = 0; c < 0x10000; c++) if (lunr.tokenizer.separator.test(String.fromCharCode(c))) found.push(c);"
              "console.log(JSON.stringify(found));")
    done = subprocess.run([node, "-e", script, str(ROOT / PORT["upstream"]["vendored"]["path"])],
                          capture_output=True, text=True, timeout=60, check=True)
    in_javascript = json.loads(done.stdout)
    assert len(in_javascript) > 20
    assert [code for code in range(0x10000) if LUNR_SEPARATOR.fullmatch(chr(code))] == in_javascript
