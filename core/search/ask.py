"""The search asks back: one question per round whose answer narrows a vague query most.

After a search, each *family* of answers the model can tell apart (colour, time of day, indoors or
outdoors, the kind of place, …; a model may bring its own list, `core/model_configs/<model>.questions.json`)
is scored against the current top results with the text tower and the stored vectors only — no new model:

* every answer is a vector, the mean of its prompts' text vectors (a prompt ensemble, as CLIP's zero-shot
  classifiers are built);
* a result's answer is soft: p(answer | result) = softmax(cos(result, answers) / T);
* the question worth asking is the one whose answer tells most about *which* of the top results the user
  wants: the mutual information between the result (uniform over the top k) and the answer,
  H(mean of p) − mean of H(p). A family whose results all get the same answer has none, one whose answers
  the model cannot tell apart has little; both are skipped below `MIN_GAIN` bits.

2–6 answers are offered (the ones that hold a share of the results), plus "doesn't matter". An answer
refines the query in one of three ways, measured on the generated world in tests/bench/ask.py:

* ``text``: the answer's words appended to the query's text (text queries only);
* ``direction``: the query vector moved towards the answer and away from the family's mean — the
  composed-edit direction (`compose.py`), so the cutoff, paging and filters apply as to any query;
* ``rerank`` (the default: it won the bench, R@10 0.60 after two answers against 0.52 for ``direction``):
  the candidates found with that moved vector, ordered by the *starting* query's score + LAMBDA ·
  log p(answer | result) — a soft filter that keeps the query's meaning ("a star" stays about stars);
  "not X" uses log(1 − p).

Nothing here is per library; `Asker` caches the answers' text vectors for one encoder.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Softmax temperature over cosines (CLIP's learnt logit scale is 100).
TEMPERATURE = 0.01
#: How many top results a question must split.
TOP_K = 30
#: Below this many bits a question is not worth a click.
MIN_GAIN = 0.25
#: An answer is offered when at least this share of the top results takes it.
MIN_SHARE = 0.05
MAX_ANSWERS = 6
#: Weight of log p(answer | result) in the re-rank, and of the answer's direction on the vector.
LAMBDA = 0.02
BETA = 0.5
#: How many candidates the re-rank reads: a multiple of what is shown, at least RERANK_MIN.
RERANK_FACTOR, RERANK_MIN = 10, 200
METHODS = ("rerank", "direction", "text")
DEFAULT_METHOD = "rerank"

_CONFIGS = Path(__file__).resolve().parents[1] / "models" / "model_configs"


@dataclass(frozen=True)
class Answer:
    """One answer: its label (shown on the chip) and the prompts whose mean is its vector."""

    label: str
    prompts: tuple[str, ...]
    words: str = ""  # appended to a text query by the "text" method (default: the label)

    @property
    def text(self) -> str:
        return self.words or self.label


@dataclass(frozen=True)
class Family:
    """A question and its answers; `key` names what it asks about (colour, place, …)."""

    key: str
    question: str
    answers: tuple[Answer, ...]


@dataclass
class Question:
    """A family chosen for the current results, with the answers worth offering."""

    family: Family
    answers: list[Answer]
    shares: list[float]  # share of the top results taking each offered answer
    gain: float  # bits of information about which result is wanted

    def answer(self, label: str) -> Answer:
        for a in self.family.answers:
            if a.label.casefold() == label.strip().casefold():
                return a
        raise KeyError(label)


@dataclass
class Reply:
    """The user's answer to a question: an answer, or not that answer."""

    family: Family
    answer: Answer
    negated: bool = False
    vectors: np.ndarray = field(default=None, repr=False)  # the family's answer vectors (m, d)

    @property
    def index(self) -> int:
        return self.family.answers.index(self.answer)

    def describe(self) -> str:
        return f"not {self.answer.label}" if self.negated else self.answer.label


def _prompts(templates: Sequence[str], fill: dict[str, Sequence[str]], value: str, slot: str) -> tuple[str, ...]:
    """Every template with `slot` set to `value` and the other slots over their options (an ensemble)."""
    out: list[str] = []
    for template in templates:
        others = [s for s in fill if "{" + s + "}" in template and s != slot]
        combos: list[dict[str, str]] = [{}]
        for s in others:
            combos = [{**c, s: v} for c in combos for v in fill[s]]
        for c in combos:
            out.append(_article(template.format(**{slot: value, **c})))
    return tuple(dict.fromkeys(out))


