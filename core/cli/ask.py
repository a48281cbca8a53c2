"""`search|similar|compose … --ask` and `--answer`: the search asks back, in a terminal or a script.

    medialens search "a star" --ask                 # prints a question, reads the answer, narrows, asks again
    medialens search "a star" --answer green --answer "not big"   # the same without prompts (for scripts)

An answer is one of the offered labels or its number, "not X" for the opposite, "-"/"doesn't matter" to skip
the question, "u" to undo the last answer; an empty line (or the end of input) stops. See core/search/ask.py.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from core.errors import QueryError

SKIP = {"-", "skip", "doesn't matter", "does not matter", "any"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ask", action="store_true",
                        help="ask back: one question a round (colour, place, time of day…) whose answer narrows "
                             "the results most; answer with a label, its number, 'not X', '-' to skip")
    parser.add_argument("--answer", action="append", metavar="A",
                        help="answer the questions in order without asking (repeat, or A,B,…): a label, "
                             "'not X', or '-' to skip one")


def wanted(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "ask", False) or getattr(args, "answer", None))


def _scripted(args: argparse.Namespace) -> list[str]:
    return [a.strip() for arg in args.answer or [] for a in arg.split(",") if a.strip()]


def _prompt(question) -> str:
    choices = "   ".join(f"{i}) {a.label} {s:.0%}" for i, (a, s) in enumerate(
        zip(question.answers, question.shares, strict=True), 1))
    return (f"# {question.family.question}  ({question.gain:.1f} bits about which result you want)\n"
            f"#   {choices}   -) doesn't matter\n"
            f"# answer (a number, a label, 'not N', '-', 'u' to undo, Enter to stop): ")


def _parse(text: str, question) -> tuple[str, bool] | None:
    """(label, negated) from what the user typed; None to skip. Raises KeyError when it is no answer."""
    text = text.strip()
    if text.casefold() in SKIP:
        return None
    negated = text.casefold().startswith("not ")
    if negated:
        text = text[4:].strip()
    if text.isdigit() and 1 <= int(text) <= len(question.answers):
        return question.answers[int(text) - 1].label, negated
    return question.answer(text).label, negated


def run_rounds(session, hits: list, args: argparse.Namespace, print_hits: Callable[[list], None],
               count: Callable[[list], str] | None = None, read: Callable[[str], str] | None = None) -> None:
    """Question and answer rounds after the first results `hits` (already from `session`).

    Asking (`--ask`) prints every round's results; answering a script's list (`--answer`) prints the question
    and answer lines (on stderr with --json) and the last round's results. `count(hits)` is the line under a
    round's results (how many matches agree with the answers so far).
    """
    scripted = _scripted(args) if args.answer else None
    notes = sys.stderr if args.json else sys.stdout
    read = read or _read

    def show(round_hits: list) -> None:
        print_hits(round_hits)
        if count and not args.json:
            print(count(round_hits))

    if scripted is None:
        show(hits)
    while scripted is None or scripted:
        question = session.question()
        if question is None:
            print("# no question would narrow these results further", file=notes)
            break
        if scripted is not None:
            typed = scripted.pop(0)
            print(f"# {question.family.question} -> {typed}", file=notes)
        else:
            typed = read(_prompt(question))
            if not typed.strip():
                break
            if typed.strip().casefold() in ("u", "undo"):
                try:
                    hits = session.undo()
                except QueryError as exc:
                    print(f"# {exc}")
                    continue
                show(hits)
                continue
        try:
            parsed = _parse(typed, question)
        except KeyError:
            offered = ", ".join(a.label for a in question.answers)
            raise QueryError(f"{typed!r} is not an answer to {question.family.question!r} "
                             f"(offered: {offered}; or 'not X', '-')") from None
        if parsed is None:
            session.skip(question)
            continue
        hits = session.answer(question, *parsed, n=args.n)
        print(f"# answered: {' · '.join(r.describe() for r in session.replies)}", file=notes)
        if scripted is None:
            show(hits)
    if scripted is not None:
        show(hits)


def _read(prompt: str) -> str:
    try:
        return input(prompt)
    except EOFError:
        return ""
