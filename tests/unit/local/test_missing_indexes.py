"""A local state saved before an index joined the spec gets that index on restore (the files
table's `by_ingestion`, decision 0075, and `by_governance`, decision 0111), so a restored
platform can sweep stranded files and knows who may see what."""

from __future__ import annotations

from engageiq.local.aws import LOCAL_ENV, LocalResources, add_missing_indexes, aws_client
from engageiq_tenancy.resources import FILES


def test_a_restored_table_without_an_index_of_the_spec_gets_it(
    local_resources: LocalResources,
) -> None:
    dynamodb = aws_client("dynamodb", local_resources.endpoint_url)
    name = FILES.physical_name(LOCAL_ENV)
    dynamodb.delete_table(TableName=name)
    dynamodb.create_table(  # the files table as an older version created it
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk")],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
    )
    index = FILES.indexes[0]
    dynamodb.put_item(
        TableName=name,
        Item={
            "pk": {"S": "acme#FILES"},
            "sk": {"S": "FILE#0123456789abcdef"},
            index.partition_key: {"S": "due"},
            index.sort_key: {"S": "2020-01-01T00:00:00.000Z"},
        },
    )

    assert add_missing_indexes(local_resources.endpoint_url) == [
        f"{name}/{i.name}" for i in FILES.indexes
    ]
    assert add_missing_indexes(local_resources.endpoint_url) == []
    found = dynamodb.query(
        TableName=name,
        IndexName=index.name,
        KeyConditionExpression="#p = :due",
        ExpressionAttributeNames={"#p": index.partition_key},
        ExpressionAttributeValues={":due": {"S": "due"}},
    )
    assert found["Count"] == 1
