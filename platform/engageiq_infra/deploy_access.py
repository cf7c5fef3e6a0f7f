"""Deploy access: what GitHub Actions may do in an AWS account, through GitHub's OIDC provider
(the bootstrap program in `bootstrap/`, run once per account by an administrator).

- one IAM OIDC provider for `token.actions.githubusercontent.com` (audience `sts.amazonaws.com`);
- per environment, a deploy role `engageiq-<env>-deploy` that only a job of THIS repository
  running in the GitHub environment `<env>` can assume (`sub` =
  `repo:<owner>/<name>:environment:<env>`; the environments only admit `main`, see
  docs/operations.md), allowed to manage exactly the resources the program creates for that
  environment, named `engageiq-<env>-*` wherever AWS lets a policy name them;
- one preview role `engageiq-preview` that pull requests of this repository can assume, which
  can read nothing but an ECR login token (a preview reads state from the Pulumi backend and
  changes nothing).

Every statement names its actions; the tests check that each resource type the program
creates is covered and that named resources fall under their statement
(docs/decisions/0068-ci-cd-and-github-oidc.md)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from engageiq_infra.config import ENVIRONMENTS_DIR, ConfigError, read_stack_config
from engageiq_infra.policies import Statement
from engageiq_infra.services import MANAGED_POLICIES
from engageiq_tenancy.resources import CLOUD_ENVIRONMENTS, PROJECT, Environment

BOOTSTRAP_PROJECT: Final = "engageiq-bootstrap"
GITHUB_OIDC_HOST: Final = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL: Final = f"https://{GITHUB_OIDC_HOST}"
STS_AUDIENCE: Final = "sts.amazonaws.com"
PREVIEW_ROLE: Final = "engageiq-preview"
# CloudFront certificates, its metrics and their alarms live in us-east-1 (see edge.py).
EDGE_REGION: Final = "us-east-1"
# Services that pass the program's roles: App Runner (instance and ECR access roles), ECS
# (task, execution and infrastructure roles) and Lambda.
PASSED_TO_SERVICES: Final = (
    "apprunner.amazonaws.com",
    "build.apprunner.amazonaws.com",
    "tasks.apprunner.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "ecs.amazonaws.com",
    "lambda.amazonaws.com",
)
SERVICE_LINKED_ROLES: Final = (
    "apprunner.amazonaws.com",
    "ecs.amazonaws.com",
    "ecs.application-autoscaling.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    # Cognito sends through SES with this service-linked role.
    "email.cognito-idp.amazonaws.com",
)


def deploy_role_name(environment: str) -> str:
    return f"engageiq-{environment}-deploy"


def environment_subject(repository: str, environment: str) -> str:
    """The OIDC `sub` of a job that runs in a GitHub environment."""
    return f"repo:{repository}:environment:{environment}"


def pull_request_subject(repository: str) -> str:
    return f"repo:{repository}:pull_request"


@dataclass(frozen=True, slots=True)
class DeployTarget:
    """What the deploy role of one environment may touch."""

    environment: Environment
    region: str
    hosted_zone_id: str | None = None


@dataclass(frozen=True, slots=True)
class Grant:
    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: Mapping[str, Any] | None = None

    def statement(self) -> Statement:
        statement: Statement = {
            "Sid": self.sid,
            "Effect": "Allow",
            "Action": sorted(self.actions),
            "Resource": list(self.resources),
        }
        if self.condition:
            statement["Condition"] = dict(self.condition)
        return statement


# Actions AWS does not scope to a resource: they must name "*" (IAM service authorization
# reference). Everything else in the deploy policy names its resources.
UNSCOPED_ACTIONS: Final = frozenset(
    {
        "ecr:GetAuthorizationToken",
        "cognito-idp:CreateUserPool",
        "cognito-idp:DescribeUserPoolDomain",
        "acm:RequestCertificate",
        "cloudfront:CreateOriginAccessControl",
        "cloudfront:CreateResponseHeadersPolicy",
        "cloudfront:ListOriginAccessControls",
        "cloudfront:ListResponseHeadersPolicies",
        "logs:DescribeLogGroups",
        "route53:GetChange",
        "ssm:DescribeParameters",
    }
)


# Which statement lets the deploy role manage each resource type the program creates. A type
# missing here fails the tests, so a new kind of resource cannot ship without its permission.
RESOURCE_GRANTS: Final[Mapping[str, tuple[str, ...]]] = {
    "aws:dynamodb/table:Table": ("Tables",),
    "aws:s3/bucket:Bucket": ("Buckets",),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ("Buckets",),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ("Buckets",),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        "Buckets",
    ),
    "aws:s3/bucketVersioning:BucketVersioning": ("Buckets",),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ("Buckets",),
    "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": ("Buckets",),
    "aws:s3/bucketPolicy:BucketPolicy": ("Buckets",),
    "aws:s3/bucketObjectv2:BucketObjectv2": ("WebObjects",),
    "aws:iam/role:Role": ("Roles", "PassOwnRoles"),
    "aws:iam/rolePolicy:RolePolicy": ("Roles",),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ("AttachKnownManagedPolicies",),
    "aws:ecr/repository:Repository": ("Repositories",),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": ("Repositories",),
    "docker-build:index:Image": ("Repositories", "RegistryLogin"),
    "aws:apprunner/service:Service": ("AppRunner", "ServiceLinkedRoles"),
    "aws:apprunner/autoScalingConfigurationVersion:AutoScalingConfigurationVersion": ("AppRunner",),
    "aws:ecs/cluster:Cluster": ("EcsExpress",),
    "aws:ecs/expressGatewayService:ExpressGatewayService": ("EcsExpress", "ServiceLinkedRoles"),
    "aws:cognito/userPool:UserPool": ("UserPools", "CreateUserPoolsAndFindDomains"),
    "aws:cognito/userPoolClient:UserPoolClient": ("UserPools",),
    "aws:cognito/userPoolDomain:UserPoolDomain": ("UserPools", "CreateUserPoolsAndFindDomains"),
    "aws:cloudfront/distribution:Distribution": ("Distribution",),
    "aws:cloudfront/originAccessControl:OriginAccessControl": ("Distribution", "EdgePolicies"),
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": (
        "Distribution",
        "EdgePolicies",
    ),
    "aws:cloudfront/function:Function": ("EdgeFunctions",),
    "aws:cloudfront/monitoringSubscription:MonitoringSubscription": ("Distribution",),
    # The invalidation command (engageiq_infra.web) calls CreateInvalidation.
    "command:local:Command": ("Distribution",),
    "aws:secretsmanager/secret:Secret": ("Secrets",),
    "aws:sqs/queue:Queue": ("Queues",),
    "aws:sqs/queuePolicy:QueuePolicy": ("Queues",),
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": ("Queues",),
    # The origin secret's generator (engageiq_infra.origin_secret) runs in the Pulumi engine
    # and calls no AWS API.
    "random:index/randomId:RandomId": (),
    "random:index/randomPassword:RandomPassword": (),
    "aws:secretsmanager/secretVersion:SecretVersion": ("Secrets",),
    "aws:cloudwatch/logGroup:LogGroup": ("LogGroups", "FindLogGroups"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("Alarms",),
    "aws:sns/topic:Topic": ("AlarmTopics",),
    "aws:sns/topicSubscription:TopicSubscription": ("AlarmTopics",),
    "aws:acm/certificate:Certificate": ("Certificates", "RequestCertificates"),
    "aws:acm/certificateValidation:CertificateValidation": ("Certificates",),
    "aws:route53/record:Record": ("DnsRecords", "DnsChanges"),
    "aws:lambda/function:Function": ("MessageFunction",),
    "aws:lambda/permission:Permission": ("MessageFunction",),
    "aws:ssm/parameter:Parameter": ("WebUrlParameter", "FindParameters"),
    "aws:sesv2/emailIdentity:EmailIdentity": ("EmailIdentity", "ServiceLinkedRoles"),
}


def deploy_grants(target: DeployTarget, account: str) -> list[Grant]:
    """The deploy role's statements for one environment."""
    env, region = target.environment, target.region
    prefix = f"engageiq-{env}-"
    regions = sorted({region, EDGE_REGION})
    grants = [
        Grant(
            "Tables",
            (
                "dynamodb:CreateTable",
                "dynamodb:DeleteTable",
                "dynamodb:DescribeTable",
                "dynamodb:UpdateTable",
                "dynamodb:DescribeContinuousBackups",
                "dynamodb:UpdateContinuousBackups",
                "dynamodb:DescribeTimeToLive",
                "dynamodb:UpdateTimeToLive",
                "dynamodb:TagResource",
                "dynamodb:UntagResource",
                "dynamodb:ListTagsOfResource",
            ),
            (f"arn:aws:dynamodb:{region}:{account}:table/{prefix}*",),
        ),
        Grant(
            "Buckets",
            (
                "s3:CreateBucket",
                "s3:DeleteBucket",
                "s3:ListBucket",
                "s3:GetBucketAcl",
                "s3:GetBucketCORS",
                "s3:PutBucketCORS",
                "s3:GetBucketLocation",
                "s3:GetBucketLogging",
                "s3:GetBucketObjectLockConfiguration",
                "s3:GetBucketOwnershipControls",
                "s3:PutBucketOwnershipControls",
                "s3:GetBucketPolicy",
                "s3:PutBucketPolicy",
                "s3:DeleteBucketPolicy",
                "s3:GetBucketPublicAccessBlock",
                "s3:PutBucketPublicAccessBlock",
                "s3:GetBucketRequestPayment",
                "s3:GetBucketTagging",
                "s3:PutBucketTagging",
                "s3:GetBucketVersioning",
                "s3:PutBucketVersioning",
                "s3:GetBucketWebsite",
                "s3:GetAccelerateConfiguration",
                "s3:GetEncryptionConfiguration",
                "s3:PutEncryptionConfiguration",
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
                "s3:GetReplicationConfiguration",
            ),
            (f"arn:aws:s3:::{prefix}*",),
        ),
        # Objects only in the web bucket: the deploy role never reads or deletes tenant files.
        Grant(
            "WebObjects",
            (
                "s3:GetObject",
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:GetObjectTagging",
                "s3:PutObjectTagging",
            ),
            (f"arn:aws:s3:::{prefix}web-*/*",),
        ),
        Grant(
            "Roles",
            (
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:GetRole",
                "iam:UpdateRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
                "iam:PutRolePolicy",
                "iam:GetRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:DetachRolePolicy",
            ),
            (f"arn:aws:iam::{account}:role/{prefix}*",),
        ),
        # Only the AWS managed policies the program attaches (engageiq_infra.services).
        Grant(
            "AttachKnownManagedPolicies",
            ("iam:AttachRolePolicy",),
            (f"arn:aws:iam::{account}:role/{prefix}*",),
            {"ArnEquals": {"iam:PolicyARN": sorted(MANAGED_POLICIES)}},
        ),
        Grant(
            "PassOwnRoles",
            ("iam:PassRole",),
            (f"arn:aws:iam::{account}:role/{prefix}*",),
            {"StringEquals": {"iam:PassedToService": list(PASSED_TO_SERVICES)}},
        ),
        Grant(
            "ServiceLinkedRoles",
            ("iam:CreateServiceLinkedRole",),
            (f"arn:aws:iam::{account}:role/aws-service-role/*",),
            {"StringEquals": {"iam:AWSServiceName": list(SERVICE_LINKED_ROLES)}},
        ),
        Grant(
            "Repositories",
            (
                "ecr:CreateRepository",
                "ecr:DeleteRepository",
                "ecr:DescribeRepositories",
                "ecr:PutLifecyclePolicy",
                "ecr:GetLifecyclePolicy",
                "ecr:DeleteLifecyclePolicy",
                "ecr:PutImageScanningConfiguration",
                "ecr:PutImageTagMutability",
                "ecr:TagResource",
                "ecr:UntagResource",
                "ecr:ListTagsForResource",
                # Pushing the images the program builds.
                "ecr:BatchCheckLayerAvailability",
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:PutImage",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
                "ecr:DescribeImages",
            ),
            (f"arn:aws:ecr:{region}:{account}:repository/{prefix}*",),
        ),
        Grant("RegistryLogin", ("ecr:GetAuthorizationToken",), ("*",)),
        Grant(
            "AppRunner",
            (
                "apprunner:CreateService",
                "apprunner:UpdateService",
                "apprunner:DeleteService",
                "apprunner:DescribeService",
                "apprunner:ListOperations",
                "apprunner:CreateAutoScalingConfiguration",
                "apprunner:DeleteAutoScalingConfiguration",
                "apprunner:DescribeAutoScalingConfiguration",
                "apprunner:TagResource",
                "apprunner:UntagResource",
                "apprunner:ListTagsForResource",
            ),
            (
                f"arn:aws:apprunner:{region}:{account}:service/{prefix}*/*",
                f"arn:aws:apprunner:{region}:{account}:autoscalingconfiguration/{prefix}*/*",
            ),
        ),
        Grant(
            "EcsExpress",
            (
                "ecs:CreateCluster",
                "ecs:DeleteCluster",
                "ecs:DescribeClusters",
                "ecs:UpdateCluster",
                "ecs:CreateExpressGatewayService",
                "ecs:UpdateExpressGatewayService",
                "ecs:DeleteExpressGatewayService",
                "ecs:DescribeExpressGatewayService",
                "ecs:TagResource",
                "ecs:UntagResource",
                "ecs:ListTagsForResource",
            ),
            (
                f"arn:aws:ecs:{region}:{account}:cluster/engageiq-{env}",
                f"arn:aws:ecs:{region}:{account}:service/engageiq-{env}/*",
            ),
        ),
        Grant(
            "UserPools",
            (
                "cognito-idp:DeleteUserPool",
                "cognito-idp:DescribeUserPool",
                "cognito-idp:UpdateUserPool",
                "cognito-idp:GetUserPoolMfaConfig",
                "cognito-idp:SetUserPoolMfaConfig",
                "cognito-idp:CreateUserPoolClient",
                "cognito-idp:DeleteUserPoolClient",
                "cognito-idp:DescribeUserPoolClient",
                "cognito-idp:UpdateUserPoolClient",
                "cognito-idp:CreateUserPoolDomain",
                "cognito-idp:DeleteUserPoolDomain",
                "cognito-idp:UpdateUserPoolDomain",
                "cognito-idp:TagResource",
                "cognito-idp:UntagResource",
                "cognito-idp:ListTagsForResource",
            ),
            # Pool ids are chosen by AWS, so the account's pools in the region.
            (f"arn:aws:cognito-idp:{region}:{account}:userpool/*",),
        ),
        Grant(
            "CreateUserPoolsAndFindDomains",
            ("cognito-idp:CreateUserPool", "cognito-idp:DescribeUserPoolDomain"),
            ("*",),
        ),
        Grant(
            "Distribution",
            (
                "cloudfront:CreateDistribution",
                "cloudfront:UpdateDistribution",
                "cloudfront:DeleteDistribution",
                "cloudfront:GetDistribution",
                "cloudfront:GetDistributionConfig",
                "cloudfront:TagResource",
                "cloudfront:UntagResource",
                "cloudfront:ListTagsForResource",
                "cloudfront:CreateInvalidation",
                "cloudfront:GetInvalidation",
                "cloudfront:CreateMonitoringSubscription",
                "cloudfront:GetMonitoringSubscription",
                "cloudfront:DeleteMonitoringSubscription",
                "cloudfront:GetOriginAccessControl",
                "cloudfront:UpdateOriginAccessControl",
                "cloudfront:DeleteOriginAccessControl",
                "cloudfront:GetResponseHeadersPolicy",
                "cloudfront:UpdateResponseHeadersPolicy",
                "cloudfront:DeleteResponseHeadersPolicy",
            ),
            (
                f"arn:aws:cloudfront::{account}:distribution/*",
                f"arn:aws:cloudfront::{account}:origin-access-control/*",
                f"arn:aws:cloudfront::{account}:response-headers-policy/*",
            ),
        ),
        Grant(
            "EdgeFunctions",
            (
                "cloudfront:CreateFunction",
                "cloudfront:DescribeFunction",
                "cloudfront:GetFunction",
                "cloudfront:UpdateFunction",
                "cloudfront:PublishFunction",
                "cloudfront:DeleteFunction",
            ),
            (f"arn:aws:cloudfront::{account}:function/{prefix}*",),
        ),
        Grant(
            "EdgePolicies",
            (
                "cloudfront:CreateOriginAccessControl",
                "cloudfront:CreateResponseHeadersPolicy",
                "cloudfront:ListOriginAccessControls",
                "cloudfront:ListResponseHeadersPolicies",
            ),
            ("*",),
        ),
        Grant(
            "Secrets",
            (
                "secretsmanager:CreateSecret",
                "secretsmanager:DeleteSecret",
                "secretsmanager:DescribeSecret",
                "secretsmanager:UpdateSecret",
                "secretsmanager:PutSecretValue",
                "secretsmanager:GetSecretValue",
                "secretsmanager:GetResourcePolicy",
                "secretsmanager:RestoreSecret",
                "secretsmanager:TagResource",
                "secretsmanager:UntagResource",
            ),
            (f"arn:aws:secretsmanager:{region}:{account}:secret:engageiq/{env}/*",),
        ),
        Grant(
            "Queues",
            (
                "sqs:CreateQueue",
                "sqs:DeleteQueue",
                "sqs:GetQueueAttributes",
                "sqs:SetQueueAttributes",
                "sqs:GetQueueUrl",
                "sqs:TagQueue",
                "sqs:UntagQueue",
                "sqs:ListQueueTags",
            ),
            (f"arn:aws:sqs:{region}:{account}:engageiq-{env}-*",),
        ),
        Grant(
            "LogGroups",
            (
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:PutRetentionPolicy",
                "logs:DeleteRetentionPolicy",
                "logs:TagResource",
                "logs:UntagResource",
                "logs:ListTagsForResource",
            ),
            (
                f"arn:aws:logs:{region}:{account}:log-group:/engageiq/{env}/*",
                f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{prefix}*",
            ),
        ),
        Grant("FindLogGroups", ("logs:DescribeLogGroups",), ("*",)),
        Grant(
            "Alarms",
            (
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:DeleteAlarms",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:TagResource",
                "cloudwatch:UntagResource",
                "cloudwatch:ListTagsForResource",
            ),
            tuple(f"arn:aws:cloudwatch:{r}:{account}:alarm:{prefix}*" for r in regions),
        ),
        Grant(
            "AlarmTopics",
            (
                "sns:CreateTopic",
                "sns:DeleteTopic",
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:Subscribe",
                "sns:Unsubscribe",
                "sns:GetSubscriptionAttributes",
                "sns:TagResource",
                "sns:UntagResource",
                "sns:ListTagsForResource",
            ),
            tuple(f"arn:aws:sns:{r}:{account}:{prefix}*" for r in regions),
        ),
        Grant(
            "Certificates",
            (
                "acm:DescribeCertificate",
                "acm:DeleteCertificate",
                "acm:ListTagsForCertificate",
                "acm:AddTagsToCertificate",
                "acm:RemoveTagsFromCertificate",
            ),
            (f"arn:aws:acm:{EDGE_REGION}:{account}:certificate/*",),
        ),
        Grant("RequestCertificates", ("acm:RequestCertificate",), ("*",)),
        Grant(
            "MessageFunction",
            (
                "lambda:CreateFunction",
                "lambda:DeleteFunction",
                "lambda:GetFunction",
                "lambda:GetFunctionConfiguration",
                "lambda:GetFunctionCodeSigningConfig",
                "lambda:UpdateFunctionCode",
                "lambda:UpdateFunctionConfiguration",
                "lambda:ListVersionsByFunction",
                "lambda:AddPermission",
                "lambda:RemovePermission",
                "lambda:GetPolicy",
                "lambda:TagResource",
                "lambda:UntagResource",
                "lambda:ListTags",
            ),
            (f"arn:aws:lambda:{region}:{account}:function:{prefix}*",),
        ),
        Grant(
            "WebUrlParameter",
            (
                "ssm:PutParameter",
                "ssm:GetParameter",
                "ssm:GetParameters",
                "ssm:DeleteParameter",
                "ssm:AddTagsToResource",
                "ssm:RemoveTagsFromResource",
                "ssm:ListTagsForResource",
            ),
            (f"arn:aws:ssm:{region}:{account}:parameter/engageiq/{env}/*",),
        ),
        Grant("FindParameters", ("ssm:DescribeParameters",), ("*",)),
        Grant(
            "EmailIdentity",
            (
                "ses:CreateEmailIdentity",
                "ses:GetEmailIdentity",
                "ses:DeleteEmailIdentity",
                "ses:TagResource",
                "ses:UntagResource",
                "ses:ListTagsForResource",
            ),
            (f"arn:aws:ses:{region}:{account}:identity/*",),
        ),
    ]
    if target.hosted_zone_id:
        grants += [
            Grant(
                "DnsRecords",
                (
                    "route53:GetHostedZone",
                    "route53:ListResourceRecordSets",
                    "route53:ChangeResourceRecordSets",
                ),
                (f"arn:aws:route53:::hostedzone/{target.hosted_zone_id}",),
            ),
            Grant("DnsChanges", ("route53:GetChange",), ("*",)),
        ]
    return grants