def _article(text: str) -> str:
    words = text.split(" ")
    return " ".join("an" if w == "a" and i + 1 < len(words) and words[i + 1][:1] in "aeiou" else w
                    for i, w in enumerate(words))


def families_from_json(data: dict) -> list[Family]:
    """Families from a questions file: each has a question, answers, and templates with `{slot}`s.

    ``{"families": [{"key": "colour", "question": "Which colour?", "slot": "colour",
    "templates": ["a {colour} {shape}"], "fill": {"shape": ["star", …]}, "answers": ["red", …]}]}``;
    an answer may also be ``{"label": "night", "prompts": ["a photo at night", …]}``.
    """
    out = []
    for fam in data.get("families", []):
        answers = []
        for a in fam["answers"]:
            if isinstance(a, dict):
                answers.append(Answer(a["label"], tuple(a["prompts"]), a.get("words", "")))
            else:
                answers.append(Answer(a, _prompts(fam["templates"], fam.get("fill", {}), a, fam["slot"]),
                                      fam.get("words", {}).get(a, "")))
        out.append(Family(fam["key"], fam["question"], tuple(answers)))
    return out


def _photo(*texts: str) -> tuple[str, ...]:
    return tuple(p for t in texts for p in (f"a photo of {t}", f"a picture of {t}", t))


#: For every CLIP trained on photos and their captions (the hub models): what people ask of photos.
GENERIC_FAMILIES: tuple[Family, ...] = (
    Family("time", "Day or night?", (
        Answer("day", _photo("a scene in daylight", "a sunny day")),
        Answer("sunset", _photo("a sunset", "the evening sky at dusk")),
        Answer("night", _photo("a scene at night", "a dark night")))),
    Family("setting", "Indoors or outdoors?", (
        Answer("indoors", _photo("a room indoors", "the inside of a building")),
        Answer("outdoors", _photo("a scene outdoors", "the outside, under the sky")))),
    Family("weather", "What weather or season?", (
        Answer("snow", _photo("snow", "a winter scene with snow")),
        Answer("rain", _photo("rain", "a rainy day")),
        Answer("summer", _photo("a summer day", "bright summer sun")),
        Answer("autumn", _photo("autumn leaves", "a scene in autumn")))),
    Family("people", "How many people?", (
        Answer("nobody", _photo("a scene with no people", "an empty place")),
        Answer("one person", _photo("one person", "a single person")),
        Answer("two people", _photo("two people", "a couple")),
        Answer("a group", _photo("a group of people", "a crowd")))),
    Family("place", "What kind of place?", tuple(
        Answer(p, _photo(f"a {p}" if p not in ("mountains",) else p)) for p in
        ("beach", "city street", "forest", "mountains", "home", "restaurant", "park", "office"))),
    Family("colour", "Which colour stands out?", tuple(
        Answer(c, _photo(f"something {c}", f"a mostly {c} scene")) for c in
        ("red", "orange", "yellow", "green", "blue", "purple", "pink", "white", "black"))),
    Family("subject", "What is the photo of?", tuple(
        Answer(s, _photo(f"a {s}" if s not in ("food", "people") else s)) for s in
        ("person", "dog", "cat", "car", "food", "building", "landscape", "flower", "document"))),
)


def load_families(model_name: str) -> list[Family]:
    """The model's own question list (`<model>.questions.json` beside its config), else the generic one."""
    path = _CONFIGS / f"{model_name}.questions.json"
    if path.is_file():
        return families_from_json(json.loads(path.read_text(encoding="utf-8")))
    return list(GENERIC_FAMILIES)


def _unit_rows(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=-1, keepdims=True), 1e-12)


def _entropy(p: np.ndarray, axis: int = -1) -> np.ndarray:
    return -(p * np.log2(np.clip(p, 1e-12, 1.0))).sum(axis=axis)


