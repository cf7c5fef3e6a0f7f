"""A files service killed with SIGKILL takes its build and parser children with it.

Builds and parses run in children of a forkserver (engageiq_files.ingestion.sandbox), which
are not the service's own children, and the forkserver does not end while one of its
children runs. A review found an index build embedding for 23 s after its service was
killed, CPU that the instance starting in its place needed. Each child now watches the
service itself and ends with it (decision 0127)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil

SERVICE = textwrap.dedent("""
    import sys
    from engageiq_files.search.build_process import IndexBuildProcess
    from engageiq_search.segment import IndexedChunk
    from engageiq_tenancy.setting_catalog import EmbedderChoice

    # Thousands of chunks for e5 with sentence windows: minutes of work for the child.
    text = " ".join(f"Sentence {n} of the price sheet names a discount." for n in range(40))
    chunks = [IndexedChunk(f"f{n}", "sheet.txt", f"p{n}", text) for n in range(5000)]
    print("building", flush=True)
    IndexBuildProcess(embedder=EmbedderChoice("e5"), timeout=600).build(chunks)
""")


def working_build_child(service: psutil.Process, deadline: float) -> psutil.Process:
    """The build child (a child of the service's forkserver) once it is using CPU."""
    while time.monotonic() < deadline:
        for forkserver in service.children():
            for child in forkserver.children():
                try:
                    if child.cpu_percent(interval=0.5) > 20:
                        return child
                except psutil.NoSuchProcess:
                    continue
        time.sleep(0.2)
    raise AssertionError("the build child never started working")


def test_a_build_child_dies_with_its_killed_service() -> None:
    service = subprocess.Popen(
        [sys.executable, "-c", SERVICE], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    build: psutil.Process | None = None
    try:
        assert service.stdout is not None
        assert service.stdout.readline().strip() == "building"
        build = working_build_child(psutil.Process(service.pid), time.monotonic() + 120)
        os.kill(service.pid, signal.SIGKILL)
        service.wait(10)
        _, alive = psutil.wait_procs([build], timeout=10)
        assert alive == [], "the build child kept working after its service was killed"
    finally:
        if service.poll() is None:
            service.kill()
        service.wait(10)
        if service.stdout is not None:
            service.stdout.close()
        if build is not None:
            with contextlib.suppress(psutil.Error):
                build.kill()  # without the fix, it would run on for minutes
