"""Guardrail and wiring checks over a recorded stack (`engageiq_infra.mocks.Inventory`).

Each `check_*` raises `GuardrailViolation` with a reason, or returns None. The real tests run
them on every environment's inventory; the failure tests run them on deliberately broken
copies, so a check that cannot fail is itself a failing test."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Final

from engageiq_infra.access import SERVICE_INDEX_SCANS, SERVICE_SECRETS, SERVICE_USER_POOL_ACTIONS
from engageiq_infra.config import read_stack_config
from engageiq_infra.edge import (
    ALL_VIEWER_EXCEPT_HOST_HEADER,
    CACHING_DISABLED,
    MINIMUM_TLS,
    ORIGIN_READ_TIMEOUT_SECONDS,
    SPA_ROUTES_FUNCTION,
    WEB_ORIGIN_ID,
    service_origin_id,
)
from engageiq_infra.mocks import Inventory, RecordedResource
from engageiq_infra.outputs import (
    HOSTED_UI_DOMAIN,
    TENANT_DOMAIN,
    TENANT_ROLE_ARN,
    service_url_key,
)
from engageiq_infra.policies import S3_VERSION_LISTING_ACTIONS, SQS_QUEUE_ACTIONS
from engageiq_infra.services import HEALTH_CHECK_PATH, MANAGED_POLICIES
from engageiq_infra.web import CONFIG_OBJECT_KEY
from engageiq_tenancy.resources import (
    BUCKETS,
    EDGE_ROUTES,
    ORIGIN_HEADER,
    OUTPUT_KEYS,
    QUEUES,
    SERVICE_DATA,
    SERVICES,
    TABLES,
    UPLOADS,
    USER_POOL,
    WEB,
    EnvVars,
)
from engageiq_tenancy.retention import DELETED_FILES_PLATFORM_DAYS
from engageiq_tenancy.web_policy import CLOUD_CONTENT_SECURITY_POLICY

BUCKET: Final = "aws:s3/bucket:Bucket"
TABLE: Final = "aws:dynamodb/table:Table"
DISTRIBUTION: Final = "aws:cloudfront/distribution:Distribution"
ROLE: Final = "aws:iam/role:Role"
ROLE_POLICY: Final = "aws:iam/rolePolicy:RolePolicy"
APPRUNNER: Final = "aws:apprunner/service:Service"
EXPRESS: Final = "aws:ecs/expressGatewayService:ExpressGatewayService"
USER_POOL_TYPE: Final = "aws:cognito/userPool:UserPool"
CLIENT: Final = "aws:cognito/userPoolClient:UserPoolClient"
CLOUDFRONT_FUNCTION: Final = "aws:cloudfront/function:Function"
# Actions that read or change data; these must always name their resources.
DATA_ACTION_PREFIXES: Final = (
    "dynamodb:",
    "s3:",
    "secretsmanager:",
    "kms:",
    "sts:",
    "cognito-idp:",
)
TENANT_LEADING_KEY: Final = "${aws:PrincipalTag/tenant_id}#*"
TENANT_OBJECTS: Final = "tenants/${aws:PrincipalTag/tenant_id}/*"
LOCAL_ONLY_ENV_VARS: Final = frozenset({EnvVars.LOCAL_JWKS_URL, EnvVars.AWS_ENDPOINT_URL})


class GuardrailViolation(AssertionError):
    """A stack breaks a guardrail or a wiring rule."""


def require(condition: object, reason: str) -> None:
    if not condition:
        raise GuardrailViolation(reason)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


# Lookups -------------------------------------------------------------------------------------


def the_one(inventory: Inventory, type_token: str) -> RecordedResource:
    found = inventory.of_type(type_token)
    require(len(found) == 1, f"expected one {type_token}, found {len(found)}")
    return found[0]


def bucket_for(inventory: Inventory, logical_name: str) -> RecordedResource:
    for bucket in inventory.of_type(BUCKET):
        if bucket.inputs.get("tags", {}).get("engageiq:bucket") == logical_name:
            return bucket
    raise GuardrailViolation(f"no {logical_name} bucket")


def attached_to_bucket(
    inventory: Inventory, type_token: str, bucket: RecordedResource
) -> list[RecordedResource]:
    return [
        r for r in inventory.of_type(type_token) if r.inputs.get("bucket") == bucket.outputs["id"]
    ]


def policy_documents(inventory: Inventory) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM and bucket policy document in the stack, with the owning resource's name."""
    for resource in inventory.custom_resources():
        for key in ("policy", "assumeRolePolicy"):
            text = resource.inputs.get(key)
            if isinstance(text, str) and resource.type.startswith(("aws:iam/", "aws:s3/")):
                yield resource.name, json.loads(text)
        for inline in as_list(resource.inputs.get("inlinePolicies")):
            yield resource.name, json.loads(inline["policy"])


def statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    return as_list(document.get("Statement"))


def role_policies(inventory: Inventory, role: RecordedResource) -> list[dict[str, Any]]:
    return [
        json.loads(p.inputs["policy"])
        for p in inventory.of_type(ROLE_POLICY)
        if p.inputs.get("role") == role.outputs["id"]
    ]


def role_named(inventory: Inventory, role_name: str) -> RecordedResource:
    for role in inventory.of_type(ROLE):
        if role.outputs["name"] == role_name:
            return role
    raise GuardrailViolation(f"no role {role_name}")


def service_environment(inventory: Inventory, service: str) -> dict[str, str]:
    """The plain environment variables the service's container gets."""
    name = f"engageiq-{inventory.environment}-{service}"
    for runner in inventory.of_type(APPRUNNER):
        if runner.inputs["serviceName"] == name:
            image = runner.inputs["sourceConfiguration"]["imageRepository"]
            return dict(image["imageConfiguration"]["runtimeEnvironmentVariables"])
    for express in inventory.of_type(EXPRESS):
        if express.inputs["serviceName"] == name:
            return {
                e["name"]: e["value"] for e in express.inputs["primaryContainer"]["environments"]
            }
    raise GuardrailViolation(f"no compute service for {service}")


