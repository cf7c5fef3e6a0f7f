"""The second wall, through the edge of the local platform (decision 0111): a file whose
collection's audience leaves a colleague out is, to that colleague, exactly a missing id on every
read path (list, details and download, content, passages, search), and an audience change takes
effect within 10 s (the files service keeps a tenant's view `VIEW_TTL_SECONDS`, 5 s)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest

from engageiq.local.aws import aws_client
from engageiq_files.catalog.records import new_file_id
from engageiq_tenancy.context import Role
from tests.integration.conftest import DevPlatform
from tests.integration.test_local_platform import resources_of
from tests.support.collections import CollectionWriter
from tests.support.isolation import Accounts, Edge, Person, new_slug, refusal

pytestmark = pytest.mark.integration

CHANGE_BOUND_SECONDS = 10.0
"""What the issue promises for an audience change, as for a role change (decision 0055)."""
INGESTION_BOUND_SECONDS = 60.0


def within(bound: float, since: float, observed: Callable[[], bool], what: str) -> None:
    """Poll until `observed()`; fail if it is still false `bound` seconds after `since` (a
    bound the promise states, not a measurement)."""
    while not observed():
        assert time.monotonic() - since < bound, f"not within {bound} s: {what}"
        time.sleep(0.1)


def sees(edge: Edge, person: Person, file_id: str, marker: str) -> dict[str, bool]:
    """Whether `person` sees the file on each read path (and, where not, whether it answers
    exactly like a missing id)."""
    seen: dict[str, bool] = {}
    missing = new_file_id()
    for path in ("", "/content", "/passages"):
        response = edge.call(person, "GET", f"/api/files/{file_id}{path}")
        if response.status_code == 200:
            seen[path or "details"] = True
            continue
        like_missing = edge.call(person, "GET", f"/api/files/{missing}{path}")
        assert refusal(response) == refusal(like_missing), (path, response.text)
        assert refusal(response)[:2] == (404, "file_not_found")
        seen[path or "details"] = False
    listed = edge.pages(person, "/api/files", "files", limit=2)
    seen["list"] = file_id in {f["id"] for f in listed}
    hits = edge.call(person, "GET", "/api/files/search", params={"q": marker, "limit": 50})
    assert hits.status_code == 200, hits.text
    seen["search"] = file_id in {h["fileId"] for h in hits.json()["results"]}
    scoped = edge.call(person, "GET", "/api/files/search", params={"q": marker, "fileId": file_id})
    if scoped.status_code == 200:
        seen["scope"] = True
    else:
        unknown = edge.call(
            person, "GET", "/api/files/search", params={"q": marker, "fileId": missing}
        )
        assert refusal(scoped) == refusal(unknown), scoped.text
        assert refusal(scoped)[:2] == (400, "unknown_scope")
        seen["scope"] = False
    return seen


def everywhere(seen: dict[str, bool]) -> bool:
    return all(seen.values())


def nowhere(seen: dict[str, bool]) -> bool:
    return not any(seen.values())


def test_an_audience_hides_a_file_on_every_path_and_changes_within_ten_seconds(
    dev_platform: DevPlatform,
) -> None:
    resources = resources_of(dev_platform.outputs)
    accounts = Accounts(resources)
    writer = CollectionWriter(
        aws_client("dynamodb", resources.endpoint_url), resources.tables["files"]
    )
    edge = Edge(dev_platform.web_url)
    try:
        slug = new_slug("aud")
        admin = accounts.new_tenant(slug)
        insider = accounts.new_user(slug, "insider", Role.MEMBER)
        outsider = accounts.new_user(slug, "outsider", Role.MEMBER)
        marker = f"mk{uuid.uuid4().hex[:8]}"
        uploaded = edge.call(
            outsider,
            "POST",
            "/api/upload-file",
            files={"file": ("board.txt", f"The board note {marker}.\n".encode(), "text/plain")},
        )
        assert uploaded.status_code == 201, uploaded.text
        file_id = uploaded.json()["id"]
        start = time.monotonic()
        within(
            INGESTION_BOUND_SECONDS,
            start,
            lambda: edge.call(admin, "GET", f"/api/files/{file_id}").json()["status"] == "ready",
            "ingestion",
        )
        assert everywhere(sees(edge, outsider, file_id, marker))

        # Restricted to the insider: the outsider (its own uploader) loses it on every path.
        collection = uuid.uuid4().hex
        writer.save(slug, collection, users=[insider.user_id])
        writer.file_into(slug, file_id, [collection])
        changed = time.monotonic()
        within(
            CHANGE_BOUND_SECONDS,
            changed,
            lambda: nowhere(sees(edge, outsider, file_id, marker)),
            "the outsider stops seeing the file",
        )
        assert everywhere(sees(edge, insider, file_id, marker))
        assert everywhere(sees(edge, admin, file_id, marker))
        # The outsider cannot act on it either: delete and a new version answer 404.
        gone = edge.call(outsider, "DELETE", f"/api/files/{file_id}")
        assert refusal(gone)[:2] == (404, "file_not_found")

        # The audience now admits the outsider too.
        writer.save(slug, collection, users=[insider.user_id, outsider.user_id])
        changed = time.monotonic()
        within(
            CHANGE_BOUND_SECONDS,
            changed,
            lambda: everywhere(sees(edge, outsider, file_id, marker)),
            "the admitted outsider sees the file",
        )
    finally:
        edge.close()


def test_an_older_version_of_a_hidden_current_version_is_a_missing_id(
    dev_platform: DevPlatform,
) -> None:
    """The rule holds per document (found by review): a member's own first version, replaced by
    an admin's restricted one, answers every route, restore and `replaces=` included, exactly
    like a missing id, and is named nowhere; those the audience admits still see both."""
    accounts = Accounts(resources_of(dev_platform.outputs))
    edge = Edge(dev_platform.web_url)
    try:
        slug = new_slug("ver")
        admin = accounts.new_tenant(slug)
        insider = accounts.new_user(slug, "insider", Role.MEMBER)
        bob = accounts.new_user(slug, "bob", Role.MEMBER)
        board = edge.call(
            admin,
            "POST",
            "/api/collections",
            json={"name": "Board", "audience": {"users": [insider.user_id]}},
        )
        assert board.status_code == 201, board.text

        def ready(file_id: str) -> bool:
            return bool(
                edge.call(admin, "GET", f"/api/files/{file_id}").json()["status"] == "ready"
            )

        def upload(person: Person, text: str, **params: str) -> str:
            response = edge.call(
                person,
                "POST",
                "/api/upload-file",
                params=params or None,
                files={"file": ("plan.txt", text.encode(), "text/plain")},
            )
            assert response.status_code == 201, response.text
            file_id: str = response.json()["id"]
            within(INGESTION_BOUND_SECONDS, time.monotonic(), lambda: ready(file_id), "ingest")
            return file_id

        v1 = upload(bob, "The plan, first draft.")
        v2 = upload(admin, "The plan, board edition.", replaces=v1, collectionId=board.json()["id"])
        within(
            INGESTION_BOUND_SECONDS,
            time.monotonic(),
            lambda: edge.call(insider, "GET", f"/api/files/{v1}").json().get("supersededBy") == v2,
            "v2 becomes current",
        )
        missing = new_file_id()
        for method, path in (
            ("GET", ""),
            ("GET", "/content"),
            ("GET", "/passages"),
            ("POST", "/restore"),
            ("DELETE", ""),
        ):
            walled = edge.call(bob, method, f"/api/files/{v1}{path}")
            absent = edge.call(bob, method, f"/api/files/{missing}{path}")
            assert refusal(walled) == refusal(absent), (method, path, walled.text)
            assert refusal(walled)[:2] == (404, "file_not_found")
        replaced = edge.call(
            bob,
            "POST",
            "/api/upload-file",
            params={"replaces": v1},
            files={"file": ("plan.txt", b"Bob's edition.", "text/plain")},
        )
        assert refusal(replaced)[:2] == (404, "file_not_found")
        assert not {v1, v2} & {f["id"] for f in edge.pages(bob, "/api/files", "files", limit=2)}
        # Nothing changed for those the audience admits.
        shown = edge.call(insider, "GET", f"/api/files/{v2}").json()
        assert (shown["replaces"], [v["id"] for v in shown["versions"]]) == (v1, [v2, v1])
    finally:
        edge.close()
