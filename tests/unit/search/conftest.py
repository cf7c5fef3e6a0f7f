"""Search against the session's moto server (`local_resources`, tests/conftest.py)."""

from __future__ import annotations

import pytest

from engageiq.local.aws import LocalResources
from engageiq.local.platform import service_environment
from engageiq_tenancy.settings import ServiceSettings


@pytest.fixture
def service_settings(local_resources: LocalResources) -> ServiceSettings:
    return ServiceSettings.from_env(service_environment(local_resources))
