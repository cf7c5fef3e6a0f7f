"""The segmented index (decision 0100): scores computed from statistics summed over segments
equal one index's (and bm25s's, which earlier formats stored), merges keep exactly the live
chunks, dead and filtered files are never returned, the format round-trips and refuses what
it is not, and the tiered merge policy bounds the segment count and the rewriting."""

from __future__ import annotations

import io
import itertools
import json
import math
import zipfile
from typing import Any

import bm25s
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engageiq_search.manifest import IndexManifest, SegmentEntry
from engageiq_search.merge_policy import SEGMENTS_PER_TIER, merge_due
from engageiq_search.query import query_tokens
from engageiq_search.segment import IndexedChunk, Segment, scored_text, tokenizer
from engageiq_search.tenant_index import IndexPart, TenantIndex
from engageiq_search.trust import trusted_first
from engageiq_tenancy.governance import Freshness

WORDS = [
    *("price", "discount", "renewal", "contract", "annual", "seat", "licence", "support"),
    *("premium", "enterprise", "trial", "security", "encryption", "audit", "pilot"),
    *("onboarding", "rabatt", "prix", "価格", "割引"),
]


def corpus(draw: Any, files: int) -> list[IndexedChunk]:
    chunks = []
    for f in range(files):
        for part in range(draw(st.integers(1, 4))):
            words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=25))
            chunks.append(IndexedChunk(f"f{f}", f"doc{f}.md", f"p{part}", " ".join(words)))
    return chunks


@st.composite
def split_corpus(draw: st.DrawFn) -> tuple[list[IndexedChunk], list[int]]:
    chunks = corpus(draw, draw(st.integers(1, 12)))
    cuts = sorted(draw(st.lists(st.integers(1, max(1, len(chunks) - 1)), max_size=5)))
    return chunks, cuts


def scores(index: TenantIndex, query: str) -> dict[tuple[str, str], float]:
    return {(c.file_id, c.location): s for c, s in index.search(query, 1000, collapse=False)}


def segmented(chunks: list[IndexedChunk], cuts: list[int]) -> TenantIndex:
    bounds = [0, *cuts, len(chunks)]
    parts = [chunks[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    return TenantIndex([IndexPart(str(n), Segment.build(p)) for n, p in enumerate(parts)])


@settings(max_examples=60, deadline=None)
@given(split_corpus(), st.lists(st.sampled_from(WORDS), min_size=1, max_size=4))
def test_scores_do_not_depend_on_how_chunks_are_split_into_segments(
    case: tuple[list[IndexedChunk], list[int]], query_words: list[str]
) -> None:
    chunks, cuts = case
    query = " ".join(query_words)
    one = scores(TenantIndex.build(chunks), query)
    many = scores(segmented(chunks, cuts), query)
    assert one.keys() == many.keys()
    for key, score in one.items():
        assert many[key] == pytest.approx(score, rel=1e-5)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_one_segment_scores_as_bm25s_lucene_does(data: st.DataObject) -> None:
    """The formula earlier formats stored precomputed (bm25s "lucene") is the one computed."""
    chunks = corpus(data.draw, data.draw(st.integers(1, 8)))
    query = " ".join(data.draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4)))
    split = tokenizer()
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in split.tokens(scored_text(c))] for c in chunks]
    reference = bm25s.BM25(method="lucene")
    reference.scores = reference.build_index_from_ids(
        unique_token_ids=list(range(len(vocab))), corpus_token_ids=ids, show_progress=False
    )
    terms = [vocab[t] for t in query_tokens(split, query) if t in vocab]
    expected = reference.get_scores_from_ids(terms) if terms else np.zeros(len(chunks))
    found = scores(TenantIndex.build(chunks), query)
    for i, chunk in enumerate(chunks):
        got = found.get((chunk.file_id, chunk.location), 0.0)
        assert got == pytest.approx(float(expected[i]), rel=1e-5, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(split_corpus(), st.sets(st.integers(0, 11)), st.sampled_from(WORDS))
def test_a_merge_keeps_exactly_the_live_chunks_and_their_scores(
    case: tuple[list[IndexedChunk], list[int]], dead_files: set[int], word: str
) -> None:
    chunks, cuts = case
    dead = frozenset(f"f{n}" for n in dead_files)
    index = segmented(chunks, cuts)
    with_dead = TenantIndex([IndexPart(p.key, p.segment, dead) for p in index.parts])
    merged = Segment.merged([(p.segment, dead) for p in index.parts])
    live = [c for c in chunks if c.file_id not in dead]
    assert merged.chunks == live
    rebuilt = Segment.build(live)
    assert merged.vocab.keys() >= {t for t, i in rebuilt.vocab.items()}
    assert np.array_equal(merged.doc_len, rebuilt.doc_len)
    assert scores(TenantIndex([IndexPart("m", merged)]), word) == pytest.approx(
        scores(TenantIndex([IndexPart("r", rebuilt)]), word)
    )
    # Before the merge, dead files are never returned (their chunks still count in the
    # statistics, as in Lucene, so only the returned set is compared).
    assert {c.file_id for c, _ in with_dead.search(word, 1000)} <= {c.file_id for c in live}


def test_dead_and_filtered_files_are_never_returned() -> None:
    chunks = [IndexedChunk(f"f{n}", f"doc{n}.md", "p", "annual discount") for n in range(6)]
    index = TenantIndex([IndexPart("s", Segment.build(chunks), frozenset({"f1", "f2"}))])
    assert {c.file_id for c, _ in index.search("discount", 10, collapse=False)} == {
        "f0",
        "f3",
        "f4",
        "f5",
    }
    assert index.file_ids() == {"f0", "f3", "f4", "f5"}
    only = index.search("discount", 10, collapse=False, files={"f2", "f4"})
    assert [c.file_id for c, _ in only] == ["f4"]


def test_a_segment_round_trips_without_pickles() -> None:
    chunks = [
        IndexedChunk(f"f{n % 3}", f"doc{n % 3}.md", f"p{n}", f"價格 price {n}") for n in range(9)
    ]
    segment = Segment.build(chunks)
    blob = segment.to_bytes()
    loaded = Segment.from_bytes(blob)
    assert loaded.chunks == segment.chunks
    assert loaded.vocab == segment.vocab
    assert np.array_equal(loaded.tf.data, segment.tf.data)
    assert loaded.file_ids == ("f0", "f1", "f2")
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        assert json.loads(archive.read("meta.json"))["format"] == 3
        assert all(not name.endswith(".pkl") for name in archive.namelist())


def test_a_segment_whose_members_disagree_is_refused() -> None:
    segment = Segment.build([IndexedChunk("f", "doc", "p", "alpha beta")])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(segment.to_bytes())) as source,
        zipfile.ZipFile(out, "w") as target,
    ):
        for name in source.namelist():
            data = source.read(name)
            if name == "meta.json":
                meta = json.loads(data)
                meta["chunks"] = 5
                data = json.dumps(meta).encode()
            target.writestr(name, data)
    with pytest.raises(ValueError, match="disagree"):
        Segment.from_bytes(out.getvalue())
    with pytest.raises(ValueError, match="not a readable index segment"):
        Segment.from_bytes(b"PK\x03\x04 truncated")


