"""`IndexBuildProcess`: builds and merges index segments in a child process. Tokenising and
embedding thousands of chunks is seconds of CPU; in the service it would hold the GIL that
every other tenant's requests need, and a runaway build is bounded by the child's memory
limit instead of taking the service down. The child gets the chunks (and, for a merge, the
segments) and returns the serialised segment."""

from __future__ import annotations

import resource
from multiprocessing.connection import Connection
from typing import Final

import msgspec

from engageiq_files.ingestion.sandbox import PROCESS_CONTEXT, exit_with_service
from engageiq_search.embedder import embedder_for
from engageiq_search.segment import IndexedChunk, Segment
from engageiq_tenancy.setting_catalog import EmbedderChoice

BUILD_MEMORY_BYTES: Final = 4 * 1024 * 1024 * 1024
BUILD_TIMEOUT_SECONDS: Final = 600.0
EMBED_SECONDS_PER_CHUNK: Final = {"e5": 2.0}
"""Added to a build's time limit per new chunk, by embedder kind (decision 0125): e5 embeds
0.6-3 chunks of ~1,000 characters a second with their windows on a busy 2-core machine, so a
large file (a 500-page PDF is ~1,500 chunks) would otherwise time out and fail. Static
vectors need nothing added."""


NO_EMBEDDER: Final = EmbedderChoice("none")


class IndexBuildFailed(RuntimeError):
    """The build process died or timed out; the published index stays as it was."""


class SegmentJob(msgspec.Struct, frozen=True):
    chunks: list[IndexedChunk]
    """New chunks to tokenise and embed."""
    merge: list[tuple[bytes, list[str]]] = []
    """Serialised segments to merge with them, each with its dead file ids."""
    embedder: EmbedderChoice = NO_EMBEDDER
    """What embeds the segment's chunks (`ENGAGEIQ_EMBEDDER`)."""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(conn: Connection, memory: int) -> None:
    exit_with_service()
    started = _cpu()
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    job = msgspec.msgpack.decode(conn.recv_bytes(), type=SegmentJob)
    embedder = embedder_for(job.embedder)
    parts = [(Segment.from_bytes(blob), frozenset(dead)) for blob, dead in job.merge]
    segment = (
        Segment.merged(parts, embedder, job.chunks)
        if parts
        else Segment.build(job.chunks, embedder)
    )
    conn.send_bytes(segment.to_bytes())
    conn.send_bytes(msgspec.json.encode(_cpu() - started))
    conn.close()


class IndexBuildProcess:
    def __init__(
        self,
        memory_bytes: int = BUILD_MEMORY_BYTES,
        timeout: float = BUILD_TIMEOUT_SECONDS,
        embedder: EmbedderChoice = NO_EMBEDDER,
    ) -> None:
        """`embedder`: what the child embeds chunks with (`ENGAGEIQ_EMBEDDER`; none by
        default here, the services pass their setting)."""
        self.memory_bytes = memory_bytes
        self.timeout = timeout
        self.embedder = embedder
        self.cpu_seconds = 0.0
        """CPU the build processes spent on their jobs so far (from receiving the job to
        sending the segment; not the process start), reported by each child: forkserver
        children are not this process's children, so `RUSAGE_CHILDREN` does not see them.
        bench/incremental_index.py adds it to the service's own CPU."""

    def build(self, chunks: list[IndexedChunk]) -> bytes:
        """Blocking: the serialised segment of `chunks` (`Segment.to_bytes`). Raises
        IndexBuildFailed."""
        extra = len(chunks) * EMBED_SECONDS_PER_CHUNK.get(self.embedder.kind, 0.0)
        return self._run(SegmentJob(chunks, embedder=self.embedder), self.timeout + extra)

    def merge(self, segments: list[tuple[bytes, list[str]]], embedded_chunks: int = 0) -> bytes:
        """Blocking: one serialised segment holding the live chunks of `segments`
        ((serialised segment, its dead file ids)); `embedded_chunks` of them carry another
        embedder's vectors and are embedded again (a re-embedding, decision 0125), which
        grows the time limit as a build's new chunks do. Raises IndexBuildFailed."""
        extra = embedded_chunks * EMBED_SECONDS_PER_CHUNK.get(self.embedder.kind, 0.0)
        return self._run(SegmentJob([], segments, self.embedder), self.timeout + extra)

    def _run(self, job: SegmentJob, timeout: float) -> bytes:
        parent, child = PROCESS_CONTEXT.Pipe(duplex=True)
        process = PROCESS_CONTEXT.Process(
            target=_child, args=(child, self.memory_bytes), daemon=True
        )
        process.start()
        child.close()
        try:
            parent.send_bytes(msgspec.msgpack.encode(job))
            if not parent.poll(timeout):
                raise IndexBuildFailed(f"index build took longer than {timeout:g} s")
            blob = parent.recv_bytes()
            self.cpu_seconds += msgspec.json.decode(parent.recv_bytes(), type=float)
            return blob
        except (EOFError, OSError) as exc:
            raise IndexBuildFailed(f"index build process failed ({exc})") from None
        finally:
            parent.close()
            if process.is_alive():
                process.kill()
            process.join(5)
            process.close()
