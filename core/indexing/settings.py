"""How an index run goes (`IndexSettings`): parsed once, where the caller names them, then passed whole.

Before, an `options` dict went from the window's host through the library, its index runs, the `Indexer`
and the decoders down to the video `Sampling` (and into the model switch and the Ray cluster's tasks), each
layer popping the keys it knew: a mistyped key was ignored, and a bad frame rate failed every video of a
run. Now the facade turns the keywords of `Library.index` (and a library's defaults) into this frozen
value at once; a bad value or an unknown name is one clear line before anything runs.

`None` means "not said": a run's settings fall back to the library's (`over`), the optional stages to
what the library remembers (`IndexRuns`), the rest to the `Indexer`'s and `Sampling`'s own defaults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.errors import LibraryError
from core.media.video import Sampling, check_index_options


@dataclass(frozen=True)
class IndexSettings:
    fps: float | None = None  # video frames sampled per second (`core.media.video.Sampling`)
    decode: str | None = None  # the video decode strategy
    dedup: bool | None = None  # False: embed every sample, even one that looks like the last
    batch_size: int | None = None  # images per model batch
    workers: int | None = None  # decoder threads
    cluster: str | None = None  # decode and embed on a Ray cluster at this address ("local": this machine)
    #: the optional stages: True or False turns one on or off (the library remembers it); None keeps it
    ocr: bool | None = None
    speech: bool | None = None
    speech_model: str | None = None  # a faster-whisper model folder for the speech stage (remembered)
    faces: bool | None = None

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> IndexSettings:
        """Settings from keywords (`Library.index(fps=2)`, the window's config); unknown names and values
        that make no sense raise `LibraryError`."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - names)
        if unknown:
            raise LibraryError(f"unknown index setting {unknown[0]!r}; known: {', '.join(sorted(names))}")
        return cls(**options)

    def __post_init__(self) -> None:
        check_index_options(self._video())  # fps, decode, dedup: a typo fails here, not on every video

    def over(self, defaults: IndexSettings) -> IndexSettings:
        """These settings where said, `defaults` (the library's) elsewhere."""
        said = {f.name: v for f in dataclasses.fields(self) if (v := getattr(self, f.name)) is not None}
        return dataclasses.replace(defaults, **said)

    @property
    def sampling(self) -> Sampling:
        """How frames are taken from videos (checked by `parse`)."""
        return Sampling.from_options(self._video())

    def _video(self) -> dict[str, Any]:
        return {"fps": self.fps, "decode": self.decode, "dedup": self.dedup}
