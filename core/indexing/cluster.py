"""Indexing past one machine: decoding and embedding as Ray tasks, the writer staying home.

`medialens index DIR --cluster ray://HOST:10001` (a running Ray cluster, e.g. a GPU box started with
`ray start --head --ray-client-server-port=10001`) or `--cluster local` (a Ray cluster on this machine).

What crosses the network: each file's bytes go out, its vectors (1 KiB per frame at 512-d) and metadata
come back. Bytes rather than paths because the laptop that owns a library rarely shares its disks with
the GPU box; every file is read once anyway, and the decode, which dominates, happens where the cores
are. (On shared storage paths would save that transfer; a video of several GB is the case it matters.)

Nothing about the catalog changes: the library's one writer commits what comes back, in the same
batches and transactions as local indexing. A task is one file and is retried on another worker when its
worker dies (`max_retries`); its result reaches the writer only once, when it completes, so a killed
worker costs its in-flight files' time, never a lost or duplicated row. Thumbnails are made where the
library lives, the first time they are shown.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import LibraryError

if TYPE_CHECKING:  # pragma: no cover
    from core.media.video import Sampling
    from core.models.choice import ModelChoice

log = logging.getLogger(__name__)

#: How often a file's task is re-run after its worker died.
RETRIES = 3
_ENV_PASSED = ("MEDIALENS_MODEL_CONFIGS", "HF_HUB_OFFLINE", "ORT_DISABLE_TELEMETRY")


def connect(address: str, num_cpus: int | None = None) -> None:
    """Join the Ray cluster at `address` ("local" starts one on this machine)."""
    try:
        import ray
    except ImportError:
        raise LibraryError("--cluster needs Ray: pip install 'medialens[cluster]'") from None
    if ray.is_initialized():
        return
    env = {k: os.environ[k] for k in _ENV_PASSED if k in os.environ}
    kw: dict = {"runtime_env": {"env_vars": env}, "logging_level": logging.WARNING, "log_to_driver": False}
    try:
        if address == "local":
            ray.init(num_cpus=num_cpus, include_dashboard=False, **kw)
        else:
            ray.init(address=address, **kw)
    except Exception as exc:  # unreachable address, version mismatch, ...
        raise LibraryError(f"cannot join the Ray cluster at {address}: {exc}") from None


class RemoteDecoder:
    """Stands in for the local decoders: a file goes to a Ray task, its embedded frames come back.

    Called from the indexer's decode threads (one task in flight per thread), so look-ahead stays bounded.
    """

    def __init__(self, choice: ModelChoice, sampling: Sampling):
        import ray

        self._ray = ray
        weights = choice.weights
        if weights is not None and Path(weights).is_dir():
            raise LibraryError(f"{weights}: --cluster sends a weights file to the workers, not an exported "
                               "model folder; give the model's weights file")
        self._weights = None if weights is None else ray.put((Path(weights).name, Path(weights).read_bytes()))
        self._model = (choice.name, choice.pretrained)
        self._sampling = sampling
        gpus = 1 if ray.cluster_resources().get("GPU") else 0
        self._task = ray.remote(num_gpus=gpus, max_retries=RETRIES, retry_exceptions=False)(_embed_file)

    def __call__(self, job, ctx):
        from core.errors import MediaError

        try:
            data = Path(job.path).read_bytes()
        except OSError as exc:
            raise MediaError(f"cannot be read: {(exc.strerror or str(exc)).lower()}") from None
        ref = self._task.remote(job, data, self._model, self._weights, self._sampling)
        try:
            events, error = self._ray.get(ref)
        except self._ray.exceptions.RayError as exc:  # retries exhausted: the file fails, the run goes on
            raise MediaError(f"the cluster could not process it ({type(exc).__name__})") from None
        if error:
            raise MediaError(error)
        yield from events


_worker_encoders: dict = {}


def _embed_file(job, data: bytes, model: tuple[str, str | None], weights, sampling: Sampling):
    """On a worker: decode one file with the local decoders and embed its frames; (events, error)."""
    from core.errors import MediaError
    from core.indexing.decoders import DECODERS, DecodeContext, Frame, decode_image
    from core.media.image import ThumbnailCache

    enc = _encoder(model, weights)
    with tempfile.TemporaryDirectory(prefix="medialens-task-") as tmp:
        local = Path(tmp) / ("file" + Path(job.path).suffix)
        local.write_bytes(data)
        ctx = DecodeContext(preprocess=enc.preprocess, min_side=max(enc.image_size, 240),
                            thumbs=ThumbnailCache(Path(tmp) / "thumbs"), control=_NoControl(), sampling=sampling)
        try:
            raw = list(DECODERS.get(job.kind, decode_image)(replace(job, path=str(local)), ctx))
        except MediaError as exc:
            return [], str(exc)
    frames = [e for e in raw if isinstance(e, Frame)]
    vecs = enc.encode_preprocessed([f.tensor for f in frames]) if frames else []
    by_frame = iter(vecs)
    return [e._replace(tensor=None, vector=next(by_frame)) if isinstance(e, Frame) else e for e in raw], None


def _encoder(model: tuple[str, str | None], weights):
    from core.models.runtime.choose import open_encoder

    key = (model, None if weights is None else (weights[0], len(weights[1])))
    if key not in _worker_encoders:
        path = None
        if weights is not None:
            name, blob = weights
            path = Path(tempfile.mkdtemp(prefix="medialens-weights-")) / name
            path.write_bytes(blob)
        _worker_encoders[key] = open_encoder(model[0], pretrained=model[1], weights=path).load()
    return _worker_encoders[key]


class _NoControl:
    """The task runs to its end: a cancel on the library side drops its result instead."""

    cancelled = False
    paused = False

    def wait_if_paused(self) -> None:
        return None
