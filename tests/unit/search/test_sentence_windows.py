"""Sentence windows in the index (decision 0125): what a segment stores beside each chunk's
vector (windows of consecutive sentences, each with the row of the chunk it belongs to), that
it round-trips and survives merges with its owners renumbered, that a segment embedded
otherwise is embedded again by a merge, and which segment the policy re-embeds next."""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest

from engageiq_search.manifest import SegmentEntry
from engageiq_search.merge_policy import REEMBED_CHUNKS, SEGMENTS_PER_TIER, merge_due, reembed_due
from engageiq_search.segment import IndexedChunk, Segment
from engageiq_search.sentence_windows import MAX_WINDOWS, sentence_windows, sentences
from engageiq_search.tenant_index import IndexPart, TenantIndex
from engageiq_search.vectors import WindowVectors, quantize, windowed_scores


class SentenceVectors:
    """A deterministic embedder with windows: each word a fixed pseudo-random vector, a text
    the normalised sum of its words'."""

    dimension = 16

    def __init__(self, window_sentences: int = 2) -> None:
        self.window_sentences = window_sentences
        self.id = f"test-words-16-w{window_sentences}"
        self.embedded: list[str] = []

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.embedded += texts
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().replace(".", " ").split():
                seed = zlib.crc32(word.encode())
                rows[i] += np.random.default_rng(seed).standard_normal(self.dimension)
        lengths = np.linalg.norm(rows, axis=1, keepdims=True)
        return (rows / np.where(lengths > 0, lengths, 1)).astype(np.float32)

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        vector: npt.NDArray[np.float32] = self.embed([text])[0]
        return vector


CHUNKS = [
    IndexedChunk("a", "a.md", "Pricing", "Seats cost forty. Discounts from fifty seats. Prepay."),
    IndexedChunk("a", "a.md", "Terms", "One sentence only."),
    IndexedChunk("b", "b.md", "Security", "Breach notice in three days. Audits yearly. SOC."),
    IndexedChunk("c", "c.md", "Japan", "価格表です。割引があります。年額です。"),
]


def test_sentences_end_at_stops_line_breaks_and_ideographic_stops() -> None:
    assert sentences("One two. 1. Three!\n| a | b |\n価格表です。割引。") == [
        "One two.",
        "1. Three!",
        "| a | b |",
        "価格表です。",
        "割引。",
    ]
    # Runs that do not overlap, the last ending at the last sentence: each sentence in one.
    assert sentence_windows("A b. C d. E f. G h.", 2) == ["A b. C d.", "E f. G h."]
    assert sentence_windows("A b. C d. E f.", 2) == ["A b. C d.", "C d. E f."]
    assert sentence_windows("A b. C d.", 2) == []  # the chunk is its own window
    assert sentence_windows("A b. C d. E f.", 0) == []


def test_a_segment_stores_each_chunks_windows_with_their_owner_and_round_trips() -> None:
    embedder = SentenceVectors()
    segment = Segment.build(CHUNKS, embedder)
    assert segment.vectors is not None
    assert segment.vectors.windows is not None
    windows = segment.vectors.windows
    # Three sentences give two windows; one sentence none; the Japanese chunk two.
    assert windows.owner.tolist() == [0, 0, 2, 2, 3, 3]
    assert windows.starts.tolist() == [0, 2, 2, 4, 6]
    assert "Discounts from fifty seats. Prepay." in embedder.embedded
    back = Segment.from_bytes(segment.to_bytes())
    assert back.vectors is not None
    assert back.vectors.windows is not None
    assert back.vectors.embedder_id == "test-words-16-w2"
    np.testing.assert_array_equal(back.vectors.windows.codes, windows.codes)
    np.testing.assert_array_equal(back.vectors.windows.scales, windows.scales)
    np.testing.assert_array_equal(back.vectors.windows.owner, windows.owner)
    assert back.memory_bytes > Segment.build(CHUNKS).memory_bytes + windows.codes.nbytes


