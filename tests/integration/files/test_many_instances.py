"""Many instances (issue 15): two files-service processes share one moto - one table, one
bucket, one SQS FIFO ingestion queue - as instances share AWS in the cloud.

- Concurrent uploads to one tenant, through both instances, all end `ready` and searchable
  from either instance; the tenant's jobs run one at a time, each file its own segment, so
  the fifth makes a merge due (decision 0100), run by whichever instance holds that job,
  and the other instance's readers follow it.
- An instance killed with SIGKILL in the middle of a job never deletes its message; SQS hands
  it to the other instance once the visibility timeout (a setting, short here) has passed,
  and every file still ends `ready`. When a batch is all done before a job could be caught
  (a fast machine, a fast local AWS), another batch is uploaded, up to three.

Each test takes 20-40 s here: two service processes, real parser and index-build sandboxes."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from engageiq.local.aws import LocalResources
from engageiq.local.seed import create_tenant, create_user, sign_in
from tests.support.files_process import FilesInstance, files_environment, files_instances
from tests.support.invariants import assert_tenant_consistent

pytestmark = pytest.mark.integration

WORDS = ("aardvark", "bison", "caracal", "dingo", "echidna", "ferret", "gazelle", "hyena")
MORE_WORDS = (
    ("ibex", "jackal", "koala", "lemur", "marmot", "narwhal", "ocelot", "puffin"),
    ("quokka", "raccoon", "serval", "tapir", "urial", "vicuna", "walrus", "zebu"),
)
"""Further batches, one word per file as in `WORDS`, uploaded only when the batch before was
all done before any instance could be caught holding one of its jobs."""
VISIBILITY_SECONDS = 6
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
"""The kill-an-instance figures of the last run go here (not versioned)."""
SETTLE_BOUND_SECONDS = 150.0
"""Stops a hung test; never a measurement."""


def _token(resources: LocalResources) -> str:
    create_tenant(resources, "demo", "Demo Company", "admin@demo.example")
    user = create_user(resources, "demo", "rep@demo.example")
    return sign_in(
        resources.endpoint_url, resources.user_pool_client_id, user.username, user.password
    )


def _document(word: str) -> bytes:
    # A few hundred kilobytes, so that a job lasts long enough to be caught in the middle.
    lines = [f"Section {n}: the {word} clause covers renewals and discounts." for n in range(1500)]
    return "\n".join(lines).encode()


def _upload_all(
    instances: list[FilesInstance], headers: dict[str, str], words: tuple[str, ...] = WORDS
) -> dict[str, str]:
    """Upload one document per word at once, alternating instances; word -> file id."""

    def upload(pair: tuple[int, str]) -> tuple[str, str]:
        n, word = pair
        url = instances[n % len(instances)].url
        with httpx.Client(timeout=60) as client:
            response = client.post(
                f"{url}/api/upload-file",
                headers=headers,
                files={"file": (f"{word}.txt", _document(word), "text/plain")},
            )
        assert response.status_code == 201, response.text
        return word, response.json()["id"]

    with ThreadPoolExecutor(len(words)) as pool:
        return dict(pool.map(upload, enumerate(words)))


def _statuses(instance: FilesInstance, headers: dict[str, str], ids: list[str]) -> dict[str, str]:
    with httpx.Client(base_url=instance.url, timeout=30) as client:
        return {
            file_id: client.get(f"/api/files/{file_id}", headers=headers).json()["status"]
            for file_id in ids
        }


def _wait(condition: Callable[[], bool]) -> float:
    """Seconds until `condition` holds (polled), or AssertionError after the bound."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < SETTLE_BOUND_SECONDS, "never settled"
        time.sleep(0.2)
    return time.monotonic() - started


def _assert_searchable(
    instance: FilesInstance, headers: dict[str, str], ids: dict[str, str]
) -> None:
    with httpx.Client(base_url=instance.url, timeout=30) as client:
        for word, file_id in ids.items():
            response = client.get("/api/files/search", headers=headers, params={"q": word})
            assert response.status_code == 200, response.text
            assert {hit["fileId"] for hit in response.json()["results"]} == {file_id}, word