class Asker:
    """Chooses questions for a result list and applies answers, for one text encoder."""

    def __init__(self, encode_texts: Callable[[list[str]], np.ndarray], families: Sequence[Family],
                 temperature: float = TEMPERATURE):
        self._encode = encode_texts
        self.families = list(families)
        self.temperature = temperature
        self._vectors: dict[str, np.ndarray] = {}

    def answer_vectors(self, family: Family) -> np.ndarray:
        """(m, d) unit vectors, one per answer: the mean of its prompts' vectors."""
        if family.key not in self._vectors:
            rows = []
            for a in family.answers:
                v = _unit_rows(np.asarray(self._encode(list(a.prompts)), np.float32)).mean(axis=0)
                rows.append(v)
            self._vectors[family.key] = _unit_rows(np.asarray(rows, np.float32))
        return self._vectors[family.key]

    def probabilities(self, family: Family, vectors: np.ndarray) -> np.ndarray:
        """p(answer | result) for each row of `vectors`: (n, m)."""
        logits = (np.asarray(vectors, np.float32) @ self.answer_vectors(family).T) / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def gain(self, family: Family, vectors: np.ndarray) -> tuple[float, np.ndarray]:
        """Bits the answer tells about which of these results is wanted, and each answer's share of them."""
        p = self.probabilities(family, vectors)
        shares = p.mean(axis=0)
        return float(_entropy(shares) - _entropy(p).mean()), shares

    def choose(self, vectors: np.ndarray, asked: Sequence[str] = (), rng: random.Random | None = None
               ) -> Question | None:
        """The question for results `vectors` (their top first), or None when no answer would narrow them.

        Families already asked are skipped. With `rng`, a random family worth asking instead of the best (the
        bench's baseline).
        """
        top = np.asarray(vectors, np.float32)[:TOP_K]
        if len(top) < 2:
            return None
        scored = []
        for family in self.families:
            if family.key in asked:
                continue
            gain, shares = self.gain(family, top)
            offered = [i for i in np.argsort(-shares) if shares[i] >= MIN_SHARE][:MAX_ANSWERS]
            if gain < MIN_GAIN or len(offered) < 2:
                continue
            scored.append(Question(family, [family.answers[i] for i in offered],
                                   [float(shares[i]) for i in offered], gain))
        if not scored:
            return None
        if rng is not None:
            return rng.choice(scored)
        return max(scored, key=lambda q: q.gain)

    def reply(self, question: Question | Family, label: str, negated: bool = False) -> Reply:
        family = question.family if isinstance(question, Question) else question
        answer = next((a for a in family.answers if a.label.casefold() == label.strip().casefold()), None)
        if answer is None:
            choices = ", ".join(a.label for a in family.answers)
            raise KeyError(f"{label!r} is not an answer to {family.question!r} (answers: {choices})")
        return Reply(family, answer, negated, self.answer_vectors(family))

    # ----- applying answers ---------------------------------------------------------------------

    @staticmethod
    def direction(query: np.ndarray, replies: Sequence[Reply], beta: float = BETA) -> np.ndarray:
        """The query moved towards each answer (away, for "not X") from its family's mean answer."""
        q = np.asarray(query, np.float32)
        q = q / max(float(np.linalg.norm(q)), 1e-12)
        for r in replies:
            step = r.vectors[r.index] - r.vectors.mean(axis=0)
            step = step / max(float(np.linalg.norm(step)), 1e-12)
            q = q + (-beta if r.negated else beta) * step
        return q / max(float(np.linalg.norm(q)), 1e-12)

    def rerank_bonus(self, replies: Sequence[Reply], vectors: np.ndarray, lam: float = LAMBDA) -> np.ndarray:
        """LAMBDA · Σ log p(answer | result) (log(1 − p) for "not X") for each row of `vectors`."""
        bonus = np.zeros(len(vectors), np.float32)
        for r in replies:
            p = self.probabilities(r.family, vectors)[:, r.index]
            bonus += lam * np.log(np.clip(1.0 - p if r.negated else p, 1e-6, 1.0))
        return bonus

    def agrees(self, replies: Sequence[Reply], vectors: np.ndarray) -> np.ndarray:
        """For each row: is its most likely answer the one given to every reply (another one, for "not X")?"""
        keep = np.ones(len(vectors), bool)
        for r in replies:
            best = self.probabilities(r.family, vectors).argmax(axis=1)
            keep &= (best != r.index) if r.negated else (best == r.index)
        return keep


def entropy_bits(shares: Sequence[float]) -> float:
    """The entropy of a distribution in bits (a helper for explaining a question's choice)."""
    return float(-sum(s * math.log2(s) for s in shares if s > 0))
