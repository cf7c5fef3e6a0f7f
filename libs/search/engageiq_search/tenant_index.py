"""`TenantIndex`: what a tenant's search runs over: its segments (`Segment`), each with the
file ids recorded dead in the manifest (deleted or superseded since the segment was written).

BM25 is computed at query time with statistics summed over all the tenant's segments (chunk
count, average chunk length, each term's document frequency; chunks of dead files count until
a merge drops them, as in Lucene), so a chunk scores the same whether the tenant's chunks sit
in one segment or in twenty (decision 0100). The formula and parameters are bm25s's "lucene"
variant, which earlier formats stored precomputed. With an embedder, chunks are also ranked by
their embeddings' similarity to the question and both rankings are fused (`fusion`).

`legacy_chunks` reads the chunks of the single-blob formats 1 and 2 (before segments), so
that a tenant indexed before segments is served until its next write migrates it."""

from __future__ import annotations

import io
import json
import math
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import IO, Final

import msgspec
import numpy as np
import numpy.typing as npt

from engageiq_search.duplicates import distinct
from engageiq_search.embedder import Embedder
from engageiq_search.fusion import (
    FusionConstants,
    fused_scores,
    fusion_for,
    reciprocal_rank_fusion,
)
from engageiq_search.query import query_tokens
from engageiq_search.segment import (
    IndexedChunk,
    Segment,
    json_line_blocks,
    scored_text,
    tokenizer,
)
from engageiq_search.vectors import dense_scores, windowed_scores

__all__ = ["IndexPart", "IndexedChunk", "TenantIndex", "legacy_chunks"]

K1: Final = 1.5
B: Final = 0.75
"""BM25 parameters: bm25s's defaults for its "lucene" method (Lucene's own), as before."""
CANDIDATES_PER_RESULT: Final = 3
"""Hits ranked per result asked for, so that collapsing near-duplicates still fills `k`."""
INDEX_OVERHEAD_BYTES: Final = 1024
WINDOW_SHORTLIST: Final = 200
"""Chunks per segment whose sentence windows are scored (decision 0125): the best by their
own vector's cosine. Scoring every window of 50,000 chunks (~5 each in prose) would be ~5x
the chunk scan; the windows of the shortlist cost ~0.1 ms."""
MASK_CACHE_ENTRIES: Final = 8
"""Filters (scope, hidden set) whose per-chunk masks an index keeps: one byte per chunk each,
outside `memory_bytes` (at most 8 bytes a chunk against ~3,000)."""

_Hit = tuple[int, int]
"""(part number, chunk row in that part's segment)."""


@dataclass(frozen=True, eq=False)
class IndexPart:
    """One segment of a tenant's index as its manifest lists it."""

    key: str
    """Where the segment is stored (its S3 key; "" for one built in memory)."""
    segment: Segment
    dead: frozenset[str] = frozenset()
    """Ids of files in the segment that are no longer searchable."""
    live: npt.NDArray[np.bool_] = field(init=False)

    def __post_init__(self) -> None:
        live = ~self.segment.file_mask(self.dead) if self.dead else np.ones(len(self.segment), bool)
        object.__setattr__(self, "live", live)


