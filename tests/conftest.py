"""Shared fixtures: a moto server for the session, provisioned fresh from the resource spec
for each test that asks for it."""

from __future__ import annotations

import functools
import io
import pickle
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from engageiq.local.aws import LocalAwsServer, LocalResources, provision
from engageiq.local.platform import free_port
from engageiq.local.state import _load_private_key, capture_backends, install_backends
from tests.support.scheduling import PlatformScheduling, path_of, start_order


@dataclass(frozen=True)
class ProvisionedState:
    """What `provision` made in an empty moto, and moto's backends just after it (pickled by
    the code `engageiq dev` saves its state with)."""

    resources: LocalResources
    backends: bytes


@pytest.fixture(scope="session")
def moto_server() -> Iterator[LocalAwsServer]:
    server = LocalAwsServer(free_port())
    server.start()
    yield server
    server.stop()


def reset_moto(server: LocalAwsServer) -> None:
    """Every backend of `server` emptied (moto's own reset)."""
    reset = urllib.request.Request(f"{server.endpoint_url}/moto-api/reset", method="POST")
    urllib.request.urlopen(reset, timeout=5).close()


@pytest.fixture(scope="session")
def provisioned_state(moto_server: LocalAwsServer) -> ProvisionedState:
    """The spec provisioned once per session (per xdist worker): creating the tables, indexes,
    buckets, queues and user pool through moto's API takes 0.4-0.7 s, and hundreds of tests
    want them; restoring the pickled backends takes well under 0.1 s."""
    reset_moto(moto_server)
    resources = provision(moto_server.endpoint_url)
    with moto_server.gate.exclusive():
        backends = capture_backends()
    return ProvisionedState(resources, backends)


@pytest.fixture
def local_resources(
    moto_server: LocalAwsServer, provisioned_state: ProvisionedState
) -> LocalResources:
    """Every table, bucket and the user pool of the spec, in a moto emptied for this test: moto
    is reset, then given a fresh copy of the backends as `provision` left them (the same
    tables, user pool and client ids in every test; nothing a test wrote survives it)."""
    reset_moto(moto_server)
    with moto_server.gate.exclusive():
        install_backends(_BackendsUnpickler(io.BytesIO(provisioned_state.backends)).load())
        _register_buckets()
    return provisioned_state.resources


@functools.cache
def _private_key(pem: bytes) -> Any:
    """moto's signing keys, loaded once: loading (and checking) an RSA key takes ~0.1 s, twice
    per restore. The key objects are immutable, so every test's backends may share them."""
    return _load_private_key(pem)


class _BackendsUnpickler(pickle.Unpickler):
    """`pickle.loads` of the backends (our own bytes, made above), with the keys cached."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == (_load_private_key.__module__, _load_private_key.__name__):
            return _private_key
        return super().find_class(module, name)


def _register_buckets() -> None:
    """moto's reset forgot which account holds each bucket (bucket names are global, kept
    beside the backends); the restored buckets are named again, so creating one of them a
    second time is refused as after `provision`."""
    from moto.s3.models import s3_backends

    for account_id, regional in s3_backends.items():
        for partition, backend in regional.items():
            for name in backend.buckets:
                s3_backends.bucket_accounts[name] = (partition, account_id)


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
