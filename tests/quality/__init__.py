"""Search quality measured with a small CLIP trained on a generated world (issue 6)."""
