"""Where the CLI finds the local platform, and what `engageiq dev` says about a saved state it
cannot load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engageiq.local.aws import LocalAwsError
from engageiq.local.paths import default_state_dir, repo_root
from engageiq.local.platform import DevPorts, LocalPlatform, free_port
from engageiq.local.state import STATE_FILE

CHECKOUT = Path(__file__).resolve().parents[3]


def test_the_checkout_is_found_from_any_directory(tmp_path: Path) -> None:
    assert repo_root(CHECKOUT / "services" / "chat") == CHECKOUT
    # Outside the checkout: the one this package is installed from.
    assert repo_root(tmp_path) == CHECKOUT


def test_the_state_dir_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ENGAGEIQ_STATE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert default_state_dir() == CHECKOUT / ".engageiq" / "local"
    monkeypatch.setenv("ENGAGEIQ_STATE_DIR", str(tmp_path / "mine"))
    assert default_state_dir() == tmp_path / "mine"


def test_a_state_of_another_version_is_refused_with_the_way_out(tmp_path: Path) -> None:
    saved = tmp_path / STATE_FILE
    saved.write_bytes(json.dumps({"format": 0, "moto": "4.1.0"}).encode() + b"\n...")
    platform = LocalPlatform(tmp_path, DevPorts(edge=free_port(), aws=free_port()))
    with pytest.raises(LocalAwsError) as refused:
        platform.start()
    platform.stop()
    message = str(refused.value)
    assert "written by format 0 with moto 4.1.0" in message
    assert "scripts/dev --fresh" in message
    assert "Nothing was changed" in message
    assert saved.read_bytes().endswith(b"\n...")  # left exactly as it was


def test_the_banner_repeats_a_state_dir_it_was_given() -> None:
    # `./scripts/dev --state-dir /tmp/r28state` said "engageiq dev token", which then looked in
    # the default state directory and found no platform.
    from engageiq.local.commands import naming_the_state_dir

    assert naming_the_state_dir(None) == ""
    assert naming_the_state_dir(Path("/tmp/r28state")) == " --state-dir /tmp/r28state"
    assert naming_the_state_dir(Path("/tmp/my state")) == " --state-dir '/tmp/my state'"
