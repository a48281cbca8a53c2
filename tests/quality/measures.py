"""Quality measures over the generated world, shared by the quality tests and the benchmark.

Every measure takes an *encoder*: anything with ``encode_images(list of PIL images)``
and ``encode_texts(list of str)`` returning L2-normalised rows, which is the shape of
the engine's ``core.models.embed.Encoder``, so the same numbers can be taken through the
engine once it is the thing under test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image

from tests.quality import world
from tests.quality.metrics import recall_at_k, relevance


class Encoder(Protocol):
    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray: ...

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalise(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=-1, keepdims=True), 1e-12)


def text_image_recall(
    encoder: Encoder,
    pictures: Sequence[world.Picture],
    image_vectors: np.ndarray,
    ks: Sequence[int] = (1, 5, 10),
    queries: Sequence[str] | None = None,
) -> dict[int, float]:
    """R@k of each picture's full test-phrasing ``query`` (or ``queries[i]``) against the gallery (same scene = hit)."""
    queries = encoder.encode_texts([p.query for p in pictures] if queries is None else list(queries))
    keys = [p.scene for p in pictures]
    return recall_at_k(queries @ image_vectors.T, relevance(keys, keys), ks)


def colour_shape_queries(pictures: Sequence[world.Picture], held_out_only: bool = True) -> list[tuple[str, str]]:
    """The (colour, shape) pairs worth asking for in a gallery: those some picture shows."""
    pairs = {(g.colour, g.shape) for p in pictures for g in p.scene.groups}
    return sorted(pair for pair in pairs if world.is_held_out_pair(*pair) or not held_out_only)


def colour_shape_hits(
    encoder: Encoder,
    pictures: Sequence[world.Picture],
    image_vectors: np.ndarray,
    k: int = 5,
    object_query: Callable[[str, str], str] = world.object_query,
) -> tuple[float, float]:
    """For queries like "a green star" (held-out pairs): (share with a match in the top k, precision@k).

    ``object_query`` words them (``world_zh.object_query_zh``: "绿色的星星").
    """
    pairs = colour_shape_queries(pictures)
    queries = encoder.encode_texts([object_query(colour, shape) for colour, shape in pairs])
    top = np.argsort(-(queries @ image_vectors.T), axis=1, kind="stable")[:, :k]
    matches = np.array(
        [
            [any((g.colour, g.shape) == pair for g in pictures[j].scene.groups) for j in row]
            for pair, row in zip(pairs, top, strict=True)
        ]
    )
    return float(matches.any(axis=1).mean()), float(matches.mean())


def attribute_accuracy(
    encoder: Encoder, probes: Sequence[Sequence[world.Picture]], images: Sequence[Sequence[Image.Image]]
) -> tuple[float, float]:
    """(accuracy, chance): how often a variant's query picks that variant among its probe set.

    ``images`` are the rendered probes, in the same nesting as ``probes``.
    """
    vectors = encoder.encode_images([image for variants in images for image in variants])
    correct, chance = [], []
    start = 0
    for variants in probes:
        variant_vectors = vectors[start : start + len(variants)]
        start += len(variants)
        texts = encoder.encode_texts([p.query for p in variants])
        correct += list(np.argmax(texts @ variant_vectors.T, axis=1) == np.arange(len(variants)))
        chance += [1 / len(variants)] * len(variants)
    return float(np.mean(correct)), float(np.mean(chance))


def composed_vectors(
    encoder: Encoder,
    triplets: Sequence[world.Triplet],
    reference_images: Sequence[Image.Image],
    target_images: Sequence[Image.Image],
) -> dict[str, np.ndarray]:
    """References, targets, changes and the simple composition normalise(image + text)."""
    references = encoder.encode_images(reference_images)
    targets = encoder.encode_images(target_images)
    changes = encoder.encode_texts([t.change for t in triplets])
    return {
        "references": references,
        "targets": targets,
        "changes": changes,
        "composed": _normalise(references + changes),
    }


def composed_target_wins(vectors: dict[str, np.ndarray]) -> float:
    """Share of triplets whose composed query scores the target above the unchanged reference."""
    composed = vectors["composed"]
    return float(
        np.mean(np.sum(composed * vectors["targets"], axis=1) > np.sum(composed * vectors["references"], axis=1))
    )


def composed_recall(
    encoder: Encoder, triplets: Sequence[world.Triplet], vectors: dict[str, np.ndarray], ks: Sequence[int] = (1, 5, 10)
) -> dict[str, dict[int, float]]:
    """R@k of the target among every reference and target of the set, per query method.

    As in CIRR, a query's own reference is taken out of its gallery. Methods: the image
    alone, the change text alone, their normalised sum, and an oracle that searches
    with the target's true caption (an upper bound for caption-based approaches).
    """
    gallery = np.concatenate([vectors["targets"], vectors["references"]])
    keys = [t.target.scene for t in triplets] + [t.reference.scene for t in triplets]
    relevant = relevance([t.target.scene for t in triplets], keys)
    n = len(triplets)
    own_reference = np.zeros_like(relevant)
    own_reference[np.arange(n), n + np.arange(n)] = True
    relevant &= ~own_reference
    oracle = encoder.encode_texts([t.target_caption for t in triplets])
    methods = {
        "image only": vectors["references"],
        "text only": vectors["changes"],
        "image + text": vectors["composed"],
        "oracle target caption": oracle,
    }
    results = {}
    for name, queries in methods.items():
        scores = queries @ gallery.T
        scores[own_reference] = -np.inf
        results[name] = recall_at_k(scores, relevant, ks)
    return results


