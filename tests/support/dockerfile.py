"""A service image's build stage, read from its Dockerfile and replayed without a Docker engine.

The machine that runs the tests has the docker client but no engine, so `docker build` cannot
prove an image. What can go wrong in these images is what the build stage copies and what
`uv sync` then installs (an image that copies a workspace member's pyproject but not its
source builds an empty package, and fails only at start-up). `read_build_stage` parses the
instructions that decide that; `replay` runs them in an empty folder: the same files, the same
`uv sync` commands, the same environment. Only the instructions these Dockerfiles use are
understood; anything else in the build stage is an error, so a new instruction cannot pass
unreplayed (decision 0096)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Final

from engageiq_infra.images import build_context_files

BUILD_STAGE: Final = "build"
# Instructions that change nothing the replay has to reproduce.
NOT_REPLAYED: Final = frozenset({"ARG", "LABEL", "EXPOSE", "HEALTHCHECK", "USER", "SHELL"})


class DockerfileError(ValueError):
    """The Dockerfile uses something the replay does not understand."""


@dataclass(frozen=True, slots=True)
class Copy:
    sources: tuple[str, ...]
    """Paths relative to the build context."""
    destination: str
    """As written: relative to the WORKDIR unless absolute; a trailing `/` means a folder."""


@dataclass(frozen=True, slots=True)
class UvCommand:
    argv: tuple[str, ...]
    """`uv` and its arguments, `--mount=...` removed (a cache mount changes no result)."""


@dataclass(slots=True)
class BuildStage:
    workdir: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    steps: list[Copy | UvCommand] = field(default_factory=list)
    """COPY and RUN in order (a later COPY must not be visible to an earlier `uv sync`)."""


@dataclass(frozen=True, slots=True)
class Dockerfile:
    build: BuildStage
    cmd: tuple[str, ...]
    """The final stage's CMD (exec form)."""


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per logical line: comments and parser directives dropped,
    backslash continuations joined."""
    logical: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        keyword, _, rest = whole.partition(" ")
        logical.append((keyword.upper(), rest.strip()))
    if pending:
        raise DockerfileError("the last instruction ends with a continuation")
    return logical


def _env_pairs(arguments: str) -> dict[str, str]:
    words = shlex.split(arguments)
    if len(words) >= 2 and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}  # legacy `ENV KEY value`
    pairs = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep:
            raise DockerfileError(f"ENV {arguments!r}: expected KEY=value")
        pairs[key] = value
    return pairs


def _flags(words: list[str]) -> tuple[dict[str, str], list[str]]:
    flags: dict[str, str] = {}
    while words and words[0].startswith("--"):
        name, _, value = words.pop(0)[2:].partition("=")
        flags[name] = value
    return flags, words


def parse(text: str) -> Dockerfile:
    """The build stage (named `build`) and the last stage's CMD.

    Raises DockerfileError for a build-stage instruction the replay cannot reproduce."""
    build: BuildStage | None = None
    stage: str | None = None
    cmd: tuple[str, ...] = ()
    for keyword, arguments in instructions(text):
        if keyword == "FROM":
            words = arguments.split()
            stage = words[-1] if len(words) == 3 and words[1].upper() == "AS" else None
            if stage == BUILD_STAGE:
                build = BuildStage()
            continue
        if keyword == "CMD":
            cmd = tuple(json.loads(arguments))  # exec form; shell form is not JSON
            continue
        if stage != BUILD_STAGE or build is None:
            continue
        if keyword == "WORKDIR":
            build.workdir = str(PurePosixPath(build.workdir) / arguments)
        elif keyword == "ENV":
            build.env |= _env_pairs(arguments)
        elif keyword == "COPY":
            flags, words = _flags(shlex.split(arguments))
            if "from" in flags:
                continue  # a binary from another image (uv itself), not the repository's files
            if len(words) < 2:
                raise DockerfileError(f"COPY {arguments!r}: needs a source and a destination")
            build.steps.append(Copy(tuple(words[:-1]), words[-1]))
        elif keyword == "RUN":
            _, words = _flags(shlex.split(arguments))
            if not words or words[0] != "uv":
                raise DockerfileError(f"RUN {arguments!r}: only `uv ...` commands are replayed")
            build.steps.append(UvCommand(tuple(words)))
        elif keyword not in NOT_REPLAYED:
            raise DockerfileError(f"{keyword} in the build stage is not replayed")
    if build is None:
        raise DockerfileError(f"no stage named {BUILD_STAGE!r}")
    if not cmd:
        raise DockerfileError("no CMD in exec form")
    return Dockerfile(build, cmd)


def copied_files(
    copy: Copy, context: Path, visible: Sequence[Path]
) -> list[tuple[Path, PurePosixPath]]:
    """(file in the context, its path in the image relative to the WORKDIR-less root) for one
    COPY, with Docker's rules: a folder source copies its contents; several sources or a
    destination ending in `/` make the destination a folder; `.dockerignore` (already applied
    to `visible`) hides files. Raises DockerfileError for a source matching nothing."""
    into_folder = copy.destination.endswith("/") or len(copy.sources) > 1
    destination = PurePosixPath(copy.destination)
    pairs: list[tuple[Path, PurePosixPath]] = []
    for source in copy.sources:
        source_path = Path(source.rstrip("/"))
        if str(source_path) == ".":
            inside = list(visible)
            pairs += [(context / f, destination / f.as_posix()) for f in inside]
            continue
        if source_path in visible:
            target = destination / source_path.name if into_folder else destination
            pairs.append((context / source_path, target))
            continue
        inside = [f for f in visible if source_path in f.parents]
        if not inside:
            raise DockerfileError(f"COPY {source}: not in the build context (missing or ignored)")
        pairs += [
            (context / f, destination / f.relative_to(source_path).as_posix()) for f in inside
        ]
    return pairs


@dataclass(frozen=True, slots=True)
class Replayed:
    root: Path
    """Stands for the image's `/`."""
    workdir: Path
    copied: tuple[PurePosixPath, ...]
    """Every copied file, relative to the WORKDIR."""

    @property
    def venv(self) -> Path:
        return self.workdir / ".venv"