def test_owners_that_do_not_ascend_or_point_past_the_chunks_are_refused() -> None:
    codes, scales = quantize(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match="ascending"):
        WindowVectors(codes, scales, np.array([1, 0], np.int32), 2)
    with pytest.raises(ValueError, match="ascending"):
        WindowVectors(codes, scales, np.array([0, 2], np.int32), 2)


def test_a_merge_copies_the_live_chunks_windows_and_renumbers_their_owners() -> None:
    embedder = SentenceVectors()
    first = Segment.build(CHUNKS[:2], embedder)
    second = Segment.build(CHUNKS[2:], embedder)
    embedder.embedded.clear()
    merged = Segment.merged([(first, frozenset({"a"})), (second, frozenset())], embedder)
    assert embedder.embedded == []  # copied, not embedded again
    assert merged.vectors is not None
    assert merged.vectors.windows is not None
    assert [c.file_id for c in merged.chunks] == ["b", "c"]
    assert merged.vectors.windows.owner.tolist() == [0, 0, 1, 1]
    assert second.vectors is not None
    assert second.vectors.windows is not None
    np.testing.assert_array_equal(merged.vectors.windows.codes, second.vectors.windows.codes)


def test_a_segment_embedded_otherwise_is_embedded_again_by_a_merge() -> None:
    old = Segment.from_bytes(Segment.build(CHUNKS, SentenceVectors(0)).to_bytes())
    assert old.vectors is not None
    assert old.vectors.windows is None
    embedder = SentenceVectors(2)
    merged = Segment.merged([(old, frozenset({"c"}))], embedder)
    assert merged.vectors is not None
    assert merged.vectors.embedder_id == embedder.id
    assert merged.vectors.windows is not None
    assert merged.vectors.windows.owner.tolist() == [0, 0, 2, 2]
    # The old segment's vectors are not searched by the new embedder; the merged one's are.
    stale = TenantIndex([IndexPart("old", old)])
    assert stale.search("breach notice", 1, embedder=embedder)[0][0].file_id == "b"  # BM25
    fresh = TenantIndex([IndexPart("new", merged)])
    assert fresh.search("breach notice days", 1, embedder=embedder)[0][0].file_id == "b"


def test_a_chunks_dense_score_is_its_cosine_plus_its_best_windows() -> None:
    codes, scales = quantize(np.eye(3, dtype=np.float32))
    windows = WindowVectors(codes, scales, np.array([0, 0, 2], np.int32), 3)
    query = np.array([0.0, 1.0, 0.0], np.float32)
    chunk_scores = np.array([0.5, 0.25, 0.1], np.float32)
    combined = windowed_scores(query, chunk_scores, windows, np.array([0, 1, 2], np.int64))
    # Chunk 0: 0.5 + its second window's 1.0; chunk 1 has none: 0.25 twice; chunk 2: 0.1 + 0.
    np.testing.assert_allclose(combined, [1.5, 0.5, 0.1], atol=1e-2)
    only = windowed_scores(query, chunk_scores, windows, np.array([2], np.int64))
    np.testing.assert_allclose(only, [0.1], atol=1e-2)


def entry(key: str, files: dict[str, int], embedder: str, dead: list[str] = []) -> SegmentEntry:  # noqa: B006
    return SegmentEntry(key, files, dead=dead, embedder=embedder)


def test_the_smallest_stale_segment_is_reembedded_first_a_bounded_share_at_a_time() -> None:
    current = "e5-small-q4-384-w2"
    assert reembed_due([entry("s1", {"a": 5}, current)], current) is None
    big = entry("s2", {"x": REEMBED_CHUNKS - 10, "y": 20, "z": 5}, "wordllama-l2-256")
    small = entry("s3", {"d": 3, "e": 4}, "wordllama-l2-256", dead=["d"])
    plan = reembed_due([entry("s1", {"a": 5}, current), big, small], current)
    assert plan == (small, ["e"])  # the smallest first, its dead files left behind
    assert reembed_due([big], current) == (big, ["x"])  # up to the bound, at least one file
    assert reembed_due([entry("s4", {"f": 2}, "")], "") is None  # BM25 only: nothing to do
    assert reembed_due([entry("s5", {"f": 2}, current)], "") is not None  # drop the vectors


