"""Wiring: every value a service or the web app needs comes from the same run's outputs."""

from __future__ import annotations

import pytest

from engageiq_infra.config import COMPUTE_OPTIONS, read_stack_config
from engageiq_infra.mocks import Inventory
from engageiq_infra.outputs import LOCAL_ONLY_KEYS, cloud_output_keys
from engageiq_tenancy.resources import OUTPUT_KEYS, SERVICES, USER_POOL, EnvVars
from engageiq_tenancy.sso_connections import SSO_CONNECTION_ACTIONS
from engageiq_tenancy.tenant_users import MEMBER_LOOKUP_ACTIONS, TENANT_ADMIN_API_ACTIONS

from . import guardrails as g
from .conftest import recorded_stack


def test_service_variables_equal_the_stack_outputs(stack: Inventory) -> None:
    g.check_service_wiring(stack)


def test_outputs_are_the_resources_own_values(stack: Inventory) -> None:
    g.check_outputs_are_resources(stack)


def test_only_the_files_service_gets_the_ingestion_queue_url(stack: Inventory) -> None:
    g.check_queue_wiring(stack)


def test_cloudfront_origins_are_the_service_urls(stack: Inventory) -> None:
    g.check_origins_are_services(stack, g.the_one(stack, g.DISTRIBUTION))


def test_edge_behaviours_follow_edge_routes(stack: Inventory) -> None:
    g.check_edge_routes(g.the_one(stack, g.DISTRIBUTION))


def test_config_json_holds_the_outputs(stack: Inventory) -> None:
    g.check_web_config(stack)


def test_outputs_use_the_local_outputs_keys(stack: Inventory) -> None:
    assert set(stack.outputs) == cloud_output_keys()
    local_keys = {
        OUTPUT_KEYS.web_url,
        OUTPUT_KEYS.api_url,
        OUTPUT_KEYS.region,
        OUTPUT_KEYS.user_pool_id,
        OUTPUT_KEYS.user_pool_client_id,
        *OUTPUT_KEYS.tables.values(),
        *OUTPUT_KEYS.buckets.values(),
        *OUTPUT_KEYS.queues.values(),
    }
    assert local_keys <= set(stack.outputs)
    assert not LOCAL_ONLY_KEYS & set(stack.outputs)
    assert all(isinstance(v, str) and v for v in stack.outputs.values())


def test_services_run_as_their_own_roles(stack: Inventory) -> None:
    # The images they run: tests/infra/test_images.py.
    for service in SERVICES:
        role_arn = g.role_named(stack, f"engageiq-{stack.environment}-{service}-service")
        if stack.compute == "apprunner":
            runner = next(
                r
                for r in stack.of_type(g.APPRUNNER)
                if r.inputs["serviceName"].endswith(f"-{service}")
            )
            assert (
                runner.inputs["instanceConfiguration"]["instanceRoleArn"] == role_arn.outputs["arn"]
            )
        else:
            express = next(
                r
                for r in stack.of_type(g.EXPRESS)
                if r.inputs["serviceName"].endswith(f"-{service}")
            )
            assert express.inputs["taskRoleArn"] == role_arn.outputs["arn"]


def test_chat_administers_the_users_of_its_own_user_pool_and_files_only_looks_them_up(
    stack: Inventory,
) -> None:
    pool = g.the_one(stack, g.USER_POOL_TYPE)
    granted: dict[str, list[dict[str, object]]] = {}
    for service in SERVICES:
        role = g.role_named(stack, f"engageiq-{stack.environment}-{service}-service")
        granted[service] = [
            statement
            for document in g.role_policies(stack, role)
            for statement in g.statements(document)
            if any(str(a).startswith("cognito-idp:") for a in g.as_list(statement["Action"]))
        ]
    chat_actions = (*TENANT_ADMIN_API_ACTIONS, *SSO_CONNECTION_ACTIONS)
    for service, actions in (("chat", chat_actions), ("files", MEMBER_LOOKUP_ACTIONS)):
        [statement] = granted[service]
        assert statement["Resource"] == pool.outputs["arn"]
        assert sorted(g.as_list(statement["Action"])) == sorted(actions)
        # The pool the role may use is the one the service is told about.
        assert g.service_environment(stack, service)[EnvVars.USER_POOL_ID] == pool.outputs["id"]


def test_chat_gets_its_llm_key_as_a_secret_not_a_variable(stack: Inventory) -> None:
    assert "ANTHROPIC_API_KEY" not in g.service_environment(stack, "chat")
    secret = next(
        s
        for s in stack.of_type("aws:secretsmanager/secret:Secret")
        if s.inputs["name"].endswith("/chat/anthropic-api-key")
    )
    if stack.compute == "apprunner":
        runner = next(
            r for r in stack.of_type(g.APPRUNNER) if r.inputs["serviceName"].endswith("-chat")
        )
        image = runner.inputs["sourceConfiguration"]["imageRepository"]["imageConfiguration"]
        assert image["runtimeEnvironmentSecrets"]["ANTHROPIC_API_KEY"] == secret.outputs["arn"]
    else:
        express = next(
            r for r in stack.of_type(g.EXPRESS) if r.inputs["serviceName"].endswith("-chat")
        )
        assert {"name": "ANTHROPIC_API_KEY", "valueFrom": secret.outputs["arn"]} in express.inputs[
            "primaryContainer"
        ]["secrets"]


