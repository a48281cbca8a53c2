"""Helpers for the benchmark scripts (not collected by pytest)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def random_weights(model: str, folder: Path | None = None, seed: int = 0) -> Path:
    """Random weights of an open_clip architecture saved as safetensors (timing needs no training)."""
    import open_clip
    import torch
    from safetensors.torch import save_file

    folder = Path(folder or tempfile.mkdtemp(prefix="medialens-bench-"))
    path = folder / f"{model}-random.safetensors"
    if not path.exists():
        torch.manual_seed(seed)
        m = open_clip.create_model(model)
        save_file({k: v.contiguous() for k, v in m.state_dict().items()}, str(path))
    return path


def machine() -> str:
    import platform

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{platform.machine()}, {os.cpu_count()} cores, load {load:.2f}"


class Timer:
    def __enter__(self):
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.s = time.perf_counter() - self.t0
