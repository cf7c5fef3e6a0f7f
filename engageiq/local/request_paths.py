"""Request paths as the local edge reads them: strictly, before it maps one to a file of the
web app or sends it on to a service.

uvicorn hands the edge `path` decoded forgivingly (`urllib.parse.unquote`: bytes that are not
UTF-8 become U+FFFD, a '%' without two hex digits stays as it is) and `raw_path` as sent. A
path is read from `raw_path` with `urllib.parse` and UTF-8 decoding with `errors="strict"`,
and refused when it cannot be one a browser sends for a page, a file or an API call:

- longer than CloudFront's URL limit (8,192 bytes): `Errors.PATH_TOO_LONG`, 414;
- a '%' not followed by two hexadecimal digits, bytes that are not UTF-8 once decoded (an
  overlong `%c0%ae`, a lone `%ff`, a surrogate), or a control character (C0, DEL, C1; the
  review's `/health%00`, which the file system refuses with "embedded null byte"):
  `Errors.INVALID_PATH`, 400.

Dot segments and backslashes decode cleanly; whether they name anything is the web app's and
the proxy's question (engageiq/local/web.py, engageiq/local/edge.py).

Which behaviour a path takes (the API's or the web app's) is decided on another form of it,
`behaviour_path`: the one CloudFront compares with its path patterns, where a percent-encoded
'/' is not a separator (decision 0131)."""

from __future__ import annotations

import re
import string
import urllib.parse
from typing import Final

from litestar.types import HTTPScope

from engageiq_tenancy.error_codes import ErrorCode, Errors

MAX_PATH_BYTES: Final = 8192
"""CloudFront's maximum URL length; the edge measures the path as sent (percent-encoded)."""

_BROKEN_ESCAPE: Final = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_ESCAPE: Final = re.compile(r"%([0-9A-Fa-f]{2})")
UNRESERVED: Final = frozenset(string.ascii_letters + string.digits + "-._~")
"""RFC 3986 section 2.3: the characters whose percent-encoding means the character itself."""
_CONTROL_CHARACTER: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
DOT_SEGMENTS: Final = frozenset({".", ".."})


class UnreadablePath(ValueError):
    """A request path the edge refuses: `error` is the table entry, `message` its sentence."""

    def __init__(self, error: ErrorCode, **detail: str | int) -> None:
        self.error = error
        self.message = error.sentence(**detail)
        super().__init__(self.message)


def read_path(scope: HTTPScope) -> str:
    """The request's path, percent-decoded strictly as UTF-8 (`/chat/abc`, `/api/files/x`).

    Raises UnreadablePath (400 `invalid_path`, 414 `path_too_long`) for a path no browser
    sends: see the module's docstring."""
    # A server without `raw_path` (ASGI lets it leave it out): the decoded path, encoded back
    # so that the same checks apply.
    raw = (
        scope.get("raw_path")
        or urllib.parse.quote(scope["path"], safe="/", errors="surrogatepass").encode()
    )
    if len(raw) > MAX_PATH_BYTES:
        raise UnreadablePath(Errors.PATH_TOO_LONG, limit=MAX_PATH_BYTES)
    if _BROKEN_ESCAPE.search(raw):
        raise UnreadablePath(
            Errors.INVALID_PATH, reason="a '%' is not followed by two hexadecimal digits"
        )
    try:
        path = urllib.parse.unquote_to_bytes(raw).decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        raise UnreadablePath(
            Errors.INVALID_PATH, reason="its percent-encoded bytes are not UTF-8 text"
        ) from None
    if _CONTROL_CHARACTER.search(path):
        raise UnreadablePath(Errors.INVALID_PATH, reason="it contains a control character")
    return path


def has_dot_segment(path: str) -> bool:
    """Whether `path` has a `.` or `..` segment (`/a/../b`, sent encoded as `%2e%2e`).

    A browser resolves them before it sends a request, so a path with one names no page, no
    file and no API address."""
    return any(segment in DOT_SEGMENTS for segment in path.split("/"))


def behaviour_path(scope: HTTPScope) -> str:
    """The path as CloudFront compares it with its behaviours' path patterns (`EDGE_ROUTES`).

    "CloudFront normalizes URI paths consistent with RFC 3986 and then matches the path with
    the correct cache behavior. Once the cache behavior is matched, CloudFront sends the raw
    URI path to the origin" (CloudFront Developer Guide, cache behavior settings, "Path
    pattern"). RFC 3986 section 6.2.2's normalisation: a percent-encoded unreserved character
    is the character (`/%61pi/me` is `/api/me`), other escapes stay encoded with upper-case hex
    digits, and dot segments are removed (section 5.2.4). A percent-encoded reserved character
    is data, not syntax: `/api%2fme` is `/api%2Fme`, which `/api/*` does not match, so it takes
    the default (web app) behaviour, while its decoded form `/api/me` would be the API's.

    Never raises: a broken escape stays as sent (`read_path` refuses it afterwards), and bytes
    outside ASCII are read one character each (Latin-1), which no path pattern names."""
    raw = (
        scope.get("raw_path")
        or urllib.parse.quote(scope["path"], safe="/", errors="surrogatepass").encode()
    )
    path = _ESCAPE.sub(_normal_escape, raw.decode("latin-1"))
    return _without_dot_segments(path)


def _normal_escape(escape: re.Match[str]) -> str:
    character = chr(int(escape.group(1), 16))
    return character if character in UNRESERVED else f"%{escape.group(1).upper()}"


def _without_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4 for a path: `/a/b/../c` is `/a/c`, `/a/./b/` is `/a/b/`, and
    `..` never climbs above the root (`/../x` is `/x`)."""
    kept: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    if path.startswith("/") and (not kept or kept[0]):
        kept.insert(0, "")
    if path.endswith(("/.", "/..")):
        kept.append("")
    return "/".join(kept)
