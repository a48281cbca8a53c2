"""Walking library folders.

The walk is iterative (no recursion limit), skips hidden and system folders,
follows folder symlinks once (loops are detected by device and inode), and
never stops on an unreadable entry: it records it and goes on. A folder that
could not be read is reported so the indexer does not sweep the files it
could not see (an unplugged drive must not empty the library); so are the
folders where another drive is mounted, so that one unmounted later keeps its files.

Everything passed over that a person might look for is listed with its reason:
broken links, link loops, folders reached twice, named pipes and other special
files, folders named like a photo. Folder links that lead outside the root are
followed (unless `follow_outside=False`) and listed in `outside_links`.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.media.image import MEDIA_EXTENSIONS, VIDEO_EXTENSIONS, sniff_kind

#: Folder names that hold system or application data, never a user's pictures.
SKIP_DIRS = {
    "$recycle.bin", "system volume information", "@eadir", "#recycle", "__macosx", "lost+found",
    "node_modules", "$windows.~bt", "$windows.~ws", ".thumbnails",
}
#: Extensions that are certainly not media: skipped without opening the file.
NON_MEDIA_EXTENSIONS = {
    ".xmp", ".json", ".aae", ".thm", ".txt", ".db", ".ini", ".ds_store", ".lnk", ".pdf", ".html", ".htm",
    ".xml", ".md", ".csv", ".zip", ".log", ".py", ".exe", ".dll", ".so", ".dylib", ".mp3", ".wav", ".flac",
    ".m4a", ".aac", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".srt", ".vtt", ".pp3",
    ".dop", ".on1", ".lrv", ".sqlite", ".tmp", ".part", ".crdownload", ".torrent",
}


@dataclass(frozen=True)
class FoundFile:
    path: str
    size: int
    mtime_ns: int
    kind: str  # best guess here; decoding confirms it from the content


@dataclass
class WalkResult:
    files: list[FoundFile] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    unreadable_dirs: list[str] = field(default_factory=list)
    outside_links: list[tuple[str, str]] = field(default_factory=list)  # (link, the folder outside it leads to)
    mounts: list[str] = field(default_factory=list)  # folders on another device than the one holding them


def _is_hidden(name: str, st: os.stat_result | None) -> bool:
    if name.startswith("."):
        return True
    attrs = getattr(st, "st_file_attributes", 0) if st is not None else 0
    return bool(attrs & (getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0) | getattr(stat, "FILE_ATTRIBUTE_SYSTEM", 0)))


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def guess_kind(path: str, name: str) -> str | None:
    """'image' / 'video' by extension, or by content for files without a telling extension."""
    ext = os.path.splitext(name)[1].lower()
    if ext in MEDIA_EXTENSIONS:
        return "video" if ext in VIDEO_EXTENSIONS else "image"
    if ext in NON_MEDIA_EXTENSIONS:
        return None
    try:
        return sniff_kind(path)
    except OSError:
        return None


_SPECIAL_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
                  (stat.S_ISBLK, "a device"))


def _special_kind(mode: int) -> str:
    return next((name for test, name in _SPECIAL_KINDS if test(mode)), "not a regular file")


def _unfollowable(entry: os.DirEntry, exc: OSError) -> str:
    """Why a link (or entry) cannot be followed, in words."""
    if entry.is_symlink():
        try:
            target = os.readlink(entry.path)
        except OSError:
            target = "?"
        if exc.errno == errno.ELOOP:
            return f"link loop: {target} leads back to itself"
        if exc.errno == errno.ENOENT:
            return f"broken link: its target {target} does not exist"
    return f"cannot be read: {_reason(exc)}"


def walk(root: str | os.PathLike[str], should_stop: Callable[[], bool] | None = None,
         on_found: Callable[[int], None] | None = None, follow_outside: bool = True) -> WalkResult:
    """All media files under `root`, with what could not be read or was passed over."""
    root = os.fspath(Path(root))
    try:
        st = os.stat(root)
    except OSError as exc:
        result = WalkResult()
        result.problems.append((root, f"folder cannot be read: {_reason(exc)}"))
        result.unreadable_dirs.append(root)
        return result
    walker = _Walker(root, st, on_found, follow_outside)
    while walker.stack or walker.linked:
        if should_stop and should_stop():
            break
        folder = walker.next_folder()
        if folder is not None:
            walker.read(folder)
    return walker.result


class _Walker:
    """One walk's state: the folders and files seen (by device and inode), the folders still to read.

    Folders reached through links wait until every real folder is walked, so a file's path is its real
    place (a link to a folder inside the root must not become the name its files are known by).
    """

    def __init__(self, root: str, st: os.stat_result, on_found: Callable[[int], None] | None,
                 follow_outside: bool):
        self.result = WalkResult()
        self.real_root = os.path.realpath(root)
        self.seen_dirs = {(st.st_dev, st.st_ino): root}
        self.devices = {root: st.st_dev}  # of each real folder walked: a child on another device is a mount point
        self.seen_files: set[tuple[int, int]] = set()
        self.stack: list[str] = [root]
        self.linked: list[tuple[str, tuple[int, int]]] = []
        self.on_found = on_found
        self.follow_outside = follow_outside

    def next_folder(self) -> str | None:
        """The next folder to read: real folders first, then one reached through a link (None: that folder
        was read already, under another name: said in the problems)."""
        if self.stack:
            return self.stack.pop()
        folder, ident = self.linked.pop()
        if ident not in self.seen_dirs:
            self.seen_dirs[ident] = folder
            return folder
        first = self.seen_dirs[ident]
        self.result.problems.append((folder, f"link loop: leads back to {first}" if under_any(folder, [first])
                                     else f"the same folder as {first}, indexed there"))
        return None

    def read(self, folder: str) -> None:
        result = self.result
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            result.problems.append((folder, f"folder cannot be read: {_reason(exc)}"))
            result.unreadable_dirs.append(folder)
            return
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
                st = entry.stat(follow_symlinks=True)
            except OSError as exc:
                result.problems.append((entry.path, _unfollowable(entry, exc)))
                continue
            if _is_hidden(entry.name, st):
                continue
            if is_dir:
                self._folder(folder, entry, st)
            else:
                self._file(entry, st)

    def _folder(self, parent: str, entry: os.DirEntry, st: os.stat_result) -> None:
        result = self.result
        if entry.name.lower() in SKIP_DIRS:
            return
        if os.path.splitext(entry.name)[1].lower() in MEDIA_EXTENSIONS:
            result.problems.append((entry.path, "a folder named like a media file: "
                                                "indexed as a folder, with what it holds"))
        ident = (st.st_dev, st.st_ino)
        if entry.is_symlink():
            target = os.path.realpath(entry.path)
            if not under_any(target, [self.real_root]):
                if not self.follow_outside:
                    result.problems.append((entry.path, f"link to {target}, outside the library "
                                                        f"folder: not followed (as set)"))
                    return
                result.outside_links.append((entry.path, target))
            self.linked.append((entry.path, ident))
        elif ident in self.seen_dirs:  # a folder mounted twice
            result.problems.append((entry.path, f"the same folder as {self.seen_dirs[ident]}, indexed there"))
        else:
            self.seen_dirs[ident] = entry.path
            if self.devices.get(parent, st.st_dev) != st.st_dev:
                result.mounts.append(entry.path)
            self.devices[entry.path] = st.st_dev
            self.stack.append(entry.path)

    def _file(self, entry: os.DirEntry, st: os.stat_result) -> None:
        result = self.result
        if not stat.S_ISREG(st.st_mode):
            result.problems.append((entry.path, f"not a file that can be indexed: {_special_kind(st.st_mode)}"))
            return
        kind = guess_kind(entry.path, entry.name)
        if kind is None:
            return
        ident = (st.st_dev, st.st_ino)
        if ident in self.seen_files and st.st_ino:
            return  # the same file reached through a link
        self.seen_files.add(ident)
        result.files.append(FoundFile(entry.path, st.st_size, st.st_mtime_ns, kind))
        if self.on_found and len(result.files) % 500 == 0:
            self.on_found(len(result.files))


def offline_mounts(known: list[str], mounted: list[str]) -> tuple[list[str], list[str]]:
    """(offline, still known) of the mount points a root had, given those a walk found mounted now.

    A drive mounted inside a library folder that is unmounted leaves its mount point missing
    or empty: its files are offline, not deleted, so the indexer must not sweep them. A mount
    point that is now an ordinary folder with something in it is no longer a drive's place:
    it is forgotten, and what was indexed from the drive is swept like any vanished file.
    """
    offline = []
    for folder in known:
        if folder in mounted:
            continue
        try:
            with os.scandir(folder) as it:
                empty = next(it, None) is None
        except OSError:  # missing (an automounter removes it) or unreadable
            empty = True
        if empty:
            offline.append(folder)
    return offline, sorted(set(mounted) | set(offline))


def under_any(path: str, folders: list[str]) -> bool:
    """Whether `path` lies inside one of `folders`."""
    return any(path == f or path.startswith(f.rstrip(os.sep) + os.sep) for f in folders)
