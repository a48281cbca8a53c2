"""The `medialens` command's headless subcommands (index, search, similar, compose, moments, …).

The console entry point is `desktop_app.launcher:main`: it hands every subcommand
here and opens the window itself for none (or `gui`), so nothing in `core`
imports the GUI. `main(argv, open_window=…)` takes the window as a callable.

Errors a user can act on print one line (`medialens: error: …`) and exit 1;
usage mistakes exit 2 (argparse); Ctrl-C exits 130. Tracebacks are for bugs only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence

from core import __version__
from core.errors import MediaLensError

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _date(value: str) -> dt.datetime:
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"not a date: {value!r} (use YYYY-MM-DD)")


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {value}")
    return n


def _fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(0.0, seconds)
    h, rem = divmod(round(seconds), 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--library", metavar="DIR",
                        help="library folder (default: $MEDIALENS_HOME or the user-data folder)")
    common.add_argument("--model", metavar="NAME", help="model name (see `medialens models`)")
    common.add_argument("--weights", metavar="PATH", help="a local weights file for the model (offline use)")
    common.add_argument("--device", metavar="DEV", help="auto (default), cpu, cuda or mps")
    common.add_argument("-v", "--verbose", action="store_true", help="log what happens")

    results = argparse.ArgumentParser(add_help=False)
    results.add_argument("-n", type=_positive, default=20, metavar="N", help="how many results (default 20)")
    results.add_argument("--offset", type=int, default=0, metavar="K", help="skip the first K results (paging)")
    results.add_argument("--json", action="store_true", help="print a JSON list for scripts")
    results.add_argument("--kind", choices=["image", "video"], help="only photos or only videos")
    results.add_argument("--folder", metavar="DIR", help="only files under this folder")
    results.add_argument("--from", dest="date_from", type=_date, metavar="DATE", help="taken on or after DATE")
    results.add_argument("--to", dest="date_to", type=_date, metavar="DATE", help="taken before DATE")
    results.add_argument("--exact", action="store_true", help="compare with every vector (no ANN)")

    p = argparse.ArgumentParser(
        prog="medialens", description="Find things inside your photos and videos by meaning.",
        epilog="Run without a command to open the MediaLens window.",
    )
    p.add_argument("--version", action="version", version=f"medialens {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("index", parents=[common], help="index folders (added to the library)")
    s.add_argument("folders", nargs="*", metavar="FOLDER", help="folders to add and index (default: all)")
    s.add_argument("--workers", type=_positive, help="decoder threads")
    s.add_argument("--batch-size", type=_positive, help="images per model batch")
    s.add_argument("--json", action="store_true", help="print the summary as JSON")
    s.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    s.add_argument("--fps", type=_fps, metavar="F", help="video frames sampled per second (default 1)")
    s.add_argument("--cluster", metavar="ADDRESS",
                   help="decode and embed on a Ray cluster: ray://HOST:PORT, or 'local' (needs medialens[cluster])")

    s = sub.add_parser("search", parents=[common, results], help="search by text")
    s.add_argument("query", help="what to look for, e.g. \"dog on a beach\"; -word or -\"a phrase\" avoids things")

    s = sub.add_parser("similar", parents=[common, results], help="find look-alikes of an image")
    s.add_argument("target", help="an image file (inside or outside the library) or a library id")
    s.add_argument("--at", dest="t_s", type=float, metavar="SECONDS", help="for a video: the frame at this time")

    s = sub.add_parser("status", parents=[common], help="library folders, counts, model, index health")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("models", parents=[common], help="the models MediaLens can use")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("roots", parents=[common], help="list, add or remove library folders")
    s.add_argument("action", nargs="?", choices=["list", "add", "remove"], default="list")
    s.add_argument("folder", nargs="?")

    _add_moments_parser(sub, common)
    _add_compose_arguments(sub, common, results)
    sub.add_parser("gui", parents=[common], help="open the window (the default)")
    return p


def _open_library(args):
    from core.library import Library

    return Library(args.library, model=args.model, weights=args.weights, device=args.device)


def _filters(args):
    from core.search.engine import Filters

    return Filters(kinds=frozenset([args.kind]) if args.kind else None, folder=args.folder,
                   date_from=args.date_from, date_to=args.date_to)


def _print_hits(hits, as_json: bool, out=None, explain: Callable | None = None) -> None:
    """Results as lines (or JSON); `explain(hit)` adds each photo's best-matching region.

    `out` defaults to the sys.stdout of the moment (not of import), so redirection works.
    """
    out = out or sys.stdout
    if as_json:
        rows = []
        for h in hits:
            d = h.to_json()
            e = explain(h) if explain else None
            if e is not None:
                d["explain"] = {"box": list(e.box), "score": round(e.score, 5)}
            rows.append(d)
        json.dump(rows, out, indent=1, ensure_ascii=False)
        out.write("\n")
        return
    if not hits:
        print("no results", file=out)
        return
    for h in hits:
        if h.start_s is not None:  # a video moment: where it is, for a player to jump to
            print(f"{h.path}  {_fmt_time(h.start_s)}–{_fmt_time(h.end_s)}  {h.score:.3f}", file=out)
        else:
            print(f"{h.score:6.3f}  {h.path}  [id {h.file.id}]", file=out)
        e = explain(h) if explain else None
        if e is not None:
            print(f"        best region {','.join(map(str, e.box))}  ({e.score:.3f})", file=out)


class _ProgressBar:
    """Adapts the core's progress callbacks to a tqdm bar on stderr."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bar = None
        self.phase = None

    def __call__(self, p) -> None:
        if self.quiet:
            return
        from tqdm import tqdm

        if p.phase != self.phase:
            if self.bar is not None:
                self.bar.close()
            self.phase = p.phase
            if p.phase == "scan":
                self.bar = tqdm(desc="scanning", unit=" files", file=sys.stderr, leave=False)
            elif p.phase == "embed":
                self.bar = tqdm(desc="indexing", total=p.files_total, unit=" files", file=sys.stderr,
                                dynamic_ncols=True)
            else:
                self.bar = None
        if self.bar is None:
            return
        if p.phase == "scan":
            self.bar.n = p.found
        else:
            self.bar.total = p.files_total
            self.bar.n = p.files_done
            extra = {"failed": p.failed}
            if p.video_s_done:
                extra["video"] = _fmt_time(p.video_s_done) + (f"/{_fmt_time(p.video_s_total)}"
                                                              if p.video_s_total else "")
            self.bar.set_postfix(extra, refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def cmd_index(args) -> int:
    from core.indexing.control import Control

    lib = _open_library(args)
    bar = _ProgressBar(args.quiet or args.json or (not sys.stderr.isatty() and not args.verbose))
    control = Control()
    try:
        report = lib.index(args.folders or None, progress=bar, control=control,
                           workers=args.workers, batch_size=args.batch_size, fps=args.fps, cluster=args.cluster)
    except KeyboardInterrupt:
        control.cancel()
        raise
    finally:
        bar.close()
        lib.close()
    if args.json:
        d = {k: getattr(report, k) for k in ("found", "new", "changed", "moved", "removed", "unchanged",
                                              "indexed", "frames", "video_seconds", "cancelled", "elapsed_s")}
        d["failed"] = [{"path": p, "reason": r} for p, r in report.failed]
        d["problems"] = [{"path": p, "reason": r} for p, r in report.problems]
        print(json.dumps(d, indent=1, ensure_ascii=False))
        return EXIT_OK
    rate = report.indexed / report.embed_s if report.embed_s > 0 and report.indexed else 0
    print(f"indexed {report.indexed}, unchanged {report.unchanged}, failed {len(report.failed)} "
          f"({report.new} new, {report.changed} changed, {report.moved} moved, {report.removed} removed) "
          f"in {report.elapsed_s:.1f} s" + (f", {rate:.1f} files/s" if rate else ""))
    if report.video_seconds:
        print(f"video: {_fmt_time(report.video_seconds)} indexed, {report.frames} frames")
    for path, reason in report.failed:
        print(f"  failed: {path}: {reason}")
    for path, reason in report.problems:
        print(f"  skipped: {path}: {reason}")
    return EXIT_OK


def cmd_search(args) -> int:
    from core.search.query import text_query

    with _open_library(args) as lib:
        hits = lib.search(args.query, n=args.n, offset=args.offset, filters=_filters(args),
                          exact=True if args.exact else None)
        _print_hits(hits, args.json, explain=_explainer(lib, args, lambda ctx: text_query(ctx, args.query)))
    return EXIT_OK


def cmd_similar(args) -> int:
    from core.search.query import similar_query

    with _open_library(args) as lib:
        hits = lib.similar(args.target, n=args.n, offset=args.offset, filters=_filters(args), t_s=args.t_s,
                           exact=True if args.exact else None, box=args.box)
        _print_hits(hits, args.json,
                    explain=_explainer(lib, args, lambda ctx: similar_query(ctx, args.target, args.t_s, args.box)))
    return EXIT_OK


def cmd_status(args) -> int:
    with _open_library(args) as lib:
        st = lib.status()
    if args.json:
        print(json.dumps(st, indent=1, ensure_ascii=False))
        return EXIT_OK
    print(f"library:  {st['library']}")
    print("folders:  " + (", ".join(st["roots"]) if st["roots"] else "(none yet: medialens index FOLDER)"))
    print(f"model:    {st['model']}")
    print(f"files:    {st['images']} photos, {st['videos']} videos, {st['pending']} pending, {st['failed']} failed")
    print(f"vectors:  {st['vectors']} ({st['items']} items)")
    print(f"index:    {st['index']}")
    if st["failures"]:
        print("failed files:")
        for f in st["failures"]:
            print(f"  {f['path']}: {f['reason']}")
    return EXIT_OK


def cmd_models(args) -> int:
    with _open_library(args) as lib:
        infos = lib.models()
    if args.json:
        print(json.dumps([{"name": i.spec.name, "pretrained": i.spec.pretrained, "params_m": i.spec.params_m,
                           "download_mb": i.spec.download_mb, "dim": i.spec.dim, "quality": i.spec.quality,
                           "notes": i.spec.notes, "installed": i.installed, "active": i.active} for i in infos],
                         indent=1))
        return EXIT_OK
    for i in infos:
        mark = "*" if i.active else " "
        state = "installed" if i.installed else ("local file" if i.spec.pretrained is None else "download")
        print(f"{mark} {i.spec.name:28} {i.spec.pretrained or '-':24} {i.spec.params_m:5d}M params "
              f"{i.spec.download_mb:6d} MB  {state:10}  {i.spec.quality}; {i.spec.notes}")
    return EXIT_OK


def cmd_roots(args) -> int:
    with _open_library(args) as lib:
        if args.action in ("add", "remove") and not args.folder:
            raise MediaLensError(f"`medialens roots {args.action}` needs a FOLDER")
        if args.action == "add":
            print(lib.add_root(args.folder))
        elif args.action == "remove":
            lib.remove_root(args.folder)
        else:
            for r in lib.roots():
                print(r)
    return EXIT_OK


# ----- video moments ------------------------------------------------------------------------------

def _fps(value: str) -> float:
    try:
        fps = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 < fps <= 60:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 60: {value}")
    return fps


def _add_moments_parser(sub, common: argparse.ArgumentParser) -> None:
    s = sub.add_parser("moments", parents=[common], help="the best moments of videos for a text",
                       description="Where in your videos something happens: the best moments across the "
                                   "library, or inside one video with --video.")
    s.add_argument("query", help="what happens, e.g. \"people arm wrestling\"")
    s.add_argument("--video", metavar="PATH", help="only inside this video (a library path or id)")
    s.add_argument("-n", type=_positive, default=10, metavar="K", help="how many moments (default 10)")
    s.add_argument("--json", action="store_true", help="print a JSON list for scripts")
    s.add_argument("--folder", metavar="DIR", help="only videos under this folder")
    s.add_argument("--from", dest="date_from", type=_date, metavar="DATE", help="taken on or after DATE")
    s.add_argument("--to", dest="date_to", type=_date, metavar="DATE", help="taken before DATE")


def cmd_moments(args) -> int:
    from core.search.engine import Filters

    filters = Filters(folder=args.folder, date_from=args.date_from, date_to=args.date_to)
    with _open_library(args) as lib:
        hits = lib.moments(args.query, video=args.video, n=args.n, filters=filters)
        _print_hits(hits, args.json)
    return EXIT_OK


# ----- composed edits and regions ------------------------------------------------------------------

def _box(value: str):
    from core.errors import QueryError
    from core.search.query import parse_box

    try:
        return parse_box(value)
    except QueryError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_compose_arguments(sub, common, results) -> None:
    """The `compose` command, `similar --box`, and `--explain` on search, similar and compose."""
    from core.search.compose import DEFAULT_METHOD, METHODS

    s = sub.add_parser("compose", parents=[common, results], help="find a picture changed as you say",
                       description="Results like REF, changed as TEXT says: "
                                   "medialens compose street.jpg \"the same street at night -cars\"")
    s.add_argument("reference", metavar="REF", help="an image file (inside or outside the library) or a library id")
    s.add_argument("text", metavar="TEXT", help="the change in words; -word or -\"a phrase\" avoids things")
    s.add_argument("--balance", type=float, metavar="B",
                   help="0 leans on the picture, 1 on the words (default: the method's own)")
    s.add_argument("--method", metavar="M",
                   help=f"how picture and words combine: {', '.join(METHODS)} (default {DEFAULT_METHOD})")
    s.add_argument("--include-reference", dest="include_reference", action="store_true", default=False,
                   help="keep the reference and its near-duplicates in the results")
    s.add_argument("--exclude-reference", dest="include_reference", action="store_false",
                   help="leave the reference and its near-duplicates out (the default)")
    s.add_argument("--at", dest="t_s", type=float, metavar="SECONDS", help="for a video reference: its frame here")
    sub.choices["similar"].add_argument("--box", type=_box, metavar="X0,Y0,X1,Y1",
                                        help="search by this region of the image (pixels of the upright original)")
    for name in ("search", "similar", "compose"):
        sub.choices[name].add_argument("--explain", action="store_true",
                                       help="print each photo's best-matching region (slower)")


def _explainer(lib, args, make_query: Callable) -> Callable | None:
    """For --explain: a photo hit's best region against the query (`make_query(search context)`)."""
    if not args.explain:
        return None
    vector = make_query(lib.engine().context).vector
    return lambda hit: lib.explain(hit.file.id, vector) if hit.kind == "image" else None


def cmd_compose(args) -> int:
    from core.search.compose import composed_query

    with _open_library(args) as lib:
        hits = lib.compose(args.reference, args.text, n=args.n, offset=args.offset, filters=_filters(args),
                           method=args.method, balance=args.balance, include_reference=args.include_reference,
                           t_s=args.t_s, exact=True if args.exact else None)
        _print_hits(hits, args.json, explain=_explainer(lib, args, lambda ctx: composed_query(
            ctx, args.reference, args.text, args.method, args.balance, args.t_s, args.include_reference)))
    return EXIT_OK


COMMANDS: dict[str, Callable] = {
    "index": cmd_index, "search": cmd_search, "similar": cmd_similar, "status": cmd_status,
    "models": cmd_models, "roots": cmd_roots, "moments": cmd_moments,
    "compose": cmd_compose,
}


def main(argv: Sequence[str] | None = None, open_window: Callable | None = None) -> int:
    """Run one command; no command (or `gui`) calls `open_window(args)`, which the launcher passes."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # Without -v nothing is logged: open_clip and huggingface log errors that MediaLens turns into its
    # own one-line messages, and per-file problems are reported in the summary.
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.CRITICAL,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command in (None, "gui"):
        if open_window is None:
            parser.error("the window opens with `medialens` (desktop_app.launcher); "
                         "`python -m core.cli` runs the headless commands only")
        command = open_window
    else:
        command = COMMANDS[args.command]
    try:
        return command(args) or EXIT_OK
    except MediaLensError as exc:
        print(f"medialens: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("medialens: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `medialens search … | head`: the reader went away; not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