def test_scaling_follows_the_environment_config(stack: Inventory) -> None:
    config = read_stack_config(stack.environment)
    low, high = config["engageiq:minInstances"], config["engageiq:maxInstances"]
    if stack.compute == "apprunner":
        scalings = stack.of_type(
            "aws:apprunner/autoScalingConfigurationVersion:AutoScalingConfigurationVersion"
        )
        assert [
            (s.inputs["minSize"], s.inputs["maxSize"], s.inputs["maxConcurrency"]) for s in scalings
        ] == [(low, high, config["engageiq:maxConcurrency"])] * 2
    else:
        targets = [r.inputs["scalingTargets"][0] for r in stack.of_type(g.EXPRESS)]
        assert [(t["minTaskCount"], t["maxTaskCount"]) for t in targets] == [(low, high)] * 2
        groups = stack.of_type("aws:cloudwatch/logGroup:LogGroup")
        assert {grp.inputs["retentionInDays"] for grp in groups} == {
            config["engageiq:logRetentionDays"]
        }


def test_hosted_ui_client_uses_the_code_flow_without_a_secret(stack: Inventory) -> None:
    client = g.the_one(stack, g.CLIENT)
    assert client.inputs["allowedOauthFlows"] == ["code"]
    assert client.inputs["explicitAuthFlows"] == list(USER_POOL.auth_flows)
    callbacks = client.inputs["callbackUrls"]
    assert callbacks
    assert all(u.startswith(("https://", "http://localhost")) for u in callbacks)
    domain = read_stack_config(stack.environment).get("engageiq:domain")
    if domain:
        assert f"https://{domain}/auth/callback" in callbacks


@pytest.mark.parametrize("compute", COMPUTE_OPTIONS)
def test_environments_differ_deliberately(compute: str) -> None:
    dev, staging, prod = (recorded_stack(e, compute) for e in ("dev", "staging", "prod"))
    sizes = [g.the_one(s, g.DISTRIBUTION).inputs.get("aliases") for s in (dev, staging, prod)]
    assert sizes[0] is None
    assert sizes[1]
    assert sizes[2]
    assert [
        bool(t.inputs["deletionProtectionEnabled"])
        for s in (dev, staging, prod)
        for t in s.of_type(g.TABLE)[:1]
    ] == [False, False, True]
    configs = [read_stack_config(e) for e in ("dev", "staging", "prod")]
    for key in ("engageiq:memory", "engageiq:maxInstances", "engageiq:logRetentionDays"):
        assert len({c[key] for c in configs}) > 1, f"{key} is the same everywhere"


def test_custom_domain_gets_a_us_east_1_certificate_with_a_tenant_wildcard(
    prod_stack: Inventory,
) -> None:
    certificate = g.the_one(prod_stack, "aws:acm/certificate:Certificate")
    domain = read_stack_config("prod")["engageiq:domain"]
    assert certificate.inputs["domainName"] == domain
    assert certificate.inputs["subjectAlternativeNames"] == [f"*.{domain}"]
    providers = prod_stack.of_type("pulumi:providers:aws")
    assert [p.inputs.get("region") for p in providers] == ["us-east-1"]
    viewer = g.the_one(prod_stack, g.DISTRIBUTION).inputs["viewerCertificate"]
    validation = g.the_one(prod_stack, "aws:acm/certificateValidation:CertificateValidation")
    assert viewer["acmCertificateArn"] == validation.outputs["certificateArn"]


def test_ecs_express_runs_in_the_configured_network(stack: Inventory) -> None:
    config = read_stack_config(stack.environment)
    for express in stack.of_type(g.EXPRESS):
        subnets = config.get("engageiq:ecsSubnetIds")
        expected = (
            [{"subnets": subnets, "securityGroups": config["engageiq:ecsSecurityGroupIds"]}]
            if subnets
            else None
        )
        assert express.inputs.get("networkConfigurations") == expected


def test_alarms_watch_5xx_and_latency_of_the_deployed_resources(stack: Inventory) -> None:
    alarms = {
        a.inputs["metricName"]: a
        for a in stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a.inputs["namespace"] == "AWS/CloudFront"
    }
    distribution = g.the_one(stack, g.DISTRIBUTION)
    assert set(alarms) == {"5xxErrorRate", "OriginLatency"}
    for alarm in alarms.values():
        assert alarm.inputs["dimensions"]["DistributionId"] == distribution.outputs["id"]
    runner_alarms = [
        a
        for a in stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a.inputs["namespace"] == "AWS/AppRunner"
    ]
    runners = {r.outputs["serviceId"] for r in stack.of_type(g.APPRUNNER)}
    assert {a.inputs["dimensions"]["ServiceID"] for a in runner_alarms} == runners
    assert {a.inputs["metricName"] for a in runner_alarms} == (
        {"5xxStatusResponses", "RequestLatency"} if runners else set()
    )
    notify = read_stack_config(stack.environment).get("engageiq:alarmEmail")
    for alarm in stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        assert bool(alarm.inputs.get("alarmActions")) == bool(notify)


def test_cloudfront_sends_the_origin_secret_the_services_require(stack: Inventory) -> None:
    g.check_origin_secret(stack)