def test_concurrent_uploads_through_two_instances_all_end_ready_and_searchable(
    local_resources: LocalResources, tmp_path: Path
) -> None:
    headers = {"Authorization": f"Bearer {_token(local_resources)}"}
    env = files_environment(local_resources, ENGAGEIQ_INGESTION_VISIBILITY_SECONDS="30")
    with files_instances(2, env, tmp_path) as instances:
        ids = _upload_all(instances, headers)
        _wait(
            lambda: set(_statuses(instances[0], headers, list(ids.values())).values()) == {"ready"}
        )
        for instance in instances:
            _assert_searchable(instance, headers, ids)
        # Both instances consumed: any instance takes any job.
        worked = {i.name: len(i.events("ingestion_job_done")) for i in instances}
        assert sum(worked.values()) == len(WORDS), worked
        merges = [e for i in instances for e in i.events("index_segments_merged")]
        assert merges, "no merge ran"
    # Nothing either instance wrote is left unlisted by the manifest.
    assert_tenant_consistent(local_resources, "demo")


def _catch_in_the_middle(
    instances: list[FilesInstance], headers: dict[str, str], ids: list[str]
) -> tuple[FilesInstance, str] | None:
    """Freeze an instance that holds a job whose file is not done yet (SIGSTOP), so that the
    kill lands in the middle of that job for certain; the frozen instance and the file id, or
    None once every file is done first (a fast machine: the caller uploads another batch)."""
    for attempt in range(400):
        held = False
        for n, instance in enumerate(instances):
            instance.freeze()
            job = instance.job_in_hand()
            held = held or job is not None
            other = instances[1 - n]
            if job is not None and _statuses(other, headers, [job])[job] in (
                "pending",
                "processing",
            ):
                return instance, job
            instance.thaw()
        done = {"ready", "failed"}
        if (
            not held
            and attempt % 10 == 0
            and set(_statuses(instances[0], headers, ids).values()) <= done
        ):
            return None
        time.sleep(0.05)
    raise AssertionError("no instance was ever caught holding a job")


def test_an_instance_killed_mid_ingestion_loses_no_file(
    local_resources: LocalResources, tmp_path: Path
) -> None:
    headers = {"Authorization": f"Bearer {_token(local_resources)}"}
    env = files_environment(
        local_resources,
        ENGAGEIQ_INGESTION_VISIBILITY_SECONDS=str(VISIBILITY_SECONDS),
        ENGAGEIQ_INGESTION_RETRY_SECONDS="1",
    )
    with files_instances(2, env, tmp_path) as instances:
        ids = _upload_all(instances, headers)
        caught = _catch_in_the_middle(instances, headers, list(ids.values()))
        for words in MORE_WORDS:
            if caught is not None:
                break
            ids |= _upload_all(instances, headers, words)
            caught = _catch_in_the_middle(instances, headers, list(ids.values()))
        assert caught is not None, "every batch was done before a job could be caught"
        victim, job = caught
        survivor = next(i for i in instances if i is not victim)
        victim.kill()
        killed_at = time.monotonic()

        taken_over = _wait(lambda: _statuses(survivor, headers, [job])[job] == "ready")
        everything = _wait(
            lambda: set(_statuses(survivor, headers, list(ids.values())).values()) == {"ready"}
        )
        _assert_searchable(survivor, headers, ids)

        # The survivor itself took the killed instance's job over, from the queue.
        retried = [
            e
            for e in survivor.events("ingestion_job_started")
            if e["file_id"] == job and e["receive_count"] >= 2
        ]
        assert retried, "the killed instance's job was not taken over by the survivor"
        report = {
            "killed": victim.name,
            "jobInHand": job,
            "files": len(ids),
            "visibilityTimeoutSeconds": VISIBILITY_SECONDS,
            "killedJobReadyAfterSeconds": round(taken_over, 1),
            "allReadyAfterSeconds": round(time.monotonic() - killed_at, 1),
            "lastWaitSeconds": round(everything, 1),
            "jobsDone": {i.name: len(i.events("ingestion_job_done")) for i in instances},
        }
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "many-instances-kill.json").write_text(json.dumps(report, indent=2) + "\n")
