"""The pre-token-generation trigger under Pulumi mocks, in every environment and compute
option (decision 0121): wired with event V2_0, invoked only by the pool, least privilege, and
no identity provider filling the tenant attribute. That no app client may write
`custom:tenant_id` is test_guardrails.py's `test_app_client_cannot_write_the_tenant_attribute`.

Each check is also broken on purpose in a copy of a recorded stack, so none can pass vacuously."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any, Final

import pytest

from engageiq_infra.mocks import Inventory, RecordedResource
from engageiq_infra.tenant_claims import HANDLER_SOURCE
from engageiq_tenancy.sso_connections import OIDC_ATTRIBUTE_MAPPING, SAML_ATTRIBUTE_MAPPING

from . import guardrails as g
from . import tenant_claims_guardrails as tc
from .conftest import recorded_stack

Breakage = Callable[[Inventory], None]
Check = Callable[[Inventory], None]
CHECKS: Final[tuple[Check, ...]] = (
    tc.check_trigger_wired,
    tc.check_trigger_least_privilege,
    tc.check_no_provider_maps_the_tenant,
)


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
def test_every_stack_has_the_trigger_and_its_guardrails(stack: Inventory, check: Check) -> None:
    check(stack)


def test_the_function_runs_the_handler_module(stack: Inventory) -> None:
    function = tc.trigger_function(stack)
    assert function.inputs["handler"] == "tenant_claims.handler"
    assert function.inputs["runtime"] == "python3.12"
    assert function.inputs["timeout"] <= 5  # Cognito waits 5 s at most
    [(name, asset)] = function.inputs["code"].assets.items()
    assert name == "tenant_claims.py"
    assert asset.path == str(HANDLER_SOURCE)


def pool(stack: Inventory) -> dict[str, Any]:
    return g.the_one(stack, g.USER_POOL_TYPE).inputs


def edit_policy(stack: Inventory, name: str, edit: Callable[[dict[str, Any]], None]) -> None:
    resource = stack.named(name)
    document = json.loads(resource.inputs["policy"])
    edit(document)
    resource.inputs["policy"] = json.dumps(document)


def grant(name: str, action: str, resource: str | None = None) -> Breakage:
    def breakage(stack: Inventory) -> None:
        target = resource or tc.tenants_table(stack).outputs["arn"]
        edit_policy(
            stack,
            name,
            lambda d: d["Statement"].append(
                {"Effect": "Allow", "Action": action, "Resource": target}
            ),
        )

    return breakage


def identity_provider(mapping: dict[str, str]) -> Breakage:
    def breakage(stack: Inventory) -> None:
        stack.resources.append(
            RecordedResource(
                tc.IDENTITY_PROVIDER,
                "identity-acme-idp",
                True,
                {"providerName": "acme", "providerType": "OIDC", "attributeMapping": mapping},
                {},
            )
        )

    return breakage


BROKEN: Final[list[tuple[str, Breakage, Check]]] = [
    (
        "trigger-unwired",
        lambda s: pool(s)["lambdaConfig"].pop("preTokenGenerationConfig"),
        tc.check_trigger_wired,
    ),
    (
        "trigger-on-v1-events",
        lambda s: pool(s)["lambdaConfig"]["preTokenGenerationConfig"].update(lambdaVersion="V1_0"),
        tc.check_trigger_wired,
    ),
    ("pool-on-lite", lambda s: pool(s).update(userPoolTier="LITE"), tc.check_trigger_wired),
    (
        "second-legacy-trigger",
        lambda s: pool(s)["lambdaConfig"].update(
            preTokenGeneration=s.named("cognito-messages-function").outputs["arn"]
        ),
        tc.check_trigger_wired,
    ),
    (
        "any-pool-may-invoke",
        lambda s: s.named("tenant-claims-invoked-by-cognito").inputs.pop("sourceArn"),
        tc.check_trigger_wired,
    ),
    (
        "table-copied-from-the-spec",
        lambda s: (
            s.named("tenant-claims-function")
            .inputs["environment"]["variables"]
            .update(ENGAGEIQ_TENANTS_TABLE="engageiq-dev-tenants")
        ),
        tc.check_trigger_wired,
    ),
    (
        "writes-the-tenants-table",
        grant("tenant-claims-reads", "dynamodb:PutItem"),
        tc.check_trigger_least_privilege,
    ),
    (
        "scans-the-tenants-table",
        grant("tenant-claims-reads", "dynamodb:Scan"),
        tc.check_trigger_least_privilege,
    ),
    (
        "reads-another-table",
        grant(
            "tenant-claims-reads",
            "dynamodb:GetItem",
            "arn:aws:dynamodb:eu-west-1:123456789012:table/engageiq-dev-files-deployed",
        ),
        tc.check_trigger_least_privilege,
    ),
    (
        "groups-of-every-pool",
        lambda s: edit_policy(
            s, "tenant-claims-membership", lambda d: d["Statement"][0].update(Resource="*")
        ),
        tc.check_trigger_least_privilege,
    ),
    (
        "cognito-wildcard",
        lambda s: edit_policy(
            s,
            "tenant-claims-membership",
            lambda d: d["Statement"][0].update(Action="cognito-idp:Admin*"),
        ),
        tc.check_trigger_least_privilege,
    ),
    (
        "may-change-attributes",
        grant(
            "tenant-claims-membership",
            "cognito-idp:AdminUpdateUserAttributes",
            "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/x",
        ),
        tc.check_trigger_least_privilege,
    ),
    (
        "idp-maps-the-tenant",
        identity_provider({"email": "email", "custom:tenant_id": "organisation"}),
        tc.check_no_provider_maps_the_tenant,
    ),
]


@pytest.mark.parametrize(
    ("breakage", "check"), [pytest.param(b, c, id=name) for name, b, c in BROKEN]
)
def test_a_broken_trigger_guardrail_fails_its_check(breakage: Breakage, check: Check) -> None:
    intact = recorded_stack("dev", "apprunner")
    check(intact)
    broken = copy.deepcopy(intact)
    breakage(broken)
    with pytest.raises(g.GuardrailViolation):
        check(broken)


def test_providers_made_at_run_time_never_map_the_tenant() -> None:
    """Tenants' providers are created by `engageiq tenants sso set` and the tenant admin API,
    not by the stack: their attribute mappings fill no custom attribute, the tenant's least."""
    for mapping in (SAML_ATTRIBUTE_MAPPING, OIDC_ATTRIBUTE_MAPPING):
        assert "email" in mapping
        assert [name for name in mapping if name.startswith("custom:")] == []
