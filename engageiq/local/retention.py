"""`RetentionSweeper`: the local platform applies every tenant's retention policy (decision 0122)
at start-up and then every `ENGAGEIQ_RETENTION_SWEEP_SECONDS` (default an hour; 0: never),
in a daemon thread of the `engageiq dev` process.

It runs the one sweep the operator CLI runs (`engageiq_chat.retention`), as of the moment it
runs, over the local platform's own clients; each deletion is audited (`retention.deleted`)."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

from engageiq.local.aws import LocalAwsError, LocalResources, aws_client
from engageiq_chat.retention.sweep import RetentionReport, RetentionSweep, trail_audit
from engageiq_tenancy.audit import AuditTrail
from engageiq_tenancy.resources import AUDIT, UPLOADS

RETENTION_SWEEP_ENV: Final = "ENGAGEIQ_RETENTION_SWEEP_SECONDS"
DEFAULT_SWEEP_SECONDS: Final = 3600.0


def sweep_period_from_env() -> float:
    """Seconds between sweeps from ENGAGEIQ_RETENTION_SWEEP_SECONDS (0: no sweeper);
    LocalAwsError for anything but a number of seconds >= 0."""
    raw = os.environ.get(RETENTION_SWEEP_ENV, "").strip()
    if not raw:
        return DEFAULT_SWEEP_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also refuses NaN
        raise LocalAwsError(
            f"{RETENTION_SWEEP_ENV} must be a number of seconds (0 turns the retention "
            f"sweeper off); {raw!r} was given."
        )
    return seconds


class RetentionSweeper:
    def __init__(
        self,
        resources: LocalResources,
        period: float,
        on_error: Callable[[str], None] = print,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        dynamodb = aws_client("dynamodb", resources.endpoint_url)
        self.sweep = RetentionSweep.with_clients(
            dynamodb,
            resources.tables,
            objects=aws_client("s3", resources.endpoint_url),
            bucket=resources.buckets[UPLOADS.logical_name],
            audit=trail_audit(AuditTrail(dynamodb, resources.tables[AUDIT.logical_name])),
        )
        self.period = period
        self.on_error = on_error
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep_once(self) -> list[RetentionReport]:
        """Every tenant with a policy, as of now (a failing tenant is logged and skipped)."""
        return asyncio.run(self.sweep.apply_all(self.clock()))

    def start(self) -> None:
        if self.period <= 0:
            return
        self._thread = threading.Thread(target=self._run, name="retention-sweep", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                self.sweep_once()
            except Exception as exc:  # report and keep the platform running
                self.on_error(f"The retention sweep failed (it runs again later): {exc!r}")
            if self._stop.wait(self.period):
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
