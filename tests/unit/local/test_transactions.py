"""The local AWS endpoint's TransactWriteItems (engageiq.local.moto_patches): all or nothing,
with only the touched items saved for rollback. Run against the session's moto server."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from engageiq.local.aws import LocalResources, aws_client
from engageiq.local.moto_patches import isolate_dynamodb_requests, patch_transact_write_items


@pytest.fixture
def table(local_resources: LocalResources) -> tuple[Any, str]:
    dynamodb = aws_client("dynamodb", local_resources.endpoint_url)
    name = local_resources.tables["usage"]
    for sk, value in (("kept", "1"), ("updated", "1"), ("deleted", "1")):
        dynamodb.put_item(
            TableName=name, Item={"pk": {"S": "t#USAGE"}, "sk": {"S": sk}, "v": {"N": value}}
        )
    return dynamodb, name


def everything(dynamodb: Any, name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = dynamodb.scan(TableName=name, ConsistentRead=True)["Items"]
    return sorted(items, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))


def writes(name: str) -> list[dict[str, Any]]:
    """A new item in an existing partition, a new partition, an update and a delete."""
    return [
        {"Put": {"TableName": name, "Item": {"pk": {"S": "t#USAGE"}, "sk": {"S": "created"}}}},
        {"Put": {"TableName": name, "Item": {"pk": {"S": "u#NEW"}, "sk": {"S": "created"}}}},
        {
            "Update": {
                "TableName": name,
                "Key": {"pk": {"S": "t#USAGE"}, "sk": {"S": "updated"}},
                "UpdateExpression": "SET v = v + :one, w = :w",
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":w": {"S": "new"}},
            }
        },
        {"Delete": {"TableName": name, "Key": {"pk": {"S": "t#USAGE"}, "sk": {"S": "deleted"}}}},
    ]


def failing_check(name: str) -> dict[str, Any]:
    return {
        "ConditionCheck": {
            "TableName": name,
            "Key": {"pk": {"S": "t#USAGE"}, "sk": {"S": "kept"}},
            "ConditionExpression": "v = :two",
            "ExpressionAttributeValues": {":two": {"N": "2"}},
        }
    }


def test_the_patch_is_installed_in_the_local_endpoint() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    assert patch_transact_write_items()
    assert DynamoDBBackend.transact_write_items.__module__ == "engageiq.local.moto_patches"
    from moto.dynamodb.responses import DynamoHandler

    isolate_dynamodb_requests()
    assert DynamoHandler.call_action.__module__ == "engageiq.local.moto_patches"


def test_a_failed_condition_at_the_end_leaves_every_item_as_it_was(
    table: tuple[Any, str],
) -> None:
    dynamodb, name = table
    before = everything(dynamodb, name)
    with pytest.raises(ClientError) as failure:
        dynamodb.transact_write_items(TransactItems=[*writes(name), failing_check(name)])
    assert failure.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert everything(dynamodb, name) == before
    # Nothing of the new partition remains either (not even an empty one a query would see).
    assert (
        dynamodb.query(
            TableName=name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "u#NEW"}},
        )["Items"]
        == []
    )


def test_a_failed_condition_on_a_write_in_the_middle_undoes_the_earlier_ones(
    table: tuple[Any, str],
) -> None:
    dynamodb, name = table
    before = everything(dynamodb, name)
    conditional_put = {
        "Put": {
            "TableName": name,
            "Item": {"pk": {"S": "t#USAGE"}, "sk": {"S": "kept"}, "v": {"N": "9"}},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
    items = writes(name)
    with pytest.raises(ClientError) as failure:
        dynamodb.transact_write_items(TransactItems=[items[0], items[2], conditional_put, items[3]])
    reasons = [r["Code"] for r in failure.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "ConditionalCheckFailed", "None"]
    assert everything(dynamodb, name) == before


def test_a_successful_transaction_applies_every_write(table: tuple[Any, str]) -> None:
    dynamodb, name = table
    dynamodb.transact_write_items(TransactItems=writes(name))
    found = {(i["pk"]["S"], i["sk"]["S"]): i for i in everything(dynamodb, name)}
    assert set(found) == {
        ("t#USAGE", "created"),
        ("t#USAGE", "kept"),
        ("t#USAGE", "updated"),
        ("u#NEW", "created"),
    }
    assert found[("t#USAGE", "updated")]["v"] == {"N": "2"}
    assert found[("t#USAGE", "updated")]["w"] == {"S": "new"}


def test_two_writes_to_one_item_are_refused_and_change_nothing(table: tuple[Any, str]) -> None:
    dynamodb, name = table
    before = everything(dynamodb, name)
    items = writes(name)
    with pytest.raises(ClientError) as failure:
        dynamodb.transact_write_items(TransactItems=[items[0], items[2], items[2]])
    assert failure.value.response["Error"]["Code"] == "ValidationException"
    assert everything(dynamodb, name) == before


def test_racing_transactions_on_one_chain_never_leave_it_stuck(
    local_resources: LocalResources,
) -> None:
    """The audit chain's append (decision 0118) from many threads at once: read the head, then
    put entry seq+1 if its key is free and move the head if it still holds seq. DynamoDB runs
    each request in isolation, so every append lands exactly once. moto's threaded server did
    not: a losing transaction's rollback could put back a head that a winning one had just
    moved, leaving an entry past the head that every later append failed on, for ever (503
    `audit_unavailable` under two instances' uploads)."""
    from concurrent.futures import ThreadPoolExecutor

    dynamodb = aws_client("dynamodb", local_resources.endpoint_url)
    name = local_resources.tables["usage"]
    pk = {"S": "race#CHAIN"}
    writers, appends = 6, 15

    def head() -> int:
        item = dynamodb.get_item(
            TableName=name, Key={"pk": pk, "sk": {"S": "head"}}, ConsistentRead=True
        ).get("Item")
        return int(item["seq"]["N"]) if item else 0

    def append(writer: int) -> int:
        losses = 0
        for n in range(appends):
            while True:
                seq = head()
                assert losses < 2_000, f"writer {writer} stuck at seq {seq}"
                try:
                    dynamodb.transact_write_items(
                        TransactItems=[
                            {
                                "Put": {
                                    "TableName": name,
                                    "Item": {"pk": pk, "sk": {"S": f"e#{seq + 1:05d}"}},
                                    "ConditionExpression": "attribute_not_exists(pk)",
                                }
                            },
                            {
                                "Put": {
                                    "TableName": name,
                                    "Item": {
                                        "pk": pk,
                                        "sk": {"S": "head"},
                                        "seq": {"N": str(seq + 1)},
                                        "by": {"S": f"{writer}.{n}"},
                                    },
                                    "ConditionExpression": "attribute_not_exists(pk) OR seq = :s",
                                    "ExpressionAttributeValues": {":s": {"N": str(seq)}},
                                }
                            },
                        ]
                    )
                    break
                except ClientError as exc:
                    if exc.response["Error"]["Code"] != "TransactionCanceledException":
                        raise
                    losses += 1
        return losses

    import sys

    # Threads switch every 5 ms by default; switching far more often makes the interleavings
    # of moto's request threads that used to go wrong common enough to see in one run.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(writers) as pool:
            list(pool.map(append, range(writers)))
    finally:
        sys.setswitchinterval(interval)
    entries = dynamodb.query(
        TableName=name,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :e)",
        ExpressionAttributeValues={":pk": pk, ":e": {"S": "e#"}},
        ConsistentRead=True,
    )["Items"]
    assert head() == writers * appends
    assert len(entries) == writers * appends
