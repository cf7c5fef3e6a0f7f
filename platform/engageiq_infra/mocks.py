"""Run the program under `pulumi.runtime.set_mocks` and record what it would create.

Serves the preview command and the infrastructure tests alike: `run_program` reads an
environment's `environments/Pulumi.<env>.yaml`, runs `stack.build` without the Pulumi CLI or
AWS, and returns an `Inventory`: every resource (type, name, inputs, mocked outputs) and the
resolved stack outputs. The mocked outputs imitate AWS's shapes (ARNs, pool ids, bare App
Runner host names, `*.cloudfront.net`), deterministically, so wiring can be compared."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.settings import SETTINGS
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from engageiq_infra.config import (
    ENVIRONMENTS_DIR,
    SECRET_KEYS,
    EnvironmentConfig,
    read_stack_config,
)
from engageiq_infra.stack import WEB_DIST, build
from engageiq_infra.web import WebBuild
from engageiq_tenancy.resources import PROJECT, Environment

MOCK_ACCOUNT: Final = "123456789012"
IMAGE_TYPE: Final = "docker-build:index:Image"
CALLER_IDENTITY_INVOKE: Final = "aws:index/getCallerIdentity:getCallerIdentity"
# An invoke token, not a credential.
ECR_TOKEN_INVOKE: Final = "aws:ecr/getAuthorizationToken:getAuthorizationToken"  # noqa: S105


def _digest(*parts: str, length: int = 12) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


# Pulumi's wire marker for secret values (private to the SDK; there is no public name).
_SIG_KEY: Final = rpc._special_sig_key
_SECRET_SIG: Final = rpc._special_secret_sig


def _plain(value: Any) -> Any:
    """Inputs as JSON-able data (assets become their path)."""
    if isinstance(value, pulumi.FileAsset):
        return {"fileAsset": str(value.path)}
    if isinstance(value, Mapping):
        if value.get(_SIG_KEY) == _SECRET_SIG:
            # A secret input arrives wrapped; the inventory records the value it wraps.
            return _plain(value.get("value"))
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire format has only floats; show 2, not 2.0
    return value


@dataclass(frozen=True, slots=True)
class RecordedResource:
    type: str
    name: str
    custom: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any]


@dataclass(slots=True)
class Inventory:
    environment: Environment
    compute: str
    resources: list[RecordedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_token: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_token]

    def named(self, name: str) -> RecordedResource:
        matches = [r for r in self.resources if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r}")
        return matches[0]

    def custom_resources(self) -> Iterator[RecordedResource]:
        return (r for r in self.resources if r.custom)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True, default=str)


OutputFactory = Callable[[str, dict[str, Any], str], dict[str, Any]]


def _arn(service: str, region: str, resource: str) -> str:
    return f"arn:aws:{service}:{region}:{MOCK_ACCOUNT}:{resource}"


def _bucket(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    bucket = inputs.get("bucket") or name
    return {
        "id": bucket,
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketRegionalDomainName": f"{bucket}.s3.{region}.amazonaws.com",
    }


def _table(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    table = inputs.get("name") or name
    return {"id": table, "name": table, "arn": _arn("dynamodb", region, f"table/{table}")}


def _user_pool(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    pool_id = f"{region}_{_digest(name, length=9)}"
    return {
        "id": pool_id,
        "arn": _arn("cognito-idp", region, f"userpool/{pool_id}"),
        "endpoint": f"cognito-idp.{region}.amazonaws.com/{pool_id}",
    }


def _role(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    role = inputs.get("name") or name
    return {"id": role, "name": role, "arn": f"arn:aws:iam::{MOCK_ACCOUNT}:role/{role}"}


def _apprunner(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    service_id = _digest(name, length=32)
    return {
        "serviceId": service_id,
        "serviceUrl": f"{_digest(name, length=10)}.{region}.awsapprunner.com",
        "arn": _arn("apprunner", region, f"service/{inputs.get('serviceName', name)}/{service_id}"),
    }


def _express(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    service = inputs.get("serviceName") or name
    return {
        "serviceArn": _arn("ecs", region, f"service/{service}"),
        "ingressPaths": [
            {
                "accessType": "PUBLIC",
                "endpoint": f"https://{service}-{_digest(name, length=6)}.ecs.{region}.on.aws/",
            }
        ],
    }


def _distribution(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    dist_id = "E" + _digest(name, length=13).upper()
    return {
        "id": dist_id,
        "arn": f"arn:aws:cloudfront::{MOCK_ACCOUNT}:distribution/{dist_id}",
        "domainName": f"d{_digest(name, length=13)}.cloudfront.net",
        "hostedZoneId": "Z2FDTNDATAQYW2",
    }


def _certificate(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    domain = inputs.get("domainName", "example.com")
    record = {
        "resourceRecordName": f"_{_digest(domain)}.{domain}.",
        "resourceRecordType": "CNAME",
        "resourceRecordValue": f"_{_digest(name)}.acm-validations.aws.",
    }
    names = [domain, *inputs.get("subjectAlternativeNames", [])]
    return {
        "arn": _arn("acm", "us-east-1", f"certificate/{_digest(name)}"),
        "domainValidationOptions": [{"domainName": n, **record} for n in names],
    }


def _secret(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    secret = inputs.get("name") or name
    return {"arn": _arn("secretsmanager", region, f"secret:{secret}-{_digest(name, length=6)}")}


def _repository(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    repo = inputs.get("name") or name
    return {
        "name": repo,
        "repositoryUrl": f"{MOCK_ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{repo}",
        "registryId": MOCK_ACCOUNT,
        "arn": _arn("ecr", region, f"repository/{repo}"),
    }


def _image(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    """What the Docker Build provider reports after a push: the digest follows the tags, which
    follow the content, so a content change is visible as a new digest."""
    tags = [str(t) for t in inputs.get("tags", [])]
    digest = f"sha256:{_digest(name, *tags, length=64)}"
    return {
        "digest": digest,
        "ref": f"{tags[0]}@{digest}" if tags else "",
        "contextHash": _digest(*tags, length=64),
    }


def _domain(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    return {"id": inputs.get("domain") or name}


def _client(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    return {"id": _digest(name, length=26)}


def _certificate_validation(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    return {"certificateArn": inputs.get("certificateArn")}


def _random_password(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    # Deterministic per generation, like the real one is stable until its keepers change.
    generation = str(inputs.get("keepers", {}).get("generation", ""))
    return {"result": _digest("password", name, generation, length=int(inputs["length"]))}


def _random_id(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    return {"hex": _digest("random-id", name, length=2 * int(inputs["byteLength"]))}


def _record(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    return {"fqdn": str(inputs.get("name", name)).rstrip(".")}


def _queue(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    queue = str(inputs.get("name", name))
    return {
        "id": f"https://sqs.{region}.amazonaws.com/{MOCK_ACCOUNT}/{queue}",
        "url": f"https://sqs.{region}.amazonaws.com/{MOCK_ACCOUNT}/{queue}",
        "arn": _arn("sqs", region, queue),
        "name": queue,
    }


# Computed outputs per resource type, in the provider's camelCase property names.
COMPUTED: Final[dict[str, OutputFactory]] = {
    "aws:s3/bucket:Bucket": _bucket,
    "aws:dynamodb/table:Table": _table,
    "aws:cognito/userPool:UserPool": _user_pool,
    "aws:cognito/userPoolClient:UserPoolClient": _client,
    "aws:cognito/userPoolDomain:UserPoolDomain": _domain,
    "aws:iam/role:Role": _role,
    "aws:apprunner/service:Service": _apprunner,
    "aws:ecs/expressGatewayService:ExpressGatewayService": _express,
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:acm/certificate:Certificate": _certificate,
    "aws:acm/certificateValidation:CertificateValidation": _certificate_validation,
    "aws:route53/record:Record": _record,
    "aws:secretsmanager/secret:Secret": _secret,
    "random:index/randomPassword:RandomPassword": _random_password,
    "random:index/randomId:RandomId": _random_id,
    "aws:ecr/repository:Repository": _repository,
    "aws:sqs/queue:Queue": _queue,
    IMAGE_TYPE: _image,
}


# Physical-name input of the resources whose names reach services and the web app.
RENAMED_ON_CREATE: Final[dict[str, str]] = {
    "aws:s3/bucket:Bucket": "bucket",
    "aws:dynamodb/table:Table": "name",
    "aws:sqs/queue:Queue": "name",
}


class RecordingMocks(pulumi.runtime.Mocks):
    """Mocks that answer like AWS would (shape-wise) and remember every registration."""

    def __init__(self, region: str, *, name_suffix: str = "") -> None:
        self.region = region
        # Tests set a suffix so physical names differ from the names the program asked for:
        # wiring that copies a spec name instead of using the output then fails.
        self.name_suffix = name_suffix
        self.resources: list[RecordedResource] = []

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        inputs = _plain(dict(args.inputs))
        service = args.typ.split(":")[1].split("/")[0] if args.typ.startswith("aws:") else "x"
        computed: dict[str, Any] = {
            "id": f"{args.name}-id",
            "arn": _arn(service, self.region, args.name),
            "name": inputs.get("name", args.name),
        }
        factory = COMPUTED.get(args.typ)
        if factory is not None:
            named = inputs
            if self.name_suffix and args.typ in RENAMED_ON_CREATE:
                key = RENAMED_ON_CREATE[args.typ]
                named = {**inputs, key: f"{inputs.get(key, args.name)}{self.name_suffix}"}
            computed |= factory(args.name, named, self.region)
        outputs = {**inputs, **computed}
        self.resources.append(
            RecordedResource(args.typ, args.name, bool(args.custom), inputs, outputs)
        )
        return str(computed["id"]), outputs

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        # Only the invokes the program is known to make are answered; an unexpected one should
        # be visible, not silently {}.
        if args.token == CALLER_IDENTITY_INVOKE:
            return {
                "accountId": MOCK_ACCOUNT,
                "arn": f"arn:aws:iam::{MOCK_ACCOUNT}:user/mock",
                "id": MOCK_ACCOUNT,
                "userId": "AIDAMOCK",
            }, []
        if args.token == ECR_TOKEN_INVOKE:
            registry = str(args.args.get("registryId") or MOCK_ACCOUNT)
            return {
                "id": registry,
                "registryId": registry,
                "userName": "AWS",
                "password": "mock-ecr-password",
                "authorizationToken": "QVdTOm1vY2s=",
                "proxyEndpoint": f"https://{registry}.dkr.ecr.{self.region}.amazonaws.com",
                "expiresAt": "2030-01-01T00:00:00Z",
            }, []
        raise NotImplementedError(f"unexpected invoke under mocks: {args.token}")


def _config_string(value: Any) -> str:
    """Config values as the engine hands them to programs: strings, JSON for structures."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


