"""The local platform keeps its data across runs: `engageiq dev` started, used, stopped with
Ctrl-C and started again at once on the same ports finds the same tenants, users (same
passwords), conversations and files (still searchable and cited); after a SIGKILL the state of
a few seconds before is there; `--fresh` starts empty. Also: a killed service is reported and
restarted, and every log line is JSON. One platform life per test module: starts are slow."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from engageiq.local.aws import port_is_free
from engageiq.local.platform import free_port
from engageiq.local.seed import sign_in
from engageiq.local.state import SNAPSHOT_INTERVAL_SECONDS
from tests.integration.conftest import DevPlatform, start_dev, stop_dev, wait_for_outputs
from tests.integration.files.test_files_end_to_end import auth, search, wait_until_settled
from tests.support.chat import parse_sse

pytestmark = pytest.mark.integration

DOCUMENT = b"# Pricing\nThe Wombat plan costs 77 dollars per seat per month.\n"
QUESTION = "How much does the Wombat plan cost per seat?"
NEW_PASSWORD = "Chosen-Passw0rd-9"


def cli(state_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # ENGAGEIQ_STATE_DIR, from another directory: how a second terminal finds the platform.
    return subprocess.run(
        [sys.executable, "-m", "engageiq.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd="/",
        env={**os.environ, "ENGAGEIQ_STATE_DIR": str(state_dir)},
    )


def token_of(outputs: dict[str, Any], username: str, password: str) -> str:
    return sign_in(outputs["awsEndpointUrl"], outputs["userPoolClientId"], username, password)


def chat(web_url: str, token: str, message: str) -> list[Any]:
    response = httpx.post(
        f"{web_url}/api/chat", json={"message": message}, headers=auth(token), timeout=60
    )
    assert response.status_code == 200, response.text
    return parse_sse(response.text)[0]


def conversations(web_url: str, token: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{web_url}/api/conversations", headers=auth(token), timeout=10)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["conversations"]
    return items


STARTED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _stop_every_run() -> Any:
    yield
    while STARTED:
        stop_dev(STARTED.pop())


def start(state_dir: Path, ports: tuple[int, int], *extra: str) -> DevPlatform:
    # A SIGKILLed run leaves its outputs.json behind; the next run replaces it.
    (state_dir / "outputs.json").unlink(missing_ok=True)
    process = start_dev(state_dir, "--port", str(ports[0]), "--aws-port", str(ports[1]), *extra)
    STARTED.append(process)
    return DevPlatform(process, state_dir, wait_for_outputs(process, state_dir))


def wait_for_free(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not port_is_free("127.0.0.1", port):
        assert time.monotonic() < deadline, f"port {port} still taken"
        time.sleep(0.1)


def test_state_survives_stop_start_and_a_kill_and_fresh_starts_empty(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    ports = (free_port(), free_port())

    # Run 1: a tenant with an admin who chose a password, a document, a conversation.
    first = start(state_dir, ports)
    created = cli(state_dir, "tenants", "create", "acme", "--name", "Acme", "--admin-email",
                  "admin@acme.example", "--json")  # fmt: skip
    assert created.returncode == 0, created.stdout + created.stderr
    temporary = json.loads(created.stdout)["adminTemporaryPassword"]
    signed = cli(state_dir, "dev", "token", "--username", "admin@acme.example",
                 "--password", temporary, "--new-password", NEW_PASSWORD)  # fmt: skip
    assert signed.returncode == 0, signed.stdout + signed.stderr
    token = token_of(first.outputs, "admin@acme.example", NEW_PASSWORD)
    uploaded = httpx.post(
        f"{first.web_url}/api/upload-file",
        files={"file": ("wombat-pricing.md", DOCUMENT, "text/markdown")},
        headers=auth(token),
        timeout=30,
    )
    assert uploaded.status_code == 201, uploaded.text
    file_id = uploaded.json()["id"]
    assert wait_until_settled(first, token, file_id)["status"] == "ready"
    chat(first.web_url, token, QUESTION)
    demo_password = first.outputs["demoPassword"]
    assert stop_dev(first.process) == 0

    # Run 2, at once on the same ports (the old port check failed here for up to a minute).
    second = start(state_dir, ports)
    assert second.outputs["demoPassword"] == demo_password
    token = token_of(second.outputs, "admin@acme.example", NEW_PASSWORD)
    assert [c["title"] for c in conversations(second.web_url, token)] != []
    files = httpx.get(f"{second.web_url}/api/files", headers=auth(token), timeout=10).json()
    assert [f["name"] for f in files["files"]] == ["wombat-pricing.md"]
    assert search(second, token, "Wombat plan")[0]["fileId"] == file_id
    citations = [e.data for e in chat(second.web_url, token, QUESTION) if e.event == "citation"]
    assert citations
    assert citations[0]["title"] == "wombat-pricing.md"
    listed = cli(state_dir, "tenants", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {t["tenantId"] for t in json.loads(listed.stdout)} == {"acme", "demo"}

    # A killed service is reported with its log, restarted, and answers again.
    files_pid = next(p for p in _children(second.process.pid) if "engageiq_files" in p[1])[0]
    os.kill(files_pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while True:
        response = None
        with contextlib.suppress(httpx.HTTPError):
            response = httpx.get(f"{second.web_url}/api/files", headers=auth(token), timeout=5)
        if response is not None and response.status_code == 200 and _pid_gone(files_pid):
            break
        assert time.monotonic() < deadline, "the files service did not come back"
        time.sleep(0.2)

    # Something created now, then a SIGKILL after one snapshot period: it is kept.
    chat(second.web_url, token, "A second question about onboarding")
    time.sleep(SNAPSHOT_INTERVAL_SECONDS * 2 + 1)
    second.process.kill()
    output_so_far = second.process.stdout.read() if second.process.stdout else ""
    second.process.wait()
    assert "The files process exited with code" in output_so_far
    assert "restarting it" in output_so_far
    wait_for_free(ports[0])

    third = start(state_dir, ports)
    token = token_of(third.outputs, "admin@acme.example", NEW_PASSWORD)
    # Run 1's conversation, run 2's repeated question and the one just before the kill.
    assert len(conversations(third.web_url, token)) == 3
    assert stop_dev(third.process) == 0

    # Every line of every service log of every run is one JSON object.
    logs = sorted((state_dir / "logs").glob("*.log"))
    assert {p.name for p in logs} >= {"chat.log", "chat.1.log", "chat.2.log", "edge.log"}
    for path in logs:
        for line in path.read_text().splitlines():
            assert isinstance(json.loads(line), dict), f"{path.name}: {line}"

    # --fresh: empty, and the old state is kept aside.
    fourth = start(state_dir, ports, "--fresh")
    assert fourth.outputs["demoPassword"] != demo_password
    listed = cli(state_dir, "tenants", "list", "--json")
    assert {t["tenantId"] for t in json.loads(listed.stdout)} == {"demo"}
    assert (state_dir / "aws-state.bin.previous").is_file()
    assert stop_dev(fourth.process) == 0


def _children(pid: int) -> list[tuple[int, str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append((int(entry.name), cmdline))
    return found


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False
