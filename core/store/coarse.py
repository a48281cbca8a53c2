"""A first stage for big vector files: 2-bit codes scanned by ONNX Runtime, a quarter of the int8 codes' bytes.

At 1M vectors the int8 scan reads 512 MB per query. Here each dimension of each vector is cut into four
levels between its 1st and 99th percentile (`lo`, `step`, per dimension, from a sample), and a query is
scored against those 2-bit codes asymmetrically: the float query times the levels, never the query's own
codes. That keeps nearly all the ranking: on the benchmark's synthetic 200k vectors with text-like queries
across the modality gap (tests/vector_factory.py), the exact top 10 fall inside the best 0.5 % by these
scores for 99.6 % of them (1.000 at 1 %), where PCA-128 held 0.86 and k-means lists (IVF) 0.93 while
scanning 10 % of the rows; symmetric sign codes 0.85 at 2.5 %.

The scan is ONNX Runtime's `MatMulNBits` (com.microsoft, 2 bits, int8 activations: its packed SIMD kernel)
followed by `TopK`, in a graph made here with the codes as its weight; onnxruntime is a dependency already.
Measured in one process at 1M (2 cores, load 10-13): 79-165 ms against 527 ms for usearch's int8 scan of
the same rows. Building the codes and the session costs seconds (ORT packs the weight once), so it runs
in the background and the int8 scan answers meanwhile; the packed weight lives in memory (about 128 MB at
1M) and is checked against numpy on a sample before it is trusted.
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np

log = logging.getLogger(__name__)

#: Levels per dimension (2 bits).
BITS = 2
#: Rows sampled for the per-dimension levels.
SAMPLE = 10_000
#: Rows quantised per step of the build (checked for cancellation between steps).
CHUNK = 65_536
#: The session's scores must correlate with numpy's on the checked rows at least this well (int8 query
#: rounding alone gives 0.99998).
MIN_AGREEMENT = 0.999


class Cancelled(Exception):
    """The part the codes were being built for was replaced or closed."""


def block_size(dim: int) -> int | None:
    """MatMulNBits quantises in blocks of a power of two ≥ 16 that must divide the dimension."""
    return next((b for b in (128, 64, 32, 16) if dim % b == 0), None)


class CoarseCodes:
    """2-bit codes of a part's vectors in an ONNX Runtime session: `candidates` gives rows to re-rank."""

    def __init__(self, session, step: np.ndarray, n: int):
        self._session, self._step, self.n = session, step, n

    @classmethod
    def build(cls, vecs: np.ndarray, cancel: threading.Event | None = None) -> CoarseCodes:
        """Codes of `vecs` (n x dim float16, memory-mapped), the session that scans them, checked on a sample."""
        from core.native import load_onnxruntime_first

        load_onnxruntime_first()
        n, dim = vecs.shape
        bs = block_size(dim)
        if bs is None or n == 0:
            raise ValueError(f"no 2-bit first stage for {n} vectors of dimension {dim}")
        started = time.monotonic()
        rng = np.random.default_rng(0)
        sample = np.asarray(vecs[np.sort(rng.choice(n, min(n, SAMPLE), replace=False))], np.float32)
        lo, hi = np.percentile(sample, 1, axis=0), np.percentile(sample, 99, axis=0)
        step = np.maximum((hi - lo) / (2**BITS - 1), 1e-6).astype(np.float32)
        # the level nearest each value: how many of the three midpoints it passes
        mids = [(lo + step * (i + 0.5)).astype(np.float32) for i in range(2**BITS - 1)]
        packed = np.empty((n, dim * BITS // 8), np.uint8)
        for start in range(0, n, CHUNK):
            if cancel is not None and cancel.is_set():
                raise Cancelled
            part = np.asarray(vecs[start:start + CHUNK], np.float32)  # (numpy compares float16 without SIMD)
            c = sum((part > m).view(np.uint8) for m in mids)
            packed[start:start + CHUNK] = c[:, 0::4] | (c[:, 1::4] << 2) | (c[:, 2::4] << 4) | (c[:, 3::4] << 6)
        session = _session(packed.reshape(n, dim // bs, bs * BITS // 8), n, dim, bs)
        codes = cls(session, step, n)
        codes._check(packed, rng)
        log.info("2-bit first stage for %d vectors built in %.1f s", n, time.monotonic() - started)
        return codes

    def _check(self, packed: np.ndarray, rng: np.random.Generator) -> None:
        """The session's scores of a few rows against numpy's from the same codes: an ONNX Runtime whose kernel
        reads the codes otherwise is never trusted."""
        rows = np.sort(rng.choice(self.n, min(self.n, 512), replace=False))
        levels = np.stack([(packed[rows] >> s) & 3 for s in (0, 2, 4, 6)], axis=2).reshape(len(rows), -1)
        query = rng.standard_normal(levels.shape[1]).astype(np.float32)
        a = (query * self._step)[None]
        scores = self._session.run(["Y"], {"A": a, "k": np.array([1], np.int64)})[0][0]
        want = levels.astype(np.float32) @ a[0]
        agreement = float(np.corrcoef(scores[rows], want)[0, 1])
        if not agreement >= MIN_AGREEMENT:
            raise ValueError(f"ONNX Runtime's 2-bit scores disagree with numpy's (correlation {agreement:.4f})")

    def candidates(self, query: np.ndarray, count: int) -> np.ndarray:
        """Rows of the `count` best by the 2-bit codes (approximate: to be re-scored)."""
        a = (np.asarray(query, np.float32).reshape(-1) * self._step)[None]
        k = np.array([min(count, self.n)], np.int64)
        return self._session.run(["I"], {"A": a, "k": k})[0][0].astype(np.int64)


def _session(weight: np.ndarray, n: int, dim: int, bs: int):
    """MatMulNBits (scale 1, zero point 0: the scores are the query times the levels) then TopK, as an ONNX model
    written here field by field (`_Proto`): the `onnx` package is not a runtime dependency, and importing it
    would hold the interpreter for seconds while searches run."""
    import onnxruntime as ort

    blocks = dim // bs
    p = _Proto
    scan = p.node("MatMulNBits", ["A", "B", "S", "Z"], ["Y"], "com.microsoft",
                  {"K": dim, "N": n, "bits": BITS, "block_size": bs, "accuracy_level": 4})
    top = p.node("TopK", ["Y", "k"], ["V", "I"], "", {"axis": -1})
    graph = b"".join([
        p.field(1, scan), p.field(1, top), p.field(2, b"coarse"),
        p.field(5, p.tensor("B", weight)), p.field(5, p.tensor("S", np.ones(n * blocks, np.float32))),
        p.field(5, p.tensor("Z", np.zeros((n, (blocks * BITS + 7) // 8), np.uint8))),
        p.field(11, p.value("A", p.FLOAT, [1, dim])), p.field(11, p.value("k", p.INT64, [1])),
        p.field(12, p.value("Y", p.FLOAT, [1, n])), p.field(12, p.value("V", p.FLOAT, [1, None])),
        p.field(12, p.value("I", p.INT64, [1, None]))])
    model = b"".join([p.varint_field(1, 8), p.field(8, p.field(1, b"") + p.varint_field(2, 18)),
                      p.field(8, p.field(1, b"com.microsoft") + p.varint_field(2, 1)), p.field(7, graph)])
    options = ort.SessionOptions()
    options.log_severity_level = 3
    # idle threads sleep: spinning ones took the cores from the text tower (its query 82 ms instead of ~10)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


class _Proto:
    """The few protobuf messages of an ONNX model (onnx.proto: ModelProto, GraphProto, NodeProto, AttributeProto,
    TensorProto, ValueInfoProto), encoded by hand."""

    FLOAT, UINT8, INT64 = 1, 2, 7
    _TYPES = {np.dtype(np.float32): FLOAT, np.dtype(np.uint8): UINT8, np.dtype(np.int64): INT64}

    @staticmethod
    def varint(value: int) -> bytes:
        value &= (1 << 64) - 1  # negative int64s as ten bytes, as protobuf does
        out = bytearray()
        while True:
            byte, value = value & 0x7F, value >> 7
            out.append(byte | (0x80 if value else 0))
            if not value:
                return bytes(out)

    @classmethod
    def varint_field(cls, number: int, value: int) -> bytes:
        return cls.varint(number << 3) + cls.varint(value)

    @classmethod
    def field(cls, number: int, data: bytes | str) -> bytes:
        data = data.encode() if isinstance(data, str) else data
        return cls.varint(number << 3 | 2) + cls.varint(len(data)) + data

    @classmethod
    def node(cls, op: str, inputs: list[str], outputs: list[str], domain: str, ints: dict[str, int]) -> bytes:
        attrs = [cls.field(1, name) + cls.varint_field(3, value) + cls.varint_field(20, 2)  # type INT
                 for name, value in ints.items()]
        return b"".join([*(cls.field(1, i) for i in inputs), *(cls.field(2, o) for o in outputs), cls.field(4, op),
                         *(cls.field(5, a) for a in attrs), cls.field(7, domain)])

    @classmethod
    def tensor(cls, name: str, array: np.ndarray) -> bytes:
        return b"".join([*(cls.varint_field(1, d) for d in array.shape), cls.varint_field(2, cls._TYPES[array.dtype]),
                         cls.field(8, name), cls.field(9, np.ascontiguousarray(array).tobytes())])

    @classmethod
    def value(cls, name: str, elem_type: int, shape: list[int | None]) -> bytes:
        dims = b"".join(cls.field(1, cls.varint_field(1, d) if d is not None else cls.field(2, "n")) for d in shape)
        return cls.field(1, name) + cls.field(2, cls.field(1, cls.varint_field(1, elem_type) + cls.field(2, dims)))