def test_a_manifest_round_trips_and_marks_only_its_own_files_dead() -> None:
    entry = SegmentEntry("k1", {"a": 2, "b": 3})
    manifest = IndexManifest(segments=[entry.with_dead({"b", "z"}), SegmentEntry("k2", {"c": 1})])
    assert manifest.segments[0].dead == ["b"]
    assert manifest.segments[0].live_chunks == 2
    assert IndexManifest.from_json(manifest.to_json()) == manifest
    assert manifest.live_files() == {"a": "k1", "c": "k2"}
    with pytest.raises(ValueError, match="manifest"):
        IndexManifest.from_json(b'{"format": 9}')


def test_the_tiered_policy_bounds_segments_and_rewrites_each_chunk_about_once_per_tier() -> None:
    """Adding 3,000 files of 10 chunks one at a time, merging as the builder does."""
    segments: list[SegmentEntry] = []
    rewritten = 0
    most = 0
    for n in range(3000):
        segments.append(SegmentEntry(f"s{n}", {f"f{n}": 10}))
        while due := merge_due(segments):
            keys = {e.key for e in due}
            files = {f: c for e in due for f, c in e.files.items()}
            rewritten += sum(files.values())
            segments = [e for e in segments if e.key not in keys]
            segments.append(SegmentEntry(f"m{n}-{len(segments)}", files))
        most = max(most, len(segments))
    total = 30_000
    tiers = math.ceil(math.log10(total))
    assert most <= SEGMENTS_PER_TIER * tiers + 1
    assert rewritten <= total * tiers
    assert sum(e.chunks for e in segments) == total


def test_a_segment_mostly_dead_is_rewritten() -> None:
    healthy = SegmentEntry("a", {"x": 100})
    mostly_dead = SegmentEntry("b", {"y": 30, "z": 70}, dead=["y"])
    assert merge_due([healthy, mostly_dead]) == [mostly_dead]
    assert merge_due([healthy, SegmentEntry("c", {"y": 10, "z": 90}, dead=["y"])]) == []


def test_excluded_files_never_come_back_and_scope_limits_to_its_files() -> None:
    chunks = [
        IndexedChunk(
            file_id=f"f{i}", file_name=f"f{i}.md", location="", text=f"annual discount {i}"
        )
        for i in range(4)
    ]
    index = TenantIndex.build(chunks)
    everything = {c.file_id for c, _ in index.search("annual discount", 10, collapse=False)}
    assert everything == {"f0", "f1", "f2", "f3"}
    hidden = {
        c.file_id
        for c, _ in index.search("annual discount", 10, collapse=False, exclude={"f1", "f2"})
    }
    assert hidden == {"f0", "f3"}
    scoped = {
        c.file_id
        for c, _ in index.search(
            "annual discount", 10, collapse=False, files={"f1", "f2"}, exclude={"f2"}
        )
    }
    assert scoped == {"f1"}


def test_trusted_first_keeps_the_order_when_trust_is_equal() -> None:
    order = ["a", "b", "c", "d"]
    status = {
        "a": Freshness.STALE,
        "b": Freshness.UNVERIFIED,
        "c": Freshness.VERIFIED,
        "d": Freshness.UNVERIFIED,
    }
    assert trusted_first(order, status.__getitem__) == ["c", "b", "d", "a"]
    assert trusted_first(order, lambda _: Freshness.UNVERIFIED) == order