def service_url(inventory: Inventory, service: str) -> str:
    """The host name AWS gave the service (from the service resource itself)."""
    name = f"engageiq-{inventory.environment}-{service}"
    for runner in inventory.of_type(APPRUNNER):
        if runner.inputs["serviceName"] == name:
            return str(runner.outputs["serviceUrl"])
    for express in inventory.of_type(EXPRESS):
        if express.inputs["serviceName"] == name:
            endpoint = str(express.outputs["ingressPaths"][0]["endpoint"])
            return endpoint.removeprefix("https://").rstrip("/")
    raise GuardrailViolation(f"no compute service for {service}")


def behaviours(distribution: RecordedResource) -> list[dict[str, Any]]:
    return [
        distribution.inputs["defaultCacheBehavior"],
        *as_list(distribution.inputs.get("orderedCacheBehaviors")),
    ]


# S3 ------------------------------------------------------------------------------------------


def check_public_access_blocked(inventory: Inventory) -> None:
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    for bucket in inventory.of_type(BUCKET):
        blocks = attached_to_bucket(
            inventory, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket
        )
        require(blocks, f"{bucket.name}: no public access block")
        for block in blocks:
            require(
                all(block.inputs.get(f) is True for f in flags),
                f"{bucket.name}: public access only partly blocked",
            )


def check_bucket_encryption(inventory: Inventory) -> None:
    for bucket in inventory.of_type(BUCKET):
        configs = attached_to_bucket(
            inventory,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            bucket,
        )
        algorithms = [
            rule.get("applyServerSideEncryptionByDefault", {}).get("sseAlgorithm")
            for config in configs
            for rule in as_list(config.inputs.get("rules"))
        ]
        require(
            algorithms and all(a in ("AES256", "aws:kms") for a in algorithms),
            f"{bucket.name}: no default encryption",
        )


def bucket_policy(inventory: Inventory, bucket: RecordedResource) -> dict[str, Any]:
    policies = attached_to_bucket(inventory, "aws:s3/bucketPolicy:BucketPolicy", bucket)
    require(len(policies) == 1, f"{bucket.name}: expected one bucket policy, found {len(policies)}")
    document: dict[str, Any] = json.loads(policies[0].inputs["policy"])
    return document


def check_tls_only(inventory: Inventory) -> None:
    for bucket in inventory.of_type(BUCKET):
        arn = bucket.outputs["arn"]
        denies = [
            s
            for s in statements(bucket_policy(inventory, bucket))
            if s.get("Effect") == "Deny"
            and s.get("Principal") == "*"
            and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
            and "s3:*" in as_list(s.get("Action"))
        ]
        require(denies, f"{bucket.name}: no TLS-only statement")
        covered = {r for s in denies for r in as_list(s.get("Resource"))}
        require({arn, f"{arn}/*"} <= covered, f"{bucket.name}: TLS-only does not cover all")


def check_versioning(inventory: Inventory) -> None:
    for spec in BUCKETS:
        if not spec.versioned:
            continue
        bucket = bucket_for(inventory, spec.logical_name)
        statuses = [
            v.inputs.get("versioningConfiguration", {}).get("status")
            for v in attached_to_bucket(
                inventory, "aws:s3/bucketVersioning:BucketVersioning", bucket
            )
        ]
        require(statuses == ["Enabled"], f"{bucket.name}: versioning is {statuses}")


def check_uploads_lifecycle_and_cors(inventory: Inventory) -> None:
    bucket = bucket_for(inventory, UPLOADS.logical_name)
    rules = [
        rule
        for lc in attached_to_bucket(
            inventory, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", bucket
        )
        for rule in as_list(lc.inputs.get("rules"))
    ]
    require(
        any(
            r.get("status") == "Enabled" and r.get("abortIncompleteMultipartUpload") for r in rules
        ),
        "uploads: incomplete multipart uploads are never aborted",
    )
    # The longest window a tenant may keep deleted files recoverable (decision 0122).
    require(
        any(
            r.get("status") == "Enabled"
            and (r.get("noncurrentVersionExpiration") or {}).get("noncurrentDays")
            == DELETED_FILES_PLATFORM_DAYS
            for r in rules
        ),
        f"uploads: noncurrent versions do not expire after {DELETED_FILES_PLATFORM_DAYS} days",
    )
    cors = [
        rule
        for c in attached_to_bucket(
            inventory, "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration", bucket
        )
        for rule in as_list(c.inputs.get("corsRules"))
    ]
    web_url = inventory.outputs[OUTPUT_KEYS.web_url]
    require(cors, "uploads: no CORS rule for presigned POST")
    for rule in cors:
        require(rule["allowedMethods"] == ["POST"], "uploads CORS allows more than POST")
        origins = as_list(rule["allowedOrigins"])
        require(
            "*" not in origins and web_url in origins,
            f"uploads CORS origins {origins} are not the web origin",
        )
        require(
            all(o == web_url or o.startswith("https://*.") for o in origins),
            f"uploads CORS origins {origins} include a foreign origin",
        )


