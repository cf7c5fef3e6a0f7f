"""`TenantIndex`: one tenant's BM25 index (bm25s scoring over a sparse matrix) with the chunk
texts it returns, serialised as one uncompressed zip archive without pickles:

- `meta.json`: `{"format": 2, "vocab": [token, ...]}` (a token's id is its position);
- `chunks.jsonl`: one `IndexedChunk` per line (msgspec, array-like);
- `data.npy`, `indices.npy`, `indptr.npy`: the CSC score matrix (absent when nothing was
  indexed).

Reading decodes member by member and chunk by chunk, so a load holds the decoded index plus a
few MiB, never the archive and its decoded copy at once (decision 0083). Format 1 (one
`numpy.savez` archive with the chunks as a single JSON array) is still read."""

from __future__ import annotations

import io
import json
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any, Final

import bm25s
import msgspec
import numpy as np

from engageiq_search.duplicates import distinct
from engageiq_search.indexed_text import indexed_text
from engageiq_search.query import query_tokens
from engageiq_search.tokens import Tokenizer

FORMAT_VERSION: Final = 2
LEGACY_FORMAT_VERSION: Final = 1
META_MEMBER: Final = "meta.json"
CHUNKS_MEMBER: Final = "chunks.jsonl"
MATRIX: Final = ("data", "indices", "indptr")
"""The CSC arrays of bm25s's score matrix, each stored as `<name>.npy`."""
READ_BLOCK: Final = 1024 * 1024
"""Bytes of `chunks.jsonl` decoded at a time: what a load holds beyond the index itself."""
INDEX_OVERHEAD_BYTES: Final = 4 * 1024
"""Added to each index's estimate for what `getsizeof` does not see (the BM25 object, its
dicts): keeps the estimate at or above tracemalloc's count (docs/search-scale.md)."""
CANDIDATES_PER_RESULT: Final = 3
"""Hits scored per result asked for, so that collapsing near-duplicates still fills `k`."""


class IndexedChunk(msgspec.Struct, array_like=True, frozen=True):
    file_id: str
    file_name: str
    location: str
    text: str
    uploaded_at: str = ""
    """When this version of the file was uploaded (ISO 8601; "" in indexes built before
    versions existed): citations name it."""


_chunks_decoder = msgspec.json.Decoder(list[IndexedChunk])
_chunk_encoder = msgspec.json.Encoder()
_local = threading.local()


def _tokenizer() -> Tokenizer:
    # One tokenizer per thread: builds and queries run in worker threads.
    tokenizer: Tokenizer | None = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        tokenizer = _local.tokenizer = Tokenizer()
    return tokenizer


def _scored_text(chunk: IndexedChunk) -> str:
    return indexed_text(chunk.file_name, chunk.location, chunk.text)


