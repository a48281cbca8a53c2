"""Named face regions in XMP, in the Metadata Working Group region format digiKam and Lightroom read
and write (`mwg-rs:Regions`: a bag of regions, each a name, the type "Face" and an area whose x, y
is the centre and w, h the size, as fractions of the picture).

A small, self-contained reader and writer (the standard library's XML parser): the XMP sidecar
module being built beside this one (branch `manage`, `core/xmp.py`) was not committed yet when this
was written; once it lands, `write_regions` should go through its `set_regions`, which keeps the
same format. Regions are read from a sidecar (`photo.jpg.xmp`, else `photo.xmp`) and from the XMP
packet inside the picture; they are written to the `photo.jpg.xmp` sidecar only (never the original),
atomically, replacing only the regions: every other property another tool wrote stays.
"""

from __future__ import annotations

import io
import os
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from core.errors import MediaLensError

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "mwg-rs": "http://www.metadataworkinggroup.com/schemas/regions/",
    "stArea": "http://ns.adobe.com/xmp/sType/Area#",
    "stDim": "http://ns.adobe.com/xap/1.0/sType/Dimensions#",
}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)
#: How far into a picture its embedded XMP packet is looked for (it sits in the first segments).
HEAD_BYTES = 1 << 18


def _q(prefix: str, name: str) -> str:
    return "{" + NS[prefix] + "}" + name


@dataclass(frozen=True)
class FaceRegion:
    """A named face: its centre and size as fractions of the picture's width and height."""

    name: str
    cx: float
    cy: float
    w: float
    h: float

    def box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The region in pixels of a `width` x `height` picture (left, top, right, bottom)."""
        return (round((self.cx - self.w / 2) * width), round((self.cy - self.h / 2) * height),
                round((self.cx + self.w / 2) * width), round((self.cy + self.h / 2) * height))

    @classmethod
    def of_box(cls, name: str, box: tuple[int, int, int, int], width: int, height: int) -> FaceRegion:
        x0, y0, x1, y1 = box
        return cls(name, round((x0 + x1) / 2 / width, 6), round((y0 + y1) / 2 / height, 6),
                   round((x1 - x0) / width, 6), round((y1 - y0) / height, 6))


def sidecar_path(media_path: str | os.PathLike[str]) -> Path:
    """Where MediaLens writes a picture's sidecar: beside it, "photo.jpg.xmp" (digiKam, darktable)."""
    p = Path(media_path)
    return p.with_name(p.name + ".xmp")


def _value(el: ET.Element, prefix: str, name: str) -> str | None:
    """A property written as an attribute or as a child element (both are valid RDF)."""
    v = el.get(_q(prefix, name))
    if v is None:
        child = el.find(_q(prefix, name))
        v = child.text if child is not None else None
    return v.strip() if v else None


def regions_in(root: ET.Element) -> list[FaceRegion]:
    """The named face regions in a parsed XMP tree."""
    out = []
    for desc in root.iter(_q("rdf", "Description")):
        kind, name = _value(desc, "mwg-rs", "Type"), _value(desc, "mwg-rs", "Name")
        area = desc.find(_q("mwg-rs", "Area"))
        if kind != "Face" or not name or area is None:
            continue
        try:
            values = [float(_value(area, "stArea", k) or "nan") for k in ("x", "y", "w", "h")]
        except ValueError:
            continue
        if all(0.0 <= v <= 1.0 for v in values) and values[2] > 0 and values[3] > 0:
            out.append(FaceRegion(name, *values))
    return out


def _packet(raw: bytes) -> bytes | None:
    start = raw.find(b"<x:xmpmeta")
    end = raw.find(b"</x:xmpmeta>", start)
    return raw[start:end + len(b"</x:xmpmeta>")] if start >= 0 and end > start else None


def read_regions(media_path: str | os.PathLike[str]) -> list[FaceRegion]:
    """Named face regions from the picture's sidecar, else from its embedded XMP; none when unreadable."""
    p = Path(media_path)
    candidates = [sidecar_path(p), p.with_suffix(".xmp")]
    for side in candidates:
        try:
            return regions_in(ET.fromstring(side.read_bytes()))
        except (OSError, ET.ParseError):
            continue
    try:
        with open(p, "rb") as f:
            packet = _packet(f.read(HEAD_BYTES))
        return regions_in(ET.fromstring(packet)) if packet else []
    except (OSError, ET.ParseError):
        return []


def write_regions(media_path: str | os.PathLike[str], regions: list[FaceRegion], size: tuple[int, int]) -> Path:
    """Replace the face regions in the picture's sidecar (made if missing); returns the sidecar's path.

    A sidecar that cannot be parsed is left alone: a `MediaLensError` names it.
    """
    side = sidecar_path(media_path)
    if side.exists():
        try:
            raw = side.read_bytes()
            for _, (prefix, uri) in ET.iterparse(io.BytesIO(raw), events=("start-ns",)):
                if prefix and not prefix.startswith("ns"):
                    ET.register_namespace(prefix, uri)  # other tools' prefixes are written back as they were
            root = ET.fromstring(raw)
        except ET.ParseError as exc:
            raise MediaLensError(f"{side}: the sidecar is not valid XMP ({exc}); left as it is") from None
    else:
        root = ET.Element(_q("x", "xmpmeta"))
        ET.SubElement(root, _q("rdf", "RDF"))
    rdf = root.find(_q("rdf", "RDF")) if root.tag != _q("rdf", "RDF") else root
    if rdf is None:
        rdf = ET.SubElement(root, _q("rdf", "RDF"))
    for desc in rdf.findall(_q("rdf", "Description")):
        for old in desc.findall(_q("mwg-rs", "Regions")):
            desc.remove(old)
    desc = rdf.find(_q("rdf", "Description"))
    if desc is None:
        desc = ET.SubElement(rdf, _q("rdf", "Description"), {_q("rdf", "about"): ""})
    block = ET.SubElement(desc, _q("mwg-rs", "Regions"), {_q("rdf", "parseType"): "Resource"})
    ET.SubElement(block, _q("mwg-rs", "AppliedToDimensions"),
                  {_q("stDim", "w"): str(size[0]), _q("stDim", "h"): str(size[1]), _q("stDim", "unit"): "pixel"})
    bag = ET.SubElement(ET.SubElement(block, _q("mwg-rs", "RegionList")), _q("rdf", "Bag"))
    for r in regions:
        li = ET.SubElement(bag, _q("rdf", "li"))
        d = ET.SubElement(li, _q("rdf", "Description"), {_q("mwg-rs", "Name"): r.name, _q("mwg-rs", "Type"): "Face"})
        ET.SubElement(d, _q("mwg-rs", "Area"), {_q("stArea", "x"): f"{r.cx:.6f}", _q("stArea", "y"): f"{r.cy:.6f}",
                                                 _q("stArea", "w"): f"{r.w:.6f}", _q("stArea", "h"): f"{r.h:.6f}",
                                                 _q("stArea", "unit"): "normalized"})
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    fd, tmp = tempfile.mkstemp(prefix=".medialens-", suffix=".xmp", dir=side.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, side)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return side
