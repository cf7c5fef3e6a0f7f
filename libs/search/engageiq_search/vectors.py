"""Chunk vectors as a segment stores them (decision 0100): int8 codes with one float32 scale
per chunk, and the dense score of a query against them.

A row `v` is stored as `codes = round(v / scale)` with `scale = max|v| / 127`, so
`v ~= codes * scale` with at most `scale / 2` error per component: for a unit vector of 256
dimensions that is under 0.4% of its length, far below the gaps between ranked chunks
(decision 0106 measures the ranking, not only the error)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

INT8_MAX: Final = 127
SCORE_BLOCK_ROWS: Final = 1024
"""Rows converted to float32 at a time by `dense_scores`: 1 MiB at 256 dimensions stays in
the CPU's L2 cache, and a matrix-vector product this small runs on one BLAS thread (larger
ones spread over threads, which measured 6x slower p50 on a busy 2-core machine)."""

Vectors = npt.NDArray[np.float32]
Codes = npt.NDArray[np.int8]
Scales = npt.NDArray[np.float32]


def quantize(vectors: Vectors) -> tuple[Codes, Scales]:
    """`vectors` (float32, shape (n, d)) as int8 codes (n, d) and a float32 scale per row (n,):
    symmetric, `vectors[i] ~= codes[i] * scales[i]`, each component within `scales[i] / 2`.
    A row of zeros gets scale 0 and codes 0.

    Raises ValueError if `vectors` is not two-dimensional or holds a NaN or infinity."""
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim != 2:
        raise ValueError(f"vectors must be two-dimensional (n, d), not shape {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError("vectors hold a NaN or an infinity")
    peaks = np.abs(matrix).max(axis=1) if matrix.shape[1] else np.zeros(len(matrix), np.float32)
    scales = (peaks / INT8_MAX).astype(np.float32)
    # A zero row divides by 1 instead of 0: its codes are 0 either way.
    divisors = np.where(scales > 0, scales, np.float32(1))
    codes = np.clip(np.rint(matrix / divisors[:, None]), -INT8_MAX, INT8_MAX).astype(np.int8)
    return codes, scales


def dense_scores(query: Vectors, codes: Codes, scales: Scales) -> Vectors:
    """The dot product of `query` (float32, shape (d,)) with each stored vector: `codes`
    (int8, (n, d)) times `scales` (float32, (n,)); float32, shape (n,). For unit vectors this
    is their cosine similarity, within `sum(|query|) * scale / 2` of the float product.

    Raises ValueError if the shapes do not agree."""
    query = np.asarray(query, dtype=np.float32)
    rows, dimension = codes.shape
    if query.shape != (dimension,) or scales.shape != (rows,):
        raise ValueError(
            f"query {query.shape}, codes {codes.shape} and scales {scales.shape} do not agree"
        )
    out = np.empty(rows, dtype=np.float32)
    buffer = np.empty((min(SCORE_BLOCK_ROWS, rows), dimension), dtype=np.float32)
    # int8 has no BLAS kernel in numpy: converting block by block into one reused float32
    # buffer, then sgemv, measured fastest (~2.1 ms at 50,000 x 256; a whole-matrix astype is
    # ~10 ms, an int32-accumulating einsum ~3.6 ms).
    for start in range(0, rows, SCORE_BLOCK_ROWS):
        block = codes[start : start + SCORE_BLOCK_ROWS]
        converted = buffer[: len(block)]
        np.copyto(converted, block, casting="unsafe")
        np.dot(converted, query, out=out[start : start + len(block)])
    out *= scales
    return out


@dataclass(frozen=True, slots=True)
class WindowVectors:
    """The vectors of a segment's sentence windows (decision 0125): runs of a few consecutive
    sentences of each chunk, embedded on their own so that a question about one sentence of a
    long chunk meets a vector of about that sentence, not the chunk's average. Windows are
    stored in chunk order: those of chunk `i` are rows `starts[i]:starts[i + 1]`."""

    codes: Codes
    """int8, shape (windows, dimension)."""
    scales: Scales
    """float32, shape (windows,)."""
    owner: npt.NDArray[np.int32]
    """Shape (windows,): the row of the chunk each window belongs to, ascending."""
    starts: npt.NDArray[np.int64] = field(init=False)
    """Shape (chunks + 1,): derived from `owner`, not stored."""
    chunks: int = 0
    """How many chunks the owners number (the segment's)."""

    def __post_init__(self) -> None:
        if not (len(self.codes) == len(self.scales) == len(self.owner)):
            raise ValueError("window codes, scales and owners disagree")
        if len(self.owner) and (
            int(self.owner.min()) < 0
            or int(self.owner.max()) >= self.chunks
            or bool((np.diff(self.owner) < 0).any())
        ):
            raise ValueError("window owners must be ascending chunk rows")
        starts = np.searchsorted(self.owner, np.arange(self.chunks + 1), side="left")
        object.__setattr__(self, "starts", starts.astype(np.int64))

    @classmethod
    def empty(cls, dimension: int, chunks: int) -> WindowVectors:
        return cls(
            np.zeros((0, dimension), np.int8),
            np.zeros(0, np.float32),
            np.zeros(0, np.int32),
            chunks,
        )

    @property
    def nbytes(self) -> int:
        return int(self.codes.nbytes + self.scales.nbytes + self.owner.nbytes + self.starts.nbytes)

    def of_rows(self, rows: npt.NDArray[np.int64]) -> WindowVectors:
        """The windows of chunks `rows` (ascending), owners renumbered to positions in `rows`:
        what a merge copies for a segment's live chunks."""
        picked = _ranges(self.starts, rows)
        owner = np.repeat(np.arange(len(rows), dtype=np.int32), self.counts(rows))
        return WindowVectors(self.codes[picked], self.scales[picked], owner, len(rows))

    def counts(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """How many windows each of chunks `rows` has."""
        counts: npt.NDArray[np.int64] = self.starts[rows + 1] - self.starts[rows]
        return counts

    @classmethod
    def joined(cls, parts: list[WindowVectors], dimension: int) -> WindowVectors:
        """`parts` one after another, as their segments' chunks are joined in a merge."""
        offsets = np.cumsum([0, *(p.chunks for p in parts)])
        if not parts:
            return cls.empty(dimension, 0)
        return cls(
            np.concatenate([p.codes for p in parts]),
            np.concatenate([p.scales for p in parts]),
            np.concatenate([p.owner + o for p, o in zip(parts, offsets, strict=False)]).astype(
                np.int32
            ),
            int(offsets[-1]),
        )


def _ranges(starts: npt.NDArray[np.int64], rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The window rows of chunks `rows`, in order: `starts[r]:starts[r + 1]` for each r."""
    lo, hi = starts[rows], starts[rows + 1]
    lengths = hi - lo
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, np.int64)
    # Each window's row = its chunk's first window + its place among that chunk's windows.
    firsts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
    return firsts + np.arange(total, dtype=np.int64)


def windowed_scores(
    query: Vectors,
    chunk_scores: Vectors,
    windows: WindowVectors,
    rows: npt.NDArray[np.int64],
) -> Vectors:
    """The dense score of chunks `rows` (decision 0125): the chunk's cosine (`chunk_scores`,
    per row of the segment) plus the best cosine of its windows with `query`; a chunk without
    windows (no more sentences than a window holds) counts its own cosine twice. float32,
    shape (len(rows),)."""
    own = chunk_scores[rows].astype(np.float32)
    picked = _ranges(windows.starts, rows)
    best = own.copy()
    if len(picked):
        cosines = dense_scores(query, windows.codes[picked], windows.scales[picked])
        counts = windows.counts(rows)
        has = counts > 0
        firsts = (np.cumsum(counts) - counts)[has]
        best[has] = np.maximum.reduceat(cosines, firsts)
    return own + best
