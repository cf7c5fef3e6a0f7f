"""How `scripts/test` shares the test files between its pytest-xdist workers (`--dist loadfile`).

Two changes to xdist's own file-by-file scheduling, both about where the time goes:

- The files on one session platform are one unit of work. Every file under
  `tests/integration/web/` runs on the `web` platform and every file naming the
  `dev_platform` fixture on that one; each is a whole `engageiq dev` (moto, both services, the
  edge) that a worker starts once for the session. Scheduled file by file, both workers started
  both platforms; as two units, each starts on one worker only.
- The longest units start first. xdist orders the units by their number of tests, which sent
  the slow one-test files (a platform restarted four times, a hypothesis state machine over the
  whole platform) last, when the other worker had nothing left to do. The workers now collect
  the platform units first, then the files that start platforms of their own (`start_dev`,
  `bench/load.py`), then the other integration files, then the many short unit and infra
  files, which fill the end evenly; the scheduler keeps that order.

A file the heuristic places wrongly only runs where it would have run anyway: the grouping
changes which worker runs a file, never what it runs with."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Final

from xdist.scheduler import LoadFileScheduling  # type: ignore[import-untyped]

ROOT: Final = Path(__file__).resolve().parents[2]
WEB_PLATFORM: Final = "platform:web"
DEV_PLATFORM: Final = "platform:dev"
SHORT_FILES: Final = ("tests/unit/", "tests/infra/")
"""Folders of many short files, which end the run."""


@functools.cache
def unit_of_work(path: str) -> str:
    """The unit a test file (its path from the repository root) is scheduled in: a session
    platform's name, or the file itself."""
    if path.startswith("tests/integration/web/"):
        return WEB_PLATFORM
    try:
        source = (ROOT / path).read_text()
    except OSError:  # not a file of this checkout: scheduled on its own
        return path
    return DEV_PLATFORM if "dev_platform" in source else path


OWN_PLATFORM: Final = ("start_dev(", "bench/load.py")
"""What a file that starts platforms of its own says (30-60 s each)."""


@functools.cache
def start_order(path: str) -> int:
    """0 for the web platform's files, 1 for the dev platform's, 2 for files starting their
    own platforms, 3 for other integration files, 4 for the unit and infra files."""
    unit = unit_of_work(path)
    if unit == WEB_PLATFORM:
        return 0
    if unit == DEV_PLATFORM:
        return 1
    if path.startswith(SHORT_FILES):
        return 4
    try:
        source = (ROOT / path).read_text()
    except OSError:
        return 3
    return 2 if any(sign in source for sign in OWN_PLATFORM) else 3


def path_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


class PlatformScheduling(LoadFileScheduling):  # type: ignore[misc]  # xdist has no types
    """`--dist loadfile` with the session platforms' files as one unit each, in the order the
    workers collected (see `start_order`) rather than by number of tests."""

    def schedule(self) -> None:
        self.config.option.loadscopereorder = False
        super().schedule()

    def _split_scope(self, nodeid: str) -> str:
        return unit_of_work(path_of(nodeid))
