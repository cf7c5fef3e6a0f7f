"""How the local edge reads a request path (engageiq/local/request_paths.py): from `raw_path`
strictly, or from `path` when a server gives no `raw_path`; the edge's answers to hostile paths
over HTTP are in test_hostile_paths.py."""

from __future__ import annotations

from typing import Any

import pytest

from engageiq.local.request_paths import (
    MAX_PATH_BYTES,
    UnreadablePath,
    has_dot_segment,
    read_path,
)


def scope(path: str, raw_path: bytes | None) -> Any:
    return {"type": "http", "path": path, **({"raw_path": raw_path} if raw_path else {})}


@pytest.mark.parametrize(
    ("raw_path", "path"),
    [
        (b"/chat/abc", "/chat/abc"),
        (b"/files/caf%C3%A9%20menu", "/files/café menu"),
        (b"/api/files/%2e%2e/me", "/api/files/../me"),
        (b"/a%5cb", "/a\\b"),
    ],
)
def test_a_readable_path_is_decoded(raw_path: bytes, path: str) -> None:
    assert read_path(scope("ignored", raw_path)) == path


@pytest.mark.parametrize(
    ("raw_path", "reason"),
    [
        (b"/health%00", "control character"),
        (b"/a%c2%85", "control character"),
        (b"/%zz", "two hexadecimal digits"),
        (b"/a%", "two hexadecimal digits"),
        (b"/a%c0%ae", "not UTF-8"),
        (b"/\xff", "not UTF-8"),
    ],
)
def test_an_unreadable_path_is_400_saying_why(raw_path: bytes, reason: str) -> None:
    with pytest.raises(UnreadablePath) as refused:
        read_path(scope("ignored", raw_path))
    assert (refused.value.error.status, refused.value.error.code) == (400, "invalid_path")
    assert reason in refused.value.message


def test_a_path_over_cloudfronts_limit_is_414() -> None:
    read_path(scope("ignored", b"/" + b"a" * (MAX_PATH_BYTES - 1)))
    with pytest.raises(UnreadablePath) as refused:
        read_path(scope("ignored", b"/" + b"a" * MAX_PATH_BYTES))
    assert (refused.value.error.status, refused.value.error.code) == (414, "path_too_long")


def test_without_raw_path_the_decoded_path_is_checked() -> None:
    assert read_path(scope("/chat/café", None)) == "/chat/café"
    for path in ("/health\x00", "/a\ud800"):
        with pytest.raises(UnreadablePath):
            read_path(scope(path, None))


def test_dot_segments_are_whole_segments() -> None:
    for path in ("/a/../b", "/a/./b", "/.."):
        assert has_dot_segment(path), path
    for path in ("/a/..b/c.", "/assets/app.1a2b.js", "/.stamp"):
        assert not has_dot_segment(path), path