class TenantIndex:
    def __init__(self, parts: Sequence[IndexPart] = ()) -> None:
        self.parts = tuple(parts)
        self.memory_bytes = INDEX_OVERHEAD_BYTES + sum(p.segment.memory_bytes for p in self.parts)
        """Estimated bytes this index holds in memory (what the cache budgets); segments
        shared with another cached index are counted in each."""
        self._masks: OrderedDict[
            tuple[frozenset[str] | None, frozenset[str]], tuple[npt.NDArray[np.bool_], ...]
        ] = OrderedDict()
        self._masks_lock = threading.Lock()

    @classmethod
    def empty(cls) -> TenantIndex:
        return cls()

    @classmethod
    def build(
        cls,
        chunks: Sequence[IndexedChunk],
        text_of: Callable[[IndexedChunk], str] | None = None,
        embedder: Embedder | None = None,
    ) -> TenantIndex:
        """An index of one segment holding `chunks` (tests and benchmarks; the files service
        builds segments). `text_of` is what each chunk is scored on (default: its document's
        name, heading and text); bench/answer_quality.py passes the bare text."""
        return cls([IndexPart("", Segment.build(chunks, embedder, text_of or scored_text))])

    @property
    def chunks(self) -> list[IndexedChunk]:
        """The live chunks, segment by segment."""
        return [
            chunk
            for part in self.parts
            for chunk, live in zip(part.segment.chunks, part.live, strict=True)
            if live
        ]

    def file_ids(self) -> set[str]:
        """Ids of the files this index can return."""
        return {f for part in self.parts for f in part.segment.file_ids if f not in part.dead}

    def search(
        self,
        query: str,
        k: int,
        *,
        plain_query: bool = False,
        collapse: bool = True,
        embedder: Embedder | None = None,
        files: Collection[str] | None = None,
        exclude: Collection[str] = (),
    ) -> list[tuple[IndexedChunk, float]]:
        """The `k` best chunks for `query`, best first, with their scores: BM25 (question
        and function words left out of the query: `query_tokens`), fused by reciprocal rank
        with the embeddings' ranking when `embedder` is given and the segments carry its
        vectors (the score is then the fused one). Near-duplicate chunks are collapsed
        (`duplicates.distinct`). `files`, when given, limits the result to those file ids
        (a conversation's scope); `exclude` leaves those file ids out (the files a caller's
        audiences hide, decision 0111). `plain_query` and `collapse=False` turn
        those steps off (bench/answer_quality.py measures each). Blocking (CPU)."""
        if k < 1 or not self.parts:
            return []
        wanted = k * CANDIDATES_PER_RESULT if collapse else k
        allowed = self.allowed_masks(files, exclude)
        split = tokenizer()
        tokens = split.tokens(query) if plain_query else query_tokens(split, query)
        constants = fusion_for(embedder.id) if embedder is not None else None
        depth = max(wanted, constants.candidates) if constants is not None else wanted
        lexical = self._lexical(tokens, allowed, depth)
        dense = self._dense(query, embedder, allowed, depth) if embedder is not None else []
        if dense and constants is not None:
            hits = _fused(lexical, dense, wanted, constants)
        else:
            hits = lexical[:wanted]
        found = [(self.parts[p].segment.chunks[row], score) for (p, row), score in hits]
        if not collapse:
            return found[:k]
        return list(distinct(((hit, hit[0].text) for hit in found), k))

    def allowed_masks(
        self, files: Collection[str] | None, exclude: Collection[str]
    ) -> tuple[npt.NDArray[np.bool_], ...]:
        """Per part, per chunk: may `search` return it (live, in `files` when given, not in
        `exclude`)? The ids are made a frozenset once per query (not once per segment), and
        the last `MASK_CACHE_ENTRIES` filters' masks are kept: a tenant's callers share a few
        hidden sets and scopes, so most queries pay one frozenset comparison. Filtered masks
        are read-only (shared between queries); without a filter, the parts' `live`."""
        scope = None if files is None else _frozen(files)
        hidden = _frozen(exclude)
        if scope is None and not hidden:
            return tuple(part.live for part in self.parts)
        key = (scope, hidden)
        with self._masks_lock:
            cached = self._masks.get(key)
            if cached is not None:
                self._masks.move_to_end(key)
                return cached
        masks = tuple(_allowed(part, scope, hidden) for part in self.parts)
        with self._masks_lock:
            self._masks[key] = masks
            while len(self._masks) > MASK_CACHE_ENTRIES:
                self._masks.popitem(last=False)
        return masks

    def _lexical(
        self, tokens: list[str], allowed: Sequence[npt.NDArray[np.bool_]], wanted: int
    ) -> list[tuple[_Hit, float]]:
        segments = [part.segment for part in self.parts]
        total = sum(len(s) for s in segments)
        if not total or not tokens:
            return []
        average = max(sum(s.total_tokens for s in segments) / total, 1e-9)
        idf: dict[str, float] = {}
        for term in set(tokens):
            df = sum(_document_frequency(s, term) for s in segments)
            if df:
                idf[term] = math.log(1 + (total - df + 0.5) / (df + 0.5))
        if not idf:
            return []
        hits: list[tuple[_Hit, float]] = []
        for p, segment in enumerate(segments):
            scores = _bm25(segment, [t for t in tokens if t in idf], idf, average)
            if scores is None:
                continue
            scores[~allowed[p]] = 0.0
            hits += _top(p, scores, wanted)
        hits.sort(key=lambda hit: -hit[1])
        return hits[:wanted]

    def _dense(
        self,
        query: str,
        embedder: Embedder,
        allowed: Sequence[npt.NDArray[np.bool_]],
        wanted: int,
    ) -> list[tuple[_Hit, float]]:
        embedded = [
            p
            for p, part in enumerate(self.parts)
            if part.segment.vectors is not None and part.segment.vectors.embedder_id == embedder.id
        ]
        if not embedded:
            return []
        vector = embedder.embed_query(query)
        hits: list[tuple[_Hit, float]] = []
        for p in embedded:
            vectors = self.parts[p].segment.vectors
            assert vectors is not None
            scores = dense_scores(vector, vectors.codes, vectors.scales)
            scores[~allowed[p]] = -np.inf
            if vectors.windows is None:
                hits += _top(p, scores, wanted, floor=-np.inf)
                continue
            # Two stages: the chunks' own vectors pick a shortlist, their windows rank it.
            shortlist = _top(p, scores, max(wanted, WINDOW_SHORTLIST), floor=-np.inf)
            rows = np.fromiter((row for (_, row), _ in shortlist), np.int64, len(shortlist))
            combined = windowed_scores(vector, scores, vectors.windows, rows)
            order = np.argsort(-combined, kind="stable")[:wanted]
            hits += [((p, int(rows[i])), float(combined[i])) for i in order]
        hits.sort(key=lambda hit: -hit[1])
        return hits[:wanted]

    def to_bytes(self) -> bytes:
        """The one segment of an index built by `build` (what the build process returns)."""
        if len(self.parts) != 1:
            raise ValueError("only an index of one segment is serialised as one blob")
        return self.parts[0].segment.to_bytes()

    @classmethod
    def from_bytes(cls, blob: bytes) -> TenantIndex:
        """The index of one serialised segment, or of a blob of the formats before segments
        (tokenised again). Raises ValueError for anything else."""
        return cls([IndexPart("", read_segment_or_legacy(io.BytesIO(blob)))])


