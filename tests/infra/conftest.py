"""Fixtures: the program run under mocks once per environment and compute option.

`run_program` installs the mocks (`pulumi.runtime.set_mocks`) and the environment's config
from `environments/Pulumi.<env>.yaml` (`set_all_config`), runs the program and records every
resource. Each combination runs once per session (about 0.3 s each); tests only read the
recorded inventory, so they cannot disturb one another."""

from __future__ import annotations

import functools
from typing import Final

import pytest

from engageiq_infra.config import COMPUTE_OPTIONS
from engageiq_infra.mocks import Inventory, run_program
from engageiq_tenancy.resources import CLOUD_ENVIRONMENTS

# Mocked AWS appends this to table and bucket names, so a service variable or output that
# rebuilt a name from the spec (instead of using the resource's output) would not match.
DEPLOYED_SUFFIX: Final = "-deployed"
COMBINATIONS: Final = [(env, compute) for env in CLOUD_ENVIRONMENTS for compute in COMPUTE_OPTIONS]


@functools.cache
def recorded_stack(environment: str, compute: str) -> Inventory:
    return run_program(environment, compute=compute, name_suffix=DEPLOYED_SUFFIX)


@pytest.fixture(scope="session", params=COMBINATIONS, ids=[f"{e}-{c}" for e, c in COMBINATIONS])
def stack(request: pytest.FixtureRequest) -> Inventory:
    """One environment's stack, for every environment and both compute options."""
    environment, compute = request.param
    return recorded_stack(environment, compute)


@pytest.fixture(scope="session")
def prod_stack() -> Inventory:
    return recorded_stack("prod", "apprunner")
