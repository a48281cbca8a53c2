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
from core.cli import ask
from core.cli import manage as cli_manage
from core.cli import people as cli_people
from core.cli.output import shown_path, write_json
from core.errors import LibraryError, MediaLensError

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
    common.add_argument("--device", metavar="DEV",
                        help="auto (default), cpu, cuda, mps (torch), directml or coreml (ONNX Runtime)")
    common.add_argument("--runtime", choices=["auto", "onnx", "torch"],
                        help="auto (default): the model's ONNX export when there is one, else torch")
    common.add_argument("-v", "--verbose", action="store_true", help="log what happens")

    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--offset", type=int, default=0, metavar="K", help="skip the first K (paging)")
    filters.add_argument("--json", action="store_true", help="print a JSON list for scripts")
    filters.add_argument("--kind", choices=["image", "video"], help="only photos or only videos")
    filters.add_argument("--folder", metavar="DIR", help="only files under this folder")
    filters.add_argument("--from", dest="date_from", type=_date, metavar="DATE", help="taken on or after DATE")
    filters.add_argument("--to", dest="date_to", type=_date, metavar="DATE", help="taken before DATE")
    cli_manage.add_filter_arguments(filters)

    results = argparse.ArgumentParser(add_help=False, parents=[filters])
    results.add_argument("-n", type=_positive, default=20, metavar="N", help="how many results (default 20)")
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
    s.add_argument("--ocr", action=argparse.BooleanOptionalAction, default=None,
                   help="read the text in photos so searches find their words (slower; remembered "
                        "for the library; default off)")
    s.add_argument("--speech", action=argparse.BooleanOptionalAction, default=None,
                   help="transcribe what is said in videos so searches find it (slow; remembered for the "
                        "library; default off)")
    s.add_argument("--speech-model", metavar="DIR",
                   help="a faster-whisper model folder for --speech (default: PocketSphinx's English model)")
    s.add_argument("--faces", action=argparse.BooleanOptionalAction, default=None,
                   help="find the faces in photos and videos and group them into people (slower; remembered "
                        "for the library; default off)")
    s.add_argument("--every-frame", action="store_true",
                   help="embed every sampled video frame, also those that look like the last one embedded")
    s.add_argument("--cluster", metavar="ADDRESS",
                   help="decode and embed on a Ray cluster: ray://HOST:PORT, or 'local' (needs medialens[cluster])")

    s = sub.add_parser("search", parents=[common, results], help="search by text",
                       description="Photos and video moments matching a text. The list ends where the "
                                   "matches end (a cutoff read from this query's own scores); --all "
                                   "shows what lies below it too.")
    s.add_argument("query", nargs="?", default="",
                   help="what to look for, e.g. \"dog on a beach\"; -word or -\"a phrase\" avoids things; "
                        "person:\"Name\" (or --person) only the photos showing that person, -person:Name without")
    s.add_argument("--all", dest="show_all", action="store_true",
                   help="ignore the cutoff: page through every result, best first")
    s.add_argument("--literal", action="store_true",
                   help="search the text as typed: no dates, places or cameras taken out of it")
    s.add_argument("--sort", choices=["relevance", "date"], default="relevance",
                   help="order of the matches: best first (default) or newest first (capture time, else file time)")
    cli_people.add_search_arguments(s)

    s = sub.add_parser("browse", parents=[common, filters], help="the library without a query, newest first")
    s.add_argument("-n", type=_positive, default=50, metavar="N", help="how many files (default 50)")

    s = sub.add_parser("similar", parents=[common, results], help="find look-alikes of an image")
    s.add_argument("target", help="an image file (inside or outside the library) or a library id")
    s.add_argument("--at", dest="t_s", type=float, metavar="SECONDS", help="for a video: the frame at this time")

    s = sub.add_parser("status", parents=[common], help="library folders, counts, model, index health")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("models", parents=[common], help="the models MediaLens can use; export one to ONNX",
                       description="List the models, export one to ONNX (`models export NAME [--weights FILE]`: "
                                   "needs the torch extra) or check an export's files (`models verify NAME`).")
    s.add_argument("action", nargs="?", choices=["list", "get", "export", "verify"], default="list")
    s.add_argument("name", nargs="?", metavar="NAME", help="the model to download, export or verify")
    s.add_argument("--probes", metavar="DIR", help="export: also check agreement on the pictures in DIR")
    s.add_argument("--layout", choices=["medialens", "immich"], default="medialens",
                   help="export: MediaLens's folder (default) or Immich's Hugging Face layout")
    s.add_argument("--out", metavar="DIR", help="export --layout immich: write here (default: the models folder)")
    s.add_argument("--tokenizer", metavar="FILE",
                   help="export --layout immich: a tokenizers tokenizer.json the model was trained with")
    s.add_argument("--languages", metavar="LIST", default="en",
                   help="export --layout immich: the query languages, comma-separated (default en)")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("roots", parents=[common], help="list, add or remove library folders")
    s.add_argument("action", nargs="?", choices=["list", "add", "remove"], default="list")
    s.add_argument("folder", nargs="?")
    s.add_argument("--outside-links", choices=["follow", "skip"],
                   help="follow folder links that lead outside a library folder (the default), or skip them")

    _add_moments_parser(sub, common)
    cli_people.add_parsers(sub, common)
    _add_duplicates_parser(sub, common)
    s = sub.add_parser("repair", parents=[common], help="recover a damaged catalog, then index what was lost",
                       description="Recover what SQLite can read from a damaged catalog into a new one (the "
                                   "damaged file is kept beside it), then index again what was lost.")
    s.add_argument("--no-index", action="store_true", help="only recover the catalog; index later")
    s.add_argument("--force", action="store_true", help="rebuild the catalog even if SQLite finds no damage")
    s = sub.add_parser("watch", parents=[common], help="keep the library up to date as folders change",
                       description="Watch the library folders and index new, changed, moved and deleted "
                                   "files as they appear (Ctrl-C to stop).")
    s.add_argument("--quiet-s", type=float, default=None, metavar="S",
                   help="index once the folders have been quiet this long (default 2)")
    _add_compose_arguments(sub, common, results)
    cli_manage.add_parsers(sub, common, _date)
    sub.add_parser("gui", parents=[common], help="open the window (the default)")
    return p


