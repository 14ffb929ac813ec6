"""Forked workers end with the command that started them, and forking loses no Ctrl-C.

A worker outliving its parent (killed with -9, say) would go on writing into a staging
folder the next run removes, or wait for tasks forever. On Linux the kernel sends SIGKILL
when the parent dies; elsewhere a thread checks every second.

Ctrl-C arriving in the middle of a fork was raised inside the fork's own callbacks (logging
registers some), where Python prints it as an ignored exception and drops it: the command
printed a traceback and went on to the end. Forks are made with the stop signals held back
(forking()), which are raised once the fork is done; each worker takes them again first thing
(die_with).
"""
from __future__ import annotations

import ctypes
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_PR_SET_PDEATHSIG = 1


STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def forking() -> Iterator[None]:
    """Ctrl-C and SIGTERM held back while the block forks; one that came meanwhile is raised as it ends."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def die_with(parent: int) -> None:
    """Called first in a forked worker, with the pid of the process that started it."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # held while it was forked
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
