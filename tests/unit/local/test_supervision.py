"""`LocalPlatform.watch`: an exited process is reported with its last log lines and started
again; one that keeps exiting stops the platform with a clear message. And each run's logs are
kept (`rotate_logs`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engageiq.local.platform import (
    MAX_CRASHES_IN_WINDOW,
    LocalPlatform,
    PlatformFailed,
    RunningProcess,
    rotate_logs,
)


def crashing(tmp_path: Path, code: int = 3) -> RunningProcess:
    script = f"print('boom: no model', flush=True); raise SystemExit({code})"
    command = [sys.executable, "-c", script]
    log_path = tmp_path / "files.log"
    log_file = log_path.open("ab")
    process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
    process.wait()
    return RunningProcess("files", process, log_path, log_file, "http://x", command, {})


def test_an_exit_is_reported_with_the_log_and_the_process_restarted(tmp_path: Path) -> None:
    reports: list[str] = []
    platform = LocalPlatform(tmp_path, report=reports.append)
    running = crashing(tmp_path)
    first = running.process
    platform.processes.append(running)

    platform.watch()

    assert len(reports) == 1
    assert "The files process exited with code 3; restarting it." in reports[0]
    assert "boom: no model" in reports[0]
    assert running.process is not first  # started again, same command
    running.process.wait(10)
    platform.stop()


def test_a_process_that_keeps_exiting_stops_the_platform(tmp_path: Path) -> None:
    reports: list[str] = []
    platform = LocalPlatform(tmp_path, report=reports.append)
    running = crashing(tmp_path)
    platform.processes.append(running)
    for _ in range(MAX_CRASHES_IN_WINDOW - 1):
        running.process.wait(10)
        platform.watch()
    running.process.wait(10)
    with pytest.raises(PlatformFailed) as failed:
        platform.watch()
    assert len(reports) == MAX_CRASHES_IN_WINDOW - 1
    message = str(failed.value)
    assert f"The files process exited {MAX_CRASHES_IN_WINDOW} times" in message
    assert "stopping the platform" in message
    assert str(tmp_path / "files.log") in message
    platform.stop()


def test_a_running_process_is_left_alone(tmp_path: Path) -> None:
    reports: list[str] = []
    platform = LocalPlatform(tmp_path, report=reports.append)
    log_path = tmp_path / "chat.log"
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        platform.processes.append(
            RunningProcess("chat", process, log_path, log_path.open("ab"), "http://x")
        )
        platform.watch()
        assert reports == []
        assert platform.processes[0].process is process
    finally:
        process.kill()
        platform.stop()


def test_each_run_keeps_the_previous_runs_logs(tmp_path: Path) -> None:
    for run in range(1, 8):
        rotate_logs(tmp_path, ["chat"], keep=5)
        (tmp_path / "chat.log").write_text(f"run {run}\n")
    kept = {p.name: p.read_text() for p in tmp_path.iterdir()}
    assert kept == {
        "chat.log": "run 7\n",
        "chat.1.log": "run 6\n",
        "chat.2.log": "run 5\n",
        "chat.3.log": "run 4\n",
        "chat.4.log": "run 3\n",
        "chat.5.log": "run 2\n",
    }


def crashing_replica(tmp_path: Path, name: str) -> RunningProcess:
    running = crashing(tmp_path)
    running.name, running.service = name, "files"
    return running


def crash_until_given_up(platform: LocalPlatform, running: RunningProcess) -> None:
    for _ in range(MAX_CRASHES_IN_WINDOW):
        running.process.wait(10)
        platform.watch()


def test_a_replica_that_keeps_exiting_leaves_rotation_while_another_serves(
    tmp_path: Path,
) -> None:
    reports: list[str] = []
    platform = LocalPlatform(tmp_path, report=reports.append, replicas=2)
    broken = crashing_replica(tmp_path, "files-1")
    healthy = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        platform.processes += [
            broken,
            RunningProcess(
                "files-2", healthy, tmp_path / "f2.log", (tmp_path / "f2.log").open("ab"), "x",
                service="files",
            ),
        ]  # fmt: skip
        crash_until_given_up(platform, broken)
        assert broken.retired
        assert "The files-1 process exited 3 times" in reports[-1]
        assert "left stopped and out of rotation, files-2 still serving" in reports[-1]
        platform.watch()  # a retired replica is not started again, nor reported again
        assert len(reports) == MAX_CRASHES_IN_WINDOW
        assert broken.process.poll() is not None
    finally:
        healthy.kill()
        platform.stop()


def test_the_platform_stops_when_the_last_replica_of_a_service_gives_up(tmp_path: Path) -> None:
    platform = LocalPlatform(tmp_path, report=lambda _: None, replicas=2)
    first, second = crashing_replica(tmp_path, "files-1"), crashing_replica(tmp_path, "files-2")
    platform.processes += [first, second]
    for _ in range(MAX_CRASHES_IN_WINDOW - 1):
        first.process.wait(10)
        second.process.wait(10)
        platform.watch()
    first.process.wait(10)
    second.process.wait(10)
    with pytest.raises(PlatformFailed) as failed:
        platform.watch()
    assert first.retired  # files-2 still counted as serving when files-1 gave up
    assert "The files-2 process exited 3 times" in str(failed.value)
    platform.stop()
