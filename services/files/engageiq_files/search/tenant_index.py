"""`TenantIndex`: one tenant's BM25 index (bm25s scoring over a sparse matrix) with the chunk
texts it returns, serialised as one numpy archive without pickles."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from typing import Any, Final

import bm25s
import msgspec
import numpy as np

from engageiq_files.search.duplicates import distinct
from engageiq_files.search.indexed_text import indexed_text
from engageiq_files.search.query import query_tokens
from engageiq_files.search.tokens import Tokenizer

FORMAT_VERSION: Final = 1
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
        meta = {
            "format": FORMAT_VERSION,
            "vocab": sorted(self.vocab, key=self.vocab.__getitem__),
        }
        arrays: dict[str, Any] = {
            "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            "chunks": np.frombuffer(msgspec.json.encode(self.chunks), dtype=np.uint8),
        }
        if self._bm25 is not None:
            scores = self._bm25.scores
            arrays |= {"data": scores["data"], "indices": scores["indices"]}
            arrays |= {"indptr": scores["indptr"]}
        out = io.BytesIO()
        np.savez(out, **arrays)
        return out.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> TenantIndex:
        # allow_pickle=False: an index file is data and must never be able to run code.
        with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
            meta = json.loads(archive["meta"].tobytes())
            if meta.get("format") != FORMAT_VERSION:
                raise ValueError("unknown index format")
            chunks = _chunks_decoder.decode(archive["chunks"].tobytes())
            vocab = {token: i for i, token in enumerate(meta["vocab"])}
            if "data" not in archive.files:
                return cls(chunks, vocab, None)
            bm25 = bm25s.BM25(method="lucene")
            bm25.scores = {
                "data": archive["data"],
                "indices": archive["indices"],
                "indptr": archive["indptr"],
                "num_docs": len(chunks),
            }
        bm25.vocab_dict = vocab
        bm25.nonoccurrence_array = None
        return cls(chunks, vocab, bm25)
