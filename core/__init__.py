"""MediaLens engine: catalog, indexing pipeline, models and search.

Nothing here imports Qt, and importing this package is cheap: torch, open_clip
and PyAV are imported by the functions that need them, so the GUI can show its
window before the model layer loads.
"""

__version__ = "0.1.0"
