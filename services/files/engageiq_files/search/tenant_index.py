"""`TenantIndex`: one tenant's BM25 index (bm25s scoring over a sparse matrix) with the chunk
texts it returns, serialised as one numpy archive without pickles."""

from __future__ import annotations

import io
import json
import threading
from typing import Any, Final

import bm25s
import msgspec
import numpy as np

from engageiq_files.search.tokens import Tokenizer

FORMAT_VERSION: Final = 1


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
    def build(cls, chunks: list[IndexedChunk]) -> TenantIndex:
        tokenizer = _tokenizer()
        vocab: dict[str, int] = {}
        corpus_ids = [
            [vocab.setdefault(token, len(vocab)) for token in tokenizer.tokens(chunk.text)]
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

    def search(self, query: str, k: int) -> list[tuple[IndexedChunk, float]]:
        if self._bm25 is None or k < 1:
            return []
        ids = [self.vocab[t] for t in _tokenizer().tokens(query) if t in self.vocab]
        if not ids:
            return []
        scores = self._bm25.get_scores_from_ids(ids)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.chunks[i], float(scores[i])) for i in top if scores[i] > 0]

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
