"""Audience and scope filters (decision 0111): a filtered search returns exactly what the
unfiltered one does with the hidden files taken out, for BM25 and hybrid search, and the masks
behind it (computed from file ordinals, cached per filter) equal the plain definition."""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engageiq_search.fusion import fusion_for
from engageiq_search.query import query_tokens
from engageiq_search.segment import IndexedChunk, Segment, tokenizer
from engageiq_search.tenant_index import MASK_CACHE_ENTRIES, IndexPart, TenantIndex, _fused

WORDS = [
    *("price", "discount", "renewal", "contract", "annual", "seat", "licence", "support"),
    *("premium", "enterprise", "trial", "security", "encryption", "audit", "pilot"),
]
EVERYTHING = 10_000
"""A k larger than any drawn index: every match is returned, none cut off."""


class WordVectors:
    """A deterministic embedder for tests: each word a fixed pseudo-random vector, a text the
    normalised sum of its words' (ties are rare, so rankings are well defined)."""

    id = "test-words-16"
    dimension = 16

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.split():
                seed = zlib.crc32(word.encode())
                rows[i] += np.random.default_rng(seed).standard_normal(self.dimension)
        lengths = np.linalg.norm(rows, axis=1, keepdims=True)
        return (rows / np.where(lengths > 0, lengths, 1)).astype(np.float32)

    window_sentences = 0

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        vector: npt.NDArray[np.float32] = self.embed([text])[0]
        return vector


@st.composite
def indexes(draw: st.DrawFn) -> tuple[list[IndexedChunk], list[int], int]:
    """Chunks of up to 12 files (a file's chunks may straddle segments, as in the benchmarks),
    cut into segments; and the number of files."""
    files = draw(st.integers(1, 12))
    chunks = []
    for f in range(files):
        for part in range(draw(st.integers(1, 4))):
            words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=20))
            chunks.append(IndexedChunk(f"f{f}", f"doc{f}.md", f"p{part}", " ".join(words)))
    cuts = sorted(draw(st.lists(st.integers(1, max(1, len(chunks) - 1)), max_size=5)))
    return chunks, cuts, files


