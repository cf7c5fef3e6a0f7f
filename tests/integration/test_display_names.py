"""The tenant admin API cleans the display name like the operator commands do."""

from __future__ import annotations

import pytest

from tests.integration.conftest import DevPlatform
from tests.integration.test_local_platform import demo_token
from tests.integration.test_tenant_api import call

pytestmark = pytest.mark.integration


def test_branding_display_name_is_cleaned_and_blank_is_refused(dev_platform: DevPlatform) -> None:
    token = demo_token(dev_platform)
    before = call(dev_platform, "GET", "/api/tenant", token).json()["branding"]["displayName"]
    try:
        changed = call(
            dev_platform, "PATCH", "/api/tenant", token, {"displayName": "\u202eDemo\u200b Co"}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["branding"]["displayName"] == "Demo Co"
        blank = call(dev_platform, "PATCH", "/api/tenant", token, {"displayName": "\u200b"})
        assert (blank.status_code, blank.json()["code"]) == (400, "invalid_display_name")
    finally:
        call(dev_platform, "PATCH", "/api/tenant", token, {"displayName": before})
