"""Failures of operations on tenants and users, each with a stable code and the exit code
scripts can rely on. The operator CLI turns them into exit codes; the tenant admin API into
HTTP statuses (InvalidInput 400, NotFound 404, Conflict 409); the codes it relays are entries
of the one table of API errors (engageiq_tenancy.error_codes, decision 0095)."""

from __future__ import annotations

from typing import Final

EXIT_FAILED: Final = 1
EXIT_INVALID: Final = 2
EXIT_NOT_FOUND: Final = 3
EXIT_CONFLICT: Final = 4


class ProvisioningError(Exception):
    exit_code = EXIT_FAILED

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class InvalidInput(ProvisioningError):
    exit_code = EXIT_INVALID


class NotFound(ProvisioningError):
    exit_code = EXIT_NOT_FOUND


class Conflict(ProvisioningError):
    exit_code = EXIT_CONFLICT
