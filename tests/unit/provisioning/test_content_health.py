"""`engageiq tenants content-health`: the report tenant admins get from the API, for operators
(the same computation, `engageiq_tenancy.content_health`), read with queries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from engageiq.local.aws import LocalResources, aws_client
from engageiq.provisioning.usage import operator_context
from engageiq_tenancy.content_keys import (
    content_partition,
    normalised_question,
    stamp,
    unanswered_key,
)
from engageiq_tenancy.items import to_item
from engageiq_tenancy.keys import FILE_TAG, FILES_ENTITY, tenant_partition
from engageiq_tenancy.usage_keys import current_month
from tests.support.governance import mark_stale
from tests.unit.provisioning.conftest import Run, error_of

DEMO = operator_context("demo")


def seed(resources: LocalResources) -> None:
    db = aws_client("dynamodb", resources.endpoint_url)
    now = datetime.now(UTC)
    for file_id, name in (("price-file", "price [list].md"), ("idle-file", "idle.md")):
        db.put_item(
            TableName=resources.tables["files"],
            Item=to_item(
                {
                    "pk": tenant_partition(DEMO, FILES_ENTITY),
                    "sk": f"{FILE_TAG}#{file_id}",
                    "id": file_id,
                    "name": name,
                    "status": "ready",
                    "createdAt": "2026-06-01T00:00:00.000Z",
                    "updatedAt": "2026-06-01T00:00:00.000Z",
                }
            ),
        )
    mark_stale(db, resources.tables["files"], DEMO, "price-file", review_by="2026-01-31")
    db.put_item(
        TableName=resources.tables["usage"],
        Item=to_item(
            {
                "pk": content_partition(DEMO),
                "sk": "FILE#price-file",
                "citations": 6,
                "staleCitations": 4,
                "thumbsDown": 2,
                "lastCitedAt": stamp(now),
                "lastStaleCitedAt": stamp(now),
            }
        ),
    )
    question = "Do we ship to Mars?"
    db.put_item(
        TableName=resources.tables["usage"],
        Item=to_item(
            {
                **unanswered_key(DEMO, current_month(now), normalised_question(question)),
                "question": question,
                "count": 3,
                "lastAskedAt": stamp(now - timedelta(hours=1)),
            }
        ),
    )


def test_content_health_reports_what_to_fix_first(
    run: Run, local_resources: LocalResources
) -> None:
    seed(local_resources)
    result = run("tenants", "content-health", "demo", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["tenantId"] == "demo"
    assert body["staleCited"] == [
        {
            "fileId": "price-file",
            "name": "price [list].md",
            "citations": 4,
            "reviewBy": "2026-01-31",
        }
    ]
    assert body["unverifiedMostCited"] == []
    assert [f["fileId"] for f in body["neverCited"]] == ["idle-file"]
    assert body["mostThumbsDown"] == [
        {"fileId": "price-file", "name": "price [list].md", "thumbsDown": 2}
    ]
    assert [(q["question"], q["count"]) for q in body["unanswered"]] == [("Do we ship to Mars?", 3)]
    human = run("tenants", "content-health", "demo")
    assert human.exit_code == 0, human.output
    assert "Stale files still cited" in human.stdout
    assert "price [list].md" in human.stdout  # a file name is text, not rich markup
    assert "Do we ship to Mars?" in human.stdout
    assert "Most cited unverified files:\n  none" in human.stdout


def test_content_health_of_an_unknown_tenant_is_not_found(run: Run) -> None:
    unknown = run("tenants", "content-health", "nosuch", "--json")
    assert unknown.exit_code == 3
    assert error_of(unknown)["code"] == "unknown_tenant"
