"""Reading the local platform's outputs.json while `engageiq dev` is still starting: its
services answer `/health` before it writes the outputs, so `engageiq dev token` run at that
moment used to fail with "No local platform is running"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from engageiq.local.aws import LocalAwsError
from engageiq.local.paths import outputs_file, starting_file
from engageiq.local.platform import read_outputs


def test_a_reader_waits_for_a_platform_that_is_starting(tmp_path: Path) -> None:
    starting_file(tmp_path).write_text(f"{os.getpid()}\n")

    def finish_starting() -> None:
        time.sleep(0.5)
        outputs_file(tmp_path).write_text(json.dumps({"webUrl": "http://127.0.0.1:1"}))
        starting_file(tmp_path).unlink()

    threading.Thread(target=finish_starting).start()

    assert read_outputs(tmp_path, wait_seconds=30) == {"webUrl": "http://127.0.0.1:1"}


def test_no_platform_is_reported_at_once(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(LocalAwsError, match="No local platform is running"):
        read_outputs(tmp_path, wait_seconds=30)
    assert time.monotonic() - started < 1


def test_a_start_that_died_is_not_waited_for(tmp_path: Path) -> None:
    """A SIGKILLed `engageiq dev` leaves its marker behind; its pid is gone."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    starting_file(tmp_path).write_text(f"{gone}\n")
    started = time.monotonic()
    with pytest.raises(LocalAwsError, match="No local platform is running"):
        read_outputs(tmp_path, wait_seconds=30)
    assert time.monotonic() - started < 1
