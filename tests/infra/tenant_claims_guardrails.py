"""Guardrails of the pre-token-generation trigger (decision 0121), over a recorded stack:
wired to the pool with event V2_0, invoked only by that pool, and allowed nothing but reading
tenants-table items by key, adding that pool's users to groups and writing its own logs; no
identity provider maps an attribute of the IdP into `custom:tenant_id`.

Kept apart from guardrails.py (same `require`/`GuardrailViolation`), checked on every
environment by test_tenant_claims.py, each check broken on purpose there too."""

from __future__ import annotations

from typing import Final

from engageiq_infra.mocks import Inventory, RecordedResource
from engageiq_infra.tenant_claims import EVENT_VERSION, TABLE_VARIABLE
from engageiq_tenancy.resources import TENANTS, USER_POOL

from .guardrails import (
    ROLE,
    TABLE,
    USER_POOL_TYPE,
    as_list,
    require,
    role_policies,
    statements,
    the_one,
)

FUNCTION: Final = "aws:lambda/function:Function"
PERMISSION: Final = "aws:lambda/permission:Permission"
LOG_GROUP: Final = "aws:cloudwatch/logGroup:LogGroup"
IDENTITY_PROVIDER: Final = "aws:cognito/identityProvider:IdentityProvider"
ATTACHMENT: Final = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
# V2_0 events need a pool on the Essentials or Plus feature plan.
V2_TIERS: Final = frozenset({"ESSENTIALS", "PLUS"})


def trigger_function(inventory: Inventory) -> RecordedResource:
    """The function the pool's pre-token-generation trigger names (V2_0 on Essentials)."""
    pool = the_one(inventory, USER_POOL_TYPE)
    lambdas = pool.inputs.get("lambdaConfig") or {}
    config = lambdas.get("preTokenGenerationConfig") or {}
    require(config.get("lambdaVersion") == EVENT_VERSION, "pre-token trigger not on V2_0")
    require(pool.inputs.get("userPoolTier") in V2_TIERS, "V2_0 events need Essentials or Plus")
    # The legacy field, if set, must name the same function (Cognito requires it anyway).
    legacy = lambdas.get("preTokenGeneration")
    require(legacy in (None, config.get("lambdaArn")), "two pre-token triggers")
    found = [f for f in inventory.of_type(FUNCTION) if f.outputs["arn"] == config.get("lambdaArn")]
    require(len(found) == 1, "no pre-token-generation trigger on the user pool")
    return found[0]


def tenants_table(inventory: Inventory) -> RecordedResource:
    name = inventory.outputs[TENANTS.output_key]
    [table] = [t for t in inventory.of_type(TABLE) if t.outputs["name"] == name]
    return table


def check_trigger_wired(inventory: Inventory) -> None:
    function = trigger_function(inventory)
    pool = the_one(inventory, USER_POOL_TYPE)
    variables = (function.inputs.get("environment") or {}).get("variables") or {}
    require(
        variables.get(TABLE_VARIABLE) == tenants_table(inventory).outputs["name"],
        "the trigger does not read the deployed tenants table",
    )
    invokers = [
        p for p in inventory.of_type(PERMISSION) if p.inputs["function"] == function.outputs["name"]
    ]
    require(len(invokers) == 1, "the trigger must have exactly one invoke permission")
    permission = invokers[0].inputs
    require(
        permission.get("principal") == "cognito-idp.amazonaws.com"
        and permission.get("action") == "lambda:InvokeFunction"
        and permission.get("sourceArn") == pool.outputs["arn"],
        "the trigger may be invoked by something other than the user pool",
    )


def check_trigger_least_privilege(inventory: Inventory) -> None:
    """Exactly: logs on its own log group, GetItem on the tenants table, AdminAddUserToGroup
    on the pool. No other action (no write to any table), no other resource, no wildcard."""
    function = trigger_function(inventory)
    [role] = [r for r in inventory.of_type(ROLE) if r.outputs["arn"] == function.inputs["role"]]
    require(
        not role.inputs.get("managedPolicyArns")
        and not [
            a for a in inventory.of_type(ATTACHMENT) if a.inputs.get("role") == role.outputs["id"]
        ],
        "the trigger's role has managed policies",
    )
    [log_group] = [
        g
        for g in inventory.of_type(LOG_GROUP)
        if g.inputs.get("name") == f"/aws/lambda/{function.outputs['name']}"
    ]
    logs = f"{log_group.outputs['arn']}:*"
    expected = {
        ("logs:CreateLogStream", logs),
        ("logs:PutLogEvents", logs),
        ("dynamodb:GetItem", tenants_table(inventory).outputs["arn"]),
        ("cognito-idp:AdminAddUserToGroup", the_one(inventory, USER_POOL_TYPE).outputs["arn"]),
    }
    granted: set[tuple[str, str]] = set()
    for document in role_policies(inventory, role):
        for statement in statements(document):
            require(statement.get("Effect") == "Allow", "unexpected statement in the trigger role")
            require(not statement.get("NotAction") and not statement.get("NotResource"), "Not*")
            granted |= {
                (str(action), str(resource))
                for action in as_list(statement.get("Action"))
                for resource in as_list(statement.get("Resource"))
            }
    require(granted == expected, f"trigger role grants {sorted(granted - expected)}")


def check_no_provider_maps_the_tenant(inventory: Inventory) -> None:
    """Identity providers are data (created at run time by `engageiq tenants sso set`), so the
    stack normally declares none; any it does declare must not fill the tenant attribute."""
    for provider in inventory.of_type(IDENTITY_PROVIDER):
        mapping = provider.inputs.get("attributeMapping") or {}
        require(
            USER_POOL.tenant_claim not in mapping,
            f"{provider.name}: the identity provider maps {USER_POOL.tenant_claim}",
        )
