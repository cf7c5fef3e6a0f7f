"""The local AWS endpoint's TransactWriteItems (engageiq.local.moto_patches): all or nothing,
with only the touched items saved for rollback. Run against the session's moto server."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from engageiq.local.aws import LocalResources, aws_client
from engageiq.local.moto_patches import patch_transact_write_items


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
