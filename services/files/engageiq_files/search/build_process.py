"""`IndexBuildProcess`: builds a tenant index in a child process. Tokenising tens of thousands
of chunks is seconds of pure Python; in the service it would hold the GIL that every other
tenant's requests need. The child gets the chunks and returns the serialised index."""

from __future__ import annotations

import resource
from multiprocessing.connection import Connection
from typing import Final

import msgspec

from engageiq_files.ingestion.sandbox import PROCESS_CONTEXT
from engageiq_search.tenant_index import IndexedChunk, TenantIndex

BUILD_MEMORY_BYTES: Final = 4 * 1024 * 1024 * 1024
BUILD_TIMEOUT_SECONDS: Final = 600.0


class IndexBuildFailed(RuntimeError):
    """The build process died or timed out; the previous index stays published."""


def _child(conn: Connection, memory: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    chunks = msgspec.json.decode(conn.recv_bytes(), type=list[IndexedChunk])
    conn.send_bytes(TenantIndex.build(chunks).to_bytes())
    conn.close()


class IndexBuildProcess:
    def __init__(
        self, memory_bytes: int = BUILD_MEMORY_BYTES, timeout: float = BUILD_TIMEOUT_SECONDS
    ) -> None:
        self.memory_bytes = memory_bytes
        self.timeout = timeout

    def build(self, chunks: list[IndexedChunk]) -> bytes:
        """Blocking: the serialised index of `chunks` (TenantIndex.to_bytes)."""
        parent, child = PROCESS_CONTEXT.Pipe(duplex=True)
        process = PROCESS_CONTEXT.Process(
            target=_child, args=(child, self.memory_bytes), daemon=True
        )
        process.start()
        child.close()
        try:
            parent.send_bytes(msgspec.json.encode(chunks))
            if not parent.poll(self.timeout):
                raise IndexBuildFailed(f"index build took longer than {self.timeout:g} s")
            return parent.recv_bytes()
        except (EOFError, OSError) as exc:
            raise IndexBuildFailed(f"index build process failed ({exc})") from None
        finally:
            parent.close()
            if process.is_alive():
                process.kill()
            process.join(5)
            process.close()
