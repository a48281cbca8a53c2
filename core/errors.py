"""Errors a user can act on.

Every failure that reaches a person (CLI or GUI) is a `MediaLensError`: one line
that says what went wrong and where, with no traceback. Anything else escaping
the engine is a bug.
"""

from __future__ import annotations


class MediaLensError(Exception):
    """A failure with a message fit to show a user as it is."""


class LibraryError(MediaLensError):
    """The library (catalog, index, roots) cannot be opened or changed as asked."""


class CatalogDamaged(LibraryError):
    """The catalog's pages are damaged: `medialens repair` can salvage it (the window offers to)."""


class ModelError(MediaLensError):
    """A model cannot be found, downloaded or loaded."""


class MediaError(MediaLensError):
    """One media file cannot be read; recorded against the file and skipped."""


class QueryError(MediaLensError):
    """A query is malformed: empty text, a missing file, a box outside the image."""
