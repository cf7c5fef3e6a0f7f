"""The local AWS endpoint's spared work (engageiq.local.moto_patches.spare_repeated_work):
what moto no longer redoes gives the same answers as before. Run against the session's
moto server, which runs in this process (so moto's modules can be watched)."""

from __future__ import annotations

import os
from typing import Any

import jwt
import moto
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto import backends

from engageiq.local.aws import LocalResources, aws_client
from engageiq.local.moto_patches import spare_repeated_work


def test_moto_s_modules_are_listed_once_and_as_moto_lists_them(
    local_resources: LocalResources,
) -> None:
    assert spare_repeated_work()
    folder = os.path.dirname(moto.__file__)
    listed = [
        name
        for name in sorted(os.listdir(folder))
        if os.path.isdir(os.path.join(folder, name)) and not name.startswith("__")
    ]
    assert list(backends.list_of_moto_modules()) == listed
    # Requests are still routed to their service by it.
    assert aws_client("s3", local_resources.endpoint_url).list_buckets()["Buckets"]


def _sign_in(cognito: Any, pool_id: str, email: str) -> str:
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="t", ExplicitAuthFlows=["ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    cognito.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=email, Password="Passw0rd!Passw0rd", Permanent=True
    )
    token: str = cognito.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": "Passw0rd!Passw0rd"},
    )["AuthenticationResult"]["IdToken"]
    return token


