"""Where the local platform keeps its state: `.engageiq/local/` in the repository."""

from __future__ import annotations

from pathlib import Path


def repo_root(start: Path | None = None) -> Path:
    """The nearest folder holding Pulumi.yaml, from `start` (default: the working dir) up."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "Pulumi.yaml").is_file():
            return folder
    return here


def default_state_dir() -> Path:
    return repo_root() / ".engageiq" / "local"


def outputs_file(state_dir: Path) -> Path:
    return state_dir / "outputs.json"
