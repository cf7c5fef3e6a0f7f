"""How the local edge reads a request path (engageiq/local/request_paths.py): from `raw_path`
strictly, or from `path` when a server gives no `raw_path`; and the form CloudFront matches its
behaviours on (`behaviour_path`). The edge's answers to hostile paths over HTTP are in
test_hostile_paths.py."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest

from engageiq.local.request_paths import (
    MAX_PATH_BYTES,
    UnreadablePath,
    behaviour_path,
    has_dot_segment,
    read_path,
)
from engageiq_tenancy.resources import route_for
from tests.support.hostile_paths import (
    ENCODED_SEPARATOR_PATHS,
    HOSTILE_SEGMENTS,
    OVERLONG_SEGMENT,
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


@pytest.mark.parametrize(
    ("raw_path", "matched"),
    [
        # RFC 3986 6.2.2.2: an encoded unreserved character is the character.
        (b"/%61pi/%6De", "/api/me"),
        (b"/api/%66iles/x%2D1%7E", "/api/files/x-1~"),
        # 6.2.2.1: other escapes stay, their hex digits in upper case.
        (b"/api%2fme", "/api%2Fme"),
        (b"/api/files%2fabc", "/api/files%2Fabc"),
        (b"/api%3fx", "/api%3Fx"),
        (b"/api/caf%c3%a9", "/api/caf%C3%A9"),
        (b"/api%252fme", "/api%252fme"),
        # 6.2.2.3: dot segments removed, encoded or not; never above the root.
        (b"/api/files/../me", "/api/me"),
        (b"/api/files/%2e%2e/me", "/api/me"),
        (b"/api/./files/", "/api/files/"),
        (b"/../../api/me", "/api/me"),
        (b"/api/..", "/"),
        # Nothing else: no merging of slashes, no case folding, broken escapes as sent.
        (b"//api/me", "//api/me"),
        (b"/API/me", "/API/me"),
        (b"/api/%zz/a%", "/api/%zz/a%"),
        (b"/api/\xff", "/api/\xff"),
    ],
)
def test_behaviours_match_the_path_normalised_as_cloudfront_does(
    raw_path: bytes, matched: str
) -> None:
    assert behaviour_path(scope("ignored", raw_path)) == matched


def test_an_encoded_slash_is_never_an_api_separator() -> None:
    for target in ENCODED_SEPARATOR_PATHS:
        assert route_for(behaviour_path(scope("ignored", target.encode()))) is None, target
    for target, service in [
        ("/%61pi/me", "chat"),
        ("/api/file%73/x", "files"),
        ("/api/files%2Fabc", "files"),  # inside the pattern's '*': still the files service
        ("/api/upload-file%2fx", "files"),
    ]:
        assert route_for(behaviour_path(scope("ignored", target.encode()))) == service, target


def test_the_matched_form_is_found_for_every_hostile_segment_without_raising() -> None:
    for segment in (*HOSTILE_SEGMENTS, OVERLONG_SEGMENT):
        raw = f"/api/files/{segment}".encode()
        assert behaviour_path(scope("ignored", raw)).startswith("/api/")
        assert behaviour_path(scope(urllib.parse.unquote(raw.decode()), None))
