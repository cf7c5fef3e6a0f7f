"""Service images: built from `services/<name>/Dockerfile` by `pulumi up` itself (Pulumi's
Docker Build provider), pushed to the stack's own ECR repository under a tag derived from the
build's content, and deployed by digest. See docs/decisions/0065-images-built-by-the-program.md.

`engageiq:<service>Image` overrides the build for teams that build elsewhere: the services then
run exactly that reference and no image is built for them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pulumi
import pulumi_aws as aws
import pulumi_docker_build as docker_build
from docker.utils.build import exclude_paths

# App Runner and ECS Express (Fargate, by default) run x86-64 images.
IMAGE_PLATFORM: Final = docker_build.Platform.LINUX_AMD64
# Long enough to never collide within a repository's 30 kept images, short enough to read.
CONTENT_TAG_LENGTH: Final = 24
DOCKERIGNORE: Final = ".dockerignore"


def dockerfile_path(context: Path, service: str) -> Path:
    return context / "services" / service / "Dockerfile"


def _ignore_patterns(context: Path) -> list[str]:
    path = context / DOCKERIGNORE
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def build_context_files(context: Path, dockerfile: Path) -> list[Path]:
    """The files Docker sends as the build context (`.dockerignore` applied with Docker's own
    matcher, from the `docker` SDK), relative to `context`, sorted."""
    included = exclude_paths(
        str(context), _ignore_patterns(context), str(dockerfile.relative_to(context))
    )
    return sorted(Path(p) for p in included if (context / p).is_file())


def content_tag(context: Path, dockerfile: Path, platform: str = IMAGE_PLATFORM.value) -> str:
    """A tag that names the image's inputs: SHA-256 over the platform and the Dockerfile's path,
    then each context file's path, executable bit and bytes. Equal inputs give the same tag,
    so a re-run pushes nothing new; any change to a file the build can see gives a new tag,
    which ECR's immutable tags require (the provider rebuilds whenever its own context hash
    changes, and that hash covers a subset of these files)."""
    recipe = dockerfile.relative_to(context).as_posix()
    digest = hashlib.sha256(f"platform={platform}\ndockerfile={recipe}\n".encode())
    for relative in build_context_files(context, dockerfile):
        path = context / relative
        executable = path.stat().st_mode & 0o111 != 0
        digest.update(f"{relative.as_posix()}\0{int(executable)}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:CONTENT_TAG_LENGTH]


def image_reference(repository_url: str, digest: str) -> str:
    """`<repository>@sha256:...`: what the services run. A digest, unlike a tag, can never
    point at other bytes later."""
    return f"{repository_url}@{digest}"


@dataclass(frozen=True, slots=True)
class ImageBuildArgs:
    service: str
    repository: aws.ecr.Repository
    context: Path
    """The build context: the repository root (the uv workspace)."""


def build_and_push(
    name: str, args: ImageBuildArgs, parent: pulumi.Resource
) -> tuple[docker_build.Image, pulumi.Output[str]]:
    """Build `services/<service>/Dockerfile`, push it to `args.repository` with its content tag,
    and return the image resource and the digest reference the services must run."""
    dockerfile = dockerfile_path(args.context, args.service)
    tag = content_tag(args.context, dockerfile)
    repository = args.repository
    token = aws.ecr.get_authorization_token_output(
        registry_id=repository.registry_id, opts=pulumi.InvokeOutputOptions(parent=parent)
    )
    image = docker_build.Image(
        name,
        context=docker_build.BuildContextArgs(location=str(args.context)),
        dockerfile=docker_build.DockerfileArgs(location=str(dockerfile)),
        platforms=[IMAGE_PLATFORM],
        tags=[repository.repository_url.apply(lambda url: f"{url}:{tag}")],
        push=True,
        registries=[
            docker_build.RegistryArgs(
                address=repository.repository_url.apply(lambda url: url.split("/")[0]),
                username=token.user_name,
                password=token.password,
            )
        ],
        opts=pulumi.ResourceOptions(parent=parent),
    )
    reference = pulumi.Output.all(repository.repository_url, image.digest).apply(
        lambda parts: image_reference(parts[0], parts[1])
    )
    return image, reference
