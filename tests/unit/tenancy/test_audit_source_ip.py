"""Which source IP an audit entry records (decision 0118): in the cloud only CloudFront's own
`CloudFront-Viewer-Address`; locally the edge's `X-Forwarded-For` line (the last); never the
leftmost X-Forwarded-For value, which the client writes."""

from __future__ import annotations

import pytest
from litestar.types import Scope

from engageiq_tenancy.audit.requests import source_ip


def scope(*headers: tuple[str, str], client: tuple[str, int] | None = None) -> Scope:
    value = {
        "type": "http",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
        "client": client,
    }
    return value  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ((("CloudFront-Viewer-Address", "203.0.113.5:50123"),), "203.0.113.5"),
        ((("CloudFront-Viewer-Address", "2001:db8::7:443"),), "2001:db8::7"),
        (
            (
                ("X-Forwarded-For", "10.0.0.1, 203.0.113.5"),
                ("CloudFront-Viewer-Address", "198.51.100.9:1"),
            ),
            "198.51.100.9",
        ),
        ((("X-Forwarded-For", "198.51.100.1"),), ""),  # no CloudFront header: not guessed
        ((("CloudFront-Viewer-Address", "not-an-address:1"),), ""),
    ],
)
def test_behind_cloudfront_only_its_viewer_address_counts(
    headers: tuple[tuple[str, str], ...], expected: str
) -> None:
    assert source_ip(scope(*headers, client=("10.1.2.3", 1)), behind_cloudfront=True) == expected


def test_locally_the_edges_own_forwarded_line_counts() -> None:
    spoofed = scope(
        ("X-Forwarded-For", "6.6.6.6"),  # what the client sent
        ("X-Forwarded-For", "127.0.0.1"),  # what the local edge appended
        client=("127.0.0.1", 5),
    )
    assert source_ip(spoofed, behind_cloudfront=False) == "127.0.0.1"
    assert source_ip(scope(client=("192.0.2.4", 5)), behind_cloudfront=False) == "192.0.2.4"
    assert source_ip(scope(client=("testclient", 5)), behind_cloudfront=False) == ""