def segmented(
    chunks: list[IndexedChunk], cuts: list[int], embedder: WordVectors | None = None
) -> TenantIndex:
    bounds = [0, *cuts, len(chunks)]
    parts = [chunks[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    return TenantIndex([IndexPart(str(n), Segment.build(p, embedder)) for n, p in enumerate(parts)])


def kept(file_id: str, hidden: frozenset[str], scope: frozenset[str] | None) -> bool:
    return file_id not in hidden and (scope is None or file_id in scope)


def file_sets(files: int) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.integers(0, files + 2).map(lambda n: f"f{n}"))


@settings(max_examples=60, deadline=None)
@given(st.data(), indexes(), st.lists(st.sampled_from(WORDS), min_size=1, max_size=4))
def test_bm25_filtered_is_unfiltered_without_the_hidden_files(
    data: st.DataObject, case: tuple[list[IndexedChunk], list[int], int], words: list[str]
) -> None:
    chunks, cuts, files = case
    hidden = data.draw(file_sets(files))
    scope = data.draw(st.none() | file_sets(files))
    index = segmented(chunks, cuts)
    query = " ".join(words)
    everything = index.search(query, EVERYTHING, collapse=False)
    filtered = index.search(query, EVERYTHING, collapse=False, exclude=hidden, files=scope)
    assert filtered == [hit for hit in everything if kept(hit[0].file_id, hidden, scope)]
    # Asked for fewer, the best of what remains (scores: which of tied chunks is cut is the
    # partial sort's choice, filtered or not).
    top = index.search(query, 3, collapse=False, exclude=hidden, files=scope)
    assert [s for _, s in top] == [s for _, s in filtered[:3]]
    assert all(kept(c.file_id, hidden, scope) for c, _ in top)


@settings(max_examples=40, deadline=None)
@given(st.data(), indexes(), st.lists(st.sampled_from(WORDS), min_size=1, max_size=4))
def test_hybrid_filtered_is_unfiltered_without_the_hidden_files(
    data: st.DataObject, case: tuple[list[IndexedChunk], list[int], int], words: list[str]
) -> None:
    """The same chunks come back. Their order is the fusion of the two unfiltered rankings
    with the hidden files taken out: reciprocal rank fusion scores ranks, and removing a
    hidden chunk moves the ones below it up in one ranking, not necessarily in the other, so
    the unfiltered fused order minus the hidden files is not always the filtered one."""
    chunks, cuts, files = case
    hidden = data.draw(file_sets(files))
    embedder = WordVectors()
    index = segmented(chunks, cuts, embedder)
    query = " ".join(words)
    everything = index.search(query, EVERYTHING, collapse=False, embedder=embedder)
    filtered = index.search(query, EVERYTHING, collapse=False, embedder=embedder, exclude=hidden)
    assert sorted(id(c) for c, _ in filtered) == sorted(
        id(c) for c, _ in everything if c.file_id not in hidden
    )
    live = [part.live for part in index.parts]
    lexical = index._lexical(query_tokens(tokenizer(), query), live, EVERYTHING)
    dense = index._dense(query, embedder, live, EVERYTHING)

    def shown(hits: list[tuple[tuple[int, int], float]]) -> list[tuple[tuple[int, int], float]]:
        return [
            h for h in hits if index.parts[h[0][0]].segment.chunks[h[0][1]].file_id not in hidden
        ]

    expected = _fused(shown(lexical), shown(dense), EVERYTHING, fusion_for(embedder.id))
    assert [(index.parts[p].segment.chunks[row], s) for (p, row), s in expected] == filtered


@settings(max_examples=60, deadline=None)
@given(indexes(), st.data())
def test_a_file_mask_marks_exactly_the_chunks_of_the_given_files(
    case: tuple[list[IndexedChunk], list[int], int], data: st.DataObject
) -> None:
    """Both ways of computing it (walking the ids, or the segment's files when the ids are
    more) give the plain answer, for a built segment and one read back."""
    chunks, _, files = case
    ids = data.draw(file_sets(files))
    built = Segment.build(chunks)
    for segment in (built, Segment.from_bytes(built.to_bytes())):
        expected = np.array([c.file_id in ids for c in segment.chunks], dtype=bool)
        assert segment.file_mask(ids).tolist() == expected.tolist()
        assert segment.file_mask(set(ids)).tolist() == expected.tolist()


def test_masks_are_kept_per_filter_read_only_and_bounded() -> None:
    chunks = [IndexedChunk(f"f{i}", f"f{i}.md", "", f"annual discount {i}") for i in range(8)]
    index = TenantIndex(
        [IndexPart("a", Segment.build(chunks[:5])), IndexPart("b", Segment.build(chunks[5:]))]
    )
    first = index.allowed_masks(None, frozenset({"f1", "f6"}))
    # An equal set given anew (as the view returns one per query) finds the same masks.
    assert index.allowed_masks(None, ["f6", "f1"]) is first
    assert [m.tolist() for m in first] == [
        [True, False, True, True, True],
        [True, False, True],
    ]
    with pytest.raises(ValueError, match="read-only"):
        first[0][0] = False
    scoped = index.allowed_masks(["f1", "f2", "f7"], frozenset({"f2"}))
    assert [m.tolist() for m in scoped] == [
        [False, True, False, False, False],
        [False, False, True],
    ]
    # No filter: the parts' live masks themselves, nothing cached.
    assert all(m is p.live for m, p in zip(index.allowed_masks(None, ()), index.parts, strict=True))
    for n in range(MASK_CACHE_ENTRIES + 1):
        index.allowed_masks(None, frozenset({f"f{n}"}))
    assert len(index._masks) == MASK_CACHE_ENTRIES
    assert index.allowed_masks(None, frozenset({"f1", "f6"})) is not first  # evicted, recomputed


def test_dead_files_stay_out_under_a_filter() -> None:
    chunks = [IndexedChunk(f"f{i}", f"f{i}.md", "", f"annual discount {i}") for i in range(4)]
    index = TenantIndex([IndexPart("a", Segment.build(chunks), frozenset({"f0"}))])
    found = index.search("annual discount", 10, collapse=False, files=["f0", "f1"], exclude={"f3"})
    assert [c.file_id for c, _ in found] == ["f1"]
