"""Where the local platform keeps its state: `.engageiq/local/` in the repository, or
`ENGAGEIQ_STATE_DIR` (every command reads it; `--state-dir` overrides it)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

STATE_DIR_ENV: Final = "ENGAGEIQ_STATE_DIR"
_THIS_CHECKOUT: Final = Path(__file__).resolve().parents[2]


def _checkout_of(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / "Pulumi.yaml").is_file():
            return folder
    return None


def repo_root(start: Path | None = None) -> Path:
    """The checkout: the nearest folder holding Pulumi.yaml from `start` (default: the working
    directory) up; else the checkout this package is installed from (the editable install
    in `.venv`), so `engageiq` finds its platform from any directory; else `start`."""
    here = (start or Path.cwd()).resolve()
    return _checkout_of(here) or _checkout_of(_THIS_CHECKOUT) or here


def default_state_dir() -> Path:
    """`$ENGAGEIQ_STATE_DIR` if set, else `<checkout>/.engageiq/local`."""
    configured = os.environ.get(STATE_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    return repo_root() / ".engageiq" / "local"


def outputs_file(state_dir: Path) -> Path:
    return state_dir / "outputs.json"


def starting_file(state_dir: Path) -> Path:
    """Holds the pid of an `engageiq dev` that is starting on `state_dir` and has not yet
    written outputs.json: readers of the outputs wait for it instead of failing."""
    return state_dir / "starting.pid"
