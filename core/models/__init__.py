"""The model layer: which models there are, their weights, and the encoders that run them.

* `embed`: the registry of open_clip models and the lazily loaded torch `Encoder` (`BaseEncoder`'s API).
* `weights`: which registry model a weights file belongs to, read without torch.
* `hub`: can the model hub be reached at all (asked once, before a download).
* `runtime/`: the product runtime, exported ONNX models on ONNX Runtime without torch
  (`choose.open_encoder` picks the export or torch), and `runtime/cli.py`, the `models` subcommands.
* `model_configs/`: MediaLens's own model configs and reference prompts (data files).

Storage never imports this package; search and indexing do.
"""
