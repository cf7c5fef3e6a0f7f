"""Stack config is read once, typed, and refused when it describes an unsafe environment."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from engageiq_infra.config import ConfigError
from engageiq_infra.mocks import run_program


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"engageiq:compute": "lambda"}, id="unknown-compute"),
        pytest.param({"engageiq:maxConcurrency": 500}, id="concurrency-beyond-app-runner"),
        pytest.param({"engageiq:minInstances": 0}, id="no-warm-instance"),
        pytest.param({"engageiq:mfa": "SOMETIMES"}, id="unknown-mfa"),
    ],
)
def test_unsafe_config_is_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        run_program("dev", config_overrides=overrides)


def test_a_custom_domain_needs_its_hosted_zone() -> None:
    with pytest.raises(pulumi.ConfigMissingError):
        run_program("dev", config_overrides={"engageiq:domain": "dev.engageiq.example"})


def test_the_program_still_runs_after_a_refused_config() -> None:
    # Refusals above must not leave Pulumi's process-wide state broken for later runs.
    assert run_program("dev").outputs["region"] == "eu-west-1"
