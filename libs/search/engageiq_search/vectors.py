"""Chunk vectors as a segment stores them (decision 0100): int8 codes with one float32 scale
per chunk, and the dense score of a query against them.

A row `v` is stored as `codes = round(v / scale)` with `scale = max|v| / 127`, so
`v ~= codes * scale` with at most `scale / 2` error per component: for a unit vector of 256
dimensions that is under 0.4% of its length, far below the gaps between ranked chunks
(decision 0106 measures the ranking, not only the error)."""

from __future__ import annotations

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