def decode_frames(path: Path, every_s: float = 0.5) -> tuple[np.ndarray, list[Image.Image]]:
    """(times in seconds, RGB frames) sampled about every ``every_s`` seconds with PyAV."""
    import av

    times, frames = [], []
    next_time = 0.0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            t = float(frame.pts * stream.time_base)
            if t + 1e-6 >= next_time:
                times.append(t)
                frames.append(frame.to_image())
                next_time += every_s
    return np.array(times), frames


def video_peak_hits(encoder: Encoder, truth: world.VideoTruth, times: np.ndarray, frame_vectors: np.ndarray) -> float:
    """Share of a video's distinct sentences whose best-matching frame lies inside one of its spans."""
    sentences = sorted({span.sentence for span in truth.spans})
    texts = encoder.encode_texts(sentences)
    peaks = times[np.argmax(texts @ frame_vectors.T, axis=1)]
    hits = [
        any(s.start_s <= peak < s.end_s for s in truth.spans if s.sentence == sentence)
        for sentence, peak in zip(sentences, peaks, strict=True)
    ]
    return float(np.mean(hits))


def mean_peak_hits(
    encoder: Encoder,
    truths: Sequence[world.VideoTruth],
    times: Sequence[np.ndarray],
    frames: Sequence[Sequence[Image.Image]],
) -> float:
    """``video_peak_hits`` averaged over videos, from their decoded frames."""
    hits = [
        video_peak_hits(encoder, truth, video_times, encoder.encode_images(video_frames))
        for truth, video_times, video_frames in zip(truths, times, frames, strict=True)
    ]
    return float(np.mean(hits))


def span_iou(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Temporal intersection over union of two (start, end) spans in seconds."""
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def threshold_moment(times: np.ndarray, similarities: np.ndarray, step_s: float) -> tuple[float, float]:
    """The baseline localiser: the best frame, grown while neighbours stay above a level.

    The level is halfway between the peak and the median similarity. Engines should
    beat this with temporal context (e.g. scoring candidate spans on pooled frames).
    """
    peak = int(np.argmax(similarities))
    level = similarities[peak] - 0.5 * (similarities[peak] - np.median(similarities))
    first = last = peak
    while first > 0 and similarities[first - 1] >= level:
        first -= 1
    while last < len(similarities) - 1 and similarities[last + 1] >= level:
        last += 1
    return float(times[first]), float(times[last] + step_s)


def moment_ious(
    encoder: Encoder, truth: world.VideoTruth, times: np.ndarray, frame_vectors: np.ndarray, step_s: float
) -> list[float]:
    """IoU of the baseline's moment for each distinct sentence with its best-matching true span."""
    sentences = sorted({span.sentence for span in truth.spans})
    similarities = encoder.encode_texts(sentences) @ frame_vectors.T
    ious = []
    for sentence, row in zip(sentences, similarities, strict=True):
        found = threshold_moment(times, row, step_s)
        ious.append(max(span_iou(found, (s.start_s, s.end_s)) for s in truth.spans if s.sentence == sentence))
    return ious


def sample_video(path: Path) -> tuple[np.ndarray, list[Image.Image]]:
    """(times, images) of the frames the engine embeds: ``core.media.video``'s default sampling, shared frames
    left out."""
    from core.media import video

    kept = [f for f in video.read_frames(path) if not f.shares]
    return np.array([f.t_s for f in kept]), [f.image for f in kept]


def moment_recall(
    encoder: Encoder,
    truths: Sequence[world.VideoTruth],
    times: Sequence[np.ndarray],
    frames: Sequence[Sequence[Image.Image]],
    method: str,
) -> dict[float, float]:
    """R1@IoU{0.5, 0.7}: share of a video's distinct sentences whose first moment (``core.search.moments``,
    ``method``) overlaps one of its true spans that much."""
    from core.search.moments import iou, localise

    ious = []
    for truth, video_times, video_frames in zip(truths, times, frames, strict=True):
        vectors = encoder.encode_images(video_frames)
        sentences = sorted({span.sentence for span in truth.spans})
        for sentence, query in zip(sentences, encoder.encode_texts(sentences), strict=True):
            found = localise(vectors @ query, video_times, truth.duration_s, 1, method)[0]
            ious.append(max(iou((found.start_s, found.end_s), (s.start_s, s.end_s))
                            for s in truth.spans if s.sentence == sentence))
    values = np.array(ious)
    return {0.5: float((values >= 0.5).mean()), 0.7: float((values >= 0.7).mean())}


def rocchio_recall(
    queries: np.ndarray, image_vectors: np.ndarray, relevant: np.ndarray, rounds: int, k: int = 10
) -> list[float]:
    """Recall@k after 0..rounds of relevance feedback with the Rocchio baseline.

    Each round the user marks the k results shown as relevant or not (from the ground
    truth); the query moves towards the mean of the relevant ones and away from the
    rest: q + 0.75 mean(relevant) - 0.25 mean(not relevant), normalised. Recall@k is
    the share of the relevant pictures in the top k, out of at most k.
    """
    query = queries.copy()
    recalls = []
    for round_ in range(rounds + 1):
        top = np.argsort(-(query @ image_vectors.T), axis=1, kind="stable")[:, :k]
        hits = np.take_along_axis(relevant, top, axis=1)
        recalls.append(float(np.mean(hits.sum(axis=1) / np.minimum(k, relevant.sum(axis=1)))))
        if round_ == rounds:
            break
        for i in range(len(query)):
            shown = image_vectors[top[i]]
            good, bad = shown[hits[i]], shown[~hits[i]]
            update = query[i].copy()
            if len(good):
                update += 0.75 * good.mean(axis=0)
            if len(bad):
                update -= 0.25 * bad.mean(axis=0)
            query[i] = update / np.linalg.norm(update)
    return recalls
