"""Media the tests make: distinct pictures, broken files, files with EXIF."""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageDraw


def picture(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A distinct picture per seed: a coloured background with a few shapes."""
    rng = random.Random(seed)
    img = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    w, h = size
    for _ in range(6):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        x1, y1 = x0 + rng.randrange(20, w // 2), y0 + rng.randrange(20, h // 2)
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
    return img


def write_pictures(folder: Path, n: int, start: int = 0, fmt: str = "JPEG", ext: str = ".jpg") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        p = folder / f"pic_{i:05d}{ext}"
        picture(i).save(p, fmt, quality=90) if fmt == "JPEG" else picture(i).save(p, fmt)
        paths.append(p)
    return paths


def jpeg_with_exif(path: Path, seed: int, taken: dt.datetime | None = None, make: str | None = None,
                   model: str | None = None, orientation: int | None = None,
                   gps: tuple[float, float] | None = None, size: tuple[int, int] = (320, 240)) -> Path:
    img = picture(seed, size)
    exif = Image.Exif()
    if make:
        exif[0x010F] = make
    if model:
        exif[0x0110] = model
    if orientation:
        exif[0x0112] = orientation
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if gps:
        lat, lon = gps

        def dms(v: float):
            v = abs(v)
            d = int(v)
            m = int((v - d) * 60)
            s = round(((v - d) * 60 - m) * 60, 4)
            return (float(d), float(m), float(s))

        g = exif.get_ifd(0x8825)
        g[1] = "N" if lat >= 0 else "S"
        g[2] = dms(lat)
        g[3] = "E" if lon >= 0 else "W"
        g[4] = dms(lon)
    img.save(path, "JPEG", exif=exif.tobytes(), quality=90)
    return path


def truncated_jpeg(path: Path, seed: int = 7) -> Path:
    picture(seed).save(path, "JPEG", quality=90)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def huge_png_header(path: Path, width: int = 100_000, height: int = 100_000) -> Path:
    """A tiny PNG whose header claims an enormous image (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path
