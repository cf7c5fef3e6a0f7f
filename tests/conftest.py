"""Shared fixtures: a moto server for the session, provisioned fresh from the resource spec
for each test that asks for it."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest

from engageiq.local.aws import LocalAwsServer, LocalResources, provision
from engageiq.local.platform import free_port


@pytest.fixture(scope="session")
def moto_server() -> Iterator[LocalAwsServer]:
    server = LocalAwsServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def local_resources(moto_server: LocalAwsServer) -> LocalResources:
    """Every table, bucket and the user pool of the spec, in a moto emptied for this test."""
    reset = urllib.request.Request(f"{moto_server.endpoint_url}/moto-api/reset", method="POST")
    urllib.request.urlopen(reset, timeout=5).close()
    return provision(moto_server.endpoint_url)
