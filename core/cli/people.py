"""`medialens people …` and `medialens search --person`: the people commands of the console.

Kept apart from `core.cli` (which only wires them in) so the people feature is one place to read.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from core.cli.output import shown_path, write_json

if TYPE_CHECKING:  # pragma: no cover
    from core.library import People

EXIT_OK = 0

ACTIONS = ("list", "show", "name", "merge", "split", "remove", "move", "hide", "unhide", "recluster", "xmp",
           "moments")


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    s = sub.add_parser(
        "people", parents=[common], help="the people found in photos and videos: list, name, merge, split…",
        description="People are faces grouped as the library is indexed with --faces. "
                    "list | show PERSON | name PERSON NAME | merge PERSON… INTO | split PERSON FACE… [--name N] | "
                    "remove PERSON FACE… | move FACE… PERSON | hide PERSON | unhide PERSON | recluster | "
                    "xmp [PERSON] | moments PERSON VIDEO-ID. A PERSON is a name or an id (#3).")
    s.add_argument("action", nargs="?", choices=ACTIONS, default="list")
    s.add_argument("args", nargs="*", metavar="ARG")
    s.add_argument("--name", help="split: the new person's name")
    s.add_argument("--hidden", action="store_true", help="list: hidden people too")
    s.add_argument("--json", action="store_true")


def add_search_arguments(search: argparse.ArgumentParser) -> None:
    search.add_argument("--person", action="append", default=[], metavar="NAME",
                        help="only photos and moments showing this person (repeat: together); same as "
                             "person:\"NAME\" in the query")
    search.add_argument("--without-person", action="append", default=[], metavar="NAME",
                        help="leave out photos showing this person; same as -person:\"NAME\"")


def query_text(args) -> str:
    """The search text with `--person` / `--without-person` written in as person: terms."""
    terms = [f'person:"{n}"' for n in args.person] + [f'-person:"{n}"' for n in args.without_person]
    return " ".join([*terms, args.query]).strip()


def _ints(values: list[str], what: str) -> list[int]:
    from core.errors import QueryError

    try:
        return [int(v.lstrip("#")) for v in values]
    except ValueError:
        raise QueryError(f"{what} are numbers (see `medialens people show PERSON`): {' '.join(values)}") from None


def _need(args, n: int, usage: str) -> None:
    from core.errors import QueryError

    if len(args.args) < n:
        raise QueryError(f"usage: medialens people {usage}")


def cmd_people(args, open_library) -> int:
    with open_library(args) as lib:
        _ACTIONS[args.action](lib.people, args)
    return EXIT_OK


def _list(people: People, args) -> None:
    found = people.list(include_hidden=args.hidden)
    if args.json:
        write_json([{"id": p.id, "name": p.name, "faces": p.faces, "files": p.files, "hidden": p.hidden}
                    for p in found], sys.stdout)
        return
    for p in found:
        label = p.name or "(no name)"
        hidden = "  hidden" if p.hidden else ""
        print(f"#{p.id:<5} {label:30} {p.faces:5} faces in {p.files} files{hidden}")
    c = people.counts()
    print(f"# {len(found)} people; {c.faces} faces in {c.files} files"
          + ("" if c.enabled else " (finding faces is off: medialens index --faces)"))


def _show(people: People, args) -> None:
    _need(args, 1, "show PERSON")
    p = people.person(args.args[0])
    faces = people.faces(p.id)
    if args.json:
        write_json({"id": p.id, "name": p.name, "faces": [
            {"face": f.id, "path": f.path, "file": f.file_id, "t_s": f.t_s, "box": list(f.box),
             "quality": f.quality, "confirmed": f.by_user} for f in faces]}, sys.stdout)
        return
    print(f"#{p.id} {p.name or '(no name)'}: {len(faces)} faces")
    for f in faces:
        at = f" at {f.t_s:.1f} s" if f.t_s is not None else ""
        print(f"  face {f.id:<6} {shown_path(f.path)}{at}  box {','.join(map(str, f.box))}  "
              f"quality {f.quality:.2f}" + ("  (confirmed)" if f.by_user else ""))


def _name(people: People, args) -> None:
    _need(args, 2, "name PERSON NAME")
    pid = people.name(args.args[0], " ".join(args.args[1:]))
    print(f"#{pid} is {people.person(pid).name}")


def _merge(people: People, args) -> None:
    _need(args, 2, "merge PERSON… INTO")
    pid = people.merge(args.args[:-1], args.args[-1])
    p = people.person(pid)
    print(f"merged into #{pid} {p.name or ''}: {p.faces} faces")


def _split(people: People, args) -> None:
    _need(args, 2, "split PERSON FACE… [--name NAME]")
    pid = people.split(args.args[0], _ints(args.args[1:], "faces"), args.name)
    print(f"new person #{pid} {args.name or ''}")


def _remove(people: People, args) -> None:
    _need(args, 2, "remove PERSON FACE…")
    people.remove_faces(args.args[0], _ints(args.args[1:], "faces"))
    print(f"removed {len(args.args) - 1} faces")


def _move(people: People, args) -> None:
    _need(args, 2, "move FACE… PERSON")
    people.move_faces(_ints(args.args[:-1], "faces"), args.args[-1])
    print(f"moved {len(args.args) - 1} faces")


def _hide(people: People, args) -> None:
    _need(args, 1, f"{args.action} PERSON")
    people.hide(args.args[0], args.action == "hide")


def _recluster(people: People, args) -> None:
    r = people.recluster()
    print(f"grouped again: {r.joined} faces joined people, {r.new_people} new people, {r.waiting} waiting")


def _xmp(people: People, args) -> None:
    written = people.write_xmp(args.args[0] if args.args else None)
    for path in written:
        print(shown_path(path))
    print(f"# {len(written)} sidecars written")


def _moments(people: People, args) -> None:
    _need(args, 2, "moments PERSON VIDEO-ID")
    spans = people.moments(args.args[0], _ints(args.args[1:2], "video ids")[0])
    if args.json:
        write_json([{"start_s": a, "end_s": b} for a, b in spans], sys.stdout)
        return
    for a, b in spans:
        print(f"{a:7.2f} – {b:7.2f} s")


#: What each `medialens people ACTION` does (the parser's choices are `ACTIONS`).
_ACTIONS: dict[str, Callable[[People, argparse.Namespace], None]] = {
    "list": _list, "show": _show, "name": _name, "merge": _merge, "split": _split, "remove": _remove,
    "move": _move, "hide": _hide, "unhide": _hide, "recluster": _recluster, "xmp": _xmp, "moments": _moments}
