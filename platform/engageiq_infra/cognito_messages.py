"""Cognito messages: the invitation and password-reset e-mails name the product and link to
the tenant's sign-in page, sent by SES when `engageiq:sesFromAddress` is set, by Cognito's
default sender otherwise (decision 0067).

- `CognitoMessages` (created before the user pool) owns the CustomMessage Lambda
  (engageiq_infra/lambdas/custom_message.py), its role and log group, and the SES identity;
- `identity_settings()` gives the user pool its trigger, its product-named fallback templates
  and its e-mail sender;
- `publish_web_url()` (called once the distribution exists) stores the web app's URL in SSM
  for stacks without a custom domain, and lets the function read it and Cognito invoke it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from engageiq_infra.cognito_triggers import (
    HANDLERS,
    LAMBDA_RUNTIME,
    LAMBDA_TIMEOUT_SECONDS,
    invoked_by_pool,
    logs_and_role,
    write_own_logs,
)
from engageiq_infra.config import CustomDomain
from engageiq_infra.policies import document
from engageiq_tenancy.resources import Environment

PRODUCT_NAME: Final = "EngageIQ"
HANDLER_SOURCE: Final = HANDLERS / "custom_message.py"
# Fallback templates, used if the function cannot be reached. Cognito requires {####} in
# both and {username} in the invitation.
INVITATION_SUBJECT: Final = f"You are invited to {PRODUCT_NAME}"
INVITATION_MESSAGE: Final = (
    f"You have been invited to {PRODUCT_NAME}. Your user name is {{username}} and your "
    "temporary password is {####}."
)
RESET_SUBJECT: Final = f"Your {PRODUCT_NAME} verification code"
RESET_MESSAGE: Final = f"Your {PRODUCT_NAME} verification code is {{####}}."


def web_url_parameter(environment: str) -> str:
    return f"/engageiq/{environment}/web-url"


@dataclass(frozen=True, slots=True)
class CognitoMessagesArgs:
    environment: Environment
    region: str
    domain: CustomDomain | None
    ses_from_address: str | None
    """`Name <address>` or `address`; None keeps Cognito's default sender."""
    log_retention_days: int


class CognitoMessages(pulumi.ComponentResource):
    function: aws.lambda_.Function
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup
    email_identity: aws.sesv2.EmailIdentity | None

    def __init__(
        self, name: str, args: CognitoMessagesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("engageiq:platform:CognitoMessages", name, None, opts)
        self._name = name
        self._args = args
        child = pulumi.ResourceOptions(parent=self)
        function_name = f"engageiq-{args.environment}-cognito-messages"
        self.log_group, self.role = logs_and_role(
            name, function_name, args.log_retention_days, child
        )
        logs = aws.iam.RolePolicy(
            f"{name}-logs-policy",
            role=self.role.id,
            policy=document([write_own_logs(self.log_group)]),
            opts=child,
        )
        self.function = aws.lambda_.Function(
            f"{name}-function",
            name=function_name,
            runtime=LAMBDA_RUNTIME,
            handler="custom_message.handler",
            code=pulumi.AssetArchive({"custom_message.py": pulumi.FileAsset(str(HANDLER_SOURCE))}),
            role=self.role.arn,
            timeout=LAMBDA_TIMEOUT_SECONDS,
            memory_size=128,
            environment={
                "variables": {
                    "ENGAGEIQ_PRODUCT_NAME": PRODUCT_NAME,
                    "ENGAGEIQ_TENANT_DOMAIN": args.domain.name if args.domain else "",
                    "ENGAGEIQ_WEB_URL_PARAMETER": (
                        "" if args.domain else web_url_parameter(args.environment)
                    ),
                }
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.log_group, logs]),
        )
        self.email_identity = None
        if args.ses_from_address:
            _, address = parseaddr(args.ses_from_address)
            # SES sends a verification link to this address once; Cognito can send from it
            # after that (docs/operations.md, "E-mail").
            self.email_identity = aws.sesv2.EmailIdentity(
                f"{name}-ses-identity", email_identity=address, opts=child
            )
        self.register_outputs({"functionArn": self.function.arn})

    def identity_settings(self) -> dict[str, Any]:
        """The user pool's `lambda_config`, `invite_message_template` (inside its
        `admin_create_user_config`), `verification_message_template` and
        `email_configuration`."""
        email: dict[str, Any] = {"email_sending_account": "COGNITO_DEFAULT"}
        if self.email_identity is not None and self._args.ses_from_address:
            email = {
                "email_sending_account": "DEVELOPER",
                "from_email_address": self._args.ses_from_address,
                "source_arn": self.email_identity.arn,
            }
        return {
            "lambda_config": {"custom_message": self.function.arn},
            "invite_message_template": {
                "email_subject": INVITATION_SUBJECT,
                "email_message": INVITATION_MESSAGE,
                "sms_message": INVITATION_MESSAGE,
            },
            "verification_message_template": {
                "default_email_option": "CONFIRM_WITH_CODE",
                "email_subject": RESET_SUBJECT,
                "email_message": RESET_MESSAGE,
            },
            "email_configuration": email,
        }

    def publish_web_url(self, user_pool: aws.cognito.UserPool, web_url: pulumi.Input[str]) -> None:
        """After the user pool and the distribution exist: Cognito may invoke the function,
        and (without a custom domain) the function may read the web URL from SSM."""
        child = pulumi.ResourceOptions(parent=self)
        invoked_by_pool(self._name, self.function, user_pool, child)
        if self._args.domain:
            return
        parameter = aws.ssm.Parameter(
            f"{self._name}-web-url",
            name=web_url_parameter(self._args.environment),
            type="String",
            value=web_url,
            description="The web app's URL, for the links in Cognito's e-mails",
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{self._name}-web-url-policy",
            role=self.role.id,
            policy=parameter.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "ReadWebUrl",
                                "Effect": "Allow",
                                "Action": "ssm:GetParameter",
                                "Resource": arn,
                            }
                        ],
                    }
                )
            ),
            opts=child,
        )
