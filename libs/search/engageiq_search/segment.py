"""`Segment`: an immutable part of a tenant's index (decision 0100), built from one batch of
files' chunks and never changed afterwards: new files become a new segment, deleted and
superseded files are recorded as dead in the manifest (`manifest.py`), and merges write a new
segment from the live chunks of several.

A segment keeps raw term frequencies, not scores, so that BM25 is computed at query time from
statistics summed over all of a tenant's segments (`TenantIndex`): a chunk's score does not
depend on how the tenant's chunks happen to be split into segments. Serialised as one
uncompressed zip without pickles:

- `meta.json`: `{"format": 3, "chunks": n, "tokens": total, "vocab": [term, ...],
  "embedder": {"id": str, "dimension": d, "windows": w} | null}` (`windows`, the number of
  sentence-window vectors, since decision 0125; absent means 0);
- `files.jsonl`: one `[file_id, file_name, uploaded_at]` per file (a chunk names its file by
  its line number, its ordinal);
- `chunks.jsonl`: one `[file_ordinal, location, text]` per chunk;
- `tf_data.npy` (uint16), `tf_rows.npy` (int32), `tf_indptr.npy` (int64): term frequencies
  as a compressed sparse column matrix, one column per vocabulary term, one row per chunk;
- `doc_len.npy` (uint32): each chunk's token count;
- `vectors.npy` (int8, n x d) and `scales.npy` (float32, n): the chunks' embeddings, when an
  embedder was configured (`vectors.quantize`);
- `window_vectors.npy` (int8, w x d), `window_scales.npy` (float32, w) and `window_owner.npy`
  (int32, w: the chunk row of each window, ascending), when the embedder embeds sentence
  windows (`Embedder.window_sentences`, decision 0125).

New members and a new meta field, not a new format number: a reader from before windows
reads these segments (it ignores what it does not know, and their embedder id is not its
own, so it ranks them by BM25 until it is replaced), so instances of both ages can serve one
tenant during a deploy. Which vectors a segment holds is named by the embedder id, which
includes the window size: a segment embedded otherwise than the configured embedder is
embedded again, a bounded share per change (`merge_policy.reembed_due`)."""

from __future__ import annotations

import array
import io
import json
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import IO, Any, Final

import msgspec
import numpy as np
import numpy.typing as npt

from engageiq_search.embedder import Embedder
from engageiq_search.indexed_text import indexed_text
from engageiq_search.sentence_windows import sentence_windows
from engageiq_search.tokens import Tokenizer
from engageiq_search.vectors import WindowVectors, quantize

SEGMENT_FORMAT: Final = 3
READ_BLOCK: Final = 256 * 1024
"""Bytes of a `.jsonl` member decoded at a time: what a load holds beyond the segment."""
SEGMENT_OVERHEAD_BYTES: Final = 4 * 1024
"""Added to each segment's estimate for what `getsizeof` does not see (the objects' dicts)."""
MAX_TERM_FREQUENCY: Final = np.iinfo(np.uint16).max


class IndexedChunk(msgspec.Struct, array_like=True, frozen=True):
    file_id: str
    file_name: str
    location: str
    text: str
    uploaded_at: str = ""
    """When this version of the file was uploaded (ISO 8601; "" in indexes built before
    versions existed): citations name it."""


class _FileRow(msgspec.Struct, array_like=True, frozen=True):
    file_id: str
    file_name: str
    uploaded_at: str


class _ChunkRow(msgspec.Struct, array_like=True, frozen=True):
    file: int
    location: str
    text: str


_files_decoder = msgspec.json.Decoder(list[_FileRow])
_chunks_decoder = msgspec.json.Decoder(list[_ChunkRow])
_encoder = msgspec.json.Encoder()
_local = threading.local()


def tokenizer() -> Tokenizer:
    """This thread's tokenizer: builds and queries run in worker threads."""
    current: Tokenizer | None = getattr(_local, "tokenizer", None)
    if current is None:
        current = _local.tokenizer = Tokenizer()
    return current


