"""Identity: the Cognito user pool, its Hosted UI domain and the web app's client.

Role groups are per tenant (`<tenant>--<role>`, see engageiq_tenancy.context) and are created
by the tenant provisioning command, not here. There is no identity pool: nothing in the
platform hands AWS credentials to browsers, so there are no unauthenticated identities."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from engageiq_infra.config import MfaMode
from engageiq_tenancy.resources import USER_POOL, Environment
from engageiq_tenancy.user_access import ID_TOKEN_LIFETIME_SECONDS

# Deliberate token lifetimes: short access/ID tokens limit what a stolen token is worth; the
# refresh token keeps a working day's session without signing in again.
ACCESS_TOKEN_MINUTES: Final = 60
# The services keep access changes for as long as an ID token lives (engageiq_tenancy.user_access).
ID_TOKEN_MINUTES: Final = ID_TOKEN_LIFETIME_SECONDS // 60
REFRESH_TOKEN_DAYS: Final = 7
OAUTH_SCOPES: Final[tuple[str, ...]] = ("openid", "email", "profile")
# Tenant ids are short slugs (see engageiq_tenancy.tenant_ids); the bound stops oversized claims.
TENANT_ID_MAX_LENGTH: Final = 64


@dataclass(frozen=True, slots=True)
class IdentityArgs:
    environment: Environment
    region: str
    mfa: MfaMode
    deletion_protection: bool
    auth_domain_prefix: str
    callback_urls: tuple[str, ...]
    logout_urls: tuple[str, ...]
    messages: Mapping[str, Any] = field(default_factory=dict)
    """From CognitoMessages.identity_settings(): the message trigger, the fallback templates
    and the e-mail sender."""


class Identity(pulumi.ComponentResource):
    user_pool: aws.cognito.UserPool
    web_client: aws.cognito.UserPoolClient
    domain: aws.cognito.UserPoolDomain
    hosted_ui_domain: pulumi.Output[str]

    def __init__(
        self, name: str, args: IdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("engageiq:platform:Identity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        totp = args.mfa != "OFF"
        self.user_pool = aws.cognito.UserPool(
            f"{name}-pool",
            name=USER_POOL.pool_name(args.environment),
            username_attributes=["email"],
            auto_verified_attributes=["email"],
            # Users exist only inside a tenant, so only operators (admin APIs) create them.
            admin_create_user_config={
                "allow_admin_create_user_only": True,
                **(
                    {"invite_message_template": args.messages["invite_message_template"]}
                    if "invite_message_template" in args.messages
                    else {}
                ),
            },
            lambda_config=args.messages.get("lambda_config"),
            verification_message_template=args.messages.get("verification_message_template"),
            email_configuration=args.messages.get("email_configuration"),
            password_policy={
                "minimum_length": 12,
                "require_lowercase": True,
                "require_uppercase": True,
                "require_numbers": True,
                "require_symbols": True,
                "temporary_password_validity_days": 3,
                "password_history_size": 5,
            },
            mfa_configuration=args.mfa,
            software_token_mfa_configuration={"enabled": True} if totp else None,
            account_recovery_setting={
                "recovery_mechanisms": [
                    {"name": "verified_email", "priority": 1},
                ]
            },
            schemas=[
                {
                    "name": USER_POOL.tenant_attribute,
                    "attribute_data_type": "String",
                    # Immutable: once an operator sets the tenant, nobody can move the user.
                    "mutable": False,
                    "developer_only_attribute": False,
                    "required": False,
                    "string_attribute_constraints": {
                        "min_length": "1",
                        "max_length": str(TENANT_ID_MAX_LENGTH),
                    },
                }
            ],
            deletion_protection="ACTIVE" if args.deletion_protection else "INACTIVE",
            # Losing the pool loses every user; prod also refuses it in Pulumi itself.
            opts=pulumi.ResourceOptions(parent=self, protect=args.deletion_protection),
        )
        oauth = bool(args.callback_urls)
        self.web_client = aws.cognito.UserPoolClient(
            f"{name}-web-client",
            name=f"{USER_POOL.pool_name(args.environment)}-web",
            user_pool_id=self.user_pool.id,
            # A browser cannot keep a secret; the Hosted UI code flow uses PKCE instead.
            generate_secret=False,
            explicit_auth_flows=list(USER_POOL.auth_flows),
            read_attributes=[*USER_POOL.client_read_attributes, USER_POOL.tenant_claim],
            # The spec's list leaves custom:tenant_id out, so users cannot change their tenant.
            write_attributes=list(USER_POOL.client_write_attributes),
            access_token_validity=ACCESS_TOKEN_MINUTES,
            id_token_validity=ID_TOKEN_MINUTES,
            refresh_token_validity=REFRESH_TOKEN_DAYS,
            token_validity_units={
                "access_token": "minutes",
                "id_token": "minutes",
                "refresh_token": "days",
            },
            enable_token_revocation=True,
            prevent_user_existence_errors="ENABLED",
            allowed_oauth_flows_user_pool_client=oauth,
            allowed_oauth_flows=["code"] if oauth else None,
            allowed_oauth_scopes=list(OAUTH_SCOPES) if oauth else None,
            callback_urls=list(args.callback_urls) or None,
            logout_urls=list(args.logout_urls) or None,
            supported_identity_providers=["COGNITO"],
            # Tenants' identity providers are data: `engageiq tenants sso set` and the tenant
            # admin API add them to this list at run time (decision 0120), so a deployment
            # must not reset it to COGNITO alone and cut every SSO tenant off.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["supportedIdentityProviders"]),
        )
        self.domain = aws.cognito.UserPoolDomain(
            f"{name}-domain",
            domain=args.auth_domain_prefix,
            user_pool_id=self.user_pool.id,
            opts=child,
        )
        self.hosted_ui_domain = self.domain.domain.apply(
            lambda prefix: f"{prefix}.auth.{args.region}.amazoncognito.com"
        )
        self.register_outputs(
            {
                "userPoolId": self.user_pool.id,
                "userPoolClientId": self.web_client.id,
                "hostedUiDomain": self.hosted_ui_domain,
            }
        )
