"""Where a command's CPU time goes: each of its processes' CPU time and peak memory, and the cores it left idle.

    .venv/bin/python bench/cpu_by_process.py [--step 0.05] [--cores 2] [--each] -- COMMAND...

e.g. in a bench project: `rm -rf site .cache && python bench/cpu_by_process.py -- digest build`.
Every few milliseconds it reads the time on CPU of the command and of every process it forked
(/proc/<pid>/task/*/schedstat, in nanoseconds) and peak resident memory (VmHWM in
/proc/<pid>/status), then prints the cores busy per step, each process's CPU time and peak in the
order they started, and the core-seconds left idle. With --each, every step also shows each
process's share of a core, in the order they started: which one works alone, or waits. A build
that keeps every core busy can only get faster with less CPU; idle stretches show where work could move.
The sampler itself takes a few percent of one core, shown in the busy cores. Linux only.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

POLL_SECONDS = 0.005


def descendants(root: int) -> list[int]:
    """root and every process under it, from each process's parent in /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # gone since listed
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, waiting = [], [root]
    while waiting:
        pid = waiting.pop()
        found.append(pid)
        waiting += children.get(pid, [])
    return found


def cpu_nanoseconds(pids: list[int]) -> dict[tuple[int, str], int]:
    """(pid, thread id) -> its time on CPU so far."""
    times = {}
    for pid in pids:
        try:
            for thread in os.listdir(f"/proc/{pid}/task"):
                times[pid, thread] = int(Path(f"/proc/{pid}/task/{thread}/schedstat").read_text().split()[0])
        except OSError:  # ended meanwhile: its last reading stands
            continue
    return times


def per_process_nanoseconds(times: dict[tuple[int, str], int]) -> dict[int, int]:
    """pid -> the time on CPU of all its threads."""
    totals: dict[int, int] = {}
    for (pid, _), nanoseconds in times.items():
        totals[pid] = totals.get(pid, 0) + nanoseconds
    return totals


def peak_megabytes(pid: int) -> float | None:
    """The process's peak resident memory so far; None once it has ended."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")), None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--step", type=float, default=0.05, help="seconds per printed line")
    parser.add_argument("--cores", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--each", action="store_true", help="each process's share of a core per step too")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    start = time.perf_counter()
    command = subprocess.Popen(args.command, stdout=subprocess.DEVNULL)
    last: dict[tuple[int, str], int] = {}
    first_seen: dict[int, float] = {}
    peaks: dict[int, float] = {}
    step_start, step_total, idle = 0.0, 0, 0.0
    step_start_by_process: dict[int, int] = {}
    while command.poll() is None:
        time.sleep(POLL_SECONDS)
        now = time.perf_counter() - start
        for pid in descendants(command.pid):
            first_seen.setdefault(pid, now)
        last.update(cpu_nanoseconds(list(first_seen)))
        for pid in first_seen:
            peak = peak_megabytes(pid)
            if peak is not None:
                peaks[pid] = max(peak, peaks.get(pid, 0.0))
        if now - step_start >= args.step:
            total = sum(last.values())
            busy = (total - step_total) / 1e9 / (now - step_start)
            idle += max(0.0, args.cores - busy) * (now - step_start)
            shares = ""
            if args.each:
                by_process = per_process_nanoseconds(last)
                shares = " | " + " ".join(
                    f"{(by_process.get(pid, 0) - step_start_by_process.get(pid, 0)) / 1e9 / (now - step_start):4.0%}"
                    for pid in sorted(first_seen, key=first_seen.__getitem__))
                step_start_by_process = by_process
            print(f"{now:6.2f} s {'#' * round(busy * 20):<{20 * args.cores}} {busy:4.2f} cores{shares}")
            step_start, step_total = now, total
    wall = time.perf_counter() - start
    per_process = per_process_nanoseconds(last)
    for pid in sorted(per_process, key=first_seen.__getitem__):
        print(f"process {pid}, from {first_seen[pid]:.2f} s: {per_process[pid] / 1e6:8.1f} ms CPU, "
              f"peak {peaks.get(pid, 0.0):.0f} MB")
    print(f"wall {wall:.3f} s, CPU {sum(per_process.values()) / 1e9:.3f} s, "
          f"idle {idle:.2f} core-seconds of {args.cores} cores; exit code {command.returncode}")
    return command.returncode


if __name__ == "__main__":
    sys.exit(main())
