"""XMP: what photo managers keep about a picture (rating, tags, title, caption, face regions), read from
a file's own metadata and from `.xmp` sidecars, and written to sidecars only.

Why our own reader and writer (the standard library's XML parser, no native library): the
alternatives are GPL (exiv2/pyexiv2, which an Apache-2.0 app cannot ship), a native library to
build and ship on three systems (Exempi behind python-xmp-toolkit), or a Perl program beside the
app (ExifTool). XMP in a sidecar is plain RDF/XML, and the few properties MediaLens writes have
fixed, documented forms; `tests/core/test_xmp_interop.py` proves both directions against
Debian's `exiftool` and `exiv2`.

The rules for a sidecar:
* Only the properties MediaLens owns are replaced (`xmp:Rating`, `dc:subject`,
  `lr:hierarchicalSubject`, `digiKam:TagsList`, `dc:title`, `dc:description`,
  `medialens:Favorite`, and `mwg-rs:Regions` for `set_regions`); everything else another tool
  wrote stays as it was.
* A write goes to a temporary file beside the sidecar, is flushed to disk and renamed over it:
  a crash leaves the old sidecar or the new one, never half of one.
* A sidecar that cannot be parsed is never overwritten: `SidecarError` names it.

Named face regions (digiKam's and Lightroom's `mwg-rs:Regions`) are read by the faces stage with
`read_regions` (sidecar, else the picture's own packet) and written with `set_regions(media_path, regions,
(w, h))` (or, with other properties, `update_sidecar(media_path, edit)` with an `edit` that calls
`XmpDocument.set_regions`).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import MediaLensError

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "lr": "http://ns.adobe.com/lightroom/1.0/",
    "digiKam": "http://www.digikam.org/ns/1.0/",
    "mwg-rs": "http://www.metadataworkinggroup.com/schemas/regions/",
    "stArea": "http://ns.adobe.com/xmp/sType/Area#",
    "stDim": "http://ns.adobe.com/xap/1.0/sType/Dimensions#",
    "medialens": "https://medialens.app/ns/1.0/",
}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)

_RDF = "{" + NS["rdf"] + "}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: How far into a picture its embedded XMP packet is looked for (it sits in the first segments).
HEAD_BYTES = 1 << 18
#: How a photo's sidecar is named: "photo.jpg.xmp" (darktable, digiKam) or "photo.xmp" (Lightroom).
NAMINGS = ("full", "stem")


class SidecarError(MediaLensError):
    """A sidecar that cannot be read or written; the message names it."""


def _q(prefix: str, name: str) -> str:
    return "{" + NS[prefix] + "}" + name


@dataclass
class XmpData:
    """What MediaLens reads from XMP (None / empty: not said)."""

    rating: int | None = None
    tags: list[str] = field(default_factory=list)  # hierarchical with "/", e.g. "Places/Portugal/Lisbon"
    title: str | None = None
    caption: str | None = None
    favourite: bool | None = None
    regions: str | None = None  # the raw mwg-rs:Regions element, for the faces stage
    #: the tags were said, maybe as none (an empty bag: every tag removed), which is not the same as silence
    tags_said: bool = False

    def merged_over(self, base: XmpData) -> XmpData:
        """This data where it says something, `base` elsewhere (a sidecar over the file's own XMP)."""
        return XmpData(
            rating=self.rating if self.rating is not None else base.rating,
            tags=self.tags if self.tags or self.tags_said else base.tags,
            tags_said=self.tags_said or base.tags_said,
            title=self.title if self.title is not None else base.title,
            caption=self.caption if self.caption is not None else base.caption,
            favourite=self.favourite if self.favourite is not None else base.favourite,
            regions=self.regions if self.regions is not None else base.regions,
        )


@dataclass(frozen=True)
class FaceRegion:
    """An MWG face region: centre and size as fractions of the upright picture, and a name (or none)."""

    x: float
    y: float
    w: float
    h: float
    name: str | None = None

    def box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The region in pixels of a `width` x `height` picture (left, top, right, bottom)."""
        return (round((self.x - self.w / 2) * width), round((self.y - self.h / 2) * height),
                round((self.x + self.w / 2) * width), round((self.y + self.h / 2) * height))

    @classmethod
    def of_box(cls, name: str | None, box: tuple[int, int, int, int], width: int, height: int) -> FaceRegion:
        x0, y0, x1, y1 = box
        return cls(round((x0 + x1) / 2 / width, 6), round((y0 + y1) / 2 / height, 6),
                   round((x1 - x0) / width, 6), round((y1 - y0) / height, 6), name)


def sidecar_path(media_path: str | os.PathLike[str], naming: str = "full") -> Path:
    """Where a file's sidecar is written: `photo.jpg.xmp` ("full") or `photo.xmp` ("stem")."""
    p = Path(media_path)
    if naming not in NAMINGS:
        raise SidecarError(f"unknown sidecar naming {naming!r}: use one of {', '.join(NAMINGS)}")
    return p.with_name(p.name + ".xmp") if naming == "full" else p.with_suffix(".xmp")


def existing_sidecar(media_path: str | os.PathLike[str]) -> Path | None:
    """The sidecar a file already has, either naming ("photo.jpg.xmp" first), or None."""
    for naming in NAMINGS:
        p = sidecar_path(media_path, naming)
        if p.is_file():
            return p
    return None


class XmpDocument:
    """An XMP packet as an element tree, with typed access to the properties MediaLens reads and writes."""

    def __init__(self, root: ET.Element):
        self.root = root
        rdf = root if root.tag == _RDF + "RDF" else root.find(_RDF + "RDF")
        if rdf is None:
            raise ValueError("no rdf:RDF element")
        self.rdf = rdf

    @classmethod
    def new(cls) -> XmpDocument:
        root = ET.Element(_q("x", "xmpmeta"))
        rdf = ET.SubElement(root, _RDF + "RDF")
        ET.SubElement(rdf, _RDF + "Description", {_RDF + "about": ""})
        return cls(root)

    @classmethod
    def parse(cls, data: bytes | str) -> XmpDocument:
        """Parse a packet or a sidecar; ValueError with the parser's reason when it is not XMP."""
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if re.search(rb"<!(DOCTYPE|ENTITY)", raw):
            raise ValueError("it declares a DOCTYPE or entities, which XMP never does")
        start = raw.find(b"<")
        if start < 0:
            raise ValueError("no XML in it")
        try:
            root = _parse_keeping_prefixes(_without_packet_wrapper(raw[start:]))
        except ET.ParseError as exc:
            raise ValueError(str(exc)) from None
        return cls(root)

    def descriptions(self) -> list[ET.Element]:
        return self.rdf.findall(_RDF + "Description")

    def _first_description(self) -> ET.Element:
        found = self.descriptions()
        return found[0] if found else ET.SubElement(self.rdf, _RDF + "Description", {_RDF + "about": ""})

    # ----- reading ---------------------------------------------------------------------------

    def _simple(self, tag: str) -> str | None:
        for d in self.descriptions():
            if tag in d.attrib:
                return d.attrib[tag]
            el = d.find(tag)
            if el is not None and el.text is not None and len(el) == 0:
                return el.text.strip()
        return None

    def _items(self, tag: str) -> list[str] | None:
        """The entries of an array property (Bag, Seq or Alt); a simple value as one entry."""
        for d in self.descriptions():
            el = d.find(tag)
            if el is not None:
                lis = el.findall(f"./*/{_RDF}li")
                if lis:
                    return [li.text.strip() for li in lis if li.text and li.text.strip()]
                if el.text and el.text.strip():
                    return [el.text.strip()]
                return []  # an empty array: said, and none
            if tag in d.attrib:
                return [d.attrib[tag]]
        return None

    def _alt_text(self, tag: str) -> str | None:
        for d in self.descriptions():
            el = d.find(tag)
            if el is None:
                continue
            lis = el.findall(f"./{_RDF}Alt/{_RDF}li")
            for li in lis:
                if li.get(_XML_LANG) == "x-default" and li.text:
                    return li.text
            if lis and lis[0].text:
                return lis[0].text
            if el.text and el.text.strip():
                return el.text.strip()
        return None

    def read(self) -> XmpData:
        data = XmpData()
        rating = self._simple(_q("xmp", "Rating"))
        if rating is not None:
            with contextlib.suppress(ValueError):
                data.rating = max(0, min(5, round(float(rating))))  # -1 ("rejected") reads as 0
        said = [self._items(_q(p, name)) for p, name in (("lr", "hierarchicalSubject"), ("digiKam", "TagsList"),
                                                          ("dc", "subject"))]
        hierarchical = [t.replace("|", "/") for t in said[0] or []]
        hierarchical += [t for t in said[1] or [] if t not in hierarchical]
        leaves = {t.rsplit("/", 1)[-1] for t in hierarchical} | {p for t in hierarchical for p in t.split("/")}
        flat = [t for t in said[2] or [] if t not in leaves]
        data.tags = _unique(hierarchical + flat)
        data.tags_said = any(items is not None for items in said)
        data.title = self._alt_text(_q("dc", "title"))
        data.caption = self._alt_text(_q("dc", "description"))
        fav = self._simple(_q("medialens", "Favorite"))
        if fav is not None:
            data.favourite = fav.strip().lower() == "true"
        for d in self.descriptions():
            regions = d.find(_q("mwg-rs", "Regions"))
            if regions is not None:
                data.regions = ET.tostring(regions, encoding="unicode")
                break
        return data

    def face_regions(self) -> list[FaceRegion]:
        """The named face regions (`mwg-rs:Regions`; each property an attribute or a child element, both valid
        RDF); regions without a name, of another type or outside the picture are left out."""
        out = []
        for desc in self.root.iter(_RDF + "Description"):
            kind, name = _value(desc, _q("mwg-rs", "Type")), _value(desc, _q("mwg-rs", "Name"))
            area = desc.find(_q("mwg-rs", "Area"))
            if kind != "Face" or not name or area is None:
                continue
            try:
                x, y, w, h = (float(_value(area, _q("stArea", k)) or "nan") for k in ("x", "y", "w", "h"))
            except ValueError:
                continue
            if all(0.0 <= v <= 1.0 for v in (x, y, w, h)) and w > 0 and h > 0:
                out.append(FaceRegion(x, y, w, h, name))
        return out

    # ----- writing ---------------------------------------------------------------------------

    def _remove(self, tag: str) -> None:
        for d in self.descriptions():
            d.attrib.pop(tag, None)
            for el in d.findall(tag):
                d.remove(el)

    def _set_simple(self, tag: str, value: str | None) -> None:
        self._remove(tag)
        if value is not None:
            ET.SubElement(self._first_description(), tag).text = value

    def _set_array(self, tag: str, kind: str, values: Iterable[str], keep_empty: bool = False) -> None:
        self._remove(tag)
        values = list(values)
        if values or keep_empty:
            container = ET.SubElement(ET.SubElement(self._first_description(), tag), _RDF + kind)
            for v in values:
                ET.SubElement(container, _RDF + "li").text = v

    def _set_alt(self, tag: str, value: str | None) -> None:
        self._remove(tag)
        if value:
            alt = ET.SubElement(ET.SubElement(self._first_description(), tag), _RDF + "Alt")
            ET.SubElement(alt, _RDF + "li", {_XML_LANG: "x-default"}).text = value

    def set_rating(self, rating: int | None) -> None:
        self._set_simple(_q("xmp", "Rating"), None if rating is None else str(int(rating)))

    def set_tags(self, tags: Iterable[str]) -> None:
        """Hierarchical tags as Lightroom (`lr:hierarchicalSubject`, "|") and digiKam (`TagsList`, "/")
        write them, and their leaves as `dc:subject`, which every other tool reads."""
        tags = _unique(t.strip("/") for t in tags if t.strip("/"))
        # An empty dc:subject says "no tags" (every one removed here), which a reader must not take for silence.
        self._set_array(_q("dc", "subject"), "Bag", _unique(t.rsplit("/", 1)[-1] for t in tags), keep_empty=True)
        nested = [t for t in tags if "/" in t]
        self._set_array(_q("lr", "hierarchicalSubject"), "Bag", [t.replace("/", "|") for t in nested])
        self._set_array(_q("digiKam", "TagsList"), "Seq", nested)

    def set_title(self, title: str | None) -> None:
        self._set_alt(_q("dc", "title"), title)

    def set_caption(self, caption: str | None) -> None:
        self._set_alt(_q("dc", "description"), caption)

    def set_favourite(self, favourite: bool | None) -> None:
        self._set_simple(_q("medialens", "Favorite"), None if favourite is None else ("True" if favourite else "False"))

    def set_regions(self, regions: Iterable[FaceRegion], size: tuple[int, int]) -> None:
        """MWG face regions (`mwg-rs:Regions`, as digiKam, Lightroom and Picasa write them), replacing any."""
        self._remove(_q("mwg-rs", "Regions"))
        regions = list(regions)
        if not regions:
            return
        info = ET.SubElement(self._first_description(), _q("mwg-rs", "Regions"), {_RDF + "parseType": "Resource"})
        ET.SubElement(info, _q("mwg-rs", "AppliedToDimensions"), {
            _q("stDim", "w"): str(size[0]), _q("stDim", "h"): str(size[1]), _q("stDim", "unit"): "pixel"})
        bag = ET.SubElement(ET.SubElement(info, _q("mwg-rs", "RegionList")), _RDF + "Bag")
        for r in regions:
            li = ET.SubElement(bag, _RDF + "li")
            desc = ET.SubElement(li, _RDF + "Description")
            if r.name:
                desc.set(_q("mwg-rs", "Name"), r.name)
            desc.set(_q("mwg-rs", "Type"), "Face")
            ET.SubElement(desc, _q("mwg-rs", "Area"), {
                _q("stArea", "x"): f"{r.x:.6f}", _q("stArea", "y"): f"{r.y:.6f}", _q("stArea", "w"): f"{r.w:.6f}",
                _q("stArea", "h"): f"{r.h:.6f}", _q("stArea", "unit"): "normalized"})

    def apply(self, data: XmpData) -> None:
        """Write every property `data` holds (the catalog's view of one file)."""
        self.set_rating(data.rating)
        self.set_tags(data.tags)
        self.set_title(data.title)
        self.set_caption(data.caption)
        self.set_favourite(data.favourite or None)

    def to_bytes(self) -> bytes:
        ET.indent(self.root, space=" ")
        body = ET.tostring(self.root, encoding="unicode")
        return ("<?xpacket begin=\"\ufeff\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n" + body
                + "\n<?xpacket end=\"w\"?>\n").encode("utf-8")


def _parse_keeping_prefixes(raw: bytes) -> ET.Element:
    """Parse, registering the packet's own namespace prefixes so a rewrite keeps them ("darktable:",
    not "ns0:"); a prefix MediaLens already uses for another namespace keeps MediaLens's meaning."""
    parser = ET.XMLPullParser(events=("start-ns",))
    parser.feed(raw)
    parser.close()
    taken = set(NS) | {"xml"}
    for _event, (prefix, uri) in parser.read_events():
        if prefix and prefix not in taken and not re.fullmatch(r"ns\d+", prefix):
            ET.register_namespace(prefix, uri)
    return ET.fromstring(raw)


def _without_packet_wrapper(raw: bytes) -> bytes:
    return re.sub(rb"<\?xpacket[^>]*\?>", b"", raw).strip()


def _value(el: ET.Element, tag: str) -> str | None:
    v = el.get(tag)
    if v is None:
        child = el.find(tag)
        v = child.text if child is not None else None
    return v.strip() if v else None


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for it in items:
        seen.setdefault(it, None)
    return list(seen)


def read_sidecar(path: str | os.PathLike[str]) -> XmpData:
    """The XMP data of a sidecar file; SidecarError naming it when it is damaged or unreadable."""
    return _load(Path(path)).read()


def _load(path: Path) -> XmpDocument:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SidecarError(f"{path}: cannot read the sidecar ({exc.strerror})") from None
    try:
        return XmpDocument.parse(raw)
    except ValueError as exc:
        raise SidecarError(f"{path}: damaged XMP sidecar ({exc}); MediaLens leaves it as it is — "
                           f"repair or remove it to save changes to this file") from None


def update_sidecar(media_path: str | os.PathLike[str], edit: Callable[[XmpDocument], None],
                   naming: str = "full") -> Path:
    """Apply `edit` to a file's sidecar (its existing one, whichever naming; else a new one named by
    `naming`) and write it atomically; returns the sidecar's path.

    A damaged sidecar raises SidecarError and stays untouched.
    """
    path = existing_sidecar(media_path) or sidecar_path(media_path, naming)
    doc = _load(path) if path.exists() else XmpDocument.new()
    edit(doc)
    write_atomically(path, doc.to_bytes())
    return path


def read_regions(media_path: str | os.PathLike[str]) -> list[FaceRegion]:
    """Named face regions from the picture's sidecar, else from the XMP packet inside it; none when unreadable."""
    side = existing_sidecar(media_path)
    if side is not None:
        with contextlib.suppress(SidecarError):
            return _load(side).face_regions()
    try:
        with open(media_path, "rb") as f:
            head = f.read(HEAD_BYTES)
    except OSError:
        return []
    start = head.find(b"<x:xmpmeta")
    end = head.find(b"</x:xmpmeta>", start)
    if start < 0 or end < start:
        return []
    try:
        return XmpDocument.parse(head[start:end + len(b"</x:xmpmeta>")]).face_regions()
    except ValueError:
        return []


def set_regions(media_path: str | os.PathLike[str], regions: Iterable[FaceRegion], size: tuple[int, int],
                naming: str = "full") -> Path:
    """Write MWG face regions into a file's sidecar (replacing its regions, keeping all else)."""
    regions = list(regions)
    return update_sidecar(media_path, lambda doc: doc.set_regions(regions, size), naming)


def write_atomically(path: Path, data: bytes) -> None:
    """`data` into `path` through a flushed temporary file renamed over it: all or nothing.

    The new file's modification time is later than the old one's: the catalog tells a changed sidecar by its
    time (`core.indexing.manage`), and the kernel stamps files from a coarse clock (a tick of 1–4 ms), so two
    writes within one tick, or after the clock stepped back, would look like one — and a kill between the
    second write and its catalog commit would leave the catalog believing the older sidecar.
    """
    try:
        before = path.stat().st_mtime_ns
    except OSError:
        before = None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            stamped = os.fstat(fh.fileno())
            if before is not None and stamped.st_mtime_ns <= before:
                os.utime(fh.fileno(), ns=(stamped.st_atime_ns, before + 1000))
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise SidecarError(f"{path}: cannot write the sidecar ({exc.strerror})") from None
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return  # a system (Windows) that cannot open folders: the rename is as durable as it gets
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
