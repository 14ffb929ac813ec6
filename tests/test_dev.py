"""./dev, the README's one entry point: what it says when it cannot set up."""
from __future__ import annotations

import os
import shutil
import subprocess

from tests.helpers import ROOT


def test_an_interpreter_that_cannot_run_is_named_in_one_line_and_nothing_is_made(tmp_path):
    shutil.copy(ROOT / "dev", tmp_path / "dev")
    result = subprocess.run(["bash", str(tmp_path / "dev"), "build"], capture_output=True, text=True,
                            env={**os.environ, "PYTHON": "/nonexistent/python3"}, timeout=60)
    assert result.returncode == 1
    assert result.stderr == "dev: cannot run /nonexistent/python3; set PYTHON to a Python 3.11 or newer\n"
    assert not (tmp_path / ".venv").exists()
