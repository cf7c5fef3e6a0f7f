"""The EngageIQ Pulumi program: read the stack's config, compose the platform, export outputs.

Everything importable lives in the `engageiq_infra` package (this folder must never become a
package: `platform` would shadow the standard library module)."""

from engageiq_infra.config import EnvironmentConfig
from engageiq_infra.outputs import export_all
from engageiq_infra.stack import build

export_all(build(EnvironmentConfig.load()))
