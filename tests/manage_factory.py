"""Photos the managing tests make: EXIF capture dates, GPS positions, cameras and lenses written with piexif."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

from tests.media_factory import picture

LISBON = (38.7223, -9.1393)
SHANGHAI = (31.2304, 121.4737)
PORTO = (41.1579, -8.6291)


def _dms(value: float) -> tuple[tuple[int, int], ...]:
    value = abs(value)
    deg = int(value)
    minutes = int((value - deg) * 60)
    seconds = Fraction((value - deg - minutes / 60) * 3600).limit_denominator(1000)
    return (deg, 1), (minutes, 1), (seconds.numerator, seconds.denominator)


def exif_photo(path: Path, seed: int, taken: dt.datetime | None = None, gps: tuple[float, float] | None = None,
               make: str | None = None, model: str | None = None, lens: str | None = None) -> Path:
    """A distinct JPEG with the EXIF given (piexif writes it, as a camera would)."""
    import piexif

    zeroth, exif, gps_ifd = {}, {}, {}
    if make:
        zeroth[piexif.ImageIFD.Make] = make.encode()
    if model:
        zeroth[piexif.ImageIFD.Model] = model.encode()
    if taken:
        exif[piexif.ExifIFD.DateTimeOriginal] = taken.strftime("%Y:%m:%d %H:%M:%S").encode()
    if lens:
        exif[piexif.ExifIFD.LensModel] = lens.encode()
    if gps:
        lat, lon = gps
        gps_ifd = {piexif.GPSIFD.GPSLatitudeRef: b"N" if lat >= 0 else b"S", piexif.GPSIFD.GPSLatitude: _dms(lat),
                   piexif.GPSIFD.GPSLongitudeRef: b"E" if lon >= 0 else b"W", piexif.GPSIFD.GPSLongitude: _dms(lon)}
    blob = piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps_ifd})
    path.parent.mkdir(parents=True, exist_ok=True)
    picture(seed).save(path, "JPEG", exif=blob, quality=90)
    return path


def trip(folder: Path) -> dict[str, Path]:
    """Six photos: Lisbon in July 2023 (Pixel 7), Porto in July 2023 (Pixel 7), Shanghai in
    January 2024 (Canon with a lens), one with no metadata, and two more from Lisbon in 2022."""
    return {
        "lisbon_jul": exif_photo(folder / "lisbon_jul.jpg", 1, dt.datetime(2023, 7, 14, 18, 0), LISBON,
                                 "Google", "Pixel 7"),
        "porto_jul": exif_photo(folder / "porto_jul.jpg", 2, dt.datetime(2023, 7, 20, 9, 30), PORTO,
                                "Google", "Pixel 7"),
        "shanghai_jan": exif_photo(folder / "shanghai_jan.jpg", 3, dt.datetime(2024, 1, 5, 21, 0), SHANGHAI,
                                   "Canon", "Canon EOS R5", "RF24-105mm F4 L IS USM"),
        "plain": exif_photo(folder / "plain.jpg", 4),
        "lisbon_2022a": exif_photo(folder / "lisbon_2022a.jpg", 5, dt.datetime(2022, 5, 1, 12, 0), LISBON,
                                   "Apple", "iPhone 12"),
        "lisbon_2022b": exif_photo(folder / "lisbon_2022b.jpg", 6, dt.datetime(2022, 5, 2, 12, 0), LISBON,
                                   "Apple", "iPhone 12"),
    }
