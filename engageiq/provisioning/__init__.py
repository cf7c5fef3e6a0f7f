"""Operator tools: onboarding, users, suspension, export and offboarding of tenants.

Every command works against a `Target` - the running local platform or a cloud stack - read
from that environment's outputs, through the same code."""
