"""Indexing: scan the roots, decode photos and videos, embed them, write the catalog.

* `control`: Control (cancel/pause), Progress, IndexReport — what callers see.
* `decoders`: one decoder per media kind, in a plain dict (`DECODERS`).
* `pipeline`: the `Indexer` that runs a pass, with its single writer.
"""
