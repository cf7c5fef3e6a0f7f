"""`Target`: where provisioning commands act - names and clients from an environment's outputs.

- `--env local`: `.engageiq/local/outputs.json`, written by `engageiq dev`.
- `--env dev|staging|prod`: the stack's outputs as JSON, from `--outputs FILE` (for example
  `pulumi stack output --json --stack prod > prod.json`) or, if omitted, by running that very
  command. Credentials come from the standard AWS chain (profile, SSO, environment)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.config import Config

from engageiq.local.aws import LOCAL_CREDENTIALS
from engageiq.local.paths import default_state_dir, outputs_file
from engageiq_tenancy.aws import new_client
from engageiq_tenancy.operation_errors import InvalidInput, NotFound
from engageiq_tenancy.resources import BUCKETS, OUTPUT_KEYS, TABLES

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=5,
    read_timeout=30,
    s3={"addressing_style": "path"},
)


@dataclass(frozen=True, slots=True)
class Target:
    env: str
    region: str
    user_pool_id: str
    tables: dict[str, str]
    buckets: dict[str, str]
    endpoint_url: str | None = None
    """Only for the local platform (moto)."""
    user_pool_client_id: str = ""
    """The web app's client, whose identity providers SSO connections change."""

    @property
    def is_local(self) -> bool:
        return self.endpoint_url is not None

    @classmethod
    def from_outputs(cls, env: str, outputs: dict[str, Any]) -> Target:
        k = OUTPUT_KEYS
        try:
            return cls(
                env=env,
                region=outputs[k.region],
                user_pool_id=outputs[k.user_pool_id],
                tables={t.logical_name: outputs[t.output_key] for t in TABLES},
                buckets={b.logical_name: outputs[b.output_key] for b in BUCKETS},
                endpoint_url=outputs.get(k.aws_endpoint_url) if env == "local" else None,
                user_pool_client_id=str(outputs.get(k.user_pool_client_id, "")),
            )
        except KeyError as missing:
            raise InvalidInput(
                "outputs_incomplete", f"The {env} outputs have no {missing} key."
            ) from None

    def client(self, service: str) -> Any:
        extra: dict[str, str] = {}
        if self.is_local:
            # moto accepts any credentials; these match the local services'.
            extra = dict(LOCAL_CREDENTIALS)
        return new_client(
            service,
            region=self.region,
            endpoint_url=self.endpoint_url,
            config=_CONFIG,
            credentials=extra,
        )


def read_outputs_file(path: Path) -> dict[str, Any]:
    """A stack's outputs as JSON; InvalidInput (exit 2) when unreadable or not an object."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise InvalidInput("outputs_missing", f"The outputs file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InvalidInput("outputs_unreadable", f"Cannot read {path}: {reason}.") from None
    except ValueError as exc:
        raise InvalidInput(
            "outputs_invalid",
            f"{path} is not JSON ({exc}); write it with `pulumi stack output --json`.",
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput("outputs_invalid", f"{path} holds JSON but not an object of outputs.")
    return data


def load_target(
    env: str, outputs_path: Path | None = None, state_dir: Path | None = None
) -> Target:
    """The target for `env`: local from `--outputs` or `<state dir>/outputs.json` (state dir
    from `--state-dir`, ENGAGEIQ_STATE_DIR or the checkout), cloud from `--outputs` or pulumi."""
    if env == "local":
        path = outputs_path or outputs_file(state_dir or default_state_dir())
        if outputs_path is None and not path.is_file():
            raise NotFound(
                "platform_not_running",
                f"No local platform outputs at {path}. Start it with `./scripts/dev` (or "
                "point --state-dir / ENGAGEIQ_STATE_DIR at the one that is running).",
            )
        return Target.from_outputs(env, read_outputs_file(path))
    if outputs_path is not None:
        return Target.from_outputs(env, read_outputs_file(outputs_path))
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise InvalidInput(
            "outputs_missing",
            f"Pass --outputs FILE (from `pulumi stack output --json --stack {env}`); "
            "the pulumi CLI is not on PATH to read them directly.",
        )
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [pulumi, "stack", "output", "--json", "--show-secrets", "--stack", env],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise NotFound("stack_unavailable", f"pulumi could not read stack {env}: {result.stderr}")
    try:
        return Target.from_outputs(env, json.loads(result.stdout))
    except ValueError:
        raise InvalidInput("outputs_invalid", "pulumi printed outputs that are not JSON.") from None
