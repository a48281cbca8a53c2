"""open_clip's BPE in plain Python for plain-ASCII queries, from a compact copy of the export's vocabulary.

`tokenizers` reads MediaLens's `tokenizer.json` (3.6 MB of JSON: 49,408 tokens, 48,894 merges) in 0.11 CPU-s,
a tenth of a cold `medialens search` (`tests/bench/peer.py`). A query needs a handful of merges, so the
runtime keeps the vocabulary and the merges as two lists of lines in a text file beside the tokenizer
(`tokenizer.bpe.txt`, written on first use, keyed by the tokenizer file's SHA-256 from the manifest, its
size and modification time) and
reads them in ~0.01 s. The copy is a cache: a damaged, stale or unwritable one is made again from
`tokenizer.json`, or not used at all.

Only what this module reproduces exactly goes through it (`tests/core/test_onnx_runtime.py` checks the
same ids as `tokenizers` on thousands of texts): MediaLens's own export of open_clip's tokenizer (its split
pattern, byte-level alphabet, `</w>` ends, [start] ids [end] framing) and a cleaned text of printable ASCII
without the special tokens' names. Anything else is `tokenizers`' work (`encoder.Tokenizer`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

#: The split pattern of `export._tokenizer_json`, on printable ASCII: \p{L} is [a-zA-Z] and \p{N} is [0-9].
SPLIT = r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""
_ASCII_SPLIT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d|[a-zA-Z]+|[0-9]|[^\sa-zA-Z0-9]+""")
#: Text this module tokenizes: printable ASCII (its byte-level alphabet is itself, spaces are split away).
_PLAIN = re.compile(r"[ -~]*")
SPECIAL = ("<start_of_text>", "<end_of_text>")
CACHE_NAME = "tokenizer.bpe.txt"
_HEADER = "medialens-bpe 1"


