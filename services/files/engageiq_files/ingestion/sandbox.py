"""`ParserSandbox`: runs one parse in a child process with an address-space limit and a
wall-clock timeout, so a hostile or pathological document (decompression bombs, parser loops)
kills only that child. The service stays up and the file is marked failed."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import resource
import threading
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


def exit_with_service() -> None:
    """Called first in every child of `PROCESS_CONTEXT`: the child ends when the service that
    started it dies (SIGKILL included), instead of working on for nobody; a killed service's
    build child went on embedding for its whole job (decision 0127).

    The child's parent is the forkserver, which does not end while a child of it runs, so
    Linux's parent-death signal would never come. multiprocessing gives the child a sentinel
    of the service itself (`parent_process().sentinel`, ready once the service is gone); a
    daemon thread waits on it."""
    service = multiprocessing.parent_process()
    if service is None:
        return  # not a multiprocessing child: nothing to watch

    def watch() -> None:
        multiprocessing.connection.wait([service.sentinel])
        os._exit(1)  # no clean-up: the result has nobody to go to

    threading.Thread(target=watch, name="exit-with-service", daemon=True).start()


def _child(
    conn: Connection, path: str, kind: str, limits: ParseLimits, memory: int, cpu: int
) -> None:
    exit_with_service()
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
