"""The port check of `engageiq dev`: a port left in TIME_WAIT by a stopped run is free; a port
something listens on is refused with the ports the user asked for."""

from __future__ import annotations

import socket

import pytest

from engageiq.local.aws import LocalAwsError, ensure_ports_free, port_is_free
from engageiq.local.platform import free_port

HOST = "127.0.0.1"


def leave_time_wait() -> int:
    """A server that accepted a connection and closed it first, as uvicorn does at shutdown:
    the server's side of that connection stays in TIME_WAIT for up to a minute."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, 0))
    listener.listen()
    port: int = listener.getsockname()[1]
    client = socket.create_connection((HOST, port))
    accepted, _ = listener.accept()
    accepted.close()  # the server closes first: TIME_WAIT is on its side
    client.recv(1)
    client.close()
    listener.close()
    return port


def test_a_port_in_time_wait_after_a_stop_is_free() -> None:
    port = leave_time_wait()
    # What the old probe did (no SO_REUSEADDR) fails here, although nothing listens...
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as old_probe,
        pytest.raises(OSError, match="Address already in use"),
    ):
        old_probe.bind((HOST, port))
    # ...the check now agrees with the servers we start, which set SO_REUSEADDR.
    assert port_is_free(HOST, port)
    ensure_ports_free(HOST, {port: "the web entry point (edge)"}, requested=f"--port {port}")


def test_a_port_something_listens_on_is_refused_naming_the_requested_ports() -> None:
    aws_port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert not port_is_free(HOST, port)
        with pytest.raises(LocalAwsError) as refused:
            ensure_ports_free(
                HOST,
                {port: "the web entry point (edge)", aws_port: "the local AWS endpoint (moto)"},
                requested=f"--port {port} --aws-port {aws_port}",
            )
    message = str(refused.value)
    assert f"Port {port} on {HOST} is already in use" in message
    assert f"(requested: --port {port} --aws-port {aws_port})" in message
    assert "--port 8080 --aws-port 4600" not in message  # no fixed ports that may be taken too
