"""Hostile request paths through the whole local platform (`engageiq dev`: the edge under
uvicorn, the chat and files services behind it): every one is a 4xx, never a 500, and the
platform keeps serving. The edge's rules in detail: tests/unit/local/test_hostile_paths.py;
the services sent the same paths directly: tests/unit/{chat,files}/test_hostile_paths.py."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from tests.integration.conftest import DevPlatform
from tests.integration.test_local_platform import demo_token
from tests.support.hostile_paths import (
    NAMELESS_SEGMENTS,
    UNREADABLE_SEGMENTS,
    get_raw,
    in_error_shape,
)

pytestmark = pytest.mark.integration

# Each service's routes with a path parameter, and an address no route has.
API_TEMPLATES = (
    "/api/files/{}",
    "/api/files/{}/content",
    "/api/collections/{}",
    "/api/conversations/{}",
    "/api/conversations/{}/export",
    "/api/plays/{}",
    "/api/shared/{}",
    "/api/{}",
)


@pytest.fixture(scope="module")
def token(dev_platform: DevPlatform) -> str:
    return demo_token(dev_platform)


def still_serving(platform: DevPlatform, token: str) -> None:
    me = get_raw(platform.web_url, "/api/me", {"Authorization": f"Bearer {token}"})
    assert me.status == 200, me
    assert get_raw(platform.web_url, "/health").status == 200


@pytest.mark.parametrize("segment", UNREADABLE_SEGMENTS + NAMELESS_SEGMENTS)
def test_hostile_api_paths_are_4xx_in_the_error_shape(
    dev_platform: DevPlatform, token: str, segment: str
) -> None:
    wrong = []
    for template in API_TEMPLATES:
        target = template.format(segment)
        answer = get_raw(dev_platform.web_url, target, {"Authorization": f"Bearer {token}"})
        # The API's error shape, except where the segment climbs out of /api/: CloudFront
        # matches "/api/.." as "/" (decision 0131), the web app's, which refuses it (404).
        api = not (template == "/api/{}" and unquote(segment) == "..")
        if not (400 <= answer.status < 500 and (in_error_shape(answer) or not api)):
            wrong.append(f"{target[:80]}: {answer.status} {answer.body[:120]!r}")
        if not api and answer.status != 404:
            wrong.append(f"{target[:80]}: {answer.status}, not the web app's 404")
    assert wrong == []
    still_serving(dev_platform, token)


@pytest.mark.parametrize("segment", UNREADABLE_SEGMENTS)
def test_unreadable_static_paths_are_400(
    dev_platform: DevPlatform, token: str, segment: str
) -> None:
    for target in (f"/{segment}", f"/health{segment}", f"/assets/{segment}.js"):
        answer = get_raw(dev_platform.web_url, target)
        assert answer.status == 400, (target, answer)
    still_serving(dev_platform, token)


@pytest.mark.parametrize("target", ["/" + "a" * 9000, "/api/files/" + "a" * 9000])
def test_overlong_paths_are_414(dev_platform: DevPlatform, token: str, target: str) -> None:
    assert get_raw(dev_platform.web_url, target).status == 414
    still_serving(dev_platform, token)