def _open_library(args):
    from core.library import Library
    from core.models.runtime.cli import DownloadBar

    makes_library = args.command == "index" or (args.command == "roots" and getattr(args, "action", "") == "add")
    if args.library and not makes_library and not os.path.exists(os.path.expanduser(args.library)):
        raise LibraryError(f"{args.library}: no library there (no such folder); check the path, or make one "
                           f"with `medialens index FOLDER --library {args.library}`")
    lib = Library(args.library, model=args.model, weights=args.weights, device=args.device, runtime=args.runtime)
    pending = lib.models.pending_download()
    if pending is not None:  # the first command that needs the model downloads it, with a bar on stderr
        lib.models.download_progress = DownloadBar(f"{pending.name} (once)")
    return lib


def _filters(args, lib=None):
    """The search restrictions (core/cli/manage.py), each checked so that none silently matches nothing."""
    from core.errors import QueryError

    if getattr(args, "offset", 0) < 0:
        raise QueryError(f"--offset must be 0 or more, not {args.offset}")
    date_from, date_to = getattr(args, "date_from", None), getattr(args, "date_to", None)
    if date_from and date_to and date_from >= date_to:
        raise QueryError(f"--from {date_from:%Y-%m-%d} is not before --to {date_to:%Y-%m-%d}: "
                         f"no date lies between them")
    folder = getattr(args, "folder", None)
    if folder and not os.path.isdir(os.path.expanduser(folder)):
        raise QueryError(f"--folder {folder}: no such folder")
    return cli_manage.filters_from_args(args, lib)


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
        write_json(rows, out)
        return
    if not hits:
        print("no results", file=out)
        return
    for h in hits:  # one shape for photos and moments; a moment adds where it is, for a player to jump to
        span = f"  {_fmt_time(h.start_s)}–{_fmt_time(h.end_s)}" if h.start_s is not None else ""
        confidence = f"  {h.extra['confidence']}" if "confidence" in h.extra else ""
        print(f"{h.score:6.3f}  {shown_path(h.path)}  [id {h.file.id}]{span}{confidence}{_said_at(h)}", file=out)
        e = explain(h) if explain else None
        if e is not None:
            print(f"        best region {','.join(map(str, e.box))}  ({e.score:.3f})", file=out)
        for line in h.extra.get("text", {}).get("lines", []) if explain or _said_at(h) else ():
            if line.get("expert", "ocr") == "ocr":
                print(f"        text \"{shown_path(line['text'])}\" at {','.join(map(str, line['box']))}", file=out)
                continue
            how = "said" if line["expert"] == "speech" else "subtitle"
            print(f"        {how} \"{shown_path(line['text'])}\" {_clock(line['start_s'])}–{_clock(line['end_s'])}",
                  file=out)
            if explain and line.get("words"):
                print("          words: " + "  ".join(f"{w} {_clock(a)}" for w, a, _ in line["words"]), file=out)