@functools.cache
def _program_loop() -> asyncio.AbstractEventLoop:
    return asyncio.new_event_loop()


def run_program(
    environment: str,
    *,
    compute: str | None = None,
    config_overrides: Mapping[str, Any] | None = None,
    config_dir: Path = ENVIRONMENTS_DIR,
    web: WebBuild | None = None,
    name_suffix: str = "",
) -> Inventory:
    """Run the program for `environment` under mocks and return its inventory.

    `web` defaults to whatever `web/dist` holds, without building it (the preview tool must
    not need Node); tests pass a folder of their own."""
    web = web or WebBuild(dist=WEB_DIST, required=False)
    config = {**read_stack_config(environment, config_dir), **(config_overrides or {})}
    secret_keys = [f"{PROJECT}:{key}" for key in SECRET_KEYS]
    for key in secret_keys:
        # Encrypted values need the CLI's secrets provider; the program only needs a value.
        config.setdefault(key, f"mock-secret-{key.split(':')[1]}")
    region = str(config.get("aws:region", "us-east-1"))
    mocks = RecordingMocks(region, name_suffix=name_suffix)
    loaded: list[EnvironmentConfig] = []
    outputs: dict[str, Any] = {}

    def program() -> pulumi.Output[None]:
        loaded.append(EnvironmentConfig.load(compute_override=compute))
        return pulumi.Output.all(**build(loaded[0], web)).apply(outputs.update)

    _run_mocked(mocks, PROJECT, environment, config, secret_keys, program)
    return Inventory(
        environment=loaded[0].environment,
        compute=loaded[0].compute,
        resources=list(mocks.resources),
        outputs=outputs,
    )