def check_web_bucket_cloudfront_only(inventory: Inventory) -> None:
    bucket = bucket_for(inventory, WEB.logical_name)
    distribution = the_one(inventory, DISTRIBUTION)
    allows = [s for s in statements(bucket_policy(inventory, bucket)) if s.get("Effect") == "Allow"]
    require(allows, "web bucket: CloudFront cannot read it")
    for statement in allows:
        require(
            statement.get("Principal") == {"Service": "cloudfront.amazonaws.com"},
            f"web bucket readable by {statement.get('Principal')}",
        )
        require(as_list(statement.get("Action")) == ["s3:GetObject"], "web bucket: more than reads")
        source = statement.get("Condition", {}).get("StringEquals", {}).get("AWS:SourceArn")
        require(
            source == distribution.outputs["arn"], "web bucket: not limited to our distribution"
        )
    oacs = {
        o.outputs["id"]: o
        for o in inventory.of_type("aws:cloudfront/originAccessControl:OriginAccessControl")
    }
    web_origins = [
        o
        for o in distribution.inputs["origins"]
        if o["domainName"] == bucket.outputs["bucketRegionalDomainName"]
    ]
    require(len(web_origins) == 1, "web bucket is not exactly one origin")
    oac = oacs.get(web_origins[0].get("originAccessControlId"))
    require(oac is not None, "web origin does not use Origin Access Control")
    assert oac is not None
    require(
        oac.inputs.get("signingBehavior") == "always"
        and oac.inputs.get("signingProtocol") == "sigv4",
        "OAC does not always sign",
    )
    require(not web_origins[0].get("s3OriginConfig"), "web origin uses a legacy access identity")


# DynamoDB ------------------------------------------------------------------------------------


def check_tables(inventory: Inventory) -> None:
    production = inventory.environment == "prod"
    for table in inventory.of_type(TABLE):
        inputs = table.inputs
        require(
            inputs.get("pointInTimeRecovery", {}).get("enabled") is True,
            f"{table.name}: no point-in-time recovery",
        )
        require(
            inputs.get("serverSideEncryption", {}).get("enabled") is True,
            f"{table.name}: server-side encryption not enabled",
        )
        require(
            bool(inputs.get("deletionProtectionEnabled")) == production,
            f"{table.name}: deletion protection must be on in prod only",
        )


def check_tables_match_spec(inventory: Inventory) -> None:
    by_name = {t.inputs["name"]: t for t in inventory.of_type(TABLE)}
    require(len(by_name) == len(TABLES), "tables differ from the spec")
    for spec in TABLES:
        table = by_name.get(spec.physical_name(inventory.environment))
        require(table is not None, f"missing table {spec.logical_name}")
        assert table is not None
        inputs = table.inputs
        require(
            (inputs["hashKey"], inputs["rangeKey"]) == (spec.partition_key, spec.sort_key),
            f"{spec.logical_name}: key schema differs from the spec",
        )
        require(inputs["billingMode"] == "PAY_PER_REQUEST", f"{spec.logical_name}: not on demand")
        attributes = {a["name"]: a["type"] for a in inputs["attributes"]}
        require(
            attributes == dict.fromkeys(spec.key_attributes, "S"),
            f"{spec.logical_name}: attributes differ from the spec",
        )
        indexes = {
            i["name"]: tuple(k["attributeName"] for k in i["keySchemas"])
            for i in as_list(inputs.get("globalSecondaryIndexes"))
        }
        require(
            indexes == {i.name: (i.partition_key, i.sort_key) for i in spec.indexes},
            f"{spec.logical_name}: indexes differ from the spec",
        )
        ttl = inputs.get("ttl")
        expected_ttl = (
            {"attributeName": spec.ttl_attribute, "enabled": True} if spec.ttl_attribute else None
        )
        require(ttl == expected_ttl, f"{spec.logical_name}: TTL {ttl} is not {expected_ttl}")


# CloudFront ----------------------------------------------------------------------------------


def check_https_only(distribution: RecordedResource) -> None:
    for behaviour in behaviours(distribution):
        require(
            behaviour["viewerProtocolPolicy"] in ("redirect-to-https", "https-only"),
            f"{behaviour.get('pathPattern', 'default')}: plain HTTP allowed",
        )
    for origin in distribution.inputs["origins"]:
        custom = origin.get("customOriginConfig")
        if custom:
            require(
                custom["originProtocolPolicy"] == "https-only",
                f"origin {origin['originId']}: not HTTPS-only",
            )


def check_minimum_tls(distribution: RecordedResource) -> None:
    certificate = distribution.inputs["viewerCertificate"]
    require(
        certificate.get("minimumProtocolVersion") == MINIMUM_TLS,
        f"minimum TLS is {certificate.get('minimumProtocolVersion')}",
    )
    if certificate.get("acmCertificateArn"):
        require(certificate.get("sslSupportMethod") == "sni-only", "custom cert without SNI")
    else:
        require(certificate.get("cloudfrontDefaultCertificate") is True, "no certificate")


