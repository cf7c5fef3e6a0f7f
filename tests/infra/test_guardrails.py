"""The "Infrastructure guardrails" and IAM lines of the security checklist, for every
environment and compute option. Each test states one guardrail; the checks live in
guardrails.py, where test_guardrail_failures.py also proves that each can fail."""

from __future__ import annotations

from engageiq_infra.mocks import Inventory

from . import guardrails as g


def test_s3_public_access_is_blocked(stack: Inventory) -> None:
    g.check_public_access_blocked(stack)


def test_s3_buckets_are_encrypted(stack: Inventory) -> None:
    g.check_bucket_encryption(stack)


def test_s3_buckets_accept_tls_only(stack: Inventory) -> None:
    g.check_tls_only(stack)


def test_uploads_bucket_is_versioned(stack: Inventory) -> None:
    g.check_versioning(stack)


def test_uploads_abort_incomplete_multipart_and_allow_only_the_web_origin(stack: Inventory) -> None:
    g.check_uploads_lifecycle_and_cors(stack)


def test_web_bucket_is_readable_only_by_cloudfront_through_oac(stack: Inventory) -> None:
    g.check_web_bucket_cloudfront_only(stack)


def test_tables_have_pitr_encryption_and_prod_only_deletion_protection(stack: Inventory) -> None:
    g.check_tables(stack)


def test_tables_follow_the_resource_spec(stack: Inventory) -> None:
    g.check_tables_match_spec(stack)


def test_cloudfront_is_https_only(stack: Inventory) -> None:
    g.check_https_only(g.the_one(stack, g.DISTRIBUTION))


def test_cloudfront_minimum_tls(stack: Inventory) -> None:
    g.check_minimum_tls(g.the_one(stack, g.DISTRIBUTION))


def test_cloudfront_sends_security_headers_on_every_behaviour(stack: Inventory) -> None:
    g.check_security_headers(stack, g.the_one(stack, g.DISTRIBUTION))


def test_client_side_routes_load_index_html_without_masking_api_errors(stack: Inventory) -> None:
    g.check_spa_routes(stack, g.the_one(stack, g.DISTRIBUTION))


def test_api_behaviours_disable_caching_forward_authorization_and_suit_sse(
    stack: Inventory,
) -> None:
    g.check_api_behaviours(g.the_one(stack, g.DISTRIBUTION))


def test_app_client_cannot_write_the_tenant_attribute(stack: Inventory) -> None:
    g.check_clients_cannot_write_tenant(stack)


def test_tenant_attribute_is_immutable(stack: Inventory) -> None:
    g.check_tenant_attribute_immutable(stack)


def test_password_policy(stack: Inventory) -> None:
    g.check_password_policy(stack)


def test_token_lifetimes_are_deliberate(stack: Inventory) -> None:
    g.check_token_lifetimes(stack)


def test_no_unauthenticated_identities(stack: Inventory) -> None:
    g.check_no_unauthenticated_identities(stack)


def test_no_policy_allows_every_action(stack: Inventory) -> None:
    documents = list(g.policy_documents(stack))
    assert len(documents) >= 10  # the walk found the stack's policies, not nothing
    for owner, document in documents:
        g.check_no_wildcard_actions(owner, document)


def test_no_data_action_on_every_resource(stack: Inventory) -> None:
    for owner, document in g.policy_documents(stack):
        g.check_no_wildcard_data_resources(owner, document)


def test_only_the_expected_aws_managed_policies(stack: Inventory) -> None:
    g.check_managed_policies(stack)


def test_service_roles_are_limited_to_their_own_tables_and_buckets(stack: Inventory) -> None:
    g.check_service_roles_own_data(stack)


def test_queues_are_fifo_encrypted_with_a_dead_letter_queue_and_one_writer(
    stack: Inventory,
) -> None:
    g.check_queues(stack)


def test_only_the_chat_service_scans_and_only_the_by_updated_index(stack: Inventory) -> None:
    g.check_scans(stack)


def test_tenant_role_is_scoped_by_leading_keys_and_the_tenant_prefix(stack: Inventory) -> None:
    g.check_tenant_role(stack)


def test_cloud_services_never_get_local_only_variables(stack: Inventory) -> None:
    g.check_cloud_environment(stack)


def test_services_have_health_checks(stack: Inventory) -> None:
    g.check_health_checks(stack)