def scored_text(chunk: IndexedChunk) -> str:
    return indexed_text(chunk.file_name, chunk.location, chunk.text)


@dataclass(frozen=True, slots=True)
class TermMatrix:
    """Term frequencies in compressed sparse column form: the chunks holding term `j` are
    `rows[indptr[j]:indptr[j + 1]]` (ascending), with frequencies `data[...]` (numpy only:
    the one sparse layout search needs does not justify SciPy in both images)."""

    data: npt.NDArray[np.uint16]
    rows: npt.NDArray[np.int32]
    indptr: npt.NDArray[np.int64]

    @classmethod
    def from_pairs(
        cls,
        rows: npt.NDArray[np.int64],
        cols: npt.NDArray[np.int64],
        weights: npt.NDArray[np.int64],
        terms: int,
    ) -> TermMatrix:
        """The matrix of (row, column, frequency) triples; repeated pairs are summed."""
        order = np.lexsort((rows, cols))
        rows, cols, weights = rows[order], cols[order], weights[order]
        if len(rows):
            starts = np.flatnonzero(
                np.concatenate(([True], (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])))
            )
            weights = np.add.reduceat(weights, starts)
            rows, cols = rows[starts], cols[starts]
        indptr = np.zeros(terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(cols, minlength=terms), out=indptr[1:])
        return cls(
            np.minimum(weights, MAX_TERM_FREQUENCY).astype(np.uint16),
            rows.astype(np.int32),
            indptr,
        )

    def pairs(
        self,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(rows, columns, frequencies) of every stored entry."""
        cols = np.repeat(np.arange(len(self.indptr) - 1, dtype=np.int64), np.diff(self.indptr))
        return self.rows.astype(np.int64), cols, self.data.astype(np.int64)

    @property
    def nbytes(self) -> int:
        return int(self.data.nbytes + self.rows.nbytes + self.indptr.nbytes)


@dataclass(frozen=True, slots=True)
class Vectors:
    embedder_id: str
    codes: npt.NDArray[np.int8]
    """Shape (chunks, dimension)."""
    scales: npt.NDArray[np.float32]
    """Shape (chunks,): a chunk's vector is `codes[i] * scales[i]`."""
    windows: WindowVectors | None = None
    """The chunks' sentence windows' vectors, when the embedder embeds windows."""

    @property
    def nbytes(self) -> int:
        own = int(self.codes.nbytes + self.scales.nbytes)
        return own + (self.windows.nbytes if self.windows is not None else 0)

    def of_rows(self, rows: npt.NDArray[np.int64]) -> Vectors:
        """The vectors of chunks `rows` (ascending), windows renumbered to match."""
        windows = self.windows.of_rows(rows) if self.windows is not None else None
        return Vectors(self.embedder_id, self.codes[rows], self.scales[rows], windows)


class Segment:
    def __init__(
        self,
        chunks: list[IndexedChunk],
        chunk_file: npt.NDArray[np.int32],
        vocab: dict[str, int],
        tf: TermMatrix,
        doc_len: npt.NDArray[np.uint32],
        vectors: Vectors | None = None,
    ) -> None:
        """Use `build`, `merged` or `read`. `chunk_file[i]` is the file ordinal of chunk `i`
        (ordinals number the distinct file ids in order of first appearance)."""
        self.chunks = chunks
        self.chunk_file = chunk_file
        self.vocab = vocab
        self.tf = tf
        self.doc_len = doc_len
        self.vectors = vectors
        self.total_tokens = int(doc_len.sum())
        self.file_ids: tuple[str, ...] = tuple(dict.fromkeys(chunk.file_id for chunk in chunks))
        self._file_ordinals: dict[str, int] | None = None
        self.memory_bytes = _estimated_bytes(self)
        """Estimated bytes this segment holds in memory (what the index cache budgets):
        exact sizes of its strings, structs, lists and arrays, plus
        `SEGMENT_OVERHEAD_BYTES`."""

    def __len__(self) -> int:
        return len(self.chunks)

    @classmethod
    def build(
        cls,
        chunks: Sequence[IndexedChunk],
        embedder: Embedder | None = None,
        text_of: Callable[[IndexedChunk], str] = scored_text,
    ) -> Segment:
        """The segment of `chunks`, each scored on `text_of(chunk)` (by default its
        document's name, its heading and its text: `indexed_text`) and, with an `embedder`,
        embedded from the same text. Blocking: seconds of CPU per 10,000 chunks."""
        chunks = list(chunks)
        texts = [text_of(chunk) for chunk in chunks]
        vocab: dict[str, int] = {}
        split = tokenizer()
        ids = [[vocab.setdefault(t, len(vocab)) for t in split.tokens(text)] for text in texts]
        lengths = np.fromiter((len(i) for i in ids), dtype=np.uint32, count=len(ids))
        rows = np.repeat(np.arange(len(ids), dtype=np.int64), lengths.astype(np.int64))
        cols = np.fromiter((t for i in ids for t in i), dtype=np.int64, count=int(lengths.sum()))
        # Repeated (chunk, term) pairs are summed: a term's frequency in its chunk.
        tf = TermMatrix.from_pairs(rows, cols, np.ones(len(cols), np.int64), len(vocab))
        vectors = _embedded(embedder, texts, chunks) if embedder is not None else None
        return cls(chunks, _file_ordinals(chunks), vocab, tf, lengths, vectors)

    @classmethod
    def merged(
        cls,
        parts: Sequence[tuple[Segment, frozenset[str]]],
        embedder: Embedder | None = None,
        extra: Sequence[IndexedChunk] = (),
    ) -> Segment:
        """One segment holding the live chunks of `parts` ((segment, its dead file ids)) and
        then `extra` (new chunks, tokenised here). Term frequencies and vectors are copied,
        not recomputed; a part embedded by another embedder than `embedder` is embedded
        again (how an embedder change reaches existing tenants)."""
        pieces = [*parts, (cls.build(extra, embedder), frozenset[str]())]
        vocab: dict[str, int] = {}
        triples: list[tuple[npt.NDArray[np.int64], ...]] = []
        chunks: list[IndexedChunk] = []
        lengths: list[npt.NDArray[np.uint32]] = [np.zeros(0, np.uint32)]
        vectors: list[Vectors | None] = []
        for segment, dead in pieces:
            live = segment.live_rows(dead)
            if not len(live):
                continue
            remap = np.fromiter(
                (vocab.setdefault(term, len(vocab)) for term in segment.vocab),
                dtype=np.int64,
                count=len(segment.vocab),
            )
            # Old row -> new row (-1: a dead chunk's entries are dropped).
            renumber = np.full(len(segment), -1, dtype=np.int64)
            renumber[live] = np.arange(len(chunks), len(chunks) + len(live))
            rows, cols, data = segment.tf.pairs()
            keep = renumber[rows] >= 0
            triples.append((renumber[rows[keep]], remap[cols[keep]], data[keep]))
            chunks += [segment.chunks[i] for i in live]
            lengths.append(segment.doc_len[live])
            vectors.append(segment.vectors_for(live, embedder))
        empty = np.zeros(0, np.int64)
        rows, cols, data = (np.concatenate([t[i] for t in triples] or [empty]) for i in range(3))
        tf = TermMatrix.from_pairs(rows, cols, data, len(vocab))
        joined = None
        if embedder is not None:
            present = [v for v in vectors if v is not None]
            windows = [v.windows for v in present if v.windows is not None]
            joined = Vectors(
                embedder.id,
                np.concatenate([v.codes for v in present])
                if present
                else np.zeros((0, embedder.dimension), np.int8),
                np.concatenate([v.scales for v in present]) if present else np.zeros(0, np.float32),
                WindowVectors.joined(windows, embedder.dimension)
                if embedder.window_sentences
                else None,
            )
        return cls(chunks, _file_ordinals(chunks), vocab, tf, np.concatenate(lengths), joined)

    def live_rows(self, dead: frozenset[str]) -> npt.NDArray[np.int64]:
        """Row numbers of the chunks whose file is not in `dead`."""
        if not dead:
            return np.arange(len(self.chunks), dtype=np.int64)
        return np.flatnonzero(~self.file_mask(dead))

    def file_mask(self, file_ids: AbstractSet[str]) -> npt.NDArray[np.bool_]:
        """Per chunk: does its file belong to `file_ids`? Walks the smaller of `file_ids` and
        this segment's files (a query's hidden set is often thousands of ids, most of them in
        other segments), then looks each chunk's ordinal up in a table: O(min(ids, files) +
        chunks), no Python loop over chunks."""
        ordinal_of = self.file_ordinals()
        if len(file_ids) < len(ordinal_of):
            picked = [o for f in file_ids if (o := ordinal_of.get(f)) is not None]
        else:
            picked = [o for f, o in ordinal_of.items() if f in file_ids]
        table = np.zeros(len(ordinal_of), dtype=np.bool_)
        table[picked] = True
        return table[self.chunk_file]

    def file_ordinals(self) -> dict[str, int]:
        """File id -> its ordinal in this segment (`chunk_file`'s values), built on first use
        (a few dozen bytes per file, outside `memory_bytes`: under 1% of a file's chunks).
        Two threads may both build it; either result is the same."""
        if self._file_ordinals is None:
            self._file_ordinals = {file_id: i for i, file_id in enumerate(self.file_ids)}
        return self._file_ordinals

    def vectors_for(self, rows: npt.NDArray[np.int64], embedder: Embedder | None) -> Vectors | None:
        """The vectors of chunks `rows` by `embedder`: copied when this segment was embedded
        by it, computed otherwise; None without an embedder."""
        if embedder is None:
            return None
        if self.vectors is not None and self.vectors.embedder_id == embedder.id:
            return self.vectors.of_rows(rows)
        chunks = [self.chunks[i] for i in rows]
        return _embedded(embedder, [scored_text(c) for c in chunks], chunks)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.write(out)
        return out.getvalue()

    def write(self, out: IO[bytes]) -> None:
        """Serialise into `out` (see the module docstring)."""
        files = {file_id: i for i, file_id in enumerate(self.file_ids)}
        windows = self.vectors.windows if self.vectors is not None else None
        meta = {
            "format": SEGMENT_FORMAT,
            "chunks": len(self.chunks),
            "tokens": self.total_tokens,
            "vocab": sorted(self.vocab, key=self.vocab.__getitem__),
            "embedder": (
                {
                    "id": self.vectors.embedder_id,
                    "dimension": int(self.vectors.codes.shape[1]),
                    "windows": len(windows.owner) if windows is not None else 0,
                }
                if self.vectors is not None
                else None
            ),
        }
        first: dict[str, IndexedChunk] = {}
        for chunk in self.chunks:
            first.setdefault(chunk.file_id, chunk)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr("meta.json", json.dumps(meta))
            with archive.open("files.jsonl", "w", force_zip64=True) as member:
                for file_id in self.file_ids:
                    c = first[file_id]
                    member.write(_encoder.encode(_FileRow(file_id, c.file_name, c.uploaded_at)))
                    member.write(b"\n")
            # force_zip64: a member's size is unknown when it is opened for writing.
            with archive.open("chunks.jsonl", "w", force_zip64=True) as member:
                for chunk in self.chunks:
                    row = _ChunkRow(files[chunk.file_id], chunk.location, chunk.text)
                    member.write(_encoder.encode(row) + b"\n")
            arrays: dict[str, npt.NDArray[Any]] = {
                "tf_data": self.tf.data,
                "tf_rows": self.tf.rows,
                "tf_indptr": self.tf.indptr,
                "doc_len": self.doc_len,
            }
            if self.vectors is not None:
                arrays |= {"vectors": self.vectors.codes, "scales": self.vectors.scales}
            if windows is not None:
                arrays |= {
                    "window_vectors": windows.codes,
                    "window_scales": windows.scales,
                    "window_owner": windows.owner,
                }
            for name, array in arrays.items():
                with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(
                        member, np.ascontiguousarray(array), allow_pickle=False
                    )

    @classmethod
    def from_bytes(cls, blob: bytes) -> Segment:
        return cls.read(io.BytesIO(blob))

    @classmethod
    def read(cls, source: IO[bytes]) -> Segment:
        """The segment serialised in `source` (seekable). Member by member and in blocks of
        `READ_BLOCK` bytes, so a load holds the decoded segment plus a few MiB (decision
        0083). Raises ValueError for anything that is not a format-3 segment."""
        try:
            with zipfile.ZipFile(source) as archive:
                return cls._read_archive(archive)
        except (zipfile.BadZipFile, KeyError, msgspec.DecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a readable index segment ({exc})") from None

    @classmethod
    def _read_archive(cls, archive: zipfile.ZipFile) -> Segment:
        meta = json.loads(archive.read("meta.json"))
        if meta.get("format") != SEGMENT_FORMAT:
            raise ValueError("unknown index segment format")
        with archive.open("files.jsonl") as member:
            files = [
                row for block in json_line_blocks(member) for row in _files_decoder.decode(block)
            ]
        chunks: list[IndexedChunk] = []
        ordinals = array.array("i")  # 4 bytes a chunk while loading, not a list's 8 + ints
        with archive.open("chunks.jsonl") as member:
            for block in json_line_blocks(member):
                for row in _chunks_decoder.decode(block):
                    f = files[row.file]
                    # The file's strings are shared by all its chunks, not one copy each.
                    chunks.append(
                        IndexedChunk(f.file_id, f.file_name, row.location, row.text, f.uploaded_at)
                    )
                    ordinals.append(row.file)
        arrays = {
            name: _read_array(archive, name)
            for name in ("tf_data", "tf_rows", "tf_indptr", "doc_len")
        }
        vocab = {term: i for i, term in enumerate(meta["vocab"])}
        if len(chunks) != meta["chunks"] or len(arrays["tf_indptr"]) != len(vocab) + 1:
            raise ValueError("index segment members disagree")
        tf = TermMatrix(arrays["tf_data"], arrays["tf_rows"], arrays["tf_indptr"])
        if len(tf.data) != len(tf.rows) or (len(tf.rows) and int(tf.rows.max()) >= len(chunks)):
            raise ValueError("index segment members disagree")
        vectors = None
        if embedder := meta.get("embedder"):
            windows = None
            if "window_owner.npy" in archive.namelist():
                windows = WindowVectors(
                    _read_array(archive, "window_vectors"),
                    _read_array(archive, "window_scales"),
                    _read_array(archive, "window_owner"),
                    len(chunks),
                )
                if len(windows.owner) != embedder.get("windows", 0):
                    raise ValueError("index segment members disagree")
            elif embedder.get("windows"):
                raise ValueError("index segment members disagree")
            vectors = Vectors(
                str(embedder["id"]),
                _read_array(archive, "vectors"),
                _read_array(archive, "scales"),
                windows,
            )
            _check_vectors(vectors, len(chunks), embedder.get("dimension"))
        return cls(
            chunks,
            np.frombuffer(ordinals, dtype=np.int32).copy(),
            vocab,
            tf,
            arrays["doc_len"],
            vectors,
        )


def _check_vectors(vectors: Vectors, chunks: int, dimension: object) -> None:
    """Raises ValueError unless `vectors` hold int8 codes (rows, `dimension`) and finite
    float32 scales (rows,), `chunks` rows for the chunks: a segment that loads is one every
    query can score, so a corrupt one is refused here with the others, not by every
    search of the tenant afterwards (`dense_scores` would raise on each)."""
    parts = [(vectors.codes, vectors.scales, chunks)]
    if vectors.windows is not None:
        windows = vectors.windows
        parts.append((windows.codes, windows.scales, len(windows.owner)))
    for codes, scales, rows in parts:
        if (
            codes.dtype != np.int8
            or codes.shape != (rows, dimension)
            or scales.dtype != np.float32
            or scales.shape != (rows,)
            or not np.isfinite(scales).all()
        ):
            raise ValueError("index segment members disagree")


def _read_array(archive: zipfile.ZipFile, name: str) -> Any:
    with archive.open(f"{name}.npy") as member:
        # Read in numpy's 256 KiB pieces straight into the new array: no second copy.
        return np.lib.format.read_array(member, allow_pickle=False)


def _file_ordinals(chunks: Sequence[IndexedChunk]) -> npt.NDArray[np.int32]:
    ordinals: dict[str, int] = {}
    return np.fromiter(
        (ordinals.setdefault(c.file_id, len(ordinals)) for c in chunks),
        dtype=np.int32,
        count=len(chunks),
    )


def _embedded(embedder: Embedder, texts: Sequence[str], chunks: Sequence[IndexedChunk]) -> Vectors:
    """`chunks`' vectors: each chunk's from `texts` (what it is scored on) and, when the
    embedder asks for them, its sentence windows' from its bare text (a window is about its
    sentences; the file name and heading are in the chunk's vector)."""
    codes, scales = quantize(
        embedder.embed(texts) if texts else np.zeros((0, embedder.dimension), np.float32)
    )
    windows = None
    if embedder.window_sentences:
        per_chunk = [sentence_windows(c.text, embedder.window_sentences) for c in chunks]
        flat = [w for found in per_chunk for w in found]
        owner = np.repeat(
            np.arange(len(chunks), dtype=np.int32), [len(found) for found in per_chunk]
        )
        window_codes, window_scales = quantize(
            embedder.embed(flat) if flat else np.zeros((0, embedder.dimension), np.float32)
        )
        windows = WindowVectors(window_codes, window_scales, owner, len(chunks))
    return Vectors(embedder.id, codes, scales, windows)


def json_line_blocks(member: IO[bytes]) -> Iterator[bytes]:
    """The non-empty lines of `member` as JSON arrays, one per `READ_BLOCK` bytes read: one
    decode per block is ~3x faster than one per line."""
    rest = b""
    while block := member.read(READ_BLOCK):
        *lines, rest = (rest + block).split(b"\n")
        if lines := [line for line in lines if line]:
            yield b"[" + b",".join(lines) + b"]"
    if rest.strip():
        yield b"[" + rest + b"]"


def _estimated_bytes(segment: Segment) -> int:
    size = sys.getsizeof
    total = SEGMENT_OVERHEAD_BYTES + size(segment.chunks) + size(segment.vocab)
    seen_files: set[int] = set()
    for c in segment.chunks:
        total += size(c) + size(c.location) + size(c.text)
        if id(c.file_id) not in seen_files:
            seen_files.add(id(c.file_id))
            total += size(c.file_id) + size(c.file_name) + size(c.uploaded_at)
    # Token ids past 256 are int objects of 28 bytes; smaller ones are shared by CPython.
    total += sum(size(term) for term in segment.vocab) + 28 * len(segment.vocab)
    total += segment.tf.nbytes + int(segment.doc_len.nbytes + segment.chunk_file.nbytes)
    if segment.vectors is not None:
        total += segment.vectors.nbytes
    return total
