"""`StreamedUpload`: a multipart/form-data request body, parsed as it arrives and sent to S3
as a multipart upload, holding at most a few parts in memory.

The S3 multipart upload is created only once the first bytes are sniffed, so an empty file,
a refused type or a malformed body leave nothing behind; after that, any failure - oversize,
a broken body, a client that goes away, an S3 error - aborts it. `before_store` runs just
before the multipart upload is created, with the file's name and sniffed kind: the caller
records its intent there, so that even a killed process leaves a trace to clean up
(`engageiq_files.uploads.intent`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Final

import anyio
import anyio.abc
import anyio.to_thread
from multipart import MultipartError, MultipartSegment, PushMultipartParser

from engageiq_files.uploads.sniffing import SNIFF_BYTES, FileKind, sniff
from engageiq_files.uploads.store import FileStore, UploadSession
from engageiq_tenancy.context import TenantContext

FILE_FIELD: Final = "file"
MAX_OTHER_FIELDS_BYTES: Final = 64 * 1024
"""Form fields besides `file` are ignored, and may not add up to more than this."""
MULTIPART_OVERHEAD: Final = 2 * MAX_OTHER_FIELDS_BYTES
"""What a body may carry beyond the file itself (boundaries, part headers, other fields)."""


class UploadRefused(Exception):
    """The upload cannot be accepted; `code` is the API error code."""

    code = "upload_refused"


class FileTooLarge(UploadRefused):
    code = "file_too_large"


class EmptyFile(UploadRefused):
    code = "empty_file"


class MalformedUpload(UploadRefused):
    code = "malformed_upload"


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    raw_name: str
    size: int
    kind: FileKind


class StreamedUpload:
    """Receives one request body. `key` is where the object goes (chosen by the caller from
    the file id, never from the name)."""

    def __init__(
        self,
        store: FileStore,
        tenant: TenantContext,
        key: str,
        boundary: str,
        *,
        max_bytes: int,
        part_size: int,
        parts_in_flight: int,
        content_type_of: Callable[[FileKind], str],
        before_store: Callable[[str, FileKind], Awaitable[None]] | None = None,
    ) -> None:
        self._store = store
        self._tenant = tenant
        self._key = key
        self._parser = PushMultipartParser(boundary, max_header_count=8, strict=True)
        self._max_bytes = max_bytes
        self._part_size = part_size
        self._parts_in_flight = parts_in_flight
        self._content_type_of = content_type_of
        self._before_store = before_store
        self._buffer = bytearray()
        self._size = 0
        self._other_bytes = 0
        self._raw_name: str | None = None
        self._in_file = False
        self._file_done = False
        self._kind: FileKind | None = None
        self._session: UploadSession | None = None
        self._next_part = 1
        self._in_flight: list[anyio.Event] = []

    async def receive(self, body: AsyncIterator[bytes]) -> ReceivedFile:
        try:
            async with anyio.create_task_group() as tasks:
                async for chunk in body:
                    self._parse(chunk)
                    await self._ship_full_parts(tasks)
                self._finish_parsing()
                await self._start_session_if_ready()
                if self._buffer:
                    await self._submit(tasks, self._buffer)
                    self._buffer = bytearray()
            # Leaving the task group waited for every part; a failed part raised above.
            assert self._session is not None
            assert self._kind is not None
            await anyio.to_thread.run_sync(self._session.complete)
        except BaseExceptionGroup as group:
            await self._abort()
            # A failed part surfaces as a group from the task group; callers see the cause.
            raise _first_cause(group) from None
        except BaseException:
            await self._abort()
            raise
        return ReceivedFile(raw_name=self._raw_name or "", size=self._size, kind=self._kind)

    def _parse(self, chunk: bytes) -> None:
        try:
            for event in self._parser.parse(chunk):
                if isinstance(event, MultipartSegment):
                    self._start_segment(event)
                elif event is None:
                    if self._in_file:
                        self._in_file = False
                        self._file_done = True
                elif self._in_file:
                    self._size += len(event)
                    if self._size > self._max_bytes:
                        raise FileTooLarge(f"the file is larger than {self._max_bytes} bytes")
                    self._buffer += event
                else:
                    self._other_bytes += len(event)
                    if self._other_bytes > MAX_OTHER_FIELDS_BYTES:
                        raise MalformedUpload("form fields other than 'file' are too large")
        except MultipartError as exc:
            # Every refusal of the parser, its limits (a part header too long, too many
            # headers) included: `ParserLimitReached` is not a `ParserError`.
            raise MalformedUpload(f"the multipart body is malformed ({exc})") from None

    def _start_segment(self, segment: MultipartSegment) -> None:
        if segment.name != FILE_FIELD:
            return
        if self._raw_name is not None:
            raise MalformedUpload("send exactly one 'file' field")
        if segment.filename is None:
            raise MalformedUpload("the 'file' field must be a file (with a filename)")
        self._raw_name = segment.filename
        self._in_file = True

    def _finish_parsing(self) -> None:
        try:
            self._parser.close(check_complete=True)
        except MultipartError:
            raise MalformedUpload("the multipart body ended before its closing boundary") from None
        if self._raw_name is None:
            raise MalformedUpload("the form has no 'file' field")
        if self._size == 0:
            raise EmptyFile("the file is empty")

    async def _start_session_if_ready(self) -> None:
        if self._session is not None:
            return
        if len(self._buffer) < SNIFF_BYTES and not self._file_done:
            return
        if not self._buffer:
            return  # an empty file; reported once parsing has finished
        self._kind = sniff(bytes(self._buffer[:SNIFF_BYTES]), self._raw_name or "")
        content_type = self._content_type_of(self._kind)
        if self._before_store is not None:
            await self._before_store(self._raw_name or "", self._kind)
        self._session = await anyio.to_thread.run_sync(
            self._store.start_upload, self._tenant, self._key, content_type
        )

    async def _ship_full_parts(self, tasks: anyio.abc.TaskGroup) -> None:
        await self._start_session_if_ready()
        while self._session is not None and len(self._buffer) >= self._part_size:
            # Hand the buffer itself over as the part and keep only its tail: no copy of the
            # part is made, so memory stays at about (parts_in_flight + 1) parts.
            part = self._buffer
            self._buffer = bytearray(part[self._part_size :])
            del part[self._part_size :]
            await self._submit(tasks, part)

    async def _submit(self, tasks: anyio.abc.TaskGroup, data: bytearray) -> None:
        """Send a part in a worker thread; waits first while `parts_in_flight` are already
        being sent, which is what bounds memory to a few parts."""
        while len(self._in_flight) >= self._parts_in_flight:
            await self._in_flight.pop(0).wait()
        session = self._session
        assert session is not None
        number = self._next_part
        self._next_part += 1
        done = anyio.Event()
        self._in_flight.append(done)

        async def send() -> None:
            try:
                await anyio.to_thread.run_sync(session.upload_part, number, data)
            finally:
                done.set()

        tasks.start_soon(send)

    async def _abort(self) -> None:
        if self._session is None:
            return
        # Shielded: the request may be cancelled (client gone), and the abort must still run.
        # Worker threads already sending parts have finished when the task group exited.
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self._session.abort)


def _first_cause(group: BaseExceptionGroup[BaseException]) -> BaseException:
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            return _first_cause(exc)
        if not isinstance(exc, anyio.get_cancelled_exc_class()):
            return exc
    return group.exceptions[0]
