"""Tenant isolation as a hypothesis state machine over two tenants.

Whatever sequence of uploads, listings, reads, downloads, deletions and searches runs, tenant
B never lists, gets, downloads, deletes or finds tenant A's files (and vice versa), and
another tenant's id answers exactly like an id that does not exist."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.unit.files.support import FilesClient

MISSING_ID = "0" * 27
SHARED_WORDS = ("pricing", "renewal", "objection")


@dataclass(frozen=True)
class Uploaded:
    owner: str
    file_id: str
    word: str


def make_machine(files: FilesClient) -> type[RuleBasedStateMachine]:
    words = itertools.count()

    class TwoTenants(RuleBasedStateMachine):
        uploaded = Bundle("uploaded")

        def __init__(self) -> None:
            super().__init__()
            # Fresh tenants for every example: no state leaks between examples.
            suffix = secrets.token_hex(3)
            self.tenants = (f"ta-{suffix}", f"tb-{suffix}")
            self.live: dict[str, set[str]] = {t: set() for t in self.tenants}
            self.words: dict[str, str] = {}

        def other(self, tenant: str) -> str:
            return self.tenants[1 - self.tenants.index(tenant)]

        @rule(target=uploaded, who=st.integers(0, 1), shared=st.sampled_from(SHARED_WORDS))
        def upload(self, who: int, shared: str) -> Uploaded:
            owner = self.tenants[who]
            word = f"marker{next(words)}x{secrets.token_hex(2)}"
            response = files.upload(owner, f"{word}.txt", f"{shared} {word} notes".encode())
            assert response.status_code == 201, response.text
            file_id = response.json()["id"]
            self.live[owner].add(file_id)
            self.words[file_id] = word
            return Uploaded(owner, file_id, word)

        @rule(target=uploaded, who=st.integers(0, 1))
        def direct_upload(self, who: int) -> Uploaded:
            """The presigned path: the other tenant can neither complete nor see it."""
            owner = self.tenants[who]
            word = f"direct{next(words)}x{secrets.token_hex(2)}"
            started = files.post(owner, "/api/files/uploads", json={"name": f"{word}.txt"})
            assert started.status_code == 201, started.text
            upload = started.json()
            assert upload["upload"]["fields"]["key"].startswith(f"tenants/{owner}/")
            form = httpx.post(
                upload["upload"]["url"],
                data=upload["upload"]["fields"],
                files={"file": ("x", f"pricing {word} notes".encode())},
                timeout=10,
            )
            assert form.status_code in {200, 204}
            foreign = files.post(self.other(owner), f"/api/files/{upload['id']}/complete")
            assert foreign.status_code == 404
            done = files.post(owner, f"/api/files/{upload['id']}/complete")
            assert done.status_code == 200, done.text
            self.live[owner].add(upload["id"])
            return Uploaded(owner, upload["id"], word)

        @rule()
        def settle(self) -> None:
            files.settle()

        @rule(item=uploaded)
        def other_tenant_cannot_get_or_download(self, item: Uploaded) -> None:
            intruder = self.other(item.owner)
            foreign = files.get(intruder, f"/api/files/{item.file_id}")
            missing = files.get(intruder, f"/api/files/{MISSING_ID}")
            assert foreign.status_code == missing.status_code == 404
            assert foreign.json()["code"] == missing.json()["code"]
            assert foreign.json()["message"] == missing.json()["message"]

        @rule(item=uploaded)
        def other_tenant_cannot_delete(self, item: Uploaded) -> None:
            response = files.delete(self.other(item.owner), f"/api/files/{item.file_id}")
            assert response.status_code == 404
            if item.file_id in self.live[item.owner]:
                owner_view = files.get(item.owner, f"/api/files/{item.file_id}")
                assert owner_view.status_code == 200

        @rule(item=uploaded)
        def owner_downloads_only_from_its_prefix(self, item: Uploaded) -> None:
            response = files.get(item.owner, f"/api/files/{item.file_id}")
            if item.file_id not in self.live[item.owner]:
                assert response.status_code == 404
                return
            url = response.json()["downloadUrl"]
            assert f"/tenants/{item.owner}/files/{item.file_id}" in url
            assert httpx.get(url, timeout=10).content.endswith(b" notes")

        @rule(item=consumes(uploaded))
        def owner_deletes(self, item: Uploaded) -> None:
            response = files.delete(item.owner, f"/api/files/{item.file_id}")
            expected = 204 if item.file_id in self.live[item.owner] else 404
            assert response.status_code == expected
            self.live[item.owner].discard(item.file_id)
            assert files.search(item.owner, item.word) == []

        @rule(item=uploaded, who=st.integers(0, 1))
        def search_finds_only_own_files(self, item: Uploaded, who: int) -> None:
            searcher = self.tenants[who]
            for query in (item.word, *SHARED_WORDS):
                hits = files.search(searcher, query, limit=50)
                assert {h["fileId"] for h in hits} <= self.live[searcher]

        @invariant()
        def listings_hold_exactly_own_files(self) -> None:
            for tenant in self.tenants:
                listed = files.get(tenant, "/api/files", limit=100).json()["files"]
                assert {f["id"] for f in listed} == self.live[tenant]

        def teardown(self) -> None:
            files.settle()

    return TwoTenants


def test_two_tenants_never_see_each_others_files(files_client: FilesClient) -> None:
    run_state_machine_as_test(
        make_machine(files_client),
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
