"""A broken guardrail must make a test fail: each case breaks one thing in a copy of a real
recorded stack and expects the same check the real tests use to raise."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from engageiq_infra.mocks import Inventory, RecordedResource

from . import guardrails as g
from .conftest import recorded_stack

Breakage = Callable[[Inventory], None]
Check = Callable[[Inventory], None]


def inputs(stack: Inventory, name: str) -> dict[str, Any]:
    return stack.named(name).inputs


def edit_policy(
    stack: Inventory, name: str, edit: Callable[[dict[str, Any]], None], key: str = "policy"
) -> None:
    resource = stack.named(name)
    document = json.loads(resource.inputs[key])
    edit(document)
    resource.inputs[key] = json.dumps(document)


def drop(stack: Inventory, name: str) -> None:
    stack.resources.remove(stack.named(name))


def add_statement(name: str, statement: dict[str, Any]) -> Breakage:
    return lambda s: edit_policy(s, name, lambda d: d["Statement"].append(statement))


def behaviour(stack: Inventory, pattern: str) -> dict[str, Any]:
    distribution = inputs(stack, "edge-distribution")
    return next(b for b in distribution["orderedCacheBehaviors"] if b["pathPattern"] == pattern)


def service_origin(stack: Inventory, service: str) -> dict[str, Any]:
    distribution = inputs(stack, "edge-distribution")
    return next(o for o in distribution["origins"] if o["originId"] == f"service-{service}")


def apprunner_env(stack: Inventory, service: str = "chat") -> dict[str, Any]:
    image = inputs(stack, f"services-{service}")["sourceConfiguration"]["imageRepository"]
    variables: dict[str, Any] = image["imageConfiguration"]["runtimeEnvironmentVariables"]
    return variables


def on_distribution(check: Callable[[RecordedResource], None]) -> Check:
    return lambda s: check(g.the_one(s, g.DISTRIBUTION))


def on_policies(check: Callable[[str, dict[str, Any]], None]) -> Check:
    def run(stack: Inventory) -> None:
        for owner, document in g.policy_documents(stack):
            check(owner, document)

    return run


def set_tenant_statement(sid: str, key: str, value: Any) -> Breakage:
    def edit(document: dict[str, Any]) -> None:
        next(s for s in document["Statement"] if s["Sid"] == sid)[key] = value

    return lambda s: edit_policy(s, "tenancy-tenant-data", edit)


def reorder_routes(stack: Inventory) -> None:
    behaviours = inputs(stack, "edge-distribution")["orderedCacheBehaviors"]
    behaviours.append(behaviours.pop(1))


def swap_table_variable(stack: Inventory) -> None:
    # The spec's name rather than the deployed table's: exactly the copy-paste wiring bug.
    apprunner_env(stack)["ENGAGEIQ_FILES_TABLE"] = "engageiq-dev-files"


def ecs_local_endpoint(stack: Inventory) -> None:
    container = inputs(stack, "services-files")["primaryContainer"]
    container["environments"].append({"name": "AWS_ENDPOINT_URL", "value": "http://127.0.0.1:5000"})


def add_identity_pool(stack: Inventory) -> None:
    stack.resources.append(
        RecordedResource(
            "aws:cognito/identityPool:IdentityPool",
            "identity-guests",
            True,
            {"allowUnauthenticatedIdentities": True},
            {},
        )
    )


def wrong_config_json(stack: Inventory) -> None:
    config_object = inputs(stack, "web-config")
    content = json.loads(config_object["content"])
    content["userPoolClientId"] = "copied-by-hand"
    config_object["content"] = json.dumps(content)


CASES: list[tuple[str, str, Breakage, Check]] = [
    # S3
    (
        "dev",
        "public-policy-allowed",
        lambda s: inputs(s, "data-uploads-public-access").update(blockPublicPolicy=False),
        g.check_public_access_blocked,
    ),
    (
        "dev",
        "no-public-access-block",
        lambda s: drop(s, "data-web-public-access"),
        g.check_public_access_blocked,
    ),
    (
        "dev",
        "no-encryption",
        lambda s: drop(s, "data-uploads-encryption"),
        g.check_bucket_encryption,
    ),
    (
        "dev",
        "tls-condition-inverted",
        lambda s: edit_policy(
            s,
            "data-uploads-policy",
            lambda d: d["Statement"][0]["Condition"]["Bool"].update(
                {"aws:SecureTransport": "true"}
            ),
        ),
        g.check_tls_only,
    ),
    ("dev", "no-web-bucket-policy", lambda s: drop(s, "edge-web-bucket-policy"), g.check_tls_only),
    (
        "dev",
        "versioning-suspended",
        lambda s: inputs(s, "data-uploads-versioning").update(
            versioningConfiguration={"status": "Suspended"}
        ),
        g.check_versioning,
    ),
    (
        "dev",
        "multipart-never-aborted",
        lambda s: inputs(s, "data-uploads-lifecycle")["rules"].pop(0),
        g.check_uploads_lifecycle_and_cors,
    ),
    (
        "prod",
        "cors-any-origin",
        lambda s: inputs(s, "web-uploads-cors")["corsRules"][0].update(allowedOrigins=["*"]),
        g.check_uploads_lifecycle_and_cors,
    ),
    (
        "dev",
        "web-bucket-public-read",
        add_statement(
            "edge-web-bucket-policy",
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
        ),
        g.check_web_bucket_cloudfront_only,
    ),
    (
        "dev",
        "web-origin-without-oac",
        lambda s: inputs(s, "edge-distribution")["origins"][0].pop("originAccessControlId"),
        g.check_web_bucket_cloudfront_only,
    ),
    # DynamoDB
    (
        "dev",
        "no-pitr",
        lambda s: inputs(s, "data-usage").update(pointInTimeRecovery={"enabled": False}),
        g.check_tables,
    ),
    (
        "dev",
        "no-sse",
        lambda s: inputs(s, "data-files").update(serverSideEncryption={"enabled": False}),
        g.check_tables,
    ),
    (
        "prod",
        "prod-without-deletion-protection",
        lambda s: inputs(s, "data-tenants").update(deletionProtectionEnabled=False),
        g.check_tables,
    ),
    (
        "dev",
        "dev-with-deletion-protection",
        lambda s: inputs(s, "data-tenants").update(deletionProtectionEnabled=True),
        g.check_tables,
    ),
    (
        "dev",
        "index-missing",
        lambda s: inputs(s, "data-conversations").update(globalSecondaryIndexes=[]),
        g.check_tables_match_spec,
    ),
    ("dev", "ttl-missing", lambda s: inputs(s, "data-files").pop("ttl"), g.check_tables_match_spec),
    # CloudFront
    (
        "dev",
        "plain-http-api",
        lambda s: behaviour(s, "/api/*").update(viewerProtocolPolicy="allow-all"),
        on_distribution(g.check_https_only),
    ),
    (
        "dev",
        "http-to-origin",
        lambda s: service_origin(s, "chat")["customOriginConfig"].update(
            originProtocolPolicy="http-only"
        ),
        on_distribution(g.check_https_only),
    ),
    (
        "prod",
        "old-tls",
        lambda s: inputs(s, "edge-distribution")["viewerCertificate"].update(
            minimumProtocolVersion="TLSv1"
        ),
        on_distribution(g.check_minimum_tls),
    ),
    (
        "dev",
        "behaviour-without-headers",
        lambda s: behaviour(s, "/api/files*").pop("responseHeadersPolicyId"),
        lambda s: g.check_security_headers(s, g.the_one(s, g.DISTRIBUTION)),
    ),
    (
        "dev",
        "no-hsts",
        lambda s: inputs(s, "edge-api-security-headers")["securityHeadersConfig"].pop(
            "strictTransportSecurity"
        ),
        lambda s: g.check_security_headers(s, g.the_one(s, g.DISTRIBUTION)),
    ),
    (
        "dev",
        "web-csp-with-inline-scripts",
        lambda s: inputs(s, "edge-web-security-headers")["securityHeadersConfig"][
            "contentSecurityPolicy"
        ].update(contentSecurityPolicy="default-src 'self'; script-src 'self' 'unsafe-inline'"),
        lambda s: g.check_security_headers(s, g.the_one(s, g.DISTRIBUTION)),
    ),
    (
        "dev",
        "web-behaviour-without-csp",
        lambda s: inputs(s, "edge-distribution")["defaultCacheBehavior"].update(
            responseHeadersPolicyId=s.named("edge-api-security-headers").outputs["id"]
        ),
        lambda s: g.check_security_headers(s, g.the_one(s, g.DISTRIBUTION)),
    ),
    (
        "dev",
        "client-routes-not-rewritten",
        lambda s: inputs(s, "edge-distribution")["defaultCacheBehavior"].pop(
            "functionAssociations"
        ),
        lambda s: g.check_spa_routes(s, g.the_one(s, g.DISTRIBUTION)),
    ),
    (
        "dev",
        "error-responses-mask-the-api",
        lambda s: inputs(s, "edge-distribution").update(
            customErrorResponses=[
                {"errorCode": 403, "responseCode": 200, "responsePagePath": "/index.html"}
            ]
        ),
        lambda s: g.check_spa_routes(s, g.the_one(s, g.DISTRIBUTION)),
    ),
    (
        "dev",
        "api-cached",
        lambda s: behaviour(s, "/api/*").update(
            cachePolicyId="658327ea-f89d-4fab-a63d-7e88639e58f6"
        ),
        on_distribution(g.check_api_behaviours),
    ),
    (
        "dev",
        "authorization-dropped",
        lambda s: behaviour(s, "/api/upload-file*").pop("originRequestPolicyId"),
        on_distribution(g.check_api_behaviours),
    ),
    (
        "dev",
        "sse-timeout-default",
        lambda s: service_origin(s, "chat")["customOriginConfig"].update(originReadTimeout=30),
        on_distribution(g.check_api_behaviours),
    ),
    ("dev", "routes-reordered", reorder_routes, on_distribution(g.check_edge_routes)),
    (
        "dev",
        "origin-secret-header-missing",
        lambda s: service_origin(s, "files").pop("customHeaders"),
        g.check_origin_secret,
    ),
    (
        "staging-ecs",
        "origin-secret-header-stale",
        lambda s: service_origin(s, "chat")["customHeaders"][0].update(value="old-secret"),
        g.check_origin_secret,
    ),
    (
        "dev",
        "origin-secret-as-plain-variable",
        lambda s: apprunner_env(s).update(ENGAGEIQ_ORIGIN_SECRET="in the clear"),
        g.check_origin_secret,
    ),
    (
        "dev",
        "origin-not-the-service",
        lambda s: service_origin(s, "files").update(domainName="files.example.com"),
        lambda s: g.check_origins_are_services(s, g.the_one(s, g.DISTRIBUTION)),
    ),
    # Cognito
    (
        "dev",
        "client-writes-tenant",
        lambda s: inputs(s, "identity-web-client")["writeAttributes"].append("custom:tenant_id"),
        g.check_clients_cannot_write_tenant,
    ),
    (
        "dev",
        "client-writes-everything",
        lambda s: inputs(s, "identity-web-client").pop("writeAttributes"),
        g.check_clients_cannot_write_tenant,
    ),
    (
        "dev",
        "tenant-mutable",
        lambda s: inputs(s, "identity-pool")["schemas"][0].update(mutable=True),
        g.check_tenant_attribute_immutable,
    ),
    (
        "dev",
        "short-passwords",
        lambda s: inputs(s, "identity-pool")["passwordPolicy"].update(minimumLength=6),
        g.check_password_policy,
    ),
    (
        "dev",
        "day-long-access-tokens",
        lambda s: inputs(s, "identity-web-client").update(accessTokenValidity=1440),
        g.check_token_lifetimes,
    ),
    (
        "dev",
        "token-units-unset",
        lambda s: inputs(s, "identity-web-client").pop("tokenValidityUnits"),
        g.check_token_lifetimes,
    ),
    ("dev", "guest-identities", add_identity_pool, g.check_no_unauthenticated_identities),
    (
        "dev",
        "self-sign-up",
        lambda s: inputs(s, "identity-pool").update(adminCreateUserConfig={}),
        g.check_no_unauthenticated_identities,
    ),
    # IAM
    (
        "dev",
        "action-star",
        add_statement(
            "access-files-own-data",
            {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::x"},
        ),
        on_policies(g.check_no_wildcard_actions),
    ),
    (
        "dev",
        "service-star",
        add_statement(
            "tenancy-tenant-data",
            {"Effect": "Allow", "Action": ["dynamodb:*"], "Resource": "arn:aws:dynamodb:::table/x"},
        ),
        on_policies(g.check_no_wildcard_actions),
    ),
    (
        "dev",
        "data-on-every-resource",
        add_statement(
            "access-chat-own-data", {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
        ),
        on_policies(g.check_no_wildcard_data_resources),
    ),
    (
        "dev",
        "admin-attached",
        lambda s: inputs(s, "services-ecr-access-policy").update(
            policyArn="arn:aws:iam::aws:policy/AdministratorAccess"
        ),
        g.check_managed_policies,
    ),
    (
        "dev",
        "chat-reaches-files-table",
        add_statement(
            "access-chat-own-data",
            {
                "Effect": "Allow",
                "Action": "dynamodb:GetItem",
                "Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/"
                "engageiq-dev-files-deployed",
            },
        ),
        g.check_service_roles_own_data,
    ),
    (
        "dev",
        "chat-scans-the-conversations-table",
        add_statement(
            "access-chat-own-data",
            {
                "Effect": "Allow",
                "Action": "dynamodb:Scan",
                "Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/"
                "engageiq-dev-conversations-deployed",
            },
        ),
        g.check_scans,
    ),
    (
        "dev",
        "files-scans-the-by-updated-index",
        add_statement(
            "access-files-own-data",
            {
                "Effect": "Allow",
                "Action": "dynamodb:Scan",
                "Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/"
                "engageiq-dev-conversations-deployed/index/by_updated",
            },
        ),
        g.check_scans,
    ),
    (
        "dev",
        "files-cannot-assume-tenant-role",
        lambda s: drop(s, "tenancy-files-assume-tenant"),
        g.check_service_roles_own_data,
    ),
    (
        "dev",
        "leading-keys-any",
        set_tenant_statement(
            "TenantItems", "Condition", {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["*"]}}
        ),
        g.check_tenant_role,
    ),
    (
        "dev",
        "leading-keys-missing",
        set_tenant_statement("TenantItems", "Condition", {}),
        g.check_tenant_role,
    ),
    (
        "dev",
        "whole-bucket-for-tenants",
        set_tenant_statement(
            "TenantObjects", "Resource", "arn:aws:s3:::engageiq-dev-uploads-123456789012-deployed/*"
        ),
        g.check_tenant_role,
    ),
    (
        "dev",
        "listing-every-tenant",
        set_tenant_statement("TenantListing", "Condition", {}),
        g.check_tenant_role,
    ),
    (
        "dev",
        "untagged-sessions",
        lambda s: edit_policy(
            s,
            "tenancy-tenant-role",
            lambda d: d["Statement"][0].pop("Condition"),
            key="assumeRolePolicy",
        ),
        g.check_tenant_role,
    ),
    # Services and wiring
    (
        "dev",
        "local-jwks-in-cloud",
        lambda s: apprunner_env(s).update(
            ENGAGEIQ_LOCAL_JWKS_URL="http://127.0.0.1:5000/jwks.json"
        ),
        g.check_cloud_environment,
    ),
    ("staging-ecs", "moto-endpoint-in-cloud", ecs_local_endpoint, g.check_cloud_environment),
    ("dev", "table-name-copied-from-spec", swap_table_variable, g.check_service_wiring),
    ("dev", "config-json-hand-edited", wrong_config_json, g.check_web_config),
    (
        "dev",
        "queue-not-encrypted",
        lambda s: inputs(s, "queues-ingestion").update(sqsManagedSseEnabled=False),
        g.check_queues,
    ),
    (
        "prod",
        "queue-not-fifo",
        lambda s: inputs(s, "queues-ingestion").update(fifoQueue=False),
        g.check_queues,
    ),
    (
        "dev",
        "redrive-after-too-many-receives",
        lambda s: inputs(s, "queues-ingestion").update(
            redrivePolicy=json.dumps(
                {
                    **json.loads(inputs(s, "queues-ingestion")["redrivePolicy"]),
                    "maxReceiveCount": 1000,
                }
            )
        ),
        g.check_queues,
    ),
    (
        "dev",
        "anyone-may-send-jobs",
        lambda s: edit_policy(
            s,
            "queues-ingestion-policy",
            lambda d: d["Statement"].remove(
                next(st for st in d["Statement"] if st["Sid"] == "OnlyItsServiceSends")
            ),
        ),
        g.check_queues,
    ),
    (
        "dev",
        "no-dead-letter-alarm",
        lambda s: drop(s, "observability-ingestion-dead-letters"),
        g.check_queues,
    ),
    (
        "staging-ecs",
        "files-role-may-purge-the-queue",
        add_statement(
            "access-files-own-data",
            {"Effect": "Allow", "Action": "sqs:PurgeQueue", "Resource": "*"},
        ),
        g.check_service_roles_own_data,
    ),
    (
        "dev",
        "chat-told-the-queue-url",
        lambda s: apprunner_env(s).update(
            {"ENGAGEIQ_INGESTION_QUEUE_URL": inputs(s, "queues-ingestion")["name"]}
        ),
        g.check_queue_wiring,
    ),
    (
        "dev",
        "chat-told-the-dead-letter-queue-url",
        lambda s: apprunner_env(s).update(
            {"ENGAGEIQ_INGESTION_DLQ_URL": inputs(s, "queues-ingestion-dlq")["name"]}
        ),
        g.check_queue_wiring,
    ),
    (
        # The consumer dead-letters a job itself (decision 0141): without the URL it would ask
        # SQS for it by name, which its role may not (no sqs:GetQueueUrl), and not start.
        "dev",
        "files-not-told-the-dead-letter-queue-url",
        lambda s: apprunner_env(s, "files").pop("ENGAGEIQ_INGESTION_DLQ_URL"),
        g.check_queue_wiring,
    ),
    (
        "dev",
        "health-check-on-root",
        lambda s: inputs(s, "services-chat")["healthCheckConfiguration"].update(path="/"),
        g.check_health_checks,
    ),
]
BASES = {
    "dev": ("dev", "apprunner"),
    "prod": ("prod", "apprunner"),
    "staging-ecs": ("staging", "ecs-express"),
}


@pytest.mark.parametrize(
    ("base", "breakage", "check"), [pytest.param(b, br, c, id=name) for b, name, br, c in CASES]
)
def test_a_broken_guardrail_fails_its_check(base: str, breakage: Breakage, check: Check) -> None:
    intact = recorded_stack(*BASES[base])
    check(intact)  # the check passes on the real stack...
    broken = copy.deepcopy(intact)
    breakage(broken)
    with pytest.raises(g.GuardrailViolation):
        check(broken)  # ...and fails once the guardrail is broken
