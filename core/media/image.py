"""Reading media: recognising files by content, decoding images, metadata, thumbnails.

Decoding is where indexing spends its CPU besides the model, so images are
decoded at reduced scale when the model needs only a few hundred pixels
(JPEG `draft` mode: the DCT is decoded at 1/2, 1/4 or 1/8 scale). The draft
scale is chosen so that both sides stay at least `min_side` pixels, so the
model's own resize still downsamples; `tests/bench/decode.py` measures the
embedding difference against full decoding.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import MediaError

#: Larger images are refused: decoding them could exhaust memory (decompression bombs).
MAX_PIXELS = 250_000_000
#: Files up to this size are hashed whole; larger ones by size and sampled chunks.
FULL_HASH_LIMIT = 32 * 1024 * 1024
_HASH_CHUNK = 1024 * 1024

IMAGE_EXTENSIONS = {
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".gif", ".bmp", ".dib", ".tif", ".tiff",
    ".heic", ".heif", ".hif", ".avif", ".jp2", ".j2k", ".jpx", ".pnm", ".pbm", ".pgm", ".ppm", ".tga",
    ".ico",
}
VIDEO_EXTENSIONS = {
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".wmv", ".mpg", ".mpeg", ".m2ts", ".mts", ".ts",
    ".3gp", ".flv", ".ogv",
}
MEDIA_EXTENSIONS = IMAGE_EXTENSIONS | VIDEO_EXTENSIONS

_pillow_ready = threading.Lock()
_pillow_configured = False


def _configure_pillow() -> None:
    """Register HEIF/AVIF and set the decompression-bomb limit, once, on first use."""
    global _pillow_configured
    if _pillow_configured:
        return
    with _pillow_ready:
        if _pillow_configured:
            return
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        # Pillow warns about odd EXIF, palette transparency and large images; MediaLens
        # reports problems per file instead. `catch_warnings` is not thread-safe, so the
        # filter is set once here rather than around each decode.
        warnings.filterwarnings("ignore", module=r"PIL\..*")
        warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
        try:
            import pillow_heif

            pillow_heif.register_heif_opener()
        except ImportError:  # pragma: no cover - a hard dependency; tolerated for a broken install
            pass
        _pillow_configured = True


# ----- recognising media ----------------------------------------------------------------------

def sniff_kind(path: str | os.PathLike[str], head: bytes | None = None) -> str | None:
    """'image', 'video' or None, from the file's first bytes (not its name).

    Uses `filetype`'s signatures; formats it does not know (PNM, TGA…) are
    confirmed by letting Pillow identify the header.
    """
    import filetype

    if head is None:
        with open(path, "rb") as fh:
            head = fh.read(8192)
    if not head:
        return None
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime.startswith("image/"):
            return "image"
        if kind.mime.startswith("video/"):
            return "video"
        return None
    if Path(path).suffix.lower() in IMAGE_EXTENSIONS:
        _configure_pillow()
        try:
            with Image.open(io.BytesIO(head) if len(head) < 8192 else path):
                return "image"
        except Exception:
            return None
    return None


def content_hash(path: str | os.PathLike[str], size: int | None = None, data: bytes | None = None) -> str:
    """A content fingerprint that lets a moved or renamed file keep its vectors.

    Small files are hashed whole; large ones (videos) by their size and three
    1 MiB samples, so a fingerprint never costs reading gigabytes.
    """
    h = hashlib.blake2b(digest_size=20)
    if data is not None:
        h.update(data)
        return h.hexdigest()
    if size is None:
        size = os.stat(path).st_size
    with open(path, "rb") as fh:
        if size <= FULL_HASH_LIMIT:
            while chunk := fh.read(_HASH_CHUNK):
                h.update(chunk)
        else:
            h.update(b"sampled:%d:" % size)
            for offset in (0, max(0, size // 2 - _HASH_CHUNK // 2), max(0, size - _HASH_CHUNK)):
                fh.seek(offset)
                h.update(fh.read(_HASH_CHUNK))
    return h.hexdigest()


# ----- metadata -------------------------------------------------------------------------------

@dataclass
class ImageInfo:
    """What the catalog records about an image, beside the pixels."""

    format: str | None
    width: int
    height: int
    taken_at: dt.datetime | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    frames: int = 1


_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_DATETIME_ORIGINAL = 0x9003
_DATETIME_DIGITIZED = 0x9004
_DATETIME = 0x0132
_MAKE = 0x010F
_MODEL = 0x0110
_ORIENTATION = 0x0112


def _parse_exif_datetime(value) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    value = value.strip().rstrip("\x00")
    for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d %H:%M"):
        try:
            return dt.datetime.strptime(value[:19], fmt)
        except ValueError:
            continue
    return None


def _gps_coord(values, ref) -> float | None:
    try:
        d, m, s = (float(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    coord = d + m / 60.0 + s / 3600.0
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    if isinstance(ref, str) and ref.strip().upper() in ("S", "W"):
        coord = -coord
    return coord


def _clean_text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.strip().strip("\x00").strip()
    return value[:64] or None


def read_exif(img: Image.Image) -> dict:
    """Capture time, camera and GPS position from EXIF, where present and sane."""
    out: dict = {}
    try:
        exif = img.getexif()
    except Exception:
        return out
    if not exif:
        return out
    try:
        sub = exif.get_ifd(_EXIF_IFD)
    except Exception:
        sub = {}
    taken = (_parse_exif_datetime(sub.get(_DATETIME_ORIGINAL)) or _parse_exif_datetime(sub.get(_DATETIME_DIGITIZED))
             or _parse_exif_datetime(exif.get(_DATETIME)))
    if taken:
        out["taken_at"] = taken
    make, model = _clean_text(exif.get(_MAKE)), _clean_text(exif.get(_MODEL))
    if make:
        out["camera_make"] = make
    if model:
        out["camera_model"] = model
    try:
        gps = exif.get_ifd(_GPS_IFD)
    except Exception:
        gps = {}
    if gps and 2 in gps and 4 in gps:
        lat, lon = _gps_coord(gps.get(2), gps.get(1)), _gps_coord(gps.get(4), gps.get(3))
        if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0, 0):
            out["gps_lat"], out["gps_lon"] = lat, lon
    return out


# ----- decoding -------------------------------------------------------------------------------

def _describe(exc: BaseException) -> str:
    if isinstance(exc, UnidentifiedImageError):
        return "not a recognised image format"
    if isinstance(exc, Image.DecompressionBombError):
        return f"image too large to decode safely (over {MAX_PIXELS // 1_000_000} megapixels)"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    text = str(exc).strip() or type(exc).__name__
    if "truncated" in text.lower():
        return "the image data is truncated (incomplete file)"
    return text


def check_regular_file(path: str | os.PathLike[str]) -> None:
    """Refuse what is not a plain file before opening it: reading a named pipe blocks for ever, a device
    never ends (the scan passes both over; a path given on the command line gets the same check)."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise MediaError(f"cannot be read: {(exc.strerror or str(exc)).lower()}") from None
    if not stat.S_ISREG(mode):
        kind = ("a named pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
        raise MediaError(f"not a file that can be read as a picture: {kind}")


def load_image(source: str | os.PathLike[str] | bytes, min_side: int | None = None) -> tuple[Image.Image, ImageInfo]:
    """Decode an image as upright RGB, at reduced scale when `min_side` allows.

    `min_side`: the smallest size both sides may be decoded at (JPEG draft). None
    decodes at full resolution. Raises `MediaError` with a readable reason.
    """
    _configure_pillow()
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    if not isinstance(source, bytes | bytearray):
        check_regular_file(source)
    try:
        img = Image.open(stream)
        w, h = img.size
        if w <= 0 or h <= 0:
            raise MediaError("the image has no pixels")
        if w * h > MAX_PIXELS:
            raise MediaError(f"image too large to decode safely ({w}×{h} pixels)")
        fmt = img.format
        frames = getattr(img, "n_frames", 1)
        meta = read_exif(img)
        orientation = img.getexif().get(_ORIENTATION, 1)
        if min_side and fmt == "JPEG":
            img.draft("RGB", (min_side, min_side))
        img.load()
        img = ImageOps.exif_transpose(img)
        if img.mode != "RGB":
            img = _to_rgb(img)
    except MediaError:
        raise
    except Exception as exc:
        raise MediaError(_describe(exc)) from None
    if orientation in (5, 6, 7, 8):
        w, h = h, w
    return img, ImageInfo(format=fmt, width=w, height=h, frames=frames, **meta)


def _to_rgb(img: Image.Image) -> Image.Image:
    """RGB on white for images with transparency (icons, PNG cut-outs), plain convert otherwise."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        bg = Image.new("RGB", rgba.size, (255, 255, 255))
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        img = img.point(lambda v: v / 256).convert("L")
    return img.convert("RGB")


# ----- thumbnails -----------------------------------------------------------------------------

THUMB_SIZE = 320


class ThumbnailCache:
    """Thumbnails on disk keyed by content hash (a moved file keeps its thumbnail).

    Written once at index time from the already-decoded pixels, read by the GUI's
    loader threads; files are small WebP so a 100k library costs a few GB at most.
    """

    def __init__(self, folder: Path, size: int = THUMB_SIZE):
        self.folder = Path(folder)
        self.size = size

    def path_for(self, key: str, suffix: str = "") -> Path:
        return self.folder / key[:2] / f"{key}{suffix}.webp"

    def has(self, key: str, suffix: str = "") -> bool:
        return self.path_for(key, suffix).exists()

    def put(self, key: str, img: Image.Image, suffix: str = "") -> Path:
        target = self.path_for(key, suffix)
        target.parent.mkdir(parents=True, exist_ok=True)
        thumb = img.copy()
        thumb.thumbnail((self.size, self.size), Image.Resampling.LANCZOS)
        tmp = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        thumb.save(tmp, "WEBP", quality=80, method=2)
        os.replace(tmp, target)
        return target

    def remove_orphans(self) -> int:
        """Temporary thumbnails (`KEY.PID.TID.tmp`) of processes killed mid-write (`core.tempfiles`)."""
        from core.tempfiles import pid_field, remove_orphans

        return remove_orphans(self.folder.glob("*/*.tmp"), lambda t: pid_field(t.name, -3))

    def get_or_make(self, key: str, path: str | os.PathLike[str]) -> Path:
        """The thumbnail, decoding the original if it is not cached yet."""
        target = self.path_for(key)
        if not target.exists():
            img, _ = load_image(path, min_side=self.size)
            self.put(key, img)
        return target
