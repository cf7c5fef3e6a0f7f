"""Two instances rebuilding one tenant's index at once (issue 15, decision 0076).

The build that loses the race to publish (`IndexStore.publish` returns None) used to give up,
trusting the winner to mark its files `ready`; a winner that died between publishing and
marking left them `processing` for good. These tests play both instances against one moto
with two `TenantIndexBuilder`s that share nothing but the table and the bucket."""

from __future__ import annotations

import anyio
import pytest

from engageiq_files.catalog.records import FileStatus
from engageiq_files.search.build_process import IndexBuildProcess
from engageiq_search.tenant_index import IndexedChunk, TenantIndex
from engageiq_tenancy.settings import ServiceSettings
from tests.unit.files.index_instances import ACME, Instance


@pytest.fixture(autouse=True)
def _local_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")


class WinnerPublishesFirst:
    """The loser's build process: while it tokenises, the other instance publishes an index
    at a newer generation and dies before marking anything `ready`."""

    def __init__(self, winner: Instance, files: list[str]) -> None:
        self.winner = winner
        self.files = files
        self.real = IndexBuildProcess()

    def build(self, chunks: list[IndexedChunk]) -> bytes:
        self.winner.indexes.note_change(ACME)
        covering = [IndexedChunk(f, f"{f}.txt", "", "zebra pricing", "") for f in self.files]
        blob = TenantIndex.build(covering).to_bytes()
        assert self.winner.indexes.publish_whole(ACME, blob, dict.fromkeys(self.files, 1))
        return self.real.build(chunks)


def test_a_build_that_loses_the_race_still_ends_its_files_ready(
    service_settings: ServiceSettings,
) -> None:
    winner = Instance(service_settings)
    file_id = winner.chunked_file("zebra pricing")
    loser = Instance(service_settings, WinnerPublishesFirst(winner, [file_id]))
    generation = loser.indexes.note_change(ACME)

    anyio.run(lambda: loser.builder.rebuild(ACME, generation, [file_id]))

    assert loser.status(file_id) is FileStatus.READY
    pointer = loser.indexes.pointer(ACME)
    assert pointer.built_generation >= generation
    assert pointer.key is not None
    index = loser.indexes.load(ACME, pointer.key)
    assert index is not None
    assert [c.file_id for c, _ in index.search("zebra", 5)] == [file_id]


def test_two_instances_building_at_once_both_return_with_every_file_ready(
    service_settings: ServiceSettings,
) -> None:
    first, second = Instance(service_settings), Instance(service_settings)
    ids = [first.chunked_file(f"okapi note {i}") for i in range(3)]
    ids += [second.chunked_file(f"okapi memo {i}") for i in range(3)]
    first_generation = first.indexes.note_change(ACME)
    second_generation = second.indexes.note_change(ACME)

    async def both() -> None:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(first.builder.rebuild, ACME, first_generation, ids[:3])
            tasks.start_soon(second.builder.rebuild, ACME, second_generation, ids[3:])

    anyio.run(both)

    assert {first.status(f) for f in ids} == {FileStatus.READY}
    pointer = first.indexes.pointer(ACME)
    assert pointer.built_generation >= second_generation
    assert pointer.key is not None
    index = first.indexes.load(ACME, pointer.key)
    assert index is not None
    assert {c.file_id for c, _ in index.search("okapi", 10)} == set(ids)


def test_a_request_already_covered_by_another_instance_builds_nothing(
    service_settings: ServiceSettings,
) -> None:
    class NeverBuilds:
        def build(self, chunks: list[IndexedChunk]) -> bytes:
            raise AssertionError("a covered request must not build")

    other = Instance(service_settings)
    file_id = other.chunked_file("quokka terms")
    generation = other.indexes.note_change(ACME)
    anyio.run(lambda: other.builder.rebuild(ACME, generation))  # the other instance built it

    this = Instance(service_settings, NeverBuilds())
    anyio.run(lambda: this.builder.rebuild(ACME, generation, [file_id]))
    assert this.status(file_id) is FileStatus.READY
