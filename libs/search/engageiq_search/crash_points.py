"""Test-only crash points: where the faults suite SIGKILLs a real files-service process in the
middle of an index write (decision 0100's "a kill at any moment"), at an exact step rather
than at a moment a test guesses by timing. `tests/integration/faults/test_kills.py` is the
one user.

Off unless `ENGAGEIQ_TEST_CRASH_AT` names a point and `ENGAGEIQ_ENV` is `local` (both read
once, at import): no deployed stack sets either, and a stray variable in one could not make
it kill itself. The points, each named `<stage><step>`:

- `merge_written`: the merged segment is in S3, its manifest not yet published;
- `merge_published`: the merged manifest is published (the pointer names it), nothing it
  replaced is deleted yet (neither the manifest before nor the merged segments)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final

CRASH_AT_VARIABLE: Final = "ENGAGEIQ_TEST_CRASH_AT"
_ARMED: Final = (
    os.environ.get(CRASH_AT_VARIABLE, "").strip()
    if os.environ.get("ENGAGEIQ_ENV", "").strip() == "local"
    else ""
)
_stage: ContextVar[str] = ContextVar("crash_stage", default="")


@contextmanager
def crash_stage(stage: str) -> Iterator[None]:
    """Name the steps reached inside the block `<stage>_<step>` (a publish inside a merge is
    `merge_published`, any other publish just `published`)."""
    token = _stage.set(f"{stage}_")
    try:
        yield
    finally:
        _stage.reset(token)


def crash_point(step: str) -> None:
    """SIGKILL this process here if the armed point is this step of the current stage: no
    clean-up, no `finally`, exactly what an instance crash does."""
    if _ARMED and f"{_stage.get()}{step}" == _ARMED:
        os.kill(os.getpid(), signal.SIGKILL)