def test_a_segment_missing_its_windows_or_miscounting_them_is_refused() -> None:
    blob = Segment.build(CHUNKS, SentenceVectors()).to_bytes()
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    meta = json.loads(members["meta.json"])
    assert meta["embedder"]["windows"] == 6

    def rewritten(drop: str = "", windows: int = 6) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, data in members.items():
                if name == "meta.json":
                    data = json.dumps(
                        meta | {"embedder": meta["embedder"] | {"windows": windows}}
                    ).encode()
                if name != drop:
                    archive.writestr(name, data)
        return out.getvalue()

    assert Segment.from_bytes(rewritten()).vectors is not None
    for broken in (rewritten(drop="window_owner.npy"), rewritten(windows=5)):
        with pytest.raises(ValueError, match="disagree"):
            Segment.from_bytes(broken)


def test_a_segment_of_another_embedder_is_never_merged_only_reembedded() -> None:
    """A merge embeds the stale segment's live chunks again in one build process: a tier of
    them (or one mostly moved out) would outrun its time limit on every change with e5."""
    current, old = "e5-small-q4-384-w2", "wordllama-l2-256"
    stale = [entry(f"s{i}", {f"f{i}": 2}, old) for i in range(SEGMENTS_PER_TIER + 1)]
    assert merge_due(stale) == stale  # the policy alone would merge them
    assert merge_due(stale, current) == []
    fresh = [entry(f"n{i}", {f"g{i}": 2}, current) for i in range(SEGMENTS_PER_TIER + 1)]
    assert merge_due([*stale, *fresh], current) == fresh
    moved_out = entry("m", {"a": 5, "b": 5}, old, dead=["a"])
    assert merge_due([moved_out], current) == []
    assert merge_due([moved_out], old) == [moved_out]


def test_a_segment_whose_vectors_do_not_fit_its_chunks_is_refused_at_load() -> None:
    """Loaded, such a segment made every dense search of its tenant raise (`dense_scores`)."""
    blob = Segment.build(CHUNKS, SentenceVectors()).to_bytes()
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}

    def with_member(name: str, array: npt.NDArray[np.generic]) -> bytes:
        data = io.BytesIO()
        np.save(data, array)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for member, content in members.items():
                archive.writestr(member, data.getvalue() if member == name else content)
        return out.getvalue()

    assert Segment.from_bytes(with_member("scales.npy", np.ones(4, np.float32))).vectors
    for broken in (
        with_member("window_vectors.npy", np.zeros((6, 8), np.int8)),  # another dimension
        with_member("window_vectors.npy", np.zeros(6, np.int8)),
        with_member("window_vectors.npy", np.zeros((6, 16), np.float64)),
        with_member("window_scales.npy", np.full(6, np.nan, np.float32)),
        with_member("vectors.npy", np.zeros((2, 16), np.int8)),  # fewer rows than chunks
        with_member("scales.npy", np.ones(2, np.float32)),
    ):
        with pytest.raises(ValueError, match="disagree"):
            Segment.from_bytes(broken)


def test_a_chunk_of_many_short_lines_makes_at_most_max_windows_covering_every_line() -> None:
    """A CSV of short rows made ~100 windows a chunk: ~2.7 s of e5 each, past the time a
    build is given per chunk, so a large such file failed to index."""
    rows = [f"r{i}, x" for i in range(200)]
    windows = sentence_windows("\n".join(rows), 2)
    assert len(windows) <= MAX_WINDOWS
    covered = " ".join(windows)
    assert all(f"{row} " in f"{covered} " for row in rows)
    prose = " ".join(f"Sentence number {i} ends here." for i in range(20))
    assert len(sentence_windows(prose, 2)) == 10  # prose keeps windows of two sentences