def test_user_pools_share_the_key_imported_once_and_their_tokens_verify(
    local_resources: LocalResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    from joserfc import jwk

    assert spare_repeated_work()
    imports: list[Any] = []
    real = jwk.RSAKey.import_key

    def counted(data: Any) -> Any:
        imports.append(data)
        return real(data)

    monkeypatch.setattr(jwk.RSAKey, "import_key", counted)
    cognito = aws_client("cognito-idp", local_resources.endpoint_url)
    pools = [cognito.create_user_pool(PoolName=f"p{i}")["UserPool"]["Id"] for i in range(3)]
    assert len(imports) <= 1  # at most the first pool since the patch, never one a pool
    for pool_id in pools:
        token = _sign_in(cognito, pool_id, f"rep@{pool_id.lower().replace('_', '-')}.example")
        keys = jwt.PyJWKClient(
            f"{local_resources.endpoint_url}/{pool_id}/.well-known/jwks.json"
        ).get_signing_key_from_jwt(token)
        claims = jwt.decode(token, keys.key, algorithms=["RS256"], options={"verify_aud": False})
        assert claims["iss"].endswith(pool_id)


def test_a_symmetric_key_generates_no_key_pair_and_an_asymmetric_one_its_own(
    local_resources: LocalResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert spare_repeated_work()
    generated: list[int] = []
    real = rsa.generate_private_key

    def counted(public_exponent: int, key_size: int) -> Any:
        generated.append(key_size)
        return real(public_exponent=public_exponent, key_size=key_size)

    # moto's KMS makes its RSA pairs through this module (moto.kms.utils.RSAPrivateKey).
    monkeypatch.setattr(rsa, "generate_private_key", counted)
    kms = aws_client("kms", local_resources.endpoint_url)
    symmetric = [kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(3)]
    sealed = kms.encrypt(KeyId=symmetric[0], Plaintext=b"price sheet")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=sealed)["Plaintext"] == b"price sheet"
    assert generated in ([], [2048])  # the shared unused pair, if none was made before

    signing = [
        kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        for _ in range(2)
    ]
    assert generated[-2:] == [2048, 2048]  # each its own pair
    one = {"Message": b"m", "SigningAlgorithm": "RSASSA_PKCS1_V1_5_SHA_256"}
    signature = kms.sign(KeyId=signing[0], **one)["Signature"]
    assert kms.verify(KeyId=signing[0], Signature=signature, **one)["SignatureValid"]
    other = kms.get_public_key(KeyId=signing[1])["PublicKey"]
    assert other != kms.get_public_key(KeyId=signing[0])["PublicKey"]


STORED = {
    "pk": {"S": "t#acme"},
    "sk": {"S": "FILE#1"},
    "name": {"S": "Preisliste 2026 \u2013 Straße.xlsx"},
    "size": {"N": "1.50"},
    "big": {"N": "123456789012345678901234567890"},
    "tags": {"SS": ["pricing", "emea"]},
    "sizes": {"NS": ["1", "2.5"]},
    "bytes": {"B": b"\x00\xffbytes"},
    "flags": {"BOOL": True},
    "none": {"NULL": True},
    "meta": {"M": {"owner": {"S": "rep"}, "pages": {"L": [{"N": "1"}, {"S": "two"}]}}},
    "parts": {"L": [{"M": {"n": {"N": "1"}}}, {"S": "x"}]},
}


def unordered_sets(value: Any) -> Any:
    """`value` with each set's members sorted: DynamoDB's sets have no order, and moto's own
    projection passes them through a Python set (whose order changes with the hash seed)."""
    if isinstance(value, dict):
        return {
            k: sorted(v) if k in {"SS", "NS", "BS"} else unordered_sets(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [unordered_sets(v) for v in value]
    return value


@pytest.mark.parametrize(
    "projection",
    [
        "pk, sk, #n, #s, big, tags, sizes, #b, flags, #none, meta, parts",
        "#n, absent, #s",
        "meta.owner, parts[1], #n",  # nested paths: moto's own code
        "sk",
    ],
)
def test_a_projected_item_reads_as_moto_projects_it(
    local_resources: LocalResources, projection: str
) -> None:
    """Each projection read with the spared code and with moto's own, on the same item."""
    from moto.dynamodb.models.dynamo_type import Item

    assert spare_repeated_work()
    dynamodb = aws_client("dynamodb", local_resources.endpoint_url)
    table = local_resources.tables["usage"]
    dynamodb.put_item(TableName=table, Item=STORED)
    asked = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": "t#acme"}},
        "ProjectionExpression": projection,
    }
    names = {
        "#n": "name",
        "#s": "size",
        "#none": "none",
        "#b": "bytes",
    }  # reserved words in DynamoDB
    if used := {k: v for k, v in names.items() if k in projection.split(", ")}:
        asked["ExpressionAttributeNames"] = used
    spared = dynamodb.query(**asked)["Items"]
    patched = Item.project
    Item.project = patched.__wrapped__  # type: ignore[attr-defined,method-assign]
    try:
        own = dynamodb.query(**asked)["Items"]
    finally:
        Item.project = patched  # type: ignore[method-assign]
    assert unordered_sets(spared) == unordered_sets(own)
    assert spared
    assert spared[0]
    stored = dynamodb.get_item(TableName=table, Key={"pk": STORED["pk"], "sk": STORED["sk"]})
    assert stored["Item"] == STORED  # the stored item is untouched


EDGES = {
    "pk": {"S": "t#acme"},
    "sk": {"S": "FILE#2"},
    "empty": {"S": ""},
    "nothing": {"L": []},
    "bare": {"M": {}},
    "binaries": {"BS": [b"\x00", b"\xff\xfe"]},
    "deep": {"M": {"l": {"L": [{"M": {"b": {"B": b"\x01"}}}, {"NULL": True}, {"BOOL": False}]}}},
}


def test_items_are_written_as_moto_writes_them_on_every_read(
    local_resources: LocalResources,
) -> None:
    """GetItem, Query, Scan and BatchGetItem answers, written with the spared code and with
    moto's own, compared as the bytes botocore received."""
    from moto.core.serialize import BaseJSONSerializer

    assert spare_repeated_work()
    dynamodb = aws_client("dynamodb", local_resources.endpoint_url)
    table = local_resources.tables["usage"]
    for item in (STORED, EDGES):
        dynamodb.put_item(TableName=table, Item=item)
    keys = [{"pk": i["pk"], "sk": i["sk"]} for i in (STORED, EDGES)]
    raw: list[bytes] = []
    dynamodb.meta.events.register(
        "after-call.dynamodb.*", lambda http_response, **_: raw.append(http_response.content)
    )

    def answers() -> list[Any]:
        raw.clear()
        got = [
            dynamodb.get_item(TableName=table, Key=keys[0])["Item"],
            dynamodb.get_item(TableName=table, Key=keys[1])["Item"],
            dynamodb.query(
                TableName=table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": "t#acme"}},
            )["Items"],
            dynamodb.scan(TableName=table)["Items"],
            dynamodb.batch_get_item(RequestItems={table: {"Keys": keys}})["Responses"],
        ]
        return [got, list(raw)]

    spared = answers()
    patched = BaseJSONSerializer._serialize_type_map
    BaseJSONSerializer._serialize_type_map = patched.__wrapped__  # type: ignore[attr-defined,method-assign]
    try:
        own = answers()
    finally:
        BaseJSONSerializer._serialize_type_map = patched  # type: ignore[method-assign]
    assert spared[0][0] == STORED
    assert spared[0][1] == EDGES
    assert spared == own


def test_each_handler_s_actions_are_those_moto_lists() -> None:
    from moto.core import responses
    from moto.dynamodb.responses import DynamoHandler
    from moto.s3.responses import S3Response

    assert spare_repeated_work()
    listed: Any = responses.method_names_from_class  # type: ignore[attr-defined]
    for handler in (DynamoHandler, S3Response):
        assert listed(handler) == listed.__wrapped__(handler)
        assert "query" in listed(DynamoHandler)
