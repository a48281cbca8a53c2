"""MediaLens engine: catalog, indexing pipeline, models and search.

Nothing here imports Qt, and importing this package is cheap: torch, open_clip
and PyAV are imported by the functions that need them, so the GUI can show its
window before the model layer loads.
"""

import os

__version__ = "0.1.0"

# ONNX Runtime (1.32 on Linux) sends usage events to mobile.events.data.microsoft.com: a DNS lookup
# within seconds of the first session, seen under strace in `medialens watch`. A private, local app makes
# no network calls it did not announce; `ort.disable_telemetry_events()` does not stop these, this
# variable does, and it must be set before onnxruntime loads: here, which every process (CLI, window,
# cluster workers) imports first. A user may still set it to 0.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
