"""The whole local platform, through the edge: a document the demo user uploads grounds the
chat's answer and is cited; another tenant's chat never sees it."""

from __future__ import annotations

import secrets

import httpx
import pytest

from engageiq.local.seed import create_tenant, sign_in
from tests.integration.conftest import DevPlatform
from tests.integration.files.test_files_end_to_end import auth, wait_until_settled
from tests.integration.test_local_platform import demo_token, resources_of
from tests.support.chat import SseEvent, parse_sse

pytestmark = pytest.mark.integration

DOCUMENT = b"""# Pricing
The Quokka plan costs 55 dollars per seat per month, billed yearly.

# Onboarding
Quokka customers get a two-week onboarding programme.
"""
QUESTION = "How much does the Quokka plan cost per seat?"


def ask(platform: DevPlatform, token: str, message: str) -> list[SseEvent]:
    response = httpx.post(
        f"{platform.web_url}/api/chat", json={"message": message}, headers=auth(token), timeout=60
    )
    assert response.status_code == 200, response.text
    return parse_sse(response.text)[0]


def test_uploaded_document_grounds_and_is_cited_only_for_its_tenant(
    dev_platform: DevPlatform,
) -> None:
    token = demo_token(dev_platform)
    uploaded = httpx.post(
        f"{dev_platform.web_url}/api/upload-file",
        files={"file": ("quokka-pricing.md", DOCUMENT, "text/markdown")},
        headers=auth(token),
        timeout=30,
    )
    assert uploaded.status_code == 201, uploaded.text
    file_id = uploaded.json()["id"]
    assert wait_until_settled(dev_platform, token, file_id)["status"] == "ready"

    events = ask(dev_platform, token, QUESTION)
    answer = "".join(e.data["text"] for e in events if e.event == "delta")
    assert "55 dollars per seat" in answer
    citations = [e.data for e in events if e.event == "citation"]
    assert citations
    assert citations[0]["sourceId"] == file_id
    assert citations[0]["title"] == "quokka-pricing.md"
    assert citations[0]["location"] == "Pricing"  # the heading the passage sits under
    assert "55 dollars per seat" in citations[0]["snippet"]
    assert events[-1].event == "done"

    resources = resources_of(dev_platform.outputs)
    rival = create_tenant(
        resources,
        f"rival-{secrets.token_hex(3)}",
        "Rival",
        f"admin-{secrets.token_hex(3)}@rival.example",
    )
    rival_token = sign_in(
        resources.endpoint_url, resources.user_pool_client_id, rival.username, rival.password
    )
    theirs = ask(dev_platform, rival_token, QUESTION)
    assert [e for e in theirs if e.event == "citation"] == []
    assert "55 dollars" not in "".join(e.data["text"] for e in theirs if e.event == "delta")

    assert (
        httpx.delete(
            f"{dev_platform.web_url}/api/files/{file_id}", headers=auth(token), timeout=30
        ).status_code
        == 204
    )
