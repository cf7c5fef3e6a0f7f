"""`IndexManifest`: which segments make up a tenant's index, and which of their files are dead
(decision 0100). It is stored as an immutable JSON object in S3 beside the segments, and the
pointer item names the current one, as Lucene's `segments_N` file names a commit's segments:
the pointer stays a few bytes however many files the tenant has (a query reads it every time),
and a manifest is read only when the pointer moves."""

from __future__ import annotations

from typing import Final

import msgspec

MANIFEST_FORMAT: Final = 3


class SegmentEntry(msgspec.Struct, rename="camel", frozen=True, forbid_unknown_fields=False):
    key: str
    """The segment's S3 key."""
    files: dict[str, int]
    """Each file written into the segment, with its chunk count."""
    dead: list[str] = []
    """Files of `files` no longer searchable (deleted, or superseded by a new version)."""
    bytes: int = 0
    """The serialised segment's size."""
    embedder: str = ""
    """Id of the embedder its vectors come from ("" for none)."""

    @property
    def chunks(self) -> int:
        return sum(self.files.values())

    @property
    def live_chunks(self) -> int:
        dead = set(self.dead)
        return sum(n for file_id, n in self.files.items() if file_id not in dead)

    def with_dead(self, file_ids: set[str]) -> SegmentEntry:
        """This entry with `file_ids` (those it holds) added to its dead files."""
        added = sorted((file_ids & self.files.keys()) - set(self.dead))
        if not added:
            return self
        return msgspec.structs.replace(self, dead=sorted({*self.dead, *added}))


class IndexManifest(msgspec.Struct, frozen=True):
    format: int = MANIFEST_FORMAT
    segments: list[SegmentEntry] = []

    def live_files(self) -> dict[str, str]:
        """Each searchable file's id -> the key of the segment holding it."""
        return {
            file_id: entry.key
            for entry in self.segments
            for file_id in entry.files
            if file_id not in entry.dead
        }

    def to_json(self) -> bytes:
        return _encoder.encode(self)

    @classmethod
    def from_json(cls, blob: bytes) -> IndexManifest:
        """Raises ValueError for anything that is not a manifest of this format."""
        try:
            manifest = msgspec.json.decode(blob, type=cls)
        except msgspec.DecodeError as exc:
            raise ValueError(f"not a readable index manifest ({exc})") from None
        if manifest.format != MANIFEST_FORMAT:
            raise ValueError("unknown index manifest format")
        return manifest


_encoder = msgspec.json.Encoder()
