"""Shared fixtures: a moto server for the session, provisioned fresh from the resource spec
for each test that asks for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from engageiq.local.aws import LocalAwsServer, LocalResources, provision
from engageiq.local.platform import free_port
from tests.support.scheduling import PlatformScheduling, path_of, start_order


@pytest.fixture(scope="session")
def moto_server() -> Iterator[LocalAwsServer]:
    server = LocalAwsServer(free_port())
    server.start()
    yield server
    server.stop()


def reset_moto(server: LocalAwsServer) -> None:
    """Every backend of `server` emptied (moto's own reset)."""
    server.reset()


@pytest.fixture
def local_resources(moto_server: LocalAwsServer) -> LocalResources:
    """Every table, bucket and the user pool of the spec, in a moto emptied for this test.
    (Restoring a pickled copy of the provisioned backends instead was 0.4-0.7 s faster a
    test, but the ingestion queue's tests then saw messages received twice as often as sent
    for: kept out until that is understood.)"""
    reset_moto(moto_server)
    return provision(moto_server.endpoint_url)


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile` with the session platforms' files as one unit each, longest first
    (tests/support/scheduling.py); any other mode as xdist has it."""
    if config.getvalue("dist") != "loadfile":
        return None
    return PlatformScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In an xdist worker, the files in the order their units should start (a stable sort, so
    each file's tests stay together and in order); a run in one process keeps pytest's order."""
    if hasattr(config, "workerinput"):
        items.sort(key=lambda item: start_order(path_of(item.nodeid)))
