"""A build's time limit grows with the chunks a slow embedder must embed (decision 0125)."""

from __future__ import annotations

import pytest

from engageiq_files.search.build_process import IndexBuildProcess, SegmentJob
from engageiq_search.segment import IndexedChunk
from engageiq_tenancy.setting_catalog import EmbedderChoice


def test_an_e5_build_gets_two_seconds_more_a_chunk_and_a_merge_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limits: list[float] = []

    def run(job: SegmentJob, timeout: float) -> bytes:
        limits.append(timeout)
        return b""

    chunks = [IndexedChunk("f", "f.md", "p1", "Seats cost forty.")] * 10
    e5 = IndexBuildProcess(timeout=600, embedder=EmbedderChoice("e5"))
    static = IndexBuildProcess(timeout=600, embedder=EmbedderChoice("wordllama"))
    for process in (e5, static):
        monkeypatch.setattr(process, "_run", run)
    e5.build(chunks)
    e5.merge([])
    static.build(chunks)
    assert limits == [620, 600, 600]


def test_a_reembedding_gets_the_time_of_the_chunks_it_moves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A re-embedding moves at least one whole file, which may be a long PDF: with e5 its
    chunks need the same added time as a build's, or it fails on every change."""
    limits: list[float] = []

    def run(job: SegmentJob, timeout: float) -> bytes:
        limits.append(timeout)
        return b""

    e5 = IndexBuildProcess(timeout=600, embedder=EmbedderChoice("e5"))
    monkeypatch.setattr(e5, "_run", run)
    e5.merge([], embedded_chunks=1500)
    assert limits == [3600]
