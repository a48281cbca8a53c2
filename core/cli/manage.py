"""The managing commands (`rate`, `fav`, `tag`, `album`, `places`, `export`) and the filter flags every
search command shares (album, tag, rating, favourite, place, camera), with the search text's dates,
places and cameras understood (`core.search.understand`)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from core.cli.output import write_json
from core.errors import LibraryError


def _rating(value: str) -> int | None:
    if value.lower() in ("none", "clear", "-"):
        return None
    try:
        n = int(value)
    except ValueError:
        n = -1
    if not 0 <= n <= 5:
        raise argparse.ArgumentTypeError(f"a rating is 0 to 5 (or 'none' to clear), not {value!r}")
    return n


def _min_rating(value: str) -> int:
    n = _rating(value)
    if n is None:
        raise argparse.ArgumentTypeError("--rating needs a number from 0 to 5")
    return n


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    """The managing filters, on a parser that already has --kind/--folder/--from/--to."""
    parser.add_argument("--album", action="append", metavar="NAME",
                        help="only files in this album (a smart album: its search); repeat for any of several")
    parser.add_argument("--tag", action="append", metavar="TAG",
                        help="only files with this tag or one under it (Places/Portugal); repeat for all of several")
    parser.add_argument("--rating", type=_min_rating, metavar="N", help="only files rated N or more (0-5)")
    parser.add_argument("--favourite", "--fav", action="store_true", help="only favourites")
    parser.add_argument("--place", metavar="PLACE", help="only files taken in this city, region or country")
    parser.add_argument("--camera", metavar="NAME", help="only files whose camera make, model or lens has NAME")


def add_dated_filters(parser: argparse.ArgumentParser, date_type, folder_help: str = "only files under this folder",
                      kind: bool = True) -> None:
    """Every filter flag, for a command that has none yet (moments, duplicates)."""
    if kind:
        parser.add_argument("--kind", choices=["image", "video"], help="only photos or only videos")
    parser.add_argument("--folder", metavar="DIR", help=folder_help)
    parser.add_argument("--from", dest="date_from", type=date_type, metavar="DATE", help="taken on or after DATE")
    parser.add_argument("--to", dest="date_to", type=date_type, metavar="DATE", help="taken before DATE")
    add_filter_arguments(parser)


def filters_from_args(args, lib=None):
    """The `Filters` the command line asks for (albums resolved by the library)."""
    from core.library import Filters

    kind = getattr(args, "kind", None)
    filters = Filters(kinds=frozenset([kind]) if kind else None, folder=getattr(args, "folder", None),
                      date_from=getattr(args, "date_from", None), date_to=getattr(args, "date_to", None),
                      tags=tuple(args.tag) if getattr(args, "tag", None) else None,
                      min_rating=getattr(args, "rating", None),
                      favourite=True if getattr(args, "favourite", False) else None,
                      place=getattr(args, "place", None), camera=getattr(args, "camera", None))
    if getattr(args, "album", None):
        if lib is None:
            raise LibraryError("an album filter needs the library")
        filters = lib.album_filters(args.album, filters)
    return filters


def understood_query(lib, args, filters):
    """The search text with its dates, places and cameras taken out as filters (unless --literal).

    Says what was understood on one line ("# understood: July 2023 · place Lisbon"; on stderr
    with --json). Returns (text for the model, or "" when nothing is left, and the filters).
    """
    if getattr(args, "literal", False):
        return args.query, filters
    found = lib.understand(args.query)
    if not found.parts:
        return args.query, filters
    print(f"# understood: {found.line}" + (f" · searching for {found.text!r}" if found.text else ""),
          file=sys.stderr if getattr(args, "json", False) else sys.stdout)
    return found.text, found.filters(filters)


# ----- files named on the command line ---------------------------------------------------------

def resolve_files(lib, targets: list[str]) -> list[int]:
    """Library file ids of paths or ids; one clear error naming the first that is not in the library."""
    ids = []
    for t in targets:
        if t.isdigit() and not os.path.exists(t):
            rec = lib.catalog.file(int(t))
        else:
            rec = lib.catalog.file_by_path(str(Path(t).expanduser().resolve()))
        if rec is None:
            raise LibraryError(f"{t}: not in the library (index its folder first: medialens index FOLDER)")
        ids.append(rec.id)
    return ids


def _report(report, what: str) -> int:
    for path, reason in report.problems:
        print(f"medialens: {reason}" if path in reason else f"medialens: {path}: {reason}", file=sys.stderr)
    print(f"{what}: {report.changed} file{'s' if report.changed != 1 else ''}")
    return 1 if report.problems else 0


# ----- commands --------------------------------------------------------------------------------

def cmd_rate(args, open_library) -> int:
    with open_library(args) as lib:
        report = lib.manager.edit(resolve_files(lib, args.files), rating=args.stars)
        return _report(report, "rated " + ("(cleared)" if args.stars is None else "★" * args.stars or "0"))


def cmd_fav(args, open_library) -> int:
    with open_library(args) as lib:
        report = lib.manager.edit(resolve_files(lib, args.files), favourite=not args.off)
        return _report(report, "no longer favourites" if args.off else "favourites")


def cmd_tag(args, open_library) -> int:
    with open_library(args) as lib:
        if args.action == "list":
            tags = lib.manager.store.tags()
            if args.json:
                write_json([{"tag": t, "files": n} for t, n in tags], sys.stdout)
            for tag, n in [] if args.json else tags:
                depth = tag.count("/")
                print(f"{'  ' * depth}{tag.rsplit('/', 1)[-1]}  ({n})  [{tag}]")
            return 0
        if not args.tag or not args.files:
            raise LibraryError(f"`medialens tag {args.action}` needs a tag and files: "
                               f"medialens tag {args.action} Places/Portugal/Lisbon photo.jpg")
        ids = resolve_files(lib, args.files)
        if args.action == "add":
            return _report(lib.manager.edit(ids, add_tags=[args.tag]), f"tagged {args.tag!r}")
        return _report(lib.manager.edit(ids, remove_tags=[args.tag]), f"untagged {args.tag!r}")


def cmd_album(args, open_library) -> int:
    from core.library import filters_to_json

    with open_library(args) as lib:
        m = lib.manager
        if args.action == "list":
            albums = m.albums()
            if args.json:
                write_json([{"name": a.name, "files": a.count, "smart": a.smart, "query": a.query,
                             "filters": a.filters} for a in albums], sys.stdout)
                return 0
            for a in albums:
                print(f"{a.name}  (smart: {a.query or ''} {a.filters or ''})".rstrip() if a.smart
                      else f"{a.name}  ({a.count})")
            if not albums:
                print("# no albums yet: medialens album add NAME FILE...")
            return 0
        if not args.name:
            raise LibraryError(f"`medialens album {args.action}` needs an album name")
        if args.action == "add":
            n = m.add_to_album(args.name, resolve_files(lib, args.files))
            print(f"{args.name}: {n} added")
        elif args.action == "remove":
            n = m.remove_from_album(args.name, resolve_files(lib, args.files))
            print(f"{args.name}: {n} removed")
        elif args.action == "delete":
            m.delete_album(args.name)
            print(f"{args.name}: deleted (its files are kept)")
        else:  # save: a smart album
            m.save_search(args.name, args.query, filters_to_json(filters_from_args(args)))
            print(f"{args.name}: smart album saved")
    return 0


def cmd_places(args, open_library) -> int:
    with open_library(args) as lib:
        places = lib.manager.store.places()
    by_country: dict[str, list[tuple[str, int]]] = {}
    for country, city, n in places:
        by_country.setdefault(country, []).append((city, n))
    if args.json:
        write_json([{"country": c, "files": sum(n for _, n in cities),
                     "cities": [{"city": city, "files": n} for city, n in cities]}
                    for c, cities in by_country.items()], sys.stdout)
        return 0
    for country, cities in sorted(by_country.items(), key=lambda kv: -sum(n for _, n in kv[1])):
        print(f"{country}  ({sum(n for _, n in cities)})")
        for city, n in sorted(cities, key=lambda c: -c[1]):
            print(f"  {city}  ({n})")
    if not by_country:
        print("# no places yet: photos with GPS positions get one when indexed")
    return 0


def cmd_export(args, open_library) -> int:
    from core.library import export_files

    with open_library(args) as lib:
        ids = resolve_files(lib, args.files)
        files = lib.catalog.files(ids)
        if args.clip:
            from core.library import cut_clip

            if len(ids) != 1 or files[ids[0]].kind != "video":
                raise LibraryError("--clip cuts one video: give exactly one video file")
            start, end = args.clip
            out = cut_clip(files[ids[0]].path, start, end, args.to)
            print(f"{out}")
            return 0
        problems = export_files([files[i].path for i in ids], args.to)
    for path, reason in problems:
        print(f"medialens: {path}: not copied ({reason})", file=sys.stderr)
    print(f"copied {len(ids) - len(problems)} file(s) to {args.to}")
    return 1 if problems else 0


def cmd_sidecars(args, open_library) -> int:
    with open_library(args) as lib:
        m = lib.manager
        if args.naming:
            m.naming = args.naming
        if args.write is not None:
            m.writes_sidecars = args.write
        example = "photo.jpg.xmp" if m.naming == "full" else "photo.xmp"
        print(f"sidecars: {'written' if m.writes_sidecars else 'not written'}; named like {example}")
        for path, reason in m.store.sidecar_errors():
            print(f"# {path}: {reason}")
    return 0


def _seconds(value: str) -> float:
    try:
        parts = [float(p) for p in value.split(":")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time: {value!r} (seconds, or M:SS)") from None
    total = 0.0
    for p in parts:
        total = total * 60 + p
    if total < 0:
        raise argparse.ArgumentTypeError(f"a time cannot be negative: {value!r}")
    return total


def add_parsers(sub, common: argparse.ArgumentParser, date_type) -> None:
    s = sub.add_parser("rate", parents=[common], help="rate photos and videos 0-5 (kept in XMP sidecars)")
    s.add_argument("stars", type=_rating, help="0 to 5, or 'none' to clear")
    s.add_argument("files", nargs="+", metavar="FILE", help="library paths or ids")
    s = sub.add_parser("fav", parents=[common], help="mark favourites (or --off)")
    s.add_argument("files", nargs="+", metavar="FILE", help="library paths or ids")
    s.add_argument("--off", action="store_true", help="no longer favourites")
    s = sub.add_parser("tag", parents=[common], help="add, remove or list tags (hierarchical: Places/Portugal/Lisbon)")
    s.add_argument("action", choices=["add", "remove", "list"])
    s.add_argument("tag", nargs="?", help="the tag (levels split by /)")
    s.add_argument("files", nargs="*", metavar="FILE", help="library paths or ids")
    s.add_argument("--json", action="store_true", help="print JSON for scripts (list)")
    s = sub.add_parser("album", parents=[common], help="albums: list, add, remove, delete; save a smart album",
                       description="Albums hold files by hand (a file can be in many); a smart album is a saved "
                                   "search, e.g. medialens album save 'Lisbon sunsets' --query sunset --place Lisbon")
    s.add_argument("action", choices=["list", "add", "remove", "delete", "save"])
    s.add_argument("name", nargs="?", help="the album")
    s.add_argument("files", nargs="*", metavar="FILE", help="library paths or ids (add, remove)")
    s.add_argument("--query", help="save: the smart album's search text")
    s.add_argument("--json", action="store_true", help="print JSON for scripts (list)")
    add_dated_filters(s, date_type)
    s = sub.add_parser("sidecars", parents=[common], help="where ratings and tags are written; damaged sidecars",
                       description="What you set is written to an XMP sidecar beside each file (never the file "
                                   "itself): photo.jpg.xmp (digiKam, darktable) or photo.xmp (Lightroom).")
    s.add_argument("--naming", choices=["full", "stem"], help="full: photo.jpg.xmp (default); stem: photo.xmp")
    s.add_argument("--write", action=argparse.BooleanOptionalAction, default=None,
                   help="write sidecars (default) or keep what you set in the catalog only")
    s = sub.add_parser("places", parents=[common], help="where the photos were taken: countries, then cities")
    s.add_argument("--json", action="store_true", help="print JSON for scripts")
    s = sub.add_parser("export", parents=[common], help="copy files to a folder, or cut a video moment as a clip")
    s.add_argument("files", nargs="+", metavar="FILE", help="library paths or ids")
    s.add_argument("--to", required=True, metavar="DIR", help="the folder to copy into")
    s.add_argument("--clip", nargs=2, type=_seconds, metavar=("START", "END"),
                   help="cut this span of one video (seconds or M:SS) into its own file")


def commands(open_library) -> dict:
    def bind(fn):
        return lambda args: fn(args, open_library)

    return {"rate": bind(cmd_rate), "fav": bind(cmd_fav), "tag": bind(cmd_tag), "album": bind(cmd_album),
            "places": bind(cmd_places), "export": bind(cmd_export),
            "sidecars": bind(cmd_sidecars)}