def _run_mocked(
    mocks: RecordingMocks,
    project: str,
    stack: str,
    config: Mapping[str, Any],
    secret_keys: list[str],
    program: Callable[[], pulumi.Output[Any]],
) -> None:
    # Pulumi's runtime runs on the thread's current event loop; an earlier asyncio.run() in the
    # same process (another test, the CLI) leaves none set, so give it one - the same each time.
    asyncio.set_event_loop(_program_loop())
    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False)
    pulumi.runtime.set_all_config(
        {key: _config_string(value) for key, value in config.items()}, secret_keys
    )
    _sync_await(run_pulumi_func(lambda: _sync_await(program().future())))


def run_bootstrap(
    stack: str, config: Mapping[str, Any], config_dir: Path = ENVIRONMENTS_DIR
) -> list[RecordedResource]:
    """Run the bootstrap program (engageiq_infra.deploy_access) under mocks."""
    # Imported here: the bootstrap is a separate program with its own project name.
    from engageiq_infra.deploy_access import BOOTSTRAP_PROJECT, DeployAccess, load_args

    mocks = RecordingMocks(str(config.get("aws:region", "us-east-1")))

    def program() -> pulumi.Output[Any]:
        access = DeployAccess("deploy-access", load_args(config_dir))
        return access.preview_role.arn

    _run_mocked(mocks, BOOTSTRAP_PROJECT, stack, config, [], program)
    return list(mocks.resources)
