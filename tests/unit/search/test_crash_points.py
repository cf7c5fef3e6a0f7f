"""The test-only crash points (`engageiq_search.crash_points`): a process reaching the armed
point dies of SIGKILL, and nothing arms them outside local mode."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from engageiq_search.crash_points import CRASH_AT_VARIABLE, crash_point, crash_stage

REACH_A_PUBLISH_INSIDE_A_MERGE = """
from engageiq_search.crash_points import crash_point, crash_stage
crash_point("published")
with crash_stage("merge"):
    crash_point("written")
    print("before the armed step", flush=True)
    crash_point("published")
print("survived")
"""


def run(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in (CRASH_AT_VARIABLE, "ENGAGEIQ_ENV")}
    return subprocess.run(
        [sys.executable, "-c", REACH_A_PUBLISH_INSIDE_A_MERGE],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_armed_step_of_its_stage_kills_the_process() -> None:
    died = run(ENGAGEIQ_ENV="local", **{CRASH_AT_VARIABLE: "merge_published"})
    assert died.returncode == -signal.SIGKILL
    assert died.stdout.strip() == "before the armed step"  # not an earlier step


@pytest.mark.parametrize("env", ["dev", "prod", ""])
def test_nothing_is_armed_outside_local_mode(env: str) -> None:
    lived = run(ENGAGEIQ_ENV=env, **{CRASH_AT_VARIABLE: "merge_published"})
    assert lived.returncode == 0, lived.stderr
    assert lived.stdout.split()[-1:] == ["survived"]


def test_unarmed_points_do_nothing() -> None:
    with crash_stage("merge"):
        crash_point("published")
    crash_point("published")
