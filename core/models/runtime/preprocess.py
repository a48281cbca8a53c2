"""open_clip's inference image transform with Pillow and numpy only (no torch, no torchvision).

open_clip builds `Resize → CenterCrop → RGB → ToTensor → Normalize` (resize mode "shortest"),
`ResizeKeepRatio(longest) → CenterCropOrPad` ("longest") or a plain `Resize((h, w))`
("squash"). On a PIL image every geometric step of torchvision is a Pillow call
(`Image.resize` with the same filter, `Image.crop`, `ImageOps.expand`), so doing the same
calls with the same sizes gives the same pixels; the arithmetic after it (÷255, −mean, ÷std
in float32) gives the same bits. `tests/core/test_onnx_runtime.py` checks that against
open_clip's own transform on real photos of every shape.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps

from core.errors import ModelError
from core.models.runtime.manifest import ImageConfig

_FILTERS = {"bicubic": Image.Resampling.BICUBIC, "bilinear": Image.Resampling.BILINEAR}


def _resize_shortest(img: Image.Image, side: int, resample: int) -> Image.Image:
    """torchvision `Resize(side)`: the shorter edge to `side`, the longer one scaled and truncated."""
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = side, int(side * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    if (new_w, new_h) == (w, h):
        return img
    return img.resize((new_w, new_h), resample)


def _resize_keep_ratio(img: Image.Image, size: tuple[int, int], longest: float, resample: int) -> Image.Image:
    """open_clip's `ResizeKeepRatio` (inference: no random scale or aspect)."""
    w, h = img.size
    ratio_h, ratio_w = h / size[0], w / size[1]
    ratio = max(ratio_h, ratio_w) * longest + min(ratio_h, ratio_w) * (1.0 - longest)
    new_h, new_w = round(h / ratio), round(w / ratio)
    if (new_w, new_h) == (w, h):
        return img
    return img.resize((new_w, new_h), resample)


def _center_crop_or_pad(img: Image.Image, size: tuple[int, int], fill: int) -> Image.Image:
    """torchvision `center_crop` (fill 0) and open_clip's `center_crop_or_pad`: pad when short, then crop."""
    crop_h, crop_w = size
    w, h = img.size
    if crop_w > w or crop_h > h:
        left = (crop_w - w) // 2 if crop_w > w else 0
        top = (crop_h - h) // 2 if crop_h > h else 0
        right = (crop_w - w + 1) // 2 if crop_w > w else 0
        bottom = (crop_h - h + 1) // 2 if crop_h > h else 0
        colour = fill if img.mode in ("L", "P", "I", "F", "1") else (fill,) * len(img.getbands())
        img = ImageOps.expand(img, border=(left, top, right, bottom), fill=colour)
        w, h = img.size
        if (w, h) == (crop_w, crop_h):
            return img
    top = round((h - crop_h) / 2.0)
    left = round((w - crop_w) / 2.0)
    return img.crop((left, top, left + crop_w, top + crop_h))


class ImageTransform:
    """One PIL image to the model's input, a float32 array (3, H, W); safe from any thread."""

    def __init__(self, cfg: ImageConfig):
        if cfg.resize_mode not in ("shortest", "longest", "squash"):
            raise ModelError(f"unknown resize mode {cfg.resize_mode!r} in the exported model's manifest")
        self.cfg = cfg
        self.size = (int(cfg.size[0]), int(cfg.size[1]))
        self.resample = _FILTERS.get(cfg.interpolation, Image.Resampling.BICUBIC)
        self.mean = np.asarray(cfg.mean, np.float32).reshape(3, 1, 1)
        self.std = np.asarray(cfg.std, np.float32).reshape(3, 1, 1)

    def geometry(self, img: Image.Image) -> Image.Image:
        h, w = self.size
        mode = self.cfg.resize_mode
        if mode == "squash":
            return img.resize((w, h), self.resample) if img.size != (w, h) else img
        if mode == "longest":
            img = _resize_keep_ratio(img, self.size, 1.0, self.resample)
            return _center_crop_or_pad(img, self.size, self.cfg.fill_color)
        if h == w:
            img = _resize_shortest(img, h, self.resample)
        else:  # open_clip's ResizeKeepRatio here keeps its own default filter (bicubic)
            img = _resize_keep_ratio(img, self.size, 0.0, Image.Resampling.BICUBIC)
        return _center_crop_or_pad(img, self.size, 0)

    def __call__(self, img: Image.Image) -> np.ndarray:
        rgb = self.geometry(img).convert("RGB")
        x = np.asarray(rgb, dtype=np.uint8).astype(np.float32) / np.float32(255.0)
        x = x.transpose(2, 0, 1)
        return np.ascontiguousarray((x - self.mean) / self.std, dtype=np.float32)
