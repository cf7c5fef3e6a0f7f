"""How many bytes of tenant indexes one instance keeps loaded, by default: a share of the
memory the instance may use. That is the container's cgroup limit when one is set (ECS
tasks, Docker), else the machine's physical memory (an App Runner instance is a micro-VM
sized to its configured memory)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from engageiq_tenancy.setting_catalog import SharedVariables

CACHE_MEMORY_FRACTION: Final = 0.3
"""Share of the instance's memory given to cached indexes. The rest holds the process itself
(~250 MiB with its libraries), one index being loaded next to a full cache (up to the budget
again: a load holds ~1x its index), and in the files service the parser and index-build
child processes. 2 x 0.3 plus the process stays under ~75% of a 2 GB instance
(docs/search-scale.md)."""

CGROUP_ROOT: Final = Path("/sys/fs/cgroup")
_V2_LIMIT: Final = "memory.max"
_V1_LIMIT: Final = "memory/memory.limit_in_bytes"


def physical_memory_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def cgroup_memory_limit(root: Path = CGROUP_ROOT) -> int | None:
    """The cgroup v2 `memory.max` or v1 `memory.limit_in_bytes` under `root`; None when
    unlimited ("max", or v1's page-rounded LONG_MAX) or not readable."""
    for name in (_V2_LIMIT, _V1_LIMIT):
        try:
            raw = (root / name).read_text().strip()
        except OSError:
            continue
        if raw == "max":
            return None
        try:
            limit = int(raw)
        except ValueError:
            continue
        # cgroup v1 writes 9223372036854771712 for "no limit".
        return limit if 0 < limit < 2**62 else None
    return None


def instance_memory_bytes(root: Path = CGROUP_ROOT) -> int:
    """What this process may use: the cgroup limit if lower than physical memory."""
    physical = physical_memory_bytes()
    limit = cgroup_memory_limit(root)
    return physical if limit is None else min(limit, physical)


def default_cache_bytes(root: Path = CGROUP_ROOT) -> int:
    """`CACHE_MEMORY_FRACTION` of `instance_memory_bytes()`, in bytes."""
    return int(instance_memory_bytes(root) * CACHE_MEMORY_FRACTION)


def cache_bytes_from_env(environ: Mapping[str, str] | None = None) -> int:
    """`ENGAGEIQ_INDEX_CACHE_BYTES` in bytes if set, else `default_cache_bytes()`, read by the
    one settings reader (`SharedVariables.INDEX_CACHE_BYTES`). Raises `SettingsError` naming
    the variable and its form if it is not a whole number of bytes, 0 or more."""
    cache_bytes = SharedVariables.INDEX_CACHE_BYTES.read(os.environ if environ is None else environ)
    return default_cache_bytes() if cache_bytes is None else cache_bytes