def _clock(seconds: float) -> str:
    """A time to the tenth of a second, never after the moment it names (a seek there misses nothing)."""
    tenths = int(max(0.0, seconds) * 10)
    m, t = divmod(tenths, 600)
    return f"{m // 60:02d}:{m % 60:02d}:{t // 10:02d}.{t % 10}"


def _said_at(hit) -> str:
    """ "  said at 00:01:12" for a moment found by its speech (or subtitles), from the first word."""
    text = hit.extra.get("text", {})
    if text.get("expert") not in ("speech", "subtitle") or hit.start_s is None:
        return ""
    whole = int(hit.start_s)
    return f"  {'said' if text['expert'] == 'speech' else 'subtitled'} at " \
           f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


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
            elif p.phase in ("embed", "ocr", "speech", "faces"):
                desc = {"embed": "indexing", "ocr": "reading text", "speech": "hearing speech",
                        "faces": "finding faces"}[p.phase]
                self.bar = tqdm(desc=desc, total=p.files_total,
                                unit=" files", file=sys.stderr, dynamic_ncols=True)
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
                # The total is planned from the containers' durations; decoding can find more.
                extra["video"] = _fmt_time(p.video_s_done) + (
                    f"/{_fmt_time(max(p.video_s_total, p.video_s_done))}" if p.video_s_total else "")
            self.bar.set_postfix(extra, refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def cmd_index(args) -> int:
    from core.library import Control

    lib = _open_library(args)
    bar = _ProgressBar(args.quiet or args.json or (not sys.stderr.isatty() and not args.verbose))
    control = Control()
    try:
        report = lib.index(args.folders or None, progress=bar, control=control,
                           workers=args.workers, batch_size=args.batch_size, fps=args.fps,
                           dedup=False if args.every_frame else None, cluster=args.cluster, ocr=args.ocr,
                           speech=args.speech, speech_model=args.speech_model,
                           faces=args.faces)
    except KeyboardInterrupt:
        control.cancel()
        raise
    finally:
        bar.close()
        lib.close()
    if args.json:
        d = {k: getattr(report, k) for k in ("found", "new", "changed", "moved", "removed", "unchanged",
                                              "indexed", "frames", "videos", "video_frames", "video_seconds",
                                              "text_read", "text_lines", "subtitle_videos", "subtitle_lines",
                                              "speech_videos", "speech_lines", "speech_audio_s",
                                              "faces_looked", "faces_found",
                                              "cancelled", "elapsed_s")}
        d["failed"] = [{"path": p, "reason": r} for p, r in report.failed]
        d["problems"] = [{"path": p, "reason": r} for p, r in report.problems]
        write_json(d, sys.stdout)
        return EXIT_OK
    rate = report.indexed / report.embed_s if report.embed_s > 0 and report.indexed else 0
    print(f"indexed {report.indexed}, unchanged {report.unchanged}, failed {len(report.failed)} "
          f"({report.new} new, {report.changed} changed, {report.moved} moved, {report.removed} removed) "
          f"in {report.elapsed_s:.1f} s" + (f", {rate:.1f} files/s" if rate else ""))
    if report.videos:  # photos alone make no video line (their frames are photos)
        print(f"video: {report.videos} indexed, {_fmt_time(report.video_seconds)}, {report.video_frames} frames")
    if report.text_read:
        print(f"text: read {report.text_read} files in {report.text_s:.1f} s, {report.text_lines} lines found")
    if report.subtitle_lines:
        print(f"subtitles: {report.subtitle_lines} lines in {report.subtitle_videos} videos")
    if report.speech_audio_s:
        print(f"speech: heard {_fmt_time(report.speech_audio_s)} in {report.speech_s:.1f} s, "
              f"{report.speech_lines} lines")
    if report.faces_looked:
        print(f"faces: looked at {report.faces_looked} files in {report.faces_s:.1f} s, "
              f"{report.faces_found} faces found (medialens people)")
    for path, reason in report.failed:
        print(f"  failed: {shown_path(path)}: {reason}")
    for path, reason in report.problems:
        print(f"  skipped: {shown_path(path)}: {reason}")
    return EXIT_OK


def cmd_repair(args) -> int:
    from pathlib import Path

    from core.library import repair_catalog
    from core.paths import resolve_home

    home = resolve_home(args.library)
    report = repair_catalog(Path(home), force=args.force)
    if not report.repaired:
        print(f"{shown_path(str(report.catalog))}: SQLite finds no damage; nothing to repair")
        return EXIT_OK
    print(f"the catalog had damage ({report.problems[0] if report.problems else 'rebuilt on request'})")
    rows = ", ".join(f"{n} {t}" for t, n in report.rows.items() if t in ("roots", "files", "items", "vectors"))
    print(f"recovered ({report.method}): {rows}")
    if report.lost_items:
        print(f"lost: {report.lost_items} items; {report.to_index} files will be indexed again")
    for folder in report.restored_roots:
        print(f"library folder restored from its files: {shown_path(folder)}")
    print(f"the damaged catalog is kept as {shown_path(str(report.kept_as))}")
    if args.no_index:
        print("run `medialens index` to index what was lost")
        return EXIT_OK
    # Re-index with `index`'s own defaults for every option repair does not have (a new index option
    # needs no change here), over all library folders, with a progress bar.
    for key, value in vars(build_parser().parse_args(["index"])).items():
        if key not in vars(args) or key in ("folders", "json", "quiet"):
            setattr(args, key, value)
    return cmd_index(args)


def cmd_watch(args) -> int:
    from core.library import LibraryWatcher

    def said(line: str) -> None:
        print(line, flush=True)

    lib = _open_library(args)
    try:
        LibraryWatcher(lib, report=said, quiet_s=args.quiet_s).run_forever()
    except KeyboardInterrupt:  # Ctrl-C is how watching ends: what was indexed is kept
        print("stopped watching", file=sys.stderr)
    finally:
        lib.close()
    return EXIT_OK


def cmd_search(args) -> int:
    from core.library import TEXT, Query

    if not args.query.strip() and not getattr(args, "person", None):
        from core.errors import QueryError

        raise QueryError("the search text is empty: say what to look for, e.g. medialens search \"a dog\"")
    with _open_library(args) as lib:
        args.query = cli_people.query_text(args)  # --person NAME is person:"NAME" in the text
        text, filters = cli_manage.understood_query(lib, args, _filters(args, lib))
        if not text:  # only filters ("photos from my Pixel"): the files they allow, newest first
            return _print_browse(lib, args, filters)
        args.query = text
        query = Query(TEXT, text=text, filters=filters, exact=True if args.exact else None)
        if ask.wanted(args):
            return _asking(lib, args, query, counted=True)
        found = lib.find(query)
        if found.is_cut(args.show_all, args.sort):
            matches = found.matches()
            hits = matches.shown(args.show_all, args.sort)[args.offset:args.offset + args.n]
            footer = _matches_line(matches, len(hits), args)
        else:  # every result best first, paged by the engine
            hits = found.page(args.n, args.offset)
            footer = ""
        _print_hits(hits, args.json, explain=_explainer(found, args))
        if footer and not args.json:
            print(footer)
    return EXIT_OK


def _asking(lib, args, query, counted: bool = False) -> int:
    """--ask / --answer: rounds of questions after the first results (core/cli/ask.py)."""
    session = lib.session(query.filters)
    hits = session.start(query, n=args.n)
    matches = lib.find(query).matches() if counted else None

    def count(round_hits: list) -> str:
        if matches is None or not matches.calibrated:
            return f"# {len(round_hits)} shown"
        agreeing = len(session.agreeing(matches.matches))
        return f"# {agreeing} of the {matches.count} matches agree with the answers, {len(round_hits)} shown"

    ask.run_rounds(session, hits, args, lambda h: _print_hits(h, args.json), count)
    return EXIT_OK


def _matches_line(found, shown: int, args) -> str:
    """Where the cutoff fell, said once under the results."""
    order = ", newest first" if args.sort == "date" else ""
    if not found.calibrated:
        return f"# {found.count} results{order} (too few items in the library to find where matches end)"
    below = len(found.hits) - found.count
    more = f"{below}{'' if found.complete else '+'} more below the cutoff"
    if args.show_all:
        return f"# {found.count} matches and {more}, all shown{order}"
    return f"# {found.count} matches{order}, {shown} shown; {more} (--all shows them)"


def cmd_browse(args) -> int:
    with _open_library(args) as lib:
        return _print_browse(lib, args, _filters(args, lib))


def _print_browse(lib, args, filters) -> int:
    from core.library import file_date

    files = lib.browse(args.offset, args.n, filters)
    total = lib.browse_count(filters)
    if args.json:
        write_json([{"id": f.id, "path": f.path, "kind": f.kind, "date": file_date(f).isoformat()}
                    for f in files], sys.stdout)
        return EXIT_OK
    month = None
    for f in files:
        when = file_date(f)
        if (when.year, when.month) != month:
            month = (when.year, when.month)
            print(f"== {when:%Y %B}")
        print(f"{when:%Y-%m-%d %H:%M}  {f.kind:5}  {shown_path(f.path)}  [id {f.id}]")
    shown = f"{args.offset + 1}–{args.offset + len(files)}" if files else "none"
    print(f"# {total} files, newest first; showing {shown}" + ("" if files or total else
                                                                " (index a folder: medialens index FOLDER)"))
    return EXIT_OK


def cmd_similar(args) -> int:
    from core.library import SIMILAR, Query

    with _open_library(args) as lib:
        query = Query(SIMILAR, target=args.target, t_s=args.t_s, box=args.box, filters=_filters(args, lib),
                      exact=True if args.exact else None)
        if ask.wanted(args):
            return _asking(lib, args, query)
        found = lib.find(query)
        _print_hits(found.page(args.n, args.offset), args.json, explain=_explainer(found, args))
    return EXIT_OK


def cmd_status(args) -> int:
    with _open_library(args) as lib:
        st = lib.status(check=True)
    if args.json:
        write_json(st.to_dict(), sys.stdout)
        return EXIT_OK
    print(f"library:  {shown_path(st.library)}")
    print("folders:  " + (", ".join(map(shown_path, st.roots)) if st.roots
                          else "(none yet: medialens index FOLDER)"))
    print(f"model:    {st.model}")
    print(f"runtime:  {st.runtime}")
    print(f"files:    {st.images} photos, {st.videos} videos, {st.pending} pending, {st.failed} failed")
    print(f"vectors:  {st.vectors} ({st.items} items)")
    print(f"index:    {st.index}")
    text = st.text
    if text.enabled or text.read:
        print(f"text:     {text.read} files read, {text.lines} lines, {text.pending} to read"
              + ("" if text.enabled else " (reading is off: medialens index --ocr)"))
    heard = st.speech
    if heard.enabled or heard.heard:
        print(f"speech:   {heard.heard} videos heard, {heard.lines} lines, {heard.pending} to hear "
              f"({heard.engine})" + ("" if heard.enabled else " (hearing is off: medialens index --speech)"))
    if heard.subtitle_lines:
        print(f"subtitles: {heard.subtitle_lines} lines in {heard.subtitled} videos")
    faces = st.faces
    if faces.enabled or faces.faces:
        print(f"faces:    {faces.faces} in {faces.files} files, {faces.people} people, {faces.pending} "
              "to look at" + ("" if faces.enabled else " (finding faces is off: medialens index --faces)"))
    for root, links in st.outside_links.items():
        print(f"outside:  {shown_path(root)} reaches outside itself through "
              + ", ".join(f"{shown_path(x.link)} -> {shown_path(x.target)}" for x in links)
              + ("" if st.follow_outside_links else " (no longer followed)"))
    if not st.follow_outside_links:
        print("links:    folder links that lead outside a library folder are not followed")
    if st.failures:
        print("failed files:")
        for f in st.failures:
            print(f"  {shown_path(f.path)}: {f.reason}")
    return EXIT_OK


def cmd_models(args) -> int:
    if args.action in ("export", "verify"):
        from core.models.runtime.cli import export_command, verify_command

        if not (args.name or args.model or args.weights):
            raise MediaLensError(f"`medialens models {args.action}` needs a model NAME (see `medialens models`)")
        return (export_command if args.action == "export" else verify_command)(args)
    from core.models.runtime.cli import catalogue_rows, get_command, print_catalogue

    if args.action == "get":
        return get_command(args)
    with _open_library(args) as lib:
        infos = lib.models.known()
        downloads = catalogue_rows(lib.choice.key())
    if args.json:
        print(json.dumps(downloads + [{"name": i.spec.name, "kind": "torch", "pretrained": i.spec.pretrained,
                                       "params_m": i.spec.params_m, "download_mb": i.spec.download_mb,
                                       "dim": i.spec.dim, "quality": i.spec.quality, "notes": i.spec.notes,
                                       "installed": i.installed, "active": i.active, "exported": i.exported}
                                      for i in infos], indent=1))
        return EXIT_OK
    print_catalogue(downloads)
    print("\nWith the torch extra (open_clip; `medialens models export NAME` makes the ONNX copy the app runs):")
    for i in infos:
        mark = "*" if i.active else " "
        state = "installed" if i.installed else ("local file" if i.spec.pretrained is None else "download")
        state = "ONNX" if i.exported else state
        print(f"{mark} {i.spec.name:28} {i.spec.pretrained or '-':24} {i.spec.params_m:5d}M params "
              f"{i.spec.download_mb:6d} MB  {state:10}  {i.spec.quality}; {i.spec.notes}")
    return EXIT_OK


def cmd_roots(args) -> int:
    with _open_library(args) as lib:
        if args.action in ("add", "remove") and not args.folder:
            raise MediaLensError(f"`medialens roots {args.action}` needs a FOLDER")
        if args.outside_links:
            lib.follows_outside_links = args.outside_links == "follow"
        if args.action == "add":
            print(shown_path(lib.add_root(args.folder)))
        elif args.action == "remove":
            lib.remove_root(args.folder)
        elif not args.outside_links:
            for r in lib.roots():
                print(shown_path(r))
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
    s.add_argument("--explain", action="store_true", help="show the words said or shown, with their times")
    s.add_argument("--json", action="store_true", help="print a JSON list for scripts")
    cli_manage.add_dated_filters(s, _date, "only videos under this folder", kind=False)


def cmd_moments(args) -> int:
    with _open_library(args) as lib:
        hits = lib.moments(args.query, video=args.video, n=args.n, filters=_filters(args, lib))
        _print_hits(hits, args.json, explain=(lambda h: None) if args.explain else None)
    return EXIT_OK


# ----- duplicates ---------------------------------------------------------------------------------

def _add_duplicates_parser(sub, common: argparse.ArgumentParser) -> None:
    s = sub.add_parser("duplicates", parents=[common], help="copies of the same photo or file, to decide what to keep",
                       description="Groups of byte-identical files, of near-identical photos (re-encodes, "
                                   "resizes, crops and light edits) and of repeated video moments (the same "
                                   "footage in several videos or twice in one, with where it plays), biggest "
                                   "groups first; the first copy of each group of files is the suggested one to "
                                   "keep. Nothing is deleted.")
    s.add_argument("--json", action="store_true", help="print a JSON list for scripts")
    s.add_argument("--exact-only", action="store_true", help="only byte-identical files")
    s.add_argument("--no-moments", action="store_true", help="leave out repeated video moments")
    s.add_argument("--threshold", type=float, metavar="COS",
                   help="cosine at or above which photos are copies (default: calibrated for the library's model)")
    s.add_argument("--trash", action="store_true",
                   help="move every copy but the first of each group to the trash (asks first)")
    s.add_argument("--yes", action="store_true", help="with --trash: do not ask")
    cli_manage.add_dated_filters(s, _date)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def cmd_duplicates(args) -> int:
    if args.threshold is not None and not 0 < args.threshold <= 1:
        raise MediaLensError(f"--threshold must be above 0 and at most 1: {args.threshold}")
    with _open_library(args) as lib:
        groups = lib.duplicates(args.threshold, near=not args.exact_only, moments=not args.no_moments,
                                filters=_filters(args, lib))
        _print_groups(groups, args.json)
        if args.trash and groups:
            return _trash_copies(lib, groups, args.yes)
    return EXIT_OK


def _print_groups(groups, as_json: bool) -> None:
    if as_json:
        write_json([g.to_json() for g in groups], sys.stdout)
        return
    if not groups:
        print("no duplicates")
        return
    for i, g in enumerate(groups, 1):
        if g.kind == "moment":
            print(f"group {i}: the same {_fmt_time(g.duration_s)} of footage in {len(g.copies)} places")
            for c in g.copies:
                print(f"  at  {shown_path(c.file.path)}  {_fmt_time(c.start_s)}–{_fmt_time(c.end_s)}  "
                      f"[id {c.file.id}]  {_size(c.file.size)}  {c.similarity:.3f}")
            print()
            continue
        print(f"group {i}: {len(g.copies)} {g.kind} copies, {_size(g.reclaimable)} to free by keeping the first")
        for c in g.copies:
            f = c.file
            dims = f"{f.width}×{f.height}" if f.width else ""
            mark = "keep" if c.keep else "    "
            print(f"  {mark}  {shown_path(f.path)}  {dims}  {_size(f.size)}  {c.similarity:.3f}")
        print()
    print(f"{len(groups)} groups, {_size(sum(g.reclaimable for g in groups))} to free")


def _trash_copies(lib, groups, confirmed: bool) -> int:
    paths = [c.file.path for g in groups if g.kind != "moment" for c in g.copies if not c.keep]
    if not paths:
        print("nothing to move: repeated moments are parts of videos, not copies of files")
        return EXIT_OK
    if not confirmed:
        if not sys.stdin.isatty():
            raise MediaLensError("--trash needs a confirmation: answer at a terminal, or add --yes")
        answer = input(f"move {len(paths)} files to the trash, keeping the first of each group? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing moved")
            return EXIT_OK
    allow_outside = False
    outside = lib.outside_roots(paths)
    if outside and not confirmed:  # asked on its own; never with --yes
        for path, real in outside.items():
            print(f"  {shown_path(path)} is really {shown_path(real)}, outside every library folder")
        answer = input(f"move these {len(outside)} files outside the library to the trash too? [y/N] ")
        allow_outside = answer.strip().lower() in ("y", "yes")
    failed = lib.trash_files(paths, allow_outside=allow_outside)
    for path, reason in failed:
        print(f"  not moved: {shown_path(path)}: {reason}", file=sys.stderr)
    print(f"moved {len(paths) - len(failed)} files to the trash; `medialens index` updates the library")
    return EXIT_ERROR if failed else EXIT_OK


# ----- composed edits and regions ------------------------------------------------------------------

def _box(value: str):
    from core.errors import QueryError
    from core.library import parse_box

    try:
        return parse_box(value)
    except QueryError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_compose_arguments(sub, common, results) -> None:
    """The `compose` command, `similar --box`, and `--explain` on search, similar and compose."""
    from core.library import DEFAULT_METHOD, METHODS

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
        ask.add_arguments(sub.choices[name])


def _explainer(found, args) -> Callable | None:
    """For --explain: a photo hit's best region against the query."""
    if not args.explain:
        return None
    return lambda hit: found.explain(hit.file.id) if hit.kind == "image" else None


def cmd_compose(args) -> int:
    from core.library import COMPOSE, Query

    with _open_library(args) as lib:
        query = Query(COMPOSE, text=args.text, target=args.reference, method=args.method,
                      balance=args.balance, include_target=args.include_reference, t_s=args.t_s,
                      filters=_filters(args, lib), exact=True if args.exact else None)
        if ask.wanted(args):
            return _asking(lib, args, query)
        found = lib.find(query)
        _print_hits(found.page(args.n, args.offset), args.json, explain=_explainer(found, args))
    return EXIT_OK


COMMANDS: dict[str, Callable] = {
    "index": cmd_index, "search": cmd_search, "similar": cmd_similar, "status": cmd_status,
    "models": cmd_models, "roots": cmd_roots, "moments": cmd_moments,
    "compose": cmd_compose, "repair": cmd_repair, "watch": cmd_watch, "browse": cmd_browse,
    "duplicates": cmd_duplicates, "people": lambda args: cli_people.cmd_people(args, _open_library),
    **cli_manage.commands(_open_library),
}


#: Options whose value may start with "-" (a box left of or above the picture): argparse would read
#: `--box -50,-50,20,20` as an unknown option, so the value is glued on as `--box=-50,-50,20,20`.
_DASHED_VALUES = ("--box",)


def _values_glued(argv: list[str]) -> list[str]:
    out, i = [], 0
    while i < len(argv):
        if argv[i] in _DASHED_VALUES and i + 1 < len(argv) and argv[i + 1].startswith("-"):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return out


def main(argv: Sequence[str] | None = None, open_window: Callable | None = None) -> int:
    """Run one command; no command (or `gui`) calls `open_window(args)`, which the launcher passes."""
    parser = build_parser()
    args = parser.parse_args(_values_glued(list(sys.argv[1:] if argv is None else argv)))
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

