"""The bootstrap program: GitHub Actions' access to one AWS account (engageiq_infra.deploy_access).

Run once per account by an administrator, before the first CI deployment:
docs/operations.md, "CI/CD and AWS access"."""

import pulumi

from engageiq_infra.deploy_access import DeployAccess, load_args

access = DeployAccess("deploy-access", load_args())
pulumi.export("oidcProviderArn", access.provider_arn)
pulumi.export("previewRoleArn", access.preview_role.arn)
for environment, role in access.deploy_roles.items():
    pulumi.export(f"{environment}DeployRoleArn", role.arn)
