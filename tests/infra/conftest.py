"""Fixtures: the program run under mocks once per environment and compute option.

`run_program` installs the mocks (`pulumi.runtime.set_mocks`) and the environment's config
from `environments/Pulumi.<env>.yaml` (`set_all_config`), runs the program and records every
resource. Each combination runs once per session (about 0.3 s each); tests only read the
recorded inventory, so they cannot disturb one another."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path
from typing import Final

import pytest

from engageiq_infra.config import COMPUTE_OPTIONS
from engageiq_infra.mocks import Inventory, run_program
from engageiq_infra.web import WebBuild
from engageiq_tenancy.resources import CLOUD_ENVIRONMENTS

# Mocked AWS appends this to table and bucket names, so a service variable or output that
# rebuilt a name from the spec (instead of using the resource's output) would not match.
DEPLOYED_SUFFIX: Final = "-deployed"
COMBINATIONS: Final = [(env, compute) for env in CLOUD_ENVIRONMENTS for compute in COMPUTE_OPTIONS]


# What a Vite build of the web app leaves in web/dist, in miniature: the stacks are recorded
# with it, so the tests never depend on Node or on a build lying around.
FAKE_DIST_FILES: Final[dict[str, str]] = {
    "index.html": '<!doctype html><script type="module" src="/assets/index-3f2a1b9c.js"></script>',
    "assets/index-3f2a1b9c.js": "console.log('app');",
    "assets/index-9d8e7f6a.css": "body{margin:0}",
    "docs-assets/swagger-ui/swagger-ui-bundle.js": "/* swagger */",
    "docs-assets/swagger-ui/swagger-ui.css": "/* swagger css */",
    "favicon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    ".engageiq-build": "stamp of scripts/build-web, not uploaded",
    "config.json": '{"stale": "a local config.json is never uploaded"}',
}


def write_dist(root: Path, files: dict[str, str] = FAKE_DIST_FILES) -> Path:
    for key, text in files.items():
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_text(text)
    return root


@functools.cache
def fake_dist() -> Path:
    return write_dist(Path(tempfile.mkdtemp(prefix="engageiq-web-dist-")))


@functools.cache
def recorded_stack(environment: str, compute: str) -> Inventory:
    return run_program(
        environment,
        compute=compute,
        name_suffix=DEPLOYED_SUFFIX,
        web=WebBuild(dist=fake_dist()),
    )


@pytest.fixture(scope="session", params=COMBINATIONS, ids=[f"{e}-{c}" for e, c in COMBINATIONS])
def stack(request: pytest.FixtureRequest) -> Inventory:
    """One environment's stack, for every environment and both compute options."""
    environment, compute = request.param
    return recorded_stack(environment, compute)


@pytest.fixture(scope="session")
def prod_stack() -> Inventory:
    return recorded_stack("prod", "apprunner")
