"""The bootstrap program (GitHub OIDC deploy access) under mocks: trust limited to this
repository's environments and pull requests, and a deploy policy that covers exactly what the
program creates, named where AWS allows (engageiq_infra.deploy_access, decision 0068)."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any, Final

import pytest
import yaml

from engageiq_infra.config import COMPUTE_OPTIONS, ConfigError
from engageiq_infra.deploy_access import (
    GITHUB_OIDC_URL,
    PREVIEW_ROLE,
    RESOURCE_GRANTS,
    UNSCOPED_ACTIONS,
    DeployTarget,
    deploy_policy,
    deploy_role_name,
)
from engageiq_infra.mocks import MOCK_ACCOUNT, Inventory, RecordedResource, run_bootstrap
from engageiq_tenancy.resources import CLOUD_ENVIRONMENTS, Environment

from . import guardrails as g
from .conftest import recorded_stack

REPOSITORY: Final = "engageiq/engageiq"
BOOTSTRAP_DIR: Final = Path(__file__).resolve().parents[2] / "bootstrap"
# Types that need no AWS permission of their own.
LOCAL_TYPES: Final = frozenset({"pulumi:providers:aws"})


@pytest.fixture(scope="module")
def bootstrap() -> list[RecordedResource]:
    return run_bootstrap(
        "main",
        {"aws:region": "eu-west-1", "engageiq-bootstrap:githubRepository": REPOSITORY},
    )


def role(resources: list[RecordedResource], name: str) -> RecordedResource:
    return next(r for r in resources if r.type == g.ROLE and r.inputs["name"] == name)


def trust(resource: RecordedResource) -> dict[str, Any]:
    [statement] = json.loads(resource.inputs["assumeRolePolicy"])["Statement"]
    assert isinstance(statement, dict)
    return statement


def policy_of(resources: list[RecordedResource], role_resource: RecordedResource) -> dict[str, Any]:
    [attached] = [
        r
        for r in resources
        if r.type == g.ROLE_POLICY and r.inputs["role"] == role_resource.outputs["id"]
    ]
    document = json.loads(attached.inputs["policy"])
    assert isinstance(document, dict)
    return document


def test_one_github_oidc_provider_for_sts(bootstrap: list[RecordedResource]) -> None:
    [provider] = [
        r for r in bootstrap if r.type == "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
    ]
    assert provider.inputs["url"] == GITHUB_OIDC_URL
    assert provider.inputs["clientIdLists"] == ["sts.amazonaws.com"]


@pytest.mark.parametrize("environment", CLOUD_ENVIRONMENTS)
def test_a_deploy_role_trusts_only_this_repositorys_environment(
    bootstrap: list[RecordedResource], environment: str
) -> None:
    statement = trust(role(bootstrap, deploy_role_name(environment)))
    provider = next(
        r for r in bootstrap if r.type.endswith("openIdConnectProvider:OpenIdConnectProvider")
    )
    assert statement["Principal"] == {"Federated": provider.outputs["arn"]}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    # StringEquals, not StringLike: no wildcard can widen the subject.
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": (
                f"repo:{REPOSITORY}:environment:{environment}"
            ),
        }
    }


def test_the_preview_role_trusts_pull_requests_and_can_only_log_in_to_ecr(
    bootstrap: list[RecordedResource],
) -> None:
    preview = role(bootstrap, PREVIEW_ROLE)
    assert trust(preview)["Condition"]["StringEquals"][
        "token.actions.githubusercontent.com:sub"
    ] == (f"repo:{REPOSITORY}:pull_request")
    [statement] = policy_of(bootstrap, preview)["Statement"]
    assert statement["Action"] == ["ecr:GetAuthorizationToken"]


def test_only_the_configured_environments_get_a_role(tmp_path: Path) -> None:
    resources = run_bootstrap(
        "prod-account",
        {
            "aws:region": "eu-west-1",
            "engageiq-bootstrap:githubRepository": REPOSITORY,
            "engageiq-bootstrap:environments": '["prod"]',
            "engageiq-bootstrap:existingOidcProviderArn": "arn:aws:iam::1:oidc-provider/x",
        },
    )
    names = {r.inputs["name"] for r in resources if r.type == g.ROLE}
    assert names == {deploy_role_name("prod"), PREVIEW_ROLE}
    assert not [r for r in resources if "openIdConnectProvider" in r.type]
    assert trust(role(resources, PREVIEW_ROLE))["Principal"] == {
        "Federated": "arn:aws:iam::1:oidc-provider/x"
    }


@pytest.mark.parametrize(
    "config",
    [
        {"engageiq-bootstrap:githubRepository": "no-owner"},
        {
            "engageiq-bootstrap:githubRepository": REPOSITORY,
            "engageiq-bootstrap:environments": '["qa"]',
        },
    ],
)
def test_a_wrong_bootstrap_config_is_refused(config: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        run_bootstrap("main", {"aws:region": "eu-west-1", **config})


# The deploy policy against what the program creates ------------------------------------------


def stacks() -> list[Inventory]:
    return [recorded_stack(e, c) for e in CLOUD_ENVIRONMENTS for c in COMPUTE_OPTIONS]


def target(stack: Inventory) -> DeployTarget:
    config = yaml.safe_load(
        (
            Path(__file__).resolve().parents[2]
            / "environments"
            / f"Pulumi.{stack.environment}.yaml"
        ).read_text()
    )["config"]
    return DeployTarget(
        stack.environment, config["aws:region"], config.get("engageiq:hostedZoneId")
    )


def statements_by_sid(stack: Inventory) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in deploy_policy(target(stack), MOCK_ACCOUNT)["Statement"]}


def covered(statement: dict[str, Any], arn: str) -> bool:
    return any(fnmatch.fnmatchcase(arn, pattern) for pattern in statement["Resource"])


@pytest.mark.parametrize("stack", stacks(), ids=lambda s: f"{s.environment}-{s.compute}")
def test_every_resource_type_the_program_creates_has_its_grant(stack: Inventory) -> None:
    grants = statements_by_sid(stack)
    for resource in stack.custom_resources():
        if resource.type in LOCAL_TYPES:
            continue
        assert resource.type in RESOURCE_GRANTS, f"no deploy permission for {resource.type}"
        for sid in RESOURCE_GRANTS[resource.type]:
            assert sid in grants, f"{resource.type}: statement {sid} missing in {stack.environment}"


@pytest.mark.parametrize("stack", stacks(), ids=lambda s: f"{s.environment}-{s.compute}")
def test_named_resources_fall_under_their_statement(stack: Inventory) -> None:
    grants = statements_by_sid(stack)
    region = target(stack).region
    expected: list[tuple[str, str]] = []
    for r in stack.custom_resources():
        if r.type in {g.TABLE, g.BUCKET, g.ROLE, "aws:ecr/repository:Repository"}:
            expected.append((RESOURCE_GRANTS[r.type][0], r.outputs["arn"]))
        elif r.type == "aws:secretsmanager/secret:Secret":
            expected.append(("Secrets", r.outputs["arn"]))
        elif r.type == g.QUEUE:
            expected.append(("Queues", f"arn:aws:sqs:{region}:{MOCK_ACCOUNT}:{r.inputs['name']}"))
        elif r.type == "aws:cloudwatch/logGroup:LogGroup":
            arn = f"arn:aws:logs:{region}:{MOCK_ACCOUNT}:log-group:{r.inputs['name']}"
            expected.append(("LogGroups", arn))
        elif r.type == "aws:cloudwatch/metricAlarm:MetricAlarm":
            alarm = r.inputs["name"]
            regions = {region, "us-east-1"}
            assert any(
                covered(grants["Alarms"], f"arn:aws:cloudwatch:{reg}:{MOCK_ACCOUNT}:alarm:{alarm}")
                for reg in regions
            ), alarm
        elif r.type == "aws:sns/topic:Topic":
            expected.append(
                ("AlarmTopics", f"arn:aws:sns:{region}:{MOCK_ACCOUNT}:{r.inputs['name']}")
            )
        elif r.type == "aws:cloudfront/function:Function":
            expected.append(
                ("EdgeFunctions", f"arn:aws:cloudfront::{MOCK_ACCOUNT}:function/{r.inputs['name']}")
            )
        elif r.type == g.APPRUNNER:
            expected.append(
                (
                    "AppRunner",
                    f"arn:aws:apprunner:{region}:{MOCK_ACCOUNT}:service/{r.inputs['serviceName']}/0123",
                )
            )
        elif r.type == g.EXPRESS:
            cluster = f"engageiq-{stack.environment}"
            expected.append(
                (
                    "EcsExpress",
                    f"arn:aws:ecs:{region}:{MOCK_ACCOUNT}:service/{cluster}/{r.inputs['serviceName']}",
                )
            )
    assert len(expected) > 10
    for sid, arn in expected:
        assert covered(grants[sid], arn), f"{arn} is not under {sid}"


@pytest.mark.parametrize("stack", stacks()[:2], ids=lambda s: f"{s.environment}-{s.compute}")
def test_the_deploy_role_writes_web_objects_but_never_tenant_files(stack: Inventory) -> None:
    grants = statements_by_sid(stack)
    web = g.bucket_for(stack, "web").outputs["arn"]
    uploads = g.bucket_for(stack, "uploads").outputs["arn"]
    assert covered(grants["WebObjects"], f"{web}/index.html")
    for statement in grants.values():
        object_actions = [a for a in statement["Action"] if a.endswith("Object")]
        if object_actions:
            assert not covered(statement, f"{uploads}/tenants/acme/files/1"), statement["Sid"]


def test_other_environments_are_out_of_reach() -> None:
    dev = {
        s["Sid"]: s
        for s in deploy_policy(DeployTarget("dev", "eu-west-1"), MOCK_ACCOUNT)["Statement"]
    }
    prod_table = f"arn:aws:dynamodb:eu-west-1:{MOCK_ACCOUNT}:table/engageiq-prod-tenants"
    prod_role = f"arn:aws:iam::{MOCK_ACCOUNT}:role/engageiq-prod-chat-service"
    assert not covered(dev["Tables"], prod_table)
    assert not covered(dev["Roles"], prod_role)
    assert not covered(dev["PassOwnRoles"], prod_role)


@pytest.mark.parametrize("environment", CLOUD_ENVIRONMENTS)
def test_every_action_is_named_and_star_resources_only_where_aws_requires(
    environment: Environment,
) -> None:
    for statement in deploy_policy(DeployTarget(environment, "eu-west-1", "Z1"), MOCK_ACCOUNT)[
        "Statement"
    ]:
        for action in statement["Action"]:
            assert "*" not in action, action
        if "*" in statement["Resource"]:
            assert statement["Resource"] == ["*"]
            assert set(statement["Action"]) <= UNSCOPED_ACTIONS, statement["Sid"]
    grants = {
        s["Sid"]: s
        for s in deploy_policy(DeployTarget(environment, "eu-west-1"), MOCK_ACCOUNT)["Statement"]
    }
    assert "DnsRecords" not in grants  # no hosted zone, no DNS permission


def test_the_bootstrap_project_runs_the_same_code() -> None:
    project = yaml.safe_load((BOOTSTRAP_DIR / "Pulumi.yaml").read_text())
    assert project["name"] == "engageiq-bootstrap"
    assert project["runtime"]["options"]["virtualenv"] == "../.venv"
    main = (BOOTSTRAP_DIR / project["main"]).read_text()
    assert "DeployAccess(" in main
    assert "load_args()" in main
