"""The operator CLI in process (click's CliRunner) against the session's moto server, with
outputs written the way `engageiq dev` writes them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from engageiq.cli import cli
from engageiq.local.aws import LocalResources
from engageiq.local.platform import build_outputs
from engageiq.local.seed import seed_demo

Run = Callable[..., Result]


@pytest.fixture
def state_dir(local_resources: LocalResources, tmp_path: Path) -> Path:
    demo = seed_demo(local_resources)
    outputs = build_outputs(local_resources, "http://127.0.0.1:9", demo)
    folder = tmp_path / "state"
    folder.mkdir()
    (folder / "outputs.json").write_text(json.dumps(outputs))
    return folder


@pytest.fixture
def run(state_dir: Path) -> Run:
    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(
            cli, list(args), input=input, env={"ENGAGEIQ_STATE_DIR": str(state_dir), **(env or {})}
        )

    return invoke


def error_of(result: Result) -> dict[str, Any]:
    """The JSON error a --json command printed (and no traceback)."""
    assert "Traceback" not in result.output
    error: dict[str, Any] = json.loads(result.stdout)["error"]
    return error
