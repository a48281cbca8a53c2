"""The product runtime: exported ONNX models run with ONNX Runtime, without torch.

open_clip + torch stay the model layer (registry, weights, export, training, textual
inversion); `export` turns one of their models into a folder of ONNX files checked
against open_clip's own embeddings, and `encoder.OnnxEncoder` runs that folder with
Pillow, numpy, `tokenizers` and onnxruntime only. `manifest` says what a folder holds.

Importing this package (or `manifest`, `preprocess`, `encoder`) never imports torch.
"""