def deploy_policy(target: DeployTarget, account: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [g.statement() for g in deploy_grants(target, account)],
    }


def preview_policy() -> dict[str, Any]:
    """A preview changes nothing and refreshes nothing; it only logs in to ECR, because the
    program asks for a registry token to give the image builds (engageiq_infra.images)."""
    return {
        "Version": "2012-10-17",
        "Statement": [Grant("RegistryLogin", ("ecr:GetAuthorizationToken",), ("*",)).statement()],
    }


def _deploy_policy_json(target: DeployTarget) -> Callable[[str], str]:
    return lambda account: json.dumps(deploy_policy(target, account))


def github_trust(provider_arn: pulumi.Input[str], subject: str) -> pulumi.Output[str]:
    """Only tokens GitHub issued for `subject`, for STS."""
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE,
                            f"{GITHUB_OIDC_HOST}:sub": subject,
                        }
                    },
                }
            ],
        }
    )


@dataclass(frozen=True, slots=True)
class DeployAccessArgs:
    repository: str
    """`owner/name` of the GitHub repository whose workflows deploy."""
    targets: Sequence[DeployTarget]
    """The environments deployed into this account."""
    existing_provider_arn: str | None = None
    """An account has one provider per URL; reuse it when another stack created it."""


class DeployAccess(pulumi.ComponentResource):
    provider_arn: pulumi.Output[str]
    deploy_roles: dict[str, aws.iam.Role]
    preview_role: aws.iam.Role

    def __init__(
        self, name: str, args: DeployAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("engageiq:bootstrap:DeployAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.existing_provider_arn:
            self.provider_arn = pulumi.Output.from_input(args.existing_provider_arn)
        else:
            provider = aws.iam.OpenIdConnectProvider(
                f"{name}-github",
                url=GITHUB_OIDC_URL,
                client_id_lists=[STS_AUDIENCE],
                opts=child,
            )
            self.provider_arn = provider.arn
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        self.deploy_roles = {}
        for target in args.targets:
            role = aws.iam.Role(
                f"{name}-{target.environment}-deploy",
                name=deploy_role_name(target.environment),
                description=f"GitHub Actions deploys EngageIQ {target.environment}",
                assume_role_policy=github_trust(
                    self.provider_arn, environment_subject(args.repository, target.environment)
                ),
                max_session_duration=3600,
                opts=child,
            )
            aws.iam.RolePolicy(
                f"{name}-{target.environment}-deploy-policy",
                role=role.id,
                policy=account.account_id.apply(_deploy_policy_json(target)),
                opts=child,
            )
            self.deploy_roles[target.environment] = role
        self.preview_role = aws.iam.Role(
            f"{name}-preview",
            name=PREVIEW_ROLE,
            description="GitHub Actions previews EngageIQ changes on pull requests",
            assume_role_policy=github_trust(
                self.provider_arn, pull_request_subject(args.repository)
            ),
            max_session_duration=3600,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-preview-policy",
            role=self.preview_role.id,
            policy=json.dumps(preview_policy()),
            opts=child,
        )
        self.register_outputs(
            {
                "providerArn": self.provider_arn,
                "previewRoleArn": self.preview_role.arn,
                **{f"{env}DeployRoleArn": r.arn for env, r in self.deploy_roles.items()},
            }
        )


def load_args(config_dir: Path = ENVIRONMENTS_DIR) -> DeployAccessArgs:
    """The bootstrap stack's config (`engageiq-bootstrap:*`), plus each environment's region and
    hosted zone from its own stack file, so neither is written twice."""
    cfg = pulumi.Config(BOOTSTRAP_PROJECT)
    repository = cfg.require("githubRepository")
    if repository.count("/") != 1 or not all(repository.split("/")):
        raise ConfigError("engageiq-bootstrap:githubRepository must be <owner>/<name>")
    environments = list(cfg.get_object("environments") or CLOUD_ENVIRONMENTS)
    unknown = [e for e in environments if e not in CLOUD_ENVIRONMENTS]
    if unknown:
        raise ConfigError(f"unknown environments {unknown}; use {', '.join(CLOUD_ENVIRONMENTS)}")
    targets = []
    for environment in environments:
        stack = read_stack_config(environment, config_dir)
        targets.append(
            DeployTarget(
                environment=environment,
                region=str(stack["aws:region"]),
                hosted_zone_id=stack.get(f"{PROJECT}:hostedZoneId"),
            )
        )
    return DeployAccessArgs(
        repository=repository,
        targets=targets,
        existing_provider_arn=cfg.get("existingOidcProviderArn"),
    )
