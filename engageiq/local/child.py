"""Launcher for the local platform's subprocesses: `python -m engageiq.local.child PARENT_PID
-- COMMAND...` asks Linux to send SIGTERM to it when its parent dies, then becomes COMMAND.

Without it, a SIGKILL of `engageiq dev` (or a crash) would leave the services and the edge
running in their own sessions, holding the ports, so the next start would find "another
engageiq dev" and fail. The request (prctl PR_SET_PDEATHSIG) survives exec, and is made here,
in a fresh single-threaded process, rather than in a `preexec_fn` of a parent that runs moto's
threads. On systems without prctl the command simply runs (no guard)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from typing import Final

PR_SET_PDEATHSIG: Final = 1


def guard(parent_pid: int) -> None:
    """Exit at once if the parent is already gone; else ask for SIGTERM when it goes."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        raise SystemExit(0)


def main(argv: list[str]) -> None:
    if len(argv) < 3 or argv[1] != "--":
        raise SystemExit("usage: python -m engageiq.local.child PARENT_PID -- COMMAND...")
    guard(int(argv[0]))
    os.execv(argv[2], argv[2:])  # noqa: S606 - our own command line, from platform.py


if __name__ == "__main__":
    main(sys.argv[1:])
