"""CI smoke run of `bench/load.py`: a short mixed load against `engageiq dev --replicas 2`
finishes with 0 errors, reaches every replica and reports every figure. No timing is asserted
here; the figures themselves come from the full 60 s run (docs/operations.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.load import CLIENT, MIX, NOT_JUDGED

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = {"chat-1", "chat-2", "files-1", "files-2"}


def test_a_short_load_run_reports_every_figure_with_no_errors(tmp_path: Path) -> None:
    figures = tmp_path / "load.json"
    run = subprocess.run(
        [
            sys.executable, "bench/load.py", "--duration", "6", "--warmup", "1",
            "--bare-seconds", "1", "--concurrency", "4", "--no-compare", "--json", str(figures),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert figures.is_file(), run.stdout + run.stderr
    result = json.loads(figures.read_text())
    assert result["errors"] == 0, result["error_samples"]
    assert result["goals"]["no_errors"] is True
    # Exit 1 is only allowed for the memory goal, which 8 s cannot judge fairly.
    assert run.returncode == (0 if result["goals"]["memory_flat"] else 1), run.stderr
    assert result["replicas"] == 2
    assert result["requests"] > 0
    assert result["throughput_rps"] > 0
    for kind in MIX:
        assert {"count", "errors", "p50_ms", "p99_ms", "p50_vs_bare"} <= set(result["kinds"][kind])
    assert set(result["answered_by"]) == REPLICAS
    assert result["baseline_bare"]["throughput_rps"] > 0
    assert set(result["memory"]) == {"engageiq-dev", "edge", CLIENT, *REPLICAS}
    for name, memory in result["memory"].items():
        fields = {"first_mb", "last_mb", "peak_mb", "change_pct", "cores_used", "judged", "flat"}
        assert fields <= set(memory)
        assert memory["judged"] is (name not in NOT_JUDGED)
    assert "goals: 0 errors: met" in run.stdout
