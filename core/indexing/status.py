"""What one read of a library says (`Library.status()`): typed and frozen, parsed once where it is read.

The window reads it on every status refresh (roots, counts, the rebuild's progress, failures) and the CLI
prints it; before, both read a dict by some thirty string keys, and a mistyped key read as "nothing".
`LibraryStatus.to_dict()` is the JSON `medialens status --json` writes, key for key as before (scripts
read it): `embedded_files` and `rebuild` appear only once something is indexed with the library's model.
The counts are the catalog's (`core.store`); this module only reads the settings of the optional stages.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from core.store.catalog import Catalog
    from core.store.catalog_people import PeopleStore

#: What `index` says before anything is indexed with the library's model.
NOTHING_INDEXED = "nothing indexed with this model yet"


@dataclass(frozen=True)
class TextStatus:
    """The words read in pictures (`core.indexing.ocr`)."""

    enabled: bool = False
    read: int = 0  # files read
    lines: int = 0
    pending: int = 0  # files still to read


@dataclass(frozen=True)
class SpeechStatus:
    """What is said in videos (`core.indexing.speech`) and their subtitles."""

    enabled: bool = False
    heard: int = 0  # videos heard
    lines: int = 0
    pending: int = 0  # videos still to hear
    engine: str = ""
    subtitled: int = 0  # videos with subtitle lines
    subtitle_lines: int = 0


@dataclass(frozen=True)
class FacesStatus:
    """The faces found (`core.indexing.faces`), and the people they are grouped into."""

    enabled: bool = False
    files: int = 0  # files looked at
    faces: int = 0
    people: int = 0
    pending: int = 0  # files still to look at


@dataclass(frozen=True)
class RebuildStatus:
    """A background rebuild of the vector file: searches are exact meanwhile."""

    reason: str
    done: int
    total: int


@dataclass(frozen=True)
class FailedFile:
    path: str
    reason: str


@dataclass(frozen=True)
class OutsideLink:
    """A folder link inside a library folder that leads outside every library folder."""

    link: str
    target: str


@dataclass(frozen=True)
class LibraryStatus:
    """Counts, the model, the vector file's health and the optional stages of one library.

    The defaults are a library not read yet (the window's before its library opens).
    """

    library: str = ""
    roots: tuple[str, ...] = ()
    model: str = ""  # the model described for people
    model_key: str = ""
    images: int = 0  # photos indexed
    videos: int = 0
    pending: int = 0  # files waiting to be indexed
    failed: int = 0
    items: int = 0  # photos and video frames embedded
    runtime: str = ""  # which runtime would encode, or why none can
    vectors: int = 0
    embedded_files: int | None = None  # None: nothing is indexed with the library's model yet
    index: str = NOTHING_INDEXED  # the vector file's health: "ok", "stale (…)", a rebuild's state
    rebuild: RebuildStatus | None = None
    text: TextStatus = TextStatus()
    speech: SpeechStatus = SpeechStatus()
    faces: FacesStatus = FacesStatus()
    failures: tuple[FailedFile, ...] = ()
    follow_outside_links: bool = True
    outside_links: dict[str, tuple[OutsideLink, ...]] = field(default_factory=dict)  # by library folder

    def to_dict(self) -> dict:
        """The JSON of `medialens status --json` (see the module docstring)."""
        out: dict = {"library": self.library, "roots": list(self.roots), "model": self.model,
                     "model_key": self.model_key, "images": self.images, "videos": self.videos,
                     "pending": self.pending, "failed": self.failed, "items": self.items, "runtime": self.runtime}
        if self.embedded_files is None:
            out.update(index=self.index, vectors=self.vectors)
        else:
            out.update(vectors=self.vectors, embedded_files=self.embedded_files, index=self.index)
            if self.rebuild is not None:
                out["rebuild"] = dataclasses.asdict(self.rebuild)
        out.update(text=dataclasses.asdict(self.text), speech=dataclasses.asdict(self.speech),
                   faces=dataclasses.asdict(self.faces),
                   failures=[dataclasses.asdict(f) for f in self.failures],
                   follow_outside_links=self.follow_outside_links,
                   outside_links={root: [dataclasses.asdict(x) for x in links]
                                  for root, links in self.outside_links.items()})
        return out


def text_status(catalog: Catalog) -> TextStatus:
    from core.indexing.ocr import ocr_enabled

    read, lines = catalog.ocr_counts()
    return TextStatus(ocr_enabled(catalog), read, lines, catalog.ocr_pending_count())


def speech_status(catalog: Catalog) -> SpeechStatus:
    from core.indexing import speech
    from core.store import catalog_speech

    heard, lines = catalog_speech.counts(catalog, speech.EXPERT)
    subtitled, subtitle_lines = catalog_speech.counts(catalog, "subtitle")
    return SpeechStatus(speech.speech_enabled(catalog), heard, lines,
                        len(catalog_speech.pending(catalog, speech.EXPERT)),
                        speech.choose_engine(catalog).name, subtitled, subtitle_lines)


def faces_status(store: PeopleStore) -> FacesStatus:
    from core.indexing.faces import faces_enabled

    files, faces, people = store.counts()
    return FacesStatus(faces_enabled(store.catalog), files, faces, people, store.pending_count())


def outside_links_status(catalog: Catalog) -> dict[str, tuple[OutsideLink, ...]]:
    from core.indexing.links import outside_links

    return {root: tuple(OutsideLink(link, target) for link, target in pairs)
            for root, pairs in outside_links(catalog).items()}
