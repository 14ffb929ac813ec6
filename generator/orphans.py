"""Forked workers end with the command that started them.

A worker outliving its parent (killed with -9, say) would go on writing into a staging
folder the next run removes, or wait for tasks forever. On Linux the kernel sends SIGKILL
when the parent dies; elsewhere a thread checks every second.
"""
from __future__ import annotations

import ctypes
import os
import signal
import threading
import time

_PR_SET_PDEATHSIG = 1


def die_with(parent: int) -> None:
    """Called first in a forked worker, with the pid of the process that started it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)
