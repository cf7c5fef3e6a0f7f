"""The environment a service image starts with in the image tests and in CI's container smoke
start (scripts/smoke-image): the variables the Pulumi program gives that service, with the
local moto's values (decision 0096).

    python -m tests.support.image_environment <service> <moto endpoint URL>

provisions the spec's resources in that (fresh) moto and prints `KEY=value` lines for
`docker run --env-file`."""

from __future__ import annotations

import sys
from typing import Final

from engageiq.local.aws import LocalResources, provision
from engageiq.local.platform import service_environment
from engageiq_infra.access import SERVICE_SECRETS
from engageiq_tenancy.resources import EnvVars
from engageiq_tenancy.setting_catalog import LOCAL_ONLY_VARIABLES
from tests.infra.conftest import recorded_stack
from tests.infra.guardrails import service_environment as wired_environment

# The stack whose wiring the services start with (every cloud stack wires the same names).
WIRED_STACK: Final = ("dev", "apprunner")
# Secrets (Secrets Manager in the cloud) get a value long enough for their checks.
DUMMY_SECRET: Final = "x" * 40


def service_variables(service: str, resources: LocalResources) -> dict[str, str]:
    """The variables the program wires for `service` (names from the recorded stack), with the
    local moto's values where the program's are AWS resources, the local-only variables that
    make it trust that moto, and dummy secrets. `ENGAGEIQ_ENV` is `local`: the only mode that
    trusts moto (settings.check_trust_rules)."""
    local = service_environment(resources)
    wired = wired_environment(recorded_stack(*WIRED_STACK), service)
    env = {name: local.get(name, value) for name, value in wired.items()}
    env |= {name: local[name] for name in LOCAL_ONLY_VARIABLES}
    env |= {k: v for k, v in local.items() if k.startswith("AWS_") and k not in env}
    env |= {secret: DUMMY_SECRET for secret in SERVICE_SECRETS[service]}
    env[EnvVars.ENV] = "local"
    return env


def main(argv: list[str]) -> int:
    service, endpoint_url = argv
    for name, value in sorted(service_variables(service, provision(endpoint_url)).items()):
        sys.stdout.write(f"{name}={value}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
