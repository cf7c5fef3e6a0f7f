"""Service images: `pulumi up` builds and pushes them, tagged by content, and the services run
exactly the pushed digests; `engageiq:<service>Image` overrides the build (decision 0065)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Final

import pytest

from engageiq_infra.config import image_key
from engageiq_infra.images import (
    IMAGE_PLATFORM,
    build_context_files,
    content_tag,
    dockerfile_path,
    image_reference,
)
from engageiq_infra.mocks import IMAGE_TYPE, Inventory, RecordedResource, run_program
from engageiq_infra.outputs import repository_url_key
from engageiq_infra.stack import REPO_ROOT
from engageiq_tenancy.resources import SERVICES

from . import guardrails as g

DIGEST: Final = re.compile(r"@sha256:[0-9a-f]{64}$")
FROM_LINE: Final = re.compile(r"^FROM\s+(?:--platform=\S+\s+)?(\S+)", re.MULTILINE)
COPY_FROM_IMAGE: Final = re.compile(r"^COPY\s+--from=(\S+/\S+)\s", re.MULTILINE)
SYNTAX: Final = re.compile(r"^# syntax=(\S+)", re.MULTILINE)


def deployed_image(stack: Inventory, service: str) -> str:
    if stack.compute == "apprunner":
        runner = next(
            r for r in stack.of_type(g.APPRUNNER) if r.inputs["serviceName"].endswith(f"-{service}")
        )
        return str(runner.inputs["sourceConfiguration"]["imageRepository"]["imageIdentifier"])
    express = next(
        r for r in stack.of_type(g.EXPRESS) if r.inputs["serviceName"].endswith(f"-{service}")
    )
    return str(express.inputs["primaryContainer"]["image"])


def image_of(stack: Inventory, service: str) -> RecordedResource:
    return stack.named(f"services-{service}-image")


def test_each_service_runs_the_digest_its_build_pushed(stack: Inventory) -> None:
    for service in SERVICES:
        image = image_of(stack, service)
        repository = stack.outputs[repository_url_key(service)]
        expected = image_reference(repository, image.outputs["digest"])
        assert DIGEST.search(expected)
        assert deployed_image(stack, service) == expected
        assert stack.outputs[image_key(service)] == expected


def test_images_are_pushed_to_their_own_repository_under_a_content_tag(stack: Inventory) -> None:
    for service in SERVICES:
        image = image_of(stack, service)
        repository = stack.outputs[repository_url_key(service)]
        dockerfile = dockerfile_path(REPO_ROOT, service)
        assert image.inputs["push"] is True
        assert image.inputs["tags"] == [f"{repository}:{content_tag(REPO_ROOT, dockerfile)}"]
        assert image.inputs["platforms"] == [IMAGE_PLATFORM.value]
        assert image.inputs["context"] == {"location": str(REPO_ROOT)}
        assert image.inputs["dockerfile"] == {"location": str(dockerfile)}
        [registry] = image.inputs["registries"]
        assert registry["address"] == repository.split("/")[0]
        assert registry["username"] == "AWS"
        assert registry["password"]


def test_a_configured_image_overrides_the_build_for_that_service_only() -> None:
    pinned = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/engageiq-dev-chat@sha256:" + "a" * 64
    for compute in ("apprunner", "ecs-express"):
        stack = run_program("dev", compute=compute, config_overrides={"engageiq:chatImage": pinned})
        assert deployed_image(stack, "chat") == pinned
        assert stack.outputs[image_key("chat")] == pinned
        assert [i.name for i in stack.of_type(IMAGE_TYPE)] == ["services-files-image"]
        assert DIGEST.search(deployed_image(stack, "files"))


# Content tags over a small build context of our own ------------------------------------------


@pytest.fixture
def context(tmp_path: Path) -> Path:
    (tmp_path / "services" / "chat").mkdir(parents=True)
    (tmp_path / "services" / "chat" / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "services" / "chat" / "app.py").write_text("print('v1')\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.md").write_text("notes\n")
    (tmp_path / ".dockerignore").write_text("*\n!services\n**/__pycache__\n")
    return tmp_path


def test_the_context_is_what_docker_would_send(context: Path) -> None:
    (context / "services" / "chat" / "__pycache__").mkdir()
    (context / "services" / "chat" / "__pycache__" / "app.pyc").write_bytes(b"\0")
    dockerfile = dockerfile_path(context, "chat")
    # Docker always sends .dockerignore and the Dockerfile, whatever the patterns say.
    assert build_context_files(context, dockerfile) == [
        Path(".dockerignore"),
        Path("services/chat/Dockerfile"),
        Path("services/chat/app.py"),
    ]


def test_the_tag_changes_with_the_images_inputs_only(context: Path) -> None:
    dockerfile = dockerfile_path(context, "chat")
    first = content_tag(context, dockerfile)
    assert re.fullmatch(r"[0-9a-f]{24}", first)
    assert content_tag(context, dockerfile) == first
    (context / "docs" / "notes.md").write_text("changed, but not sent to docker\n")
    assert content_tag(context, dockerfile) == first
    (context / "services" / "chat" / "app.py").write_text("print('v2')\n")
    second = content_tag(context, dockerfile)
    assert second != first
    (context / "services" / "chat" / "app.py").chmod(0o755)
    assert content_tag(context, dockerfile) != second
    assert content_tag(context, dockerfile, platform="linux/arm64") != content_tag(
        context, dockerfile
    )


def test_each_dockerfile_gets_its_own_tag_over_the_same_context() -> None:
    tags = {content_tag(REPO_ROOT, dockerfile_path(REPO_ROOT, s)) for s in ("chat", "files")}
    assert len(tags) == 2


def test_a_renamed_file_is_a_new_tag(context: Path) -> None:
    dockerfile = dockerfile_path(context, "chat")
    before = content_tag(context, dockerfile)
    shutil.move(context / "services" / "chat" / "app.py", context / "services" / "chat" / "main.py")
    assert content_tag(context, dockerfile) != before


def test_the_real_context_holds_the_workspace_and_no_local_state() -> None:
    files = build_context_files(REPO_ROOT, dockerfile_path(REPO_ROOT, "chat"))
    tops = {f.parts[0] for f in files}
    assert {"pyproject.toml", "uv.lock", "shared", "services"} <= tops
    assert not tops & {".git", ".venv", ".engageiq", "tests", "web", "platform", "docs"}
    assert not any("__pycache__" in f.parts for f in files)


# Dockerfiles ----------------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_every_base_image_is_pinned_by_digest(service: str) -> None:
    text = dockerfile_path(REPO_ROOT, service).read_text()
    stages = set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", text, re.MULTILINE))
    references = [
        *SYNTAX.findall(text),
        *(ref for ref in FROM_LINE.findall(text) if ref not in stages),
        *COPY_FROM_IMAGE.findall(text),
    ]
    assert len(references) >= 3  # the frontend, the base image, uv
    for reference in references:
        assert DIGEST.search(reference), f"{reference} is not pinned by digest"
        assert ":latest@" not in reference


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_runs_as_a_numeric_non_root_user(service: str) -> None:
    text = dockerfile_path(REPO_ROOT, service).read_text()
    users = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert users
    uid = users[-1].split(":")[0]
    assert uid.isdigit()
    assert int(uid) != 0
    assert f"--uid {uid}" in text
