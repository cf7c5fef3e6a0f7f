"""Benchmark: the local AWS endpoint (moto) with and without its spared repeated work
(engageiq.local.moto_patches.spare_repeated_work, decision 0134), in the same run: what every
test that asks for fresh resources pays (moto reset, then every table, bucket, queue and the
user pool of the spec made again: `engageiq.local.aws.provision`), and one small request
(DynamoDB GetItem of a missing item), and a Query of a 1,000-item partition with a
`ProjectionExpression` (the files page's whole-catalog read), medians.

    .venv/bin/python bench/local_aws.py [--rounds 20] [--requests 300]

Each side runs in a process of its own (the patches change moto for the whole process), one
after the other, on the same machine; the figures are wall-clock seconds of that process's
client, with moto serving in the same process as the tests have it."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engageiq.local.aws import LocalAwsServer, aws_client, provision
from engageiq.local.platform import free_port
from engageiq_files.catalog.catalog import LISTING_FIELDS, file_key
from engageiq_files.catalog.records import FileRecord, FileStatus, new_file_id, now_iso, to_item
from engageiq_tenancy.context import Role, TenantContext

CATALOG = 1000
"""Items of the projected Query: a 1,000-file catalog read whole, as the files page's sorted
and searched listings read it (decision 0116)."""


def catalog_query(dynamodb: Any, table: str) -> float:
    """Median seconds of the files catalog's whole-catalog read (`FileCatalog.summaries`'s
    Query: `begins_with` on the sort key, newest first, `LISTING_FIELDS` projected) over a
    tenant of `CATALOG` files stored as uploads leave them."""
    tenant = TenantContext("acme", "rep", "", frozenset({Role.MEMBER}))
    key = file_key(tenant, new_file_id())
    for n in range(CATALOG):
        file_id = new_file_id()
        record = FileRecord(
            id=file_id,
            name=f"report-{n:04d}.md",
            status=FileStatus.READY,
            size=100 + n,
            content_type="text/markdown",
            kind="md",
            object_key=f"acme/files/{file_id}",
            created_at=now_iso(),
            updated_at=now_iso(),
            uploaded_by="rep",
        )
        dynamodb.put_item(TableName=table, Item=to_item(record, file_key(tenant, file_id)))
    names = {f"#a{i}": name for i, name in enumerate(LISTING_FIELDS)}
    asked = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :file)",
        "ExpressionAttributeValues": {
            ":pk": {"S": key["pk"]},
            ":file": {"S": key["sk"].split("#", 1)[0] + "#"},
        },
        "ProjectionExpression": ", ".join(names),
        "ExpressionAttributeNames": names,
        "ScanIndexForward": False,
    }
    times: list[float] = []
    for _ in range(5):
        started = time.perf_counter()
        listed = dynamodb.query(**asked)
        times.append(time.perf_counter() - started)
        assert len(listed["Items"]) == CATALOG
    return statistics.median(times)


def measure(spare: bool, rounds: int, requests: int) -> dict[str, float]:
    """Median seconds of one reset-and-provision and of one GetItem, in this process."""
    server = LocalAwsServer(free_port(), spare_work=spare)
    server.start()
    try:
        provisions: list[float] = []
        resources = None
        for _ in range(rounds + 1):  # the first warms imports and caches up: not counted
            started = time.perf_counter()
            server.reset()
            resources = provision(server.endpoint_url)
            provisions.append(time.perf_counter() - started)
        assert resources is not None
        dynamodb = aws_client("dynamodb", server.endpoint_url)
        table = resources.tables["files"]
        key = {"pk": {"S": "t#acme"}, "sk": {"S": "missing"}}
        dynamodb.get_item(TableName=table, Key=key)
        reads: list[float] = []
        for _ in range(requests):
            started = time.perf_counter()
            dynamodb.get_item(TableName=table, Key=key)
            reads.append(time.perf_counter() - started)
        catalog = catalog_query(dynamodb, table)
        return {
            "provision_s": statistics.median(provisions[1:]),
            "get_item_ms": statistics.median(reads) * 1000,
            "catalog_query_s": catalog,
        }
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--side", choices=["moto", "spared"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        print(json.dumps(measure(args.side == "spared", args.rounds, args.requests)))
        return
    figures: dict[str, dict[str, float]] = {}
    for side in ("moto", "spared"):
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--side",
                side,
                f"--rounds={args.rounds}",
                f"--requests={args.requests}",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        figures[side] = json.loads(done.stdout.strip().splitlines()[-1])
    moto, spared = figures["moto"], figures["spared"]
    print(f"{'':28s}{'moto':>10s}{'spared':>10s}{'ratio':>8s}")
    labels = {
        "provision_s": "reset + provision (s)",
        "get_item_ms": "GetItem (ms)",
        "catalog_query_s": f"Query {CATALOG}, projected (s)",
    }
    for name, label in labels.items():
        ratio = spared[name] / moto[name]
        print(f"{label:28s}{moto[name]:10.3f}{spared[name]:10.3f}{ratio:8.2f}")


if __name__ == "__main__":
    main()
