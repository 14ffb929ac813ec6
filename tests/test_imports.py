"""Modules the build never uses are not loaded by its imports, and still work once used (generator/imports.py)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.build.builder import SiteBuilder
from tests.helpers import snapshot

# Modules that only NumPy's deferred submodules import.
LOADED_ONLY_BY_THEM = ("numpy.f2py.crackfortran", "numpy.testing._private.utils", "unittest", "numpy.ma.core",
                       "numpy.polynomial.polynomial")


def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_building_does_not_load_the_numpy_modules_it_never_uses():
    loaded = run_python("import sys, generator.build.builder\n"
                        f"print(' '.join(name for name in {LOADED_ONLY_BY_THEM!r} if name in sys.modules))")
    assert loaded.split() == []


def test_working_out_related_papers_loads_none_of_the_numpy_modules_it_never_uses(golden_project: Path):
    shown = run_python("import sys\nfrom generator.content.papers import load_papers\n"
                       "from generator.build.related import related_papers\nfrom generator.project import Project\n"
                       f"papers, _ = load_papers(Project.at({str(golden_project)!r}))\n"
                       "related = related_papers(papers)\n"
                       f"print(sum(map(bool, related.values())), *(name for name in {LOADED_ONLY_BY_THEM!r} if name in sys.modules))")
    assert int(shown.split()[0]) > 0, "the papers have related lists"
    assert shown.split()[1:] == []


def loaded_on_first_use(imports: str, module: str, call: str, text: str) -> list[str]:
    """In a child Python: whether `module` is loaded after `imports`, whether it is after `call`,
    and whether what the call returned holds `text`."""
    return run_python(f"import sys\n{imports}\nbefore = {module!r} in sys.modules\nmade = {call}\n"
                      f"print(before, {module!r} in sys.modules, {text!r} in made)").split()


def test_the_math_converter_loads_at_the_first_formula():
    assert loaded_on_first_use("import generator.build.builder\nfrom generator.content.math import math_html",
                               "latex2mathml", "math_html('Energy $E = mc^2$')", "<msup>") == ["False", "True", "True"]


def test_the_paper_parsers_start_before_markdown_it_loads_and_it_loads_for_the_first_markdown_body():
    # `digest build` forks the paper parsers once generator.content.papers is imported (cli.cmd_build):
    # whatever that import loads is paid before both cores work.
    assert loaded_on_first_use("import generator.content.papers\nfrom generator.content.markdown import render_markdown",
                               "markdown_it", "render_markdown('*one* [two](https://example.org)')",
                               "<em>one</em>") == ["False", "True", "True"]


def test_a_deferred_module_loads_when_first_used():
    shown = run_python("import generator.build.related as related, numpy\n"
                       "import numpy.ma as ma\n"
                       "print(ma.masked_array([1, 2, 3], mask=[0, 1, 0]).sum(), numpy.polynomial.Polynomial([1, 2])(3),\n"
                       "      related.sparse.csr_matrix([[1, 0], [0, 2]]).sum())")
    assert shown.split() == ["4", "7.0", "3"]


def test_a_build_leaves_scipys_sparse_matrices_to_the_process_working_out_related_papers(golden_project: Path, tmp_path: Path):
    loaded = run_python("import sys\nfrom generator.build.builder import build_site\n"
                        f"build_site({str(golden_project)!r})\n"
                        "print('scipy.sparse._csr' in sys.modules)")
    assert loaded.split() == ["False"]
    in_one_process = tmp_path / "site"
    SiteBuilder(golden_project, site_dir=in_one_process).build()
    assert snapshot(golden_project / "site" / "papers") == snapshot(in_one_process / "papers")  # the same related lists
    assert 'class="related-title"' in (in_one_process / "papers" / "s" / "skippipe" / "index.html").read_text(encoding="utf-8")


def test_a_module_already_imported_is_left_as_it_is():
    shown = run_python("import numpy.testing, sys\n"
                       "before = sys.modules['numpy.testing']\n"
                       "from generator.imports import defer\n"
                       "defer(['numpy.testing'])\n"
                       "print(sys.modules['numpy.testing'] is before, hasattr(before, 'assert_equal'))")
    assert shown.split() == ["True", "True"]


def test_loading_the_build_starts_no_blas_threads():
    """The build makes no BLAS call: threads OpenBLAS would start, one per core, only spin."""
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: OpenBLAS starts no thread of its own anyway")
    threads = run_python("import os, sys\nos.environ.pop('OPENBLAS_NUM_THREADS', None)\n"
                         "import generator.build.builder, generator.build.related, numpy\n"
                         "numpy.ones((64, 64)) @ numpy.ones((64, 64))\n"  # a BLAS call, had it threads to use
                         "print(len(os.listdir('/proc/self/task')))")
    assert threads.split() == ["1"]


def test_orjson_loads_after_the_paper_parsers_fork_at_the_first_json_written():
    # The modules `digest build` imports before it forks the paper parsers (cli.cmd_build) write JSON
    # with jsonout, but only later: orjson's import, uuid's with it, waits until then.
    assert loaded_on_first_use("import generator.cli, generator.build.stamp, generator.content.papers\n"
                               "from generator.jsonout import compact_json",
                               "orjson", "compact_json({'a': 'b'}).decode()", '{"a":"b"}') == ["False", "True", "True"]
