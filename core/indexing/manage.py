"""Managing a library: ratings, favourites, tags, titles and albums set by the user, metadata read
from the files and their XMP sidecars, and places found from GPS.

The user's data is theirs: what they set goes to an XMP sidecar (`core.media.xmp`) that digiKam,
darktable, Lightroom and exiftool read, and only then to the catalog. The order makes a crash
harmless: a sidecar is replaced atomically, so a crash leaves the old sidecar or the new one; the
catalog records the sidecar's modification time with what it wrote, and the metadata stage
(`sync_metadata`, run after every index) re-reads any sidecar whose time differs. The sidecar
is the truth for what it holds. A damaged sidecar is never written: the file is named and
left out of that change.

Albums live in the catalog only (XMP has no album property other tools agree on).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.errors import LibraryError
from core.media.xmp import NAMINGS, SidecarError, XmpData, XmpDocument, existing_sidecar, read_sidecar, update_sidecar
from core.store.catalog import Catalog
from core.store.catalog_manage import AlbumRecord, FileMetaRecord, ManageCatalog, ReadTask

log = logging.getLogger(__name__)

#: Catalog settings: whether the user's changes go to sidecars ("on"/"off"), and their naming (`xmp.NAMINGS`).
SIDECARS_SETTING = "sidecars"
NAMING_SETTING = "sidecar_naming"
#: Files read per catalog transaction by the metadata stage.
BATCH = 200

_UNSET = object()


@dataclass
class EditReport:
    """What a change did: files changed, and (path, reason) of those left as they were."""

    changed: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class SyncReport:
    read: int = 0
    placed: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)


def clean_tag(tag: str) -> str:
    """A tag's stored form: levels split by "/" (or Lightroom's "|"), each trimmed, empty levels dropped."""
    return "/".join(p.strip() for p in re.split(r"[/|]", tag) if p.strip())


class Manager:
    """Ratings, favourites, tags, titles, captions and albums of one library's files."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.store = ManageCatalog(catalog)

    # ----- settings ---------------------------------------------------------------------------

    @property
    def writes_sidecars(self) -> bool:
        return self.catalog.get_setting(SIDECARS_SETTING, "on") == "on"

    @writes_sidecars.setter
    def writes_sidecars(self, on: bool) -> None:
        self.catalog.set_setting(SIDECARS_SETTING, "on" if on else "off")

    @property
    def naming(self) -> str:
        return self.catalog.get_setting(NAMING_SETTING, "full") or "full"

    @naming.setter
    def naming(self, naming: str) -> None:
        if naming not in NAMINGS:
            raise LibraryError(f"sidecar naming must be one of {', '.join(NAMINGS)}, not {naming!r}")
        self.catalog.set_setting(NAMING_SETTING, naming)

    # ----- changes ----------------------------------------------------------------------------

    def edit(self, file_ids: Iterable[int], *, rating=_UNSET, favourite=_UNSET, title=_UNSET, caption=_UNSET,
             add_tags: Sequence[str] = (), remove_tags: Sequence[str] = ()) -> EditReport:
        """Change some files' rating (0–5, None clears), favourite, title, caption or tags.

        Each file's sidecar is written first (when sidecars are on), then the catalog; a file whose
        sidecar is damaged or cannot be written is left unchanged and named in the report.
        """
        if rating is not _UNSET and rating is not None and not (isinstance(rating, int) and 0 <= rating <= 5):
            raise LibraryError(f"a rating is a whole number from 0 to 5, not {rating!r}")
        add = [clean_tag(t) for t in add_tags if clean_tag(t)]
        drop = {clean_tag(t).lower() for t in remove_tags if clean_tag(t)}
        ids = list(dict.fromkeys(file_ids))
        files = self.catalog.files(ids)
        missing = [i for i in ids if i not in files]
        if missing:
            raise LibraryError(f"no file with id {missing[0]} in the library")
        metas = self.store.metas(ids)
        report = EditReport()
        saved, values = [], {}
        sidecars = self.writes_sidecars
        for fid in ids:
            path = files[fid].path
            rec = metas[fid]
            if sidecars:
                try:
                    rec = self._with_sidecar_truth(path, rec)
                except SidecarError as exc:
                    report.problems.append((path, str(exc)))
                    continue
            new = replace(rec, tags=list(rec.tags))
            if rating is not _UNSET:
                new.rating = rating
            if favourite is not _UNSET:
                new.favourite = bool(favourite)
            if title is not _UNSET:
                new.title = title or None
            if caption is not _UNSET:
                new.caption = caption or None
            new.tags = [t for t in new.tags if t.lower() not in drop]
            new.tags += [t for t in add if t.lower() not in {x.lower() for x in new.tags}]
            if sidecars:
                try:
                    written = update_sidecar(path, lambda doc, r=new: doc.apply(_xmp_of(r)), self.naming)
                except SidecarError as exc:
                    report.problems.append((path, str(exc)))
                    continue
                values[fid] = {"sidecar": str(written), "sidecar_mtime_ns": written.stat().st_mtime_ns,
                               "sidecar_error": None}
            saved.append(new)
        self.store.save(saved, values)
        report.changed = len(saved)
        return report

    def _with_sidecar_truth(self, path: str, rec: FileMetaRecord) -> FileMetaRecord:
        """`rec` updated from the file's sidecar if that changed since the catalog last saw it."""
        sidecar = existing_sidecar(path)
        if sidecar is None:
            return rec
        mtime = sidecar.stat().st_mtime_ns
        if str(sidecar) == rec.sidecar and mtime == rec.sidecar_mtime_ns:
            return rec
        return _apply_xmp(rec, read_sidecar(sidecar))

    # ----- albums -----------------------------------------------------------------------------

    def albums(self) -> list[AlbumRecord]:
        return self.store.albums()

    def add_to_album(self, name: str, file_ids: Iterable[int]) -> int:
        return self.store.add_to_album(name, file_ids)

    def remove_from_album(self, name: str, file_ids: Iterable[int]) -> int:
        return self.store.remove_from_album(name, file_ids)

    def save_search(self, name: str, query: str | None, filters: dict | None) -> AlbumRecord:
        """A smart album: a search (text and filters, as `core.search.albums.filters_to_json` writes them)."""
        if not query and not filters:
            raise LibraryError("a smart album needs a search text or a filter")
        return self.store.create_album(name, query=query or None, filters=filters or {})

    def delete_album(self, name: str) -> None:
        self.store.delete_album(name)


