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
SAMPLE = 20_000
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
        packed = np.empty((n, dim * BITS // 8), np.uint8)
        for start in range(0, n, CHUNK):
            if cancel is not None and cancel.is_set():
                raise Cancelled
            c = np.clip(np.rint((np.asarray(vecs[start:start + CHUNK], np.float32) - lo) / step), 0, 3).astype(np.uint8)
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
    """MatMulNBits (scale 1, zero point 0: the scores are the query times the levels) then TopK."""
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    blocks = dim // bs
    scan = helper.make_node("MatMulNBits", ["A", "B", "S", "Z"], ["Y"], domain="com.microsoft", K=dim, N=n,
                            bits=BITS, block_size=bs, accuracy_level=4)
    top = helper.make_node("TopK", ["Y", "k"], ["V", "I"], axis=-1)
    graph = helper.make_graph(
        [scan, top], "coarse",
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, [1, dim]),
         helper.make_tensor_value_info("k", TensorProto.INT64, [1])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [1, n]),
         helper.make_tensor_value_info("V", TensorProto.FLOAT, [1, None]),
         helper.make_tensor_value_info("I", TensorProto.INT64, [1, None])],
        [numpy_helper.from_array(weight, "B"), numpy_helper.from_array(np.ones(n * blocks, np.float32), "S"),
         numpy_helper.from_array(np.zeros((n, (blocks * BITS + 7) // 8), np.uint8), "Z")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18),
                                                    helper.make_opsetid("com.microsoft", 1)])
    data = model.SerializeToString()
    del model, graph
    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
