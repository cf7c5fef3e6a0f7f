"""`engageiq preview <env>`: what `pulumi up` would create, without AWS or the Pulumi CLI.

Runs the program under mocks (engageiq_infra.mocks) and prints each resource's type, name and
the settings a reviewer looks for first. Values AWS would compute (ids, URLs) are mocked."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from rich.console import Console
from rich.table import Table

from engageiq_infra.mocks import Inventory, RecordedResource, run_program

Settings = Callable[[Mapping[str, Any]], dict[str, Any]]


def _pick(*keys: str) -> Settings:
    return lambda inputs: {k: inputs[k] for k in keys if inputs.get(k) is not None}


def _table(i: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": i.get("name"),
        "pitr": i.get("pointInTimeRecovery", {}).get("enabled"),
        "sse": i.get("serverSideEncryption", {}).get("enabled"),
        "deletionProtection": i.get("deletionProtectionEnabled"),
        "ttl": (i.get("ttl") or {}).get("attributeName"),
        "indexes": [g["name"] for g in i.get("globalSecondaryIndexes") or []],
    }


def _apprunner(i: Mapping[str, Any]) -> dict[str, Any]:
    image = i["sourceConfiguration"]["imageRepository"]
    return {
        "service": i.get("serviceName"),
        **_pick("cpu", "memory")(i["instanceConfiguration"]),
        "image": image["imageIdentifier"],
        "health": i.get("healthCheckConfiguration", {}).get("path"),
    }


def _express(i: Mapping[str, Any]) -> dict[str, Any]:
    scaling = (i.get("scalingTargets") or [{}])[0]
    return {
        "service": i.get("serviceName"),
        "cpu": i.get("cpu"),
        "memory": i.get("memory"),
        "image": i["primaryContainer"]["image"],
        "health": i.get("healthCheckPath"),
        "tasks": f"{scaling.get('minTaskCount')}-{scaling.get('maxTaskCount')}",
    }


def _distribution(i: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "aliases": i.get("aliases"),
        "minTls": i["viewerCertificate"].get("minimumProtocolVersion"),
        "routes": [
            f"{b['pathPattern']}->{b['targetOriginId']}"
            for b in i.get("orderedCacheBehaviors") or []
        ],
    }


def _client(i: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "flows": i.get("explicitAuthFlows"),
        "oauth": i.get("allowedOauthFlows"),
        "accessMin": i.get("accessTokenValidity"),
        "refreshDays": i.get("refreshTokenValidity"),
        "write": i.get("writeAttributes"),
    }


def _policy_actions(i: Mapping[str, Any]) -> dict[str, Any]:
    document = json.loads(i.get("policy") or "{}")
    actions = sorted(
        {
            a
            for s in document.get("Statement", [])
            for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        }
    )
    return {"role": i.get("role"), "actions": actions}


SETTINGS: Final[dict[str, Settings]] = {
    "aws:dynamodb/table:Table": _table,
    "aws:s3/bucket:Bucket": _pick("bucket", "forceDestroy"),
    "aws:s3/bucketVersioning:BucketVersioning": _pick("versioningConfiguration"),
    "aws:apprunner/service:Service": _apprunner,
    "aws:apprunner/autoScalingConfigurationVersion:AutoScalingConfigurationVersion": _pick(
        "minSize", "maxSize", "maxConcurrency"
    ),
    "aws:ecs/expressGatewayService:ExpressGatewayService": _express,
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:cognito/userPool:UserPool": _pick("name", "mfaConfiguration", "deletionProtection"),
    "aws:cognito/userPoolClient:UserPoolClient": _client,
    "aws:cognito/userPoolDomain:UserPoolDomain": _pick("domain"),
    "aws:iam/role:Role": _pick("name"),
    "aws:iam/rolePolicy:RolePolicy": _policy_actions,
    "aws:cloudwatch/logGroup:LogGroup": _pick("name", "retentionInDays"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _pick("metricName", "threshold"),
    "aws:ecr/repository:Repository": _pick("name", "imageTagMutability"),
    "aws:acm/certificate:Certificate": _pick("domainName", "subjectAlternativeNames"),
    "aws:secretsmanager/secret:Secret": _pick("name"),
    "aws:s3/bucketObjectv2:BucketObjectv2": _pick("key", "contentType", "cacheControl"),
    "docker-build:index:Image": _pick("tags", "platforms", "push"),
    "aws:cloudfront/function:Function": _pick("name", "runtime"),
    "aws:lambda/function:Function": _pick("name", "runtime"),
    "aws:ssm/parameter:Parameter": _pick("name"),
    "command:local:Command": _pick("triggers"),
}


def key_settings(resource: RecordedResource) -> dict[str, Any]:
    extract = SETTINGS.get(resource.type)
    settings = extract(resource.inputs) if extract else {}
    return {k: v for k, v in settings.items() if v not in (None, [], {})}


def short_type(type_token: str) -> str:
    """`aws:dynamodb/table:Table` -> `dynamodb:Table`, to keep the table readable."""
    package, module_path, kind = type_token.split(":", 2)
    module = module_path.split("/")[0]
    return f"{module}:{kind}" if package == "aws" else type_token


def inventory_rows(inventory: Inventory) -> list[dict[str, Any]]:
    """Custom resources (not components), sorted by type then name for stable output."""
    return sorted(
        (
            {"type": r.type, "name": r.name, "settings": key_settings(r)}
            for r in inventory.custom_resources()
        ),
        key=lambda row: (row["type"], row["name"]),
    )


def run_preview(environment: str, *, compute: str | None, as_json: bool) -> None:
    inventory = run_program(environment, compute=compute)
    rows = inventory_rows(inventory)
    # Piped output gets a wide console rather than rich's 80 columns, so rows stay whole.
    console = Console() if Console().is_terminal else Console(width=220)
    if as_json:
        console.print_json(
            json.dumps(
                {
                    "environment": inventory.environment,
                    "compute": inventory.compute,
                    "resources": rows,
                    "outputs": inventory.outputs,
                },
                default=str,
            )
        )
        return
    table = Table(
        title=f"engageiq {environment} ({inventory.compute}): {len(rows)} resources "
        "(mocked: ids and URLs are placeholders)"
    )
    table.add_column("Type", style="cyan", no_wrap=True)
    table.add_column("Name", style="bold")
    table.add_column("Key settings")
    for row in rows:
        settings = ", ".join(
            f"{k}={json.dumps(v, default=str)}" for k, v in row["settings"].items()
        )
        table.add_row(short_type(row["type"]), row["name"], settings)
    console.print(table)
    outputs = Table(title="Stack outputs (mocked values)")
    outputs.add_column("Key", style="bold")
    outputs.add_column("Value")
    for key, value in sorted(inventory.outputs.items()):
        outputs.add_row(key, str(value))
    console.print(outputs)