def _xmp_of(rec: FileMetaRecord) -> XmpData:
    return XmpData(rating=rec.rating, tags=list(rec.tags), title=rec.title, caption=rec.caption,
                   favourite=rec.favourite)


def _apply_xmp(rec: FileMetaRecord, data: XmpData) -> FileMetaRecord:
    """`rec` with what `data` says (fields it does not hold stay as they were)."""
    return replace(rec, rating=data.rating if data.rating is not None else rec.rating,
                   favourite=data.favourite if data.favourite is not None else rec.favourite,
                   title=data.title if data.title is not None else rec.title,
                   caption=data.caption if data.caption is not None else rec.caption,
                   tags=[clean_tag(t) for t in data.tags] if data.tags or data.tags_said else list(rec.tags),
                   regions=data.regions if data.regions is not None else rec.regions)


# ----- reading at index time ------------------------------------------------------------------

_EXIF_IFD = 0x8769
_LENS_MODEL = 0xA434
_EXIF_RATING = 0x4746


def read_embedded(path: str | os.PathLike[str]) -> tuple[XmpData, str | None]:
    """A photo's own metadata: XMP, IPTC (keywords, title, caption) and EXIF (rating, lens).

    Returns what it says and the lens; a file that cannot be read says nothing.
    """
    from PIL import Image, IptcImagePlugin

    data, lens = XmpData(), None
    try:
        with Image.open(path) as img:
            packet = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp")
            if packet:
                with contextlib.suppress(ValueError):
                    data = XmpDocument.parse(packet).read()
            exif = img.getexif()
            if data.rating is None and exif.get(_EXIF_RATING) is not None:
                with contextlib.suppress(TypeError, ValueError):
                    data.rating = max(0, min(5, int(exif.get(_EXIF_RATING))))
            with contextlib.suppress(Exception):
                lens_value = exif.get_ifd(_EXIF_IFD).get(_LENS_MODEL)
                lens = str(lens_value).strip("\x00 ") or None if lens_value else None
            iptc = None
            with contextlib.suppress(Exception):
                iptc = IptcImagePlugin.getiptcinfo(img)
            if iptc:  # the XMP packet wins where both say something (it is what editors update)
                data = data.merged_over(XmpData(tags=_iptc_list(iptc.get((2, 25))),
                                                title=_iptc_text(iptc.get((2, 5))),
                                                caption=_iptc_text(iptc.get((2, 120)))))
    except (OSError, ValueError, SyntaxError):
        pass
    return data, lens