def _frozen(ids: Collection[str]) -> frozenset[str]:
    # frozenset() of a frozenset is the same object: its cached hash is reused.
    return ids if isinstance(ids, frozenset) else frozenset(ids)


def _allowed(
    part: IndexPart, scope: frozenset[str] | None, hidden: frozenset[str]
) -> npt.NDArray[np.bool_]:
    allowed = part.live
    if scope is not None:
        allowed = allowed & part.segment.file_mask(scope)
    if hidden:
        allowed = allowed & ~part.segment.file_mask(hidden)
    allowed.setflags(write=False)
    return allowed


def read_segment_or_legacy(source: IO[bytes]) -> Segment:
    """A format-3 segment, or the one segment a format-1 or -2 blob becomes (BM25 only: its
    chunks are tokenised again, not embedded). Raises ValueError for anything else."""
    start = source.tell()
    chunks = legacy_chunks(source)
    if chunks is not None:
        return Segment.build(chunks)
    source.seek(start)
    return Segment.read(source)


def _fused(
    lexical: list[tuple[_Hit, float]],
    dense: list[tuple[_Hit, float]],
    limit: int,
    constants: FusionConstants,
) -> list[tuple[_Hit, float]]:
    """The two rankings fused by reciprocal rank (`fusion`, tuned per embedder on the answer
    benchmark's dev split, decisions 0106 and 0125), each hit with its fused score."""
    hits = list(dict.fromkeys(hit for hit, _ in (*lexical, *dense)))
    number = {hit: n for n, hit in enumerate(hits)}
    rankings = [[number[h] for h, _ in lexical], [number[h] for h, _ in dense]]
    weights = (1.0, constants.dense_weight)
    scores = fused_scores(rankings, k=constants.k, weights=weights)
    best = reciprocal_rank_fusion(rankings, k=constants.k, weights=weights, limit=limit)
    return [(hits[n], scores[n]) for n in best]


