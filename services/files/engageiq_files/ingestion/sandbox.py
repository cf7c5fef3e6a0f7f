"""`ParserSandbox`: runs one parse in a child process with an address-space limit and a
wall-clock timeout, so a hostile or pathological document (decompression bombs, parser loops)
kills only that child. The service stays up and the file is marked failed."""

from __future__ import annotations

import multiprocessing
import resource
from multiprocessing.connection import Connection
from typing import Any, Final

from engageiq_files.ingestion.sections import ParsedDocument, ParseFailure, ParseLimits

# forkserver: children fork from a small, single-threaded server that has the parsers
# imported, not from this multi-threaded service (forking threads is unsafe), and start fast.
PROCESS_CONTEXT: Final = multiprocessing.get_context("forkserver")
PROCESS_CONTEXT.set_forkserver_preload(
    [
        "engageiq_files.ingestion.parsers",
        "engageiq_files.search.build_process",
        "engageiq_files.search.embedder_warmup",
    ]
)


def _child(
    conn: Connection, path: str, kind: str, limits: ParseLimits, memory: int, cpu: int
) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    from engageiq_files.ingestion.parsers import parse_document

    result: tuple[Any, ...]
    try:
        result = ("ok", parse_document(path, kind, limits))
    except ParseFailure as exc:
        result = ("failed", exc.code, exc.message)
    except MemoryError:
        result = ("failed", "too_complex", "The document needs too much memory to parse.")
    except Exception:
        # A parser bug or a library error on odd input: the type and text stay in this
        # process (they can name server paths); people get a sentence.
        result = ("failed", "unreadable", "The document could not be read.")
    try:
        conn.send(result)
    finally:
        conn.close()


class ParserSandbox:
    def __init__(self, limits: ParseLimits, *, timeout: float, memory_bytes: int) -> None:
        self.limits = limits
        self.timeout = timeout
        self.memory_bytes = memory_bytes

    def parse(self, path: str, kind: str) -> ParsedDocument:
        """Blocking: parse `path` as `kind` in a child; raises ParseFailure on any failure
        (`parse_timeout`, `parse_crashed`, `too_complex`, `unreadable` or the parser's own)."""
        receiver, sender = PROCESS_CONTEXT.Pipe(duplex=False)
        process = PROCESS_CONTEXT.Process(
            target=_child,
            args=(sender, path, kind, self.limits, self.memory_bytes, int(self.timeout) + 1),
            daemon=True,
        )
        process.start()
        sender.close()
        try:
            if not receiver.poll(self.timeout):
                raise ParseFailure(
                    "parse_timeout", f"Parsing took longer than {self.timeout:g} seconds."
                )
            try:
                result = receiver.recv()
            except (EOFError, OSError):
                raise ParseFailure(
                    "parse_crashed", "The parser stopped on this document (it used too much)."
                ) from None
        finally:
            receiver.close()
            if process.is_alive():
                process.kill()
            process.join(5)
            process.close()
        if result[0] == "ok":
            parsed: ParsedDocument = result[1]
            return parsed
        raise ParseFailure(result[1], result[2])
