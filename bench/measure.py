"""One command timed as a person runs it: wall time, CPU time and the peak memory of its largest process.

The numbers come from GNU time (`/usr/bin/time`), not from wait4 in the benchmark itself:
Linux carries a process's peak resident size across fork and exec, so a command started
by a benchmark that holds a corpus in memory would report the benchmark's own peak.
"""
from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

GNU_TIME = "/usr/bin/time"


def conditions() -> str:
    """What a result depends on besides the code, for the line that reports it: the load, and the
    interpreter the venv was made from (on one machine, Debian's CPython built 1,000 papers in
    0.60 s and pyenv's in 0.72 s; bench/RESULTS.md)."""
    base = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    return f"load average {os.getloadavg()[0]:.2f}, Python {platform.python_version()} at {base}"


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds, the command's waited-for children included
    peak_mb: float  # resident size of its largest process
    output: str  # what it printed on standard output


def measured(command: list[str], cwd: Path | None = None) -> Run:
    """Runs the command; raises SystemExit when it fails."""
    if not shutil.which(GNU_TIME):
        raise SystemExit(f"{GNU_TIME} is missing (apt-get install time)")
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        started = time.perf_counter()
        done = subprocess.run([GNU_TIME, "-f", "%U %S %M", "-o", report.name, *command], cwd=cwd,
                              stdout=subprocess.PIPE, text=True)
        wall = time.perf_counter() - started
        if done.returncode:
            raise SystemExit(f"`{' '.join(command)}` failed with exit code {done.returncode}")
        user, system, peak_kb = report.read().split()[-3:]
    return Run(wall, float(user) + float(system), int(peak_kb) / 1024, done.stdout.strip())


def shell(command: str) -> list[str]:
    """A shell command line as a command for measured()."""
    return ["sh", "-c", command]