def _document_frequency(segment: Segment, term: str) -> int:
    column = segment.vocab.get(term)
    if column is None:
        return 0
    return int(segment.tf.indptr[column + 1] - segment.tf.indptr[column])


def _bm25(
    segment: Segment, tokens: list[str], idf: dict[str, float], average: float
) -> npt.NDArray[np.float32] | None:
    """BM25 of every chunk of `segment` ("lucene": idf * tf / (tf + k1 * (1 - b + b * dl /
    avgdl))), or None when no query term occurs in it. A repeated query term counts again,
    as bm25s does."""
    scores: npt.NDArray[np.float32] | None = None
    indptr, rows_of, data = segment.tf.indptr, segment.tf.rows, segment.tf.data
    for term in tokens:
        column = segment.vocab.get(term)
        if column is None:
            continue
        lo, hi = int(indptr[column]), int(indptr[column + 1])
        rows = rows_of[lo:hi]
        tf = data[lo:hi].astype(np.float32)
        norm = K1 * (1 - B + B * segment.doc_len[rows].astype(np.float32) / average)
        if scores is None:
            scores = np.zeros(len(segment), dtype=np.float32)
        scores[rows] += np.float32(idf[term]) * tf / (tf + norm)
    return scores


def _top(
    part: int, scores: npt.NDArray[np.float32], wanted: int, floor: float = 0.0
) -> list[tuple[_Hit, float]]:
    """The `wanted` best rows of `scores` above `floor`, best first.

    BM25 scores are zero for most chunks (no query term): the rows above the floor are
    selected first, so the partial sort runs over those few, not over every chunk."""
    if wanted < 1:
        return []
    if floor == -np.inf:
        # Dense scores: every row has one (a row the caller may not see is -inf), so the
        # `wanted`-th best score is found by partitioning the values themselves, without
        # gathering rows first and at about half an argpartition's cost (the two were a
        # tenth of a hybrid query at 50,000 chunks); rows that tie with it are cut below,
        # in row order.
        rows = np.arange(len(scores))
        if wanted < len(scores):
            kth = len(scores) - wanted
            rows = np.flatnonzero(scores >= np.partition(scores, kth)[kth])
        rows = rows[scores[rows] > floor]
    else:
        rows = np.flatnonzero(scores > floor)
        if wanted < len(rows):
            rows = rows[np.argpartition(-scores[rows], wanted - 1)[:wanted]]
    if not len(rows):
        return []
    rows = rows[np.argsort(-scores[rows], kind="stable")][:wanted]
    return [((part, int(row)), float(scores[row])) for row in rows]


# Formats 1 and 2 stored each chunk as `IndexedChunk` encodes it (an array of its fields).
_legacy_decoder = msgspec.json.Decoder(list[IndexedChunk])


def legacy_chunks(source: IO[bytes]) -> list[IndexedChunk] | None:
    """The chunks of a format-1 or format-2 index blob; None if `source` is neither (a
    segment, for one). Raises ValueError for a blob that is no zip archive."""
    start = source.tell()
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            if "meta.npy" in names:
                pass  # format 1: read below with numpy
            elif "meta.json" in names and "chunks.jsonl" in names and "files.jsonl" not in names:
                meta = json.loads(archive.read("meta.json"))
                if meta.get("format") != 2:
                    raise ValueError("unknown index format")
                with archive.open("chunks.jsonl") as member:
                    blocks = json_line_blocks(member)
                    return [c for block in blocks for c in _legacy_decoder.decode(block)]
            else:
                return None
    except (zipfile.BadZipFile, KeyError, msgspec.DecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a readable index ({exc})") from None
    source.seek(start)
    # allow_pickle=False: an index file is data and must never be able to run code.
    with np.load(source, allow_pickle=False) as archive:
        meta = json.loads(archive["meta"].tobytes())
        if meta.get("format") != 1:
            raise ValueError("unknown index format")
        return _legacy_decoder.decode(archive["chunks"].tobytes())