class AsciiBpe:
    """Token ids of plain-ASCII texts, as `tokenizers` gives them for an open_clip BPE export."""

    def __init__(self, vocab: list[str], merges: list[str], context_length: int, sot_id: int, eot_id: int,
                 pad_id: int):
        self.vocab = dict(zip(vocab, range(len(vocab)), strict=True))
        self.ranks = dict(zip(merges, range(len(merges)), strict=True))  # "first second" -> rank
        self.context_length, self.sot_id, self.eot_id, self.pad_id = context_length, sot_id, eot_id, pad_id
        self._words: dict[str, list[int]] = {}

    @staticmethod
    def takes(text: str) -> bool:
        """Whether a cleaned text is one this tokenizer gives `tokenizers`' ids for."""
        return bool(_PLAIN.fullmatch(text)) and not any(s in text for s in SPECIAL)

    def ids(self, text: str) -> list[int]:
        """[start] ids [end], truncated to the context (as `tokenizers`' truncation with the template)."""
        body = [i for piece in _ASCII_SPLIT.findall(text) for i in self._word(piece)]
        return [self.sot_id, *body[:self.context_length - 2], self.eot_id]

    def _word(self, piece: str) -> list[int]:
        found = self._words.get(piece)
        if found is None:
            found = self._words[piece] = [self.vocab[t] for t in self._bpe(piece)]
        return found

    def _bpe(self, piece: str) -> list[str]:
        """open_clip's `SimpleTokenizer.bpe`: merge the lowest-ranked adjacent pair until none is known."""
        word = [*piece[:-1], piece[-1] + "</w>"]
        ranks = self.ranks
        while len(word) > 1:
            best, best_rank = None, None
            for a, b in pairwise(word):
                rank = ranks.get(f"{a} {b}")
                if rank is not None and (best_rank is None or rank < best_rank):
                    best, best_rank = (a, b), rank
            if best is None:
                break
            first, second = best
            merged, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and word[i] == first and word[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        return word


def load(tokenizer: Path, sha256: str, context_length: int, sot_id: int, eot_id: int, pad_id: int,
         vocab_size: int) -> AsciiBpe | None:
    """The plain-ASCII tokenizer of an export's `tokenizer.json`, from its compact copy (made now if missing,
    stale or damaged); None where the file is not an open_clip BPE this module reproduces."""
    cache = tokenizer.with_name(CACHE_NAME)
    try:
        st = tokenizer.stat()
    except OSError:
        return None
    key = f"{sha256}:{st.st_size}:{st.st_mtime_ns}"  # the file as it is now: a rewritten one is read again
    lists = _read(cache, key, vocab_size)
    if lists is not None and not _frames(lists[0], sot_id, eot_id):
        return None  # a model with other special tokens: `tokenizers` says so
    if lists is None:
        lists = _compact(tokenizer, sot_id, eot_id, vocab_size)
        if lists is None:
            return None
        _write(cache, key, *lists)
    return AsciiBpe(*lists, context_length=context_length, sot_id=sot_id, eot_id=eot_id, pad_id=pad_id)


def _read(cache: Path, key: str, vocab_size: int) -> tuple[list[str], list[str]] | None:
    try:
        lines = cache.read_text(encoding="utf-8").split("\n")
        header, found, n_vocab, n_merges = lines[0].rsplit(" ", 3)
        n_vocab, n_merges = int(n_vocab), int(n_merges)
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if header != _HEADER or found != key or n_vocab != vocab_size or len(lines) != 1 + n_vocab + n_merges:
        return None
    return lines[1:1 + n_vocab], lines[1 + n_vocab:]


def _frames(vocab: list[str], sot_id: int, eot_id: int) -> bool:
    """Whether the model's start and end ids are this vocabulary's start and end tokens."""
    return all(0 <= i < len(vocab) and vocab[i] == name for i, name in zip((sot_id, eot_id), SPECIAL, strict=True))


def _compact(tokenizer: Path, sot_id: int, eot_id: int, vocab_size: int) -> tuple[list[str], list[str]] | None:
    """(tokens by id, merges as "first second") of a `tokenizer.json` made by `export._tokenizer_json`."""
    try:
        spec = json.loads(tokenizer.read_text(encoding="utf-8"))
        model, pre = spec["model"], spec["pre_tokenizer"]
        split, byte_level = pre["pretokenizers"]
        single = [next(iter(part.values()))["id"] for part in spec["post_processor"]["single"]]
        vocab = model["vocab"]
        merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, StopIteration):
        return None
    if not (model.get("type") == "BPE" and model.get("end_of_word_suffix") == "</w>"
            and not model.get("continuing_subword_prefix") and spec.get("normalizer") is None
            and split.get("type") == "Split" and split.get("pattern") == {"Regex": SPLIT}
            and split.get("behavior") == "Removed" and split.get("invert") is True
            and byte_level.get("type") == "ByteLevel" and byte_level.get("use_regex") is False
            and single == [SPECIAL[0], "A", SPECIAL[1]]
            and len(vocab) == vocab_size and sorted(vocab.values()) == list(range(vocab_size))
            and vocab.get(SPECIAL[0]) == sot_id and vocab.get(SPECIAL[1]) == eot_id
            and all("\n" not in t for t in vocab) and all(m.count(" ") == 1 and "\n" not in m for m in merges)):
        return None
    by_id = [""] * vocab_size
    for token, i in vocab.items():
        by_id[i] = token
    return by_id, merges


def _write(cache: Path, key: str, vocab: Sequence[str], merges: Sequence[str]) -> None:
    """Written whole under another name, then renamed: a reader never sees half a copy. A folder that cannot be
    written (a shared install) only means the next process reads `tokenizer.json` again."""
    tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text("\n".join([f"{_HEADER} {key} {len(vocab)} {len(merges)}", *vocab, *merges]),
                       encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        tmp.unlink(missing_ok=True)