def check_security_headers(inventory: Inventory, distribution: RecordedResource) -> None:
    policies = {
        p.outputs["id"]: p
        for p in inventory.of_type("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    }
    for behaviour in behaviours(distribution):
        policy = policies.get(behaviour.get("responseHeadersPolicyId"))
        require(
            policy is not None,
            f"{behaviour.get('pathPattern', 'default')}: no security headers policy",
        )
        assert policy is not None
        where = behaviour.get("pathPattern", "default")
        headers = policy.inputs.get("securityHeadersConfig", {})
        hsts = headers.get("strictTransportSecurity", {})
        require(hsts.get("accessControlMaxAgeSec", 0) >= 31_536_000, "HSTS shorter than a year")
        require(headers.get("contentTypeOptions"), "no X-Content-Type-Options")
        require(headers.get("frameOptions", {}).get("frameOption") == "DENY", "framing allowed")
        csp = headers.get("contentSecurityPolicy", {}).get("contentSecurityPolicy", "")
        if behaviour["targetOriginId"] == WEB_ORIGIN_ID:
            # The web app's pages: exactly the one policy the local edge sends too.
            require(csp == CLOUD_CONTENT_SECURITY_POLICY, f"{where}: web CSP is {csp!r}")
            require(
                headers["contentSecurityPolicy"].get("override") is True,
                f"{where}: CSP does not override",
            )
            script_src = next(
                (d for d in csp.split(";") if d.strip().startswith(("script-src", "default-src"))),
                "",
            )
            require("unsafe-inline" not in script_src, f"{where}: scripts may run inline")
            require("frame-ancestors 'none'" in csp, f"{where}: CSP allows framing")


def check_spa_routes(inventory: Inventory, distribution: RecordedResource) -> None:
    """The default (web) behaviour rewrites client-side routes to index.html with the one
    CloudFront Function; no custom error response turns API 403/404s into the app."""
    functions = {f.outputs["arn"]: f for f in inventory.of_type(CLOUDFRONT_FUNCTION)}
    default = distribution.inputs["defaultCacheBehavior"]
    associations = as_list(default.get("functionAssociations"))
    require(
        [a.get("eventType") for a in associations] == ["viewer-request"],
        "default behaviour: no viewer-request function for client-side routes",
    )
    function = functions.get(associations[0].get("functionArn"))
    require(function is not None, "the default behaviour's function is not in the stack")
    assert function is not None
    require(function.inputs.get("code") == SPA_ROUTES_FUNCTION.read_text(), "function code")
    require(function.inputs.get("publish") is True, "function not published")
    require(
        not as_list(distribution.inputs.get("customErrorResponses")),
        "custom error responses would mask API errors",
    )
    for behaviour in as_list(distribution.inputs.get("orderedCacheBehaviors")):
        require(
            not behaviour.get("functionAssociations"),
            f"{behaviour['pathPattern']}: only the default behaviour rewrites paths",
        )


def check_api_behaviours(distribution: RecordedResource) -> None:
    """Every behaviour that reaches a service: caching off, Authorization forwarded, and the
    origin timeout that SSE with heartbeats needs."""
    service_origins = {service_origin_id(s) for s in SERVICES}
    api = [b for b in behaviours(distribution) if b["targetOriginId"] in service_origins]
    require(api, "no API behaviours")
    for behaviour in api:
        where = behaviour.get("pathPattern", "default")
        require(behaviour.get("cachePolicyId") == CACHING_DISABLED, f"{where}: API is cached")
        require(
            behaviour.get("originRequestPolicyId") == ALL_VIEWER_EXCEPT_HOST_HEADER,
            f"{where}: Authorization is not forwarded",
        )
    for origin in distribution.inputs["origins"]:
        if origin["originId"] in service_origins:
            timeout = origin["customOriginConfig"].get("originReadTimeout")
            require(
                timeout == ORIGIN_READ_TIMEOUT_SECONDS,
                f"{origin['originId']}: origin read timeout {timeout}",
            )


def check_edge_routes(distribution: RecordedResource) -> None:
    """API behaviours are EDGE_ROUTES, in order (CloudFront matches the first)."""
    service_origins = {service_origin_id(s): s for s in SERVICES}
    routed = [
        (b["pathPattern"], service_origins[b["targetOriginId"]])
        for b in as_list(distribution.inputs.get("orderedCacheBehaviors"))
        if b["targetOriginId"] in service_origins
    ]
    require(
        routed == [(r.path_pattern, r.service) for r in EDGE_ROUTES],
        f"edge routes {routed} differ from EDGE_ROUTES",
    )


def check_origins_are_services(inventory: Inventory, distribution: RecordedResource) -> None:
    origins = {o["originId"]: o["domainName"] for o in distribution.inputs["origins"]}
    for service in SERVICES:
        url = service_url(inventory, service)
        require(
            origins.get(service_origin_id(service)) == url,
            f"{service}: origin {origins.get(service_origin_id(service))} is not {url}",
        )
        require(inventory.outputs[service_url_key(service)] == url, f"{service}: output differs")


# Cognito -------------------------------------------------------------------------------------


def check_clients_cannot_write_tenant(inventory: Inventory) -> None:
    clients = inventory.of_type(CLIENT)
    require(clients, "no app client")
    for client in clients:
        writable = client.inputs.get("writeAttributes") or []
        # An empty or missing list means "every writable attribute", tenant included.
        require(writable, f"{client.name}: write attributes not restricted")
        require(
            USER_POOL.tenant_claim not in writable,
            f"{client.name}: can write {USER_POOL.tenant_claim}",
        )
        require(not client.inputs.get("generateSecret"), f"{client.name}: browser client secret")


def check_tenant_attribute_immutable(inventory: Inventory) -> None:
    pool = the_one(inventory, USER_POOL_TYPE)
    schema = [
        s for s in as_list(pool.inputs.get("schemas")) if s["name"] == USER_POOL.tenant_attribute
    ]
    require(len(schema) == 1, "no tenant attribute in the pool schema")
    require(schema[0].get("mutable") is False, "tenant attribute is mutable")


def check_password_policy(inventory: Inventory) -> None:
    policy = the_one(inventory, USER_POOL_TYPE).inputs.get("passwordPolicy") or {}
    require(policy.get("minimumLength", 0) >= 12, "passwords shorter than 12 allowed")
    for flag in ("requireLowercase", "requireUppercase", "requireNumbers", "requireSymbols"):
        require(policy.get(flag) is True, f"password policy lacks {flag}")


def check_token_lifetimes(inventory: Inventory) -> None:
    for client in inventory.of_type(CLIENT):
        inputs = client.inputs
        units = inputs.get("tokenValidityUnits") or {}
        require(
            units.get("accessToken") == "minutes"
            and units.get("idToken") == "minutes"
            and units.get("refreshToken") == "days",
            f"{client.name}: token units unset",
        )
        require(0 < inputs.get("accessTokenValidity", 0) <= 60, "access tokens live over an hour")
        require(0 < inputs.get("idTokenValidity", 0) <= 60, "ID tokens live over an hour")
        require(0 < inputs.get("refreshTokenValidity", 0) <= 30, "refresh tokens too long-lived")


def check_no_unauthenticated_identities(inventory: Inventory) -> None:
    for pool in inventory.of_type("aws:cognito/identityPool:IdentityPool"):
        require(
            pool.inputs.get("allowUnauthenticatedIdentities") is False,
            f"{pool.name}: unauthenticated identities allowed",
        )
    for pool in inventory.of_type(USER_POOL_TYPE):
        admin_only = pool.inputs.get("adminCreateUserConfig", {}).get("allowAdminCreateUserOnly")
        require(admin_only is True, "anyone can sign up (users without a tenant)")


# IAM -----------------------------------------------------------------------------------------


def check_no_wildcard_actions(owner: str, document: Mapping[str, Any]) -> None:
    for statement in statements(document):
        if statement.get("Effect") != "Allow":
            continue  # a Deny with "s3:*" (TLS-only) narrows access, it never grants it
        for action in as_list(statement.get("Action")):
            require(action != "*" and not action.endswith(":*"), f"{owner}: allows {action}")


def check_no_wildcard_data_resources(owner: str, document: Mapping[str, Any]) -> None:
    for statement in statements(document):
        if statement.get("Effect") != "Allow" or "Principal" in statement:
            continue  # trust and bucket policies name principals, not resources
        actions = as_list(statement.get("Action"))
        if any(a.startswith(DATA_ACTION_PREFIXES) for a in actions):
            require(
                "*" not in as_list(statement.get("Resource")),
                f"{owner}: data actions {actions} on every resource",
            )


def check_managed_policies(inventory: Inventory) -> None:
    for attachment in inventory.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        require(
            attachment.inputs["policyArn"] in MANAGED_POLICIES,
            f"{attachment.name}: unexpected managed policy {attachment.inputs['policyArn']}",
        )
    for role in inventory.of_type(ROLE):
        require(not role.inputs.get("managedPolicyArns"), f"{role.name}: managed policies inline")


def _resources(statement: Mapping[str, Any]) -> set[str]:
    return {str(r) for r in as_list(statement.get("Resource"))}


def check_service_roles_own_data(inventory: Inventory) -> None:
    """Each service role: exactly its own tables (and their indexes), its own buckets, its
    own secrets, the tenant role, and exactly its Cognito admin actions on the platform's one
    user pool; nothing else."""
    tables = {
        t.inputs["tags"]["engageiq:table"]: t.outputs["arn"] for t in inventory.of_type(TABLE)
    }
    buckets = {
        b.inputs["tags"]["engageiq:bucket"]: b.outputs["arn"] for b in inventory.of_type(BUCKET)
    }
    tenant_role = inventory.outputs[TENANT_ROLE_ARN]
    user_pool = the_one(inventory, USER_POOL_TYPE).outputs["arn"]
    for service in SERVICES:
        pool_actions = set(SERVICE_USER_POOL_ACTIONS[service])
        role = role_named(inventory, f"engageiq-{inventory.environment}-{service}-service")
        own_tables = {tables[t.logical_name] for t in SERVICE_DATA[service].tables}
        own_buckets = {buckets[b.logical_name] for b in SERVICE_DATA[service].buckets}
        own_queues = {
            arn
            for spec in SERVICE_DATA[service].queues
            for arn in queue_arns(inventory, spec.logical_name)
        }
        scans = {
            f"{tables[t.logical_name]}/index/{index}" for t, index in SERVICE_INDEX_SCANS[service]
        }
        allowed = {
            "dynamodb": own_tables | {f"{arn}/index/*" for arn in own_tables} | scans,
            "s3": own_buckets | {f"{arn}/*" for arn in own_buckets},
            "sts": {tenant_role},
            "secretsmanager": {r for r in _all_secret_arns(inventory, service)},
            "cognito-idp": {user_pool} if pool_actions else set(),
            "sqs": own_queues,
        }
        granted: dict[str, set[str]] = {k: set() for k in allowed}
        cognito_actions: set[str] = set()
        queue_actions: set[str] = set()
        for document in role_policies(inventory, role):
            for statement in statements(document):
                for action in as_list(statement.get("Action")):
                    prefix = action.split(":")[0]
                    require(prefix in allowed, f"{service}: unexpected action {action}")
                    granted[prefix] |= _resources(statement)
                    if prefix == "cognito-idp":
                        cognito_actions.add(action)
                    if prefix == "sqs":
                        queue_actions.add(action)
        expected_queue_actions = set(SQS_QUEUE_ACTIONS) if own_queues else set()
        require(
            queue_actions == expected_queue_actions,
            f"{service}: SQS actions {sorted(queue_actions)} != {sorted(expected_queue_actions)}",
        )
        require(granted["sqs"] == own_queues, f"{service}: own queues not granted exactly")
        require(
            cognito_actions == pool_actions,
            f"{service}: Cognito actions {sorted(cognito_actions)} != {sorted(pool_actions)}",
        )
        for prefix, resources in granted.items():
            require(
                resources <= allowed[prefix],
                f"{service}: {prefix} on foreign resources {resources - allowed[prefix]}",
            )
        require(granted["dynamodb"] == allowed["dynamodb"], f"{service}: own tables not granted")
        require(granted["sts"] == {tenant_role}, f"{service}: cannot assume the tenant role")


def check_scans(inventory: Inventory) -> None:
    """No role may Scan, except each service on exactly the sparse indexes
    `SERVICE_INDEX_SCANS` names (the chat service's retention sweep on `by_updated`, decision
    0122), in a statement that grants nothing else: never a table, never another role."""
    tables = {
        t.inputs["tags"]["engageiq:table"]: t.outputs["arn"] for t in inventory.of_type(TABLE)
    }
    expected = {
        role_named(inventory, f"engageiq-{inventory.environment}-{service}-service").outputs[
            "id"
        ]: {f"{tables[t.logical_name]}/index/{index}" for t, index in scans}
        for service, scans in SERVICE_INDEX_SCANS.items()
    }
    granted: dict[str, set[str]] = {role: set() for role in expected}
    for policy in inventory.of_type(ROLE_POLICY):
        role = policy.inputs.get("role")
        for statement in statements(json.loads(policy.inputs["policy"])):
            actions = as_list(statement.get("Action"))
            if not any(a in ("dynamodb:Scan", "dynamodb:*", "*") for a in actions):
                continue
            require(actions == ["dynamodb:Scan"], f"a Scan granted with {actions}")
            require(role in expected, f"role {role} may Scan")
            granted.setdefault(str(role), set()).update(_resources(statement))
    require(granted == expected, f"Scans granted {granted}, expected {expected}")


QUEUE: Final = "aws:sqs/queue:Queue"
QUEUE_POLICY: Final = "aws:sqs/queuePolicy:QueuePolicy"
REDRIVE_ALLOW: Final = "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"


def queue_pair(
    inventory: Inventory, logical_name: str
) -> tuple[RecordedResource, RecordedResource]:
    """The queue of the spec named `logical_name` and its dead-letter queue."""
    tagged = [
        q for q in inventory.of_type(QUEUE) if q.inputs["tags"]["engageiq:queue"] == logical_name
    ]
    dead = [q for q in tagged if q.inputs["tags"].get("engageiq:role") == "dead-letter"]
    live = [q for q in tagged if q not in dead]
    require(len(live) == 1 and len(dead) == 1, f"{logical_name}: one queue and one DLQ")
    return live[0], dead[0]


def queue_arns(inventory: Inventory, logical_name: str) -> set[str]:
    return {q.outputs["arn"] for q in queue_pair(inventory, logical_name)}


def check_queues(inventory: Inventory) -> None:
    """Every queue of the spec: FIFO, explicit deduplication, SSE, the spec's visibility
    timeout and retention, a redrive policy to its own FIFO dead-letter queue after the spec's
    receives, a dead-letter queue that accepts only it, and queue policies that deny sending
    to anyone but the writing service's role and any request without TLS."""
    require(len(inventory.of_type(QUEUE)) == 2 * len(QUEUES), "only the spec's queues")
    for spec in QUEUES:
        queue, dead = queue_pair(inventory, spec.logical_name)
        env = inventory.environment
        require(queue.inputs["name"] == spec.physical_name(env), f"{spec.logical_name}: name")
        require(dead.inputs["name"] == spec.dead_letter_physical_name(env), "DLQ name")
        for q in (queue, dead):
            require(q.inputs.get("fifoQueue") is True, f"{q.name}: not FIFO")
            require(q.inputs.get("sqsManagedSseEnabled") is True, f"{q.name}: not encrypted")
        require(queue.inputs.get("contentBasedDeduplication") is False, "content deduplication")
        require(
            queue.inputs["visibilityTimeoutSeconds"] == spec.visibility_timeout_seconds,
            f"{spec.logical_name}: visibility timeout",
        )
        require(queue.inputs["messageRetentionSeconds"] == spec.retention_seconds, "retention")
        require(
            dead.inputs["messageRetentionSeconds"] == spec.dead_letter_retention_seconds,
            "DLQ retention",
        )
        redrive = json.loads(queue.inputs["redrivePolicy"])
        require(
            redrive
            == {
                "deadLetterTargetArn": dead.outputs["arn"],
                "maxReceiveCount": spec.max_receive_count,
            },
            f"{spec.logical_name}: redrive policy {redrive}",
        )
        allow = [
            r
            for r in inventory.of_type(REDRIVE_ALLOW)
            if r.inputs["queueUrl"] == dead.outputs["url"]
        ]
        require(len(allow) == 1, "DLQ redrive-allow policy")
        require(
            json.loads(allow[0].inputs["redriveAllowPolicy"])
            == {"redrivePermission": "byQueue", "sourceQueueArns": [queue.outputs["arn"]]},
            "the DLQ accepts only its queue",
        )
        writer = next(s for s, a in SERVICE_DATA.items() if spec in a.queues)
        writer_arn = role_named(inventory, f"engageiq-{env}-{writer}-service").outputs["arn"]
        for q in (queue, dead):
            policies = [
                p
                for p in inventory.of_type(QUEUE_POLICY)
                if p.inputs["queueUrl"] == q.outputs["url"]
            ]
            require(len(policies) == 1, f"{q.name}: one queue policy")
            found = statements(json.loads(policies[0].inputs["policy"]))
            sends = [
                st
                for st in found
                if st["Effect"] == "Deny"
                and st["Action"] == "sqs:SendMessage"
                and st["Resource"] == q.outputs["arn"]
                and st["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": writer_arn}}
            ]
            require(sends, f"{q.name}: others may send")
            tls = [
                st
                for st in found
                if st["Effect"] == "Deny"
                and st["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            ]
            require(tls, f"{q.name}: not TLS-only")
        alarms = [
            a
            for a in inventory.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
            if a.inputs.get("namespace") == "AWS/SQS"
            and a.inputs.get("dimensions") == {"QueueName": dead.outputs["name"]}
        ]
        require(
            len(alarms) == 1 and alarms[0].inputs["threshold"] == 0,
            f"{spec.logical_name}: no alarm on its dead-letter queue",
        )


def check_queue_wiring(inventory: Inventory) -> None:
    """Each queue's URL output is the queue's own, and exactly the services that use the queue
    (`SERVICE_DATA`) get it and its dead-letter queue's URL in their environment (the consumer
    dead-letters a job itself, decision 0141)."""
    for spec in QUEUES:
        queue, dead = queue_pair(inventory, spec.logical_name)
        require(inventory.outputs[spec.output_key] == queue.outputs["url"], "queue URL output")
        require(inventory.outputs[spec.dead_letter_output_key] == dead.outputs["url"], "DLQ URL")
        for service in SERVICES:
            variables = service_environment(inventory, service)
            if spec in SERVICE_DATA[service].queues:
                require(
                    variables.get(spec.env_var) == queue.outputs["url"],
                    f"{service}: {spec.env_var} is not the queue's URL",
                )
                require(
                    variables.get(spec.dead_letter_env_var) == dead.outputs["url"],
                    f"{service}: {spec.dead_letter_env_var} is not the dead-letter queue's URL",
                )
            else:
                for variable in (spec.env_var, spec.dead_letter_env_var):
                    require(variable not in variables, f"{service} is told of {variable}")


def _all_secret_arns(inventory: Inventory, service: str) -> set[str]:
    prefix = f"engageiq/{inventory.environment}/{service}/"
    names = {v.lower().replace("_", "-") for v in SERVICE_SECRETS[service]}
    return {
        s.outputs["arn"]
        for s in inventory.of_type("aws:secretsmanager/secret:Secret")
        if s.inputs["name"].startswith(prefix) and s.inputs["name"].removeprefix(prefix) in names
    }


def check_tenant_role(inventory: Inventory) -> None:
    tenant_role_arn = inventory.outputs[TENANT_ROLE_ARN]
    role = next((r for r in inventory.of_type(ROLE) if r.outputs["arn"] == tenant_role_arn), None)
    require(role is not None, "no tenant role")
    assert role is not None
    service_roles = {
        role_named(inventory, f"engageiq-{inventory.environment}-{s}-service").outputs["arn"]
        for s in SERVICES
    }
    trust = statements(json.loads(role.inputs["assumeRolePolicy"]))
    for statement in trust:
        principals = set(as_list(statement.get("Principal", {}).get("AWS")))
        require(principals == service_roles, f"tenant role trusts {principals}")
        require(
            {"sts:AssumeRole", "sts:TagSession"} <= set(as_list(statement["Action"])),
            "tenant role cannot be assumed with session tags",
        )
        require(
            statement.get("Condition", {}).get("StringLike", {}).get("aws:RequestTag/tenant_id")
            == "?*",
            "sessions without a tenant tag allowed",
        )
    scoped = {
        t.outputs["arn"]
        for t in inventory.of_type(TABLE)
        if any(
            s.tenant_scoped and t.inputs["name"] == s.physical_name(inventory.environment)
            for s in TABLES
        )
    }
    uploads = bucket_for(inventory, UPLOADS.logical_name).outputs["arn"]
    saw_items = saw_objects = False
    for document in role_policies(inventory, role):
        for statement in statements(document):
            actions = as_list(statement.get("Action"))
            if any(a.startswith("dynamodb:") for a in actions):
                saw_items = True
                leading = (
                    statement.get("Condition", {})
                    .get("ForAllValues:StringLike", {})
                    .get("dynamodb:LeadingKeys")
                )
                require(leading == [TENANT_LEADING_KEY], f"LeadingKeys condition is {leading}")
                tables = {r.removesuffix("/index/*") for r in _resources(statement)}
                require(tables <= scoped, f"tenant role reaches unscoped tables {tables - scoped}")
            if any(a.startswith("s3:") and a not in S3_VERSION_LISTING_ACTIONS for a in actions):
                saw_objects = True
                require(
                    _resources(statement) == {f"{uploads}/{TENANT_OBJECTS}"},
                    f"tenant objects outside the tenant prefix: {_resources(statement)}",
                )
            if set(actions) & set(S3_VERSION_LISTING_ACTIONS):
                prefix = statement.get("Condition", {}).get("StringLike", {}).get("s3:prefix")
                require(prefix == [TENANT_OBJECTS], f"listing not limited to the tenant: {prefix}")
    require(saw_items and saw_objects, "tenant role grants no tenant data")


# Services and wiring -------------------------------------------------------------------------


def check_cloud_environment(inventory: Inventory) -> None:
    for service in SERVICES:
        variables = service_environment(inventory, service)
        leaked = LOCAL_ONLY_ENV_VARS & variables.keys()
        require(not leaked, f"{service}: local-only variables {sorted(leaked)} in the cloud")
        require(variables.get(EnvVars.ENV) == inventory.environment, f"{service}: wrong ENV")
        for name, value in variables.items():
            require(
                "127.0.0.1" not in value and "localhost" not in value,
                f"{service}: {name} points at a local address",
            )


def check_service_wiring(inventory: Inventory) -> None:
    """The services' variables are the very values the stack outputs."""
    out = inventory.outputs
    expected = {
        EnvVars.REGION: out[OUTPUT_KEYS.region],
        EnvVars.USER_POOL_ID: out[OUTPUT_KEYS.user_pool_id],
        EnvVars.USER_POOL_CLIENT_ID: out[OUTPUT_KEYS.user_pool_client_id],
        EnvVars.TENANT_ROLE_ARN: out[TENANT_ROLE_ARN],
        **{t.env_var: out[t.output_key] for t in TABLES},
        **{b.env_var: out[b.output_key] for b in BUCKETS},
    }
    for service in SERVICES:
        variables = service_environment(inventory, service)
        wrong = {k: variables.get(k) for k, v in expected.items() if variables.get(k) != v}
        require(not wrong, f"{service}: variables differ from outputs: {wrong}")


def check_outputs_are_resources(inventory: Inventory) -> None:
    """The exported names are the resources' own outputs, not names rebuilt from the spec."""
    tables = {
        t.inputs["tags"]["engageiq:table"]: t.outputs["name"] for t in inventory.of_type(TABLE)
    }
    buckets = {
        b.inputs["tags"]["engageiq:bucket"]: b.outputs["bucket"] for b in inventory.of_type(BUCKET)
    }
    for spec in TABLES:
        require(
            inventory.outputs[spec.output_key] == tables[spec.logical_name],
            f"{spec.output_key} is not the table's name",
        )
    for bucket_spec in BUCKETS:
        require(
            inventory.outputs[bucket_spec.output_key] == buckets[bucket_spec.logical_name],
            f"{bucket_spec.output_key} is not the bucket's name",
        )
    pool = the_one(inventory, USER_POOL_TYPE)
    client = the_one(inventory, CLIENT)
    require(inventory.outputs[OUTPUT_KEYS.user_pool_id] == pool.outputs["id"], "pool id output")
    require(
        inventory.outputs[OUTPUT_KEYS.user_pool_client_id] == client.outputs["id"],
        "client id output",
    )


def check_web_config(inventory: Inventory) -> None:
    objects = [
        o
        for o in inventory.of_type("aws:s3/bucketObjectv2:BucketObjectv2")
        if o.inputs["key"] == CONFIG_OBJECT_KEY
    ]
    require(len(objects) == 1, "no config.json")
    web = bucket_for(inventory, WEB.logical_name)
    require(objects[0].inputs["bucket"] == web.outputs["id"], "config.json not in the web bucket")
    config = json.loads(objects[0].inputs["content"])
    out = inventory.outputs
    expected = {
        key: out[key]
        for key in (
            OUTPUT_KEYS.api_url,
            OUTPUT_KEYS.region,
            OUTPUT_KEYS.user_pool_id,
            OUTPUT_KEYS.user_pool_client_id,
            HOSTED_UI_DOMAIN,
        )
    }
    domain = read_stack_config(inventory.environment).get("engageiq:domain")
    if domain:
        expected[TENANT_DOMAIN] = domain
    require(config == expected, f"config.json {config} is not the outputs {expected}")
    require(
        out[OUTPUT_KEYS.api_url] == f"{out[OUTPUT_KEYS.web_url]}/api", "apiUrl not under webUrl"
    )


def check_health_checks(inventory: Inventory) -> None:
    for runner in inventory.of_type(APPRUNNER):
        health = runner.inputs.get("healthCheckConfiguration", {})
        require(
            health.get("path") == HEALTH_CHECK_PATH and health.get("protocol") == "HTTP",
            f"{runner.name}: health check {health}",
        )
    for express in inventory.of_type(EXPRESS):
        require(
            express.inputs.get("healthCheckPath") == HEALTH_CHECK_PATH,
            f"{express.name}: health check path",
        )


RANDOM_PASSWORD: Final = "random:index/randomPassword:RandomPassword"
RANDOM_ID: Final = "random:index/randomId:RandomId"


def _service_secret_arn(inventory: Inventory, service: str, variable: str) -> str | None:
    name = f"engageiq-{inventory.environment}-{service}"
    for runner in inventory.of_type(APPRUNNER):
        if runner.inputs["serviceName"] == name:
            image = runner.inputs["sourceConfiguration"]["imageRepository"]
            secrets = image["imageConfiguration"].get("runtimeEnvironmentSecrets", {})
            return secrets.get(variable)  # type: ignore[no-any-return]
    for express in inventory.of_type(EXPRESS):
        if express.inputs["serviceName"] == name:
            for secret in express.inputs["primaryContainer"].get("secrets", []):
                if secret["name"] == variable:
                    return str(secret["valueFrom"])
    return None


def check_origin_secret(inventory: Inventory) -> None:
    """CloudFront sends the generated origin secret to every service origin, and every service
    gets the same value from Secrets Manager (never as a plain variable), plus the generation
    that redeploys it when the secret is rotated."""
    password = the_one(inventory, RANDOM_PASSWORD)
    generation = the_one(inventory, RANDOM_ID)
    value = password.outputs["result"]
    require(password.inputs["length"] >= 32, "the origin secret is shorter than 32 characters")
    require(
        password.inputs.get("keepers", {}).get("generation") == generation.outputs["hex"],
        "the origin secret does not follow its generation (rotation would not change it)",
    )
    distribution = the_one(inventory, DISTRIBUTION)
    for service in SERVICES:
        origin = next(
            (
                o
                for o in distribution.inputs["origins"]
                if o["originId"] == service_origin_id(service)
            ),
            None,
        )
        require(origin is not None, f"no CloudFront origin for {service}")
        assert origin is not None
        headers = {h["name"].lower(): h["value"] for h in origin.get("customHeaders", [])}
        require(
            headers.get(ORIGIN_HEADER) == value,
            f"CloudFront does not send the origin secret to {service}",
        )
        variables = service_environment(inventory, service)
        require(
            EnvVars.ORIGIN_SECRET not in variables,
            f"{service}: the origin secret is a plain variable",
        )
        require(
            variables.get(EnvVars.ORIGIN_SECRET_GENERATION) == generation.outputs["hex"],
            f"{service}: no origin secret generation variable (rotation would not redeploy it)",
        )
        arn = _service_secret_arn(inventory, service, EnvVars.ORIGIN_SECRET)
        require(arn is not None, f"{service} does not get the origin secret")
        secret = next(
            s
            for s in inventory.of_type("aws:secretsmanager/secret:Secret")
            if s.outputs["arn"] == arn
        )
        stored = [
            v.inputs.get("secretString")
            for v in inventory.of_type("aws:secretsmanager/secretVersion:SecretVersion")
            if v.inputs.get("secretId") == secret.outputs["id"]
        ]
        require(stored == [value], f"{service}: Secrets Manager holds another origin secret")