class TenantIndex:
    def __init__(
        self, chunks: list[IndexedChunk], vocab: dict[str, int], bm25: bm25s.BM25 | None
    ) -> None:
        self.chunks = chunks
        self.vocab = vocab
        self._bm25 = bm25
        self.memory_bytes = _estimated_bytes(chunks, vocab, bm25)
        """Estimated bytes this index holds in memory (what the cache budgets): exact sizes
        of its strings, structs, lists and arrays, plus `INDEX_OVERHEAD_BYTES`. Computed once,
        here, so that it is paid in the worker thread that builds or loads the index
        (~1.7 us per chunk)."""

    @classmethod
    def empty(cls) -> TenantIndex:
        return cls([], {}, None)

    @classmethod
    def build(
        cls, chunks: list[IndexedChunk], text_of: Callable[[IndexedChunk], str] | None = None
    ) -> TenantIndex:
        """The index of `chunks`, each scored on `text_of(chunk)`: by default its document's
        name, its heading and its text (`indexed_text`); bench/answer_quality.py passes the
        bare text to measure what that adds."""
        text_of = text_of or _scored_text
        tokenizer = _tokenizer()
        vocab: dict[str, int] = {}
        corpus_ids = [
            [vocab.setdefault(token, len(vocab)) for token in tokenizer.tokens(text_of(chunk))]
            for chunk in chunks
        ]
        if not vocab:
            return cls(chunks, vocab, None)
        bm25 = bm25s.BM25(method="lucene")
        bm25.scores = bm25.build_index_from_ids(
            unique_token_ids=list(range(len(vocab))),
            corpus_token_ids=corpus_ids,
            show_progress=False,
        )
        bm25.vocab_dict = vocab
        return cls(chunks, vocab, bm25)

    def file_ids(self) -> set[str]:
        return {chunk.file_id for chunk in self.chunks}

    def search(
        self, query: str, k: int, *, plain_query: bool = False, collapse: bool = True
    ) -> list[tuple[IndexedChunk, float]]:
        """The `k` best chunks for `query` with their BM25 scores, best first: question and
        function words left out of the query (`query_tokens`), near-duplicate chunks
        collapsed (`duplicates.distinct`). `plain_query` and `collapse=False` turn those off
        (bench/answer_quality.py measures each)."""
        if self._bm25 is None or k < 1:
            return []
        tokenizer = _tokenizer()
        tokens = tokenizer.tokens(query) if plain_query else query_tokens(tokenizer, query)
        ids = [self.vocab[t] for t in tokens if t in self.vocab]
        if not ids:
            return []
        scores = self._bm25.get_scores_from_ids(ids)
        wanted = min(k * CANDIDATES_PER_RESULT if collapse else k, len(scores))
        top = np.argpartition(-scores, wanted - 1)[:wanted]
        top = top[np.argsort(-scores[top], kind="stable")]
        hits = [(self.chunks[i], float(scores[i])) for i in top if scores[i] > 0]
        if not collapse:
            return hits[:k]
        return list(distinct(((hit, hit[0].text) for hit in hits), k))

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.write(out)
        return out.getvalue()

    def write(self, out: IO[bytes]) -> None:
        """Serialise into `out` (format 2, see the module docstring)."""
        meta = {
            "format": FORMAT_VERSION,
            "vocab": sorted(self.vocab, key=self.vocab.__getitem__),
        }
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(META_MEMBER, json.dumps(meta))
            # force_zip64: a member's size is unknown when it is opened for writing.
            with archive.open(CHUNKS_MEMBER, "w", force_zip64=True) as member:
                for chunk in self.chunks:
                    member.write(_chunk_encoder.encode(chunk) + b"\n")
            if self._bm25 is not None:
                for name in MATRIX:
                    with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(
                            member,
                            np.ascontiguousarray(self._bm25.scores[name]),
                            allow_pickle=False,
                        )

    @classmethod
    def from_bytes(cls, blob: bytes) -> TenantIndex:
        return cls.read(io.BytesIO(blob))

    @classmethod
    def read(cls, source: IO[bytes]) -> TenantIndex:
        """The index serialised in `source` (seekable, positioned at the archive's start).

        Raises ValueError for anything that is not an index of a known format."""
        start = source.tell()
        try:
            with zipfile.ZipFile(source) as archive:
                names = set(archive.namelist())
                if "meta.npy" in names:
                    legacy = True
                else:
                    legacy = False
                    index = cls._read_archive(archive, names)
        except (zipfile.BadZipFile, KeyError, msgspec.DecodeError) as exc:
            raise ValueError(f"not a readable index ({exc})") from None
        if legacy:
            source.seek(start)
            return cls._read_legacy(source)
        return index

    @classmethod
    def _read_archive(cls, archive: zipfile.ZipFile, names: set[str]) -> TenantIndex:
        meta = json.loads(archive.read(META_MEMBER))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError("unknown index format")
        chunks: list[IndexedChunk] = []
        with archive.open(CHUNKS_MEMBER) as member:
            for lines in _line_blocks(member):
                # One decode per block, as a JSON array: ~3x faster than one per line.
                chunks += _chunks_decoder.decode(b"[" + b",".join(lines) + b"]")
        vocab = {token: i for i, token in enumerate(meta["vocab"])}
        if "data.npy" not in names:
            return cls(chunks, vocab, None)
        scores: dict[str, Any] = {"num_docs": len(chunks)}
        for name in MATRIX:
            with archive.open(f"{name}.npy") as member:
                # Read in numpy's 256 KiB pieces straight into the new array: no second copy.
                scores[name] = np.lib.format.read_array(member, allow_pickle=False)
        return cls(chunks, vocab, _bm25(scores, vocab))

    @classmethod
    def _read_legacy(cls, source: IO[bytes]) -> TenantIndex:
        # allow_pickle=False: an index file is data and must never be able to run code.
        with np.load(source, allow_pickle=False) as archive:
            meta = json.loads(archive["meta"].tobytes())
            if meta.get("format") != LEGACY_FORMAT_VERSION:
                raise ValueError("unknown index format")
            chunks = _chunks_decoder.decode(archive["chunks"].tobytes())
            vocab = {token: i for i, token in enumerate(meta["vocab"])}
            if "data" not in archive.files:
                return cls(chunks, vocab, None)
            scores = {name: archive[name] for name in MATRIX} | {"num_docs": len(chunks)}
        return cls(chunks, vocab, _bm25(scores, vocab))


def _bm25(scores: dict[str, Any], vocab: dict[str, int]) -> bm25s.BM25:
    bm25 = bm25s.BM25(method="lucene")
    bm25.scores = scores
    bm25.vocab_dict = vocab
    bm25.nonoccurrence_array = None
    return bm25


def _line_blocks(member: IO[bytes]) -> Iterator[list[bytes]]:
    """The non-empty lines of `member`, a list per `READ_BLOCK` bytes read."""
    rest = b""
    while block := member.read(READ_BLOCK):
        *lines, rest = (rest + block).split(b"\n")
        if lines := [line for line in lines if line]:
            yield lines
    if rest:
        yield [rest]


def _estimated_bytes(
    chunks: list[IndexedChunk], vocab: dict[str, int], bm25: bm25s.BM25 | None
) -> int:
    size = sys.getsizeof
    total = INDEX_OVERHEAD_BYTES + size(chunks) + size(vocab)
    for c in chunks:
        total += size(c) + size(c.file_id) + size(c.file_name) + size(c.location)
        total += size(c.text) + size(c.uploaded_at)
    # Token ids past 256 are int objects of 28 bytes; smaller ones are shared by CPython.
    total += sum(size(token) for token in vocab) + 28 * len(vocab)
    if bm25 is not None:
        total += sum(int(bm25.scores[name].nbytes) for name in MATRIX)
    return total