def replay(
    dockerfile: Path,
    context: Path,
    root: Path,
    uv: str,
    env: Mapping[str, str],
    speed_only: Mapping[str, str] | None = None,
) -> Replayed:
    """Copy what the build stage copies from `context` into `root` (an empty folder standing
    for the image's `/`) and run its `uv` commands there with `uv` (the binary to use) and
    `env` plus the stage's ENV, then `speed_only` (variables that change how fast uv installs,
    never what). Raises DockerfileError, or CalledProcessError with uv's output when a
    command fails."""
    stage = parse(dockerfile.read_text()).build
    visible = build_context_files(context, dockerfile)
    workdir = root / stage.workdir.lstrip("/")
    workdir.mkdir(parents=True, exist_ok=True)
    copied: list[PurePosixPath] = []
    for step in stage.steps:
        if isinstance(step, Copy):
            for source, target in copied_files(step, context, visible):
                path = (root if target.is_absolute() else workdir) / str(target).lstrip("/")
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, path)
                copied.append(PurePosixPath(os.path.relpath(path, workdir)))
            continue
        subprocess.run(
            [uv, *step.argv[1:]],
            cwd=workdir,
            env={**env, **stage.env, **(speed_only or {})},
            check=True,
            capture_output=True,
            text=True,
        )
    return Replayed(root, workdir, tuple(copied))


def keep_only_the_venv(replayed: Replayed) -> None:
    """What the runtime stage receives (`COPY --from=build /app/.venv /app/.venv`): the build
    stage's sources are gone, so nothing can be imported from them."""
    for entry in replayed.workdir.iterdir():
        if entry.name != ".venv":
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()


def workspace_members(context: Path) -> dict[str, str]:
    """Distribution name -> folder (relative to `context`) of every workspace member, from
    uv.lock (the lock `uv sync --frozen` checks them against)."""
    lock = tomllib.loads((context / "uv.lock").read_text())
    members: dict[str, str] = {}
    for package in lock["package"]:
        source = package.get("source", {})
        path = source.get("editable") or source.get("virtual")
        if path is not None and path != ".":
            members[package["name"]] = path
    return members


def lock_closure(
    context: Path, distribution: str, excluding: frozenset[str] = frozenset()
) -> set[str]:
    """Every distribution `uv sync --package <distribution> --no-dev` installs, by uv.lock's
    dependency lists (extras' optional dependencies left out, so this may be a subset), not
    following `excluding`."""
    lock = tomllib.loads((context / "uv.lock").read_text())
    dependencies = {
        p["name"]: {d["name"] for d in p.get("dependencies", [])} for p in lock["package"]
    }
    found: set[str] = set()
    todo = [distribution]
    while todo:
        name = todo.pop()
        if name not in found and name not in excluding:
            found.add(name)
            todo += dependencies.get(name, set())
    return found


def installed_members(context: Path, distribution: str) -> set[str]:
    """The workspace members `uv sync --package <distribution>` installs: it and its workspace
    dependencies, transitively."""
    return lock_closure(context, distribution) & workspace_members(context).keys()
