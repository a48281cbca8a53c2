"""Native libraries that must load in a fixed order.

usearch's extension (2.26) carries its own static libstdc++; once it is loaded, importing
onnxruntime (1.32) kills the process (SIGSEGV in a `std::codecvt` facet while ORT's module
initialises), while the other order works. Whoever is about to load usearch calls
`load_onnxruntime_first()`: where ONNX Runtime is installed it is imported then (about 0.3 s,
once per process; the query path needs it anyway), so any later use of it is safe.
"""

from __future__ import annotations

import importlib.util
import sys


def load_onnxruntime_first() -> None:
    if "onnxruntime" in sys.modules or importlib.util.find_spec("onnxruntime") is None:
        return
    import onnxruntime  # noqa: F401