def _iptc_list(value) -> list[str]:
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [v.decode("utf-8", "replace").strip() for v in values if v and v.strip()]


def _iptc_text(value) -> str | None:
    found = _iptc_list(value)
    return found[0] if found else None


def _stat_sidecar(path: str) -> tuple[str, int] | None:
    sidecar = existing_sidecar(path)
    if sidecar is None:
        return None
    try:
        return str(sidecar), sidecar.stat().st_mtime_ns
    except OSError:
        return None


def sync_metadata(catalog: Catalog, cancelled: Callable[[], bool] = lambda: False) -> SyncReport:
    """Read the metadata of new and changed files and of changed sidecars; look up their places.

    A file's own metadata (XMP, IPTC, EXIF) comes first, its sidecar over it, and what the user
    set in MediaLens is kept where neither says anything. Resumable: each batch is committed with
    the modification times it read, so an interrupted run reads only what is left.
    """
    from core.media.places import places_for

    store = ManageCatalog(catalog)
    report = SyncReport()
    tasks = store.read_tasks(_stat_sidecar)
    for start in range(0, len(tasks), BATCH):
        if cancelled():
            break
        batch: list[ReadTask] = tasks[start:start + BATCH]
        metas = store.metas(t.file_id for t in batch)
        located = [t for t in batch if t.gps is not None]
        places = dict(zip((t.file_id for t in located), places_for([t.gps for t in located]), strict=True))
        records, values = [], {}
        for t in batch:
            rec = metas[t.file_id]
            row: dict = {"read_mtime_ns": t.mtime_ns, "sidecar": t.sidecar, "sidecar_mtime_ns": t.sidecar_mtime_ns,
                         "sidecar_error": None}
            if t.kind == "image":
                embedded, lens = read_embedded(t.path)
                rec = _apply_xmp(rec, embedded)
                row["lens"] = lens
            if t.sidecar:
                try:
                    rec = _apply_xmp(rec, read_sidecar(t.sidecar))
                except SidecarError as exc:
                    row["sidecar_error"] = str(exc)
                    report.problems.append((t.path, str(exc)))
            place = places.get(t.file_id)
            if place is not None:
                row.update(city=place.city, region=place.region, country=place.country,
                           country_code=place.country_code)
                report.placed += 1
            records.append(rec)
            values[t.file_id] = row
        store.save(records, values)
        report.read += len(batch)
    return report


def export_files(paths: Sequence[str], folder: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """Copy files into `folder` (a name already there gets " (2)", " (3)"...); (path, reason) of those not copied."""
    import shutil

    dest = Path(folder)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LibraryError(f"{dest}: cannot create the export folder ({exc.strerror})") from None
    problems = []
    for p in paths:
        src = Path(p)
        target = dest / src.name
        n = 2
        while target.exists():
            target = dest / f"{src.stem} ({n}){src.suffix}"
            n += 1
        try:
            shutil.copy2(src, target)
        except OSError as exc:
            problems.append((p, exc.strerror or str(exc)))
    return problems


def narrow_groups(groups: list, allowed: set[int]) -> list:
    """Groups of copies (files or repeated moments) with only the copies whose file is `allowed`;
    a group left with fewer than two copies goes."""
    out = []
    for g in groups:
        kept = [c for c in g.copies if c.file.id in allowed]
        if len(kept) >= 2:
            out.append(replace(g, copies=kept) if len(kept) < len(g.copies) else g)
    return out
