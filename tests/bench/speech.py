"""What is said in videos: spoken-phrase moment retrieval per expert and fused, the engine's word error rate,
and what hearing costs.

    python tests/bench/speech.py [--videos 12] [--subtitled 4]

Talking videos are made here (tests/speech_factory.py): world shots (tests/quality/world.py) under
sentences spoken by espeak-ng in three voices at known times, a third clean, a third with pink noise and
a third with music under the voice (sox); `--subtitled` more videos carry their sentences as a sidecar
.srt (half) or a SubRip stream (half) and no voice. One library (the trained world model) is indexed with
OCR on, then with speech on (that second run does only the speech stage, timed alone by wall and CPU clock).

* **retrieval**: each sentence is a query; R1@IoU0.5 (the first moment across the library is in the right
  video and overlaps the sentence's span by IoU ≥ 0.5) and R1 of the video alone, for the baselines in the
  same run — frames only (CLIP moments for the query vector), frames + OCR (the fusion with OCR's lines only) —
  for speech alone (the text expert's first said line), and fused (frames + OCR + speech).
  Subtitle queries are scored on the subtitled videos.
* **WER** of the engine: its words inside each sentence's span against the sentence.
* **cost**: audio seconds over the speech stage's wall and CPU seconds (× real time; above 1 is faster than
  real time), beside embedding's on the same videos.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from _common import machine

from tests.quality import world
from tests.quality.model import MODEL_NAME, WEIGHTS
from tests.speech_factory import soundtrack, write_srt, write_talking_video

SENTENCES = [
    "happy birthday to you my friend", "the budget for next year is approved", "please open the window",
    "see you on monday morning", "the train leaves at seven", "we need more coffee in the kitchen",
    "turn left at the old church", "my brother plays the guitar", "the children are sleeping now",
    "call the doctor right away", "this soup is too hot", "the meeting starts in ten minutes",
    "she found her keys under the sofa", "the garden needs water today", "let us go to the beach",
    "the dog is barking again", "i will send you the letter", "the game was very exciting",
    "close the door behind you", "the museum opens at nine", "we lost the map yesterday",
    "bring a warm jacket tonight", "the river is very cold", "thank you for the lovely dinner",
    "the car will not start", "read the first chapter tonight", "the phone is ringing again",
    "my sister lives in london", "the bank closes at five", "put the books on the table",
    "the bus was late this morning", "wash your hands before lunch", "the music is too loud",
    "we planted roses in spring", "the baby is laughing", "your flight has been delayed",
    "the shop sells fresh bread", "i forgot my umbrella", "the teacher gave us homework",
    "the cat sleeps on the bed", "switch off the lights please", "the water is boiling",
    "he painted the fence green", "the snow fell all night", "we watched a movie together",
    "the printer is out of paper", "the market is very busy", "check the tyres before the trip",
    "the lighthouse keeper waves hello", "our neighbours adopted a puppy", "the kettle whistles loudly",
    "a storm is coming from the west", "the library returns are overdue", "grandma bakes apple pie",
    "the elevator is out of order", "pack the tent and sleeping bags", "the violin lesson is cancelled",
    "the harbour smells of salt", "feed the goldfish twice a day", "the parade starts at noon",
    "my bicycle has a flat tyre", "the chess club meets on friday", "the bakery ran out of bagels",
    "paint the ceiling white", "the tomatoes are finally ripe", "the airport shuttle is full",
    "mind the gap on the platform", "the volcano erupted last year",
]
FPS = 2
CLIP_S = 24.0
PER_VIDEO = 4
BEDS = (None, "noise", "music")


def make_videos(folder: Path, n_videos: int, n_subtitled: int, seed: int = 7) -> dict:
    """Talking and subtitled videos; truth: query -> (file name, start, end, expert)."""
    folder.mkdir(parents=True)
    rng = random.Random(seed)
    sentences = SENTENCES[:]
    rng.shuffle(sentences)
    truth = {}
    pictures = world.make_pictures((n_videos + n_subtitled) * 3, 9_800_001, "test")
    for v in range(n_videos + n_subtitled):
        lines = [(1.0 + k * CLIP_S / PER_VIDEO + rng.uniform(0, 1.0), sentences.pop()) for k in range(PER_VIDEO)]
        shots = [pictures[3 * v + k % 3].image(160) for k in range(3)]
        frames = [shots[min(2, int(i / FPS / (CLIP_S / 3)))] for i in range(int(CLIP_S * FPS))]
        if v < n_videos:
            name = f"talk{v:02d}.mp4"
            audio, said = soundtrack(lines, CLIP_S, bed=BEDS[v % 3], seed=v)
            write_talking_video(folder / name, frames, FPS, audio)
            for s in said:
                truth[s.text] = (name, s.start_s, s.end_s, "speech", BEDS[v % 3] or "clean")
        else:
            cues = [(t, t + 2.5, text) for t, text in lines]
            stream = v % 2 == 0
            name = f"subs{v:02d}.mkv" if stream else f"subs{v:02d}.mp4"
            srt = write_srt(folder.parent / f"{name}.srt" if stream else folder / f"subs{v:02d}.srt", cues)
            write_talking_video(folder / name, frames, FPS, None, srt if stream else None)
            for a, b, text in cues:
                truth[text] = (name, a, b, "subtitle", "stream" if stream else "sidecar")
    return truth


def _iou(a: tuple[float, float], b: tuple[float, float]) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def _r1(hit, want) -> tuple[bool, bool]:
    """(right video, right video and IoU ≥ 0.5) for a first hit."""
    if hit is None or not hit.path.endswith(want[0]) or hit.start_s is None:
        return False, False
    return True, _iou((hit.start_s, hit.end_s or hit.start_s), (want[1], want[2])) >= 0.5


def wer(ref: list[str], hyp: list[str]) -> tuple[int, int]:
    """(edit distance in words, reference length)."""
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return d[-1], len(ref)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--videos", type=int, default=12, help="talking videos (4 sentences each)")
    ap.add_argument("--subtitled", type=int, default=4, help="subtitled videos (4 lines each)")
    args = ap.parse_args()
    if (args.videos + args.subtitled) * PER_VIDEO > len(SENTENCES):
        ap.error(f"at most {len(SENTENCES) // PER_VIDEO} videos in all")
    from core.library import Library
    from core.search.fusion import FUSION_DEPTH, _fuse, _proposals, _to_next_sample, text_evidence
    from core.search.moments import videos_only
    from core.search.query import text_query
    from core.store.catalog_speech import timed_lines
    from core.vector_math import unit

    tmp = Path(tempfile.mkdtemp(prefix="medialens-speech-"))
    truth = make_videos(tmp / "videos", args.videos, args.subtitled)
    audio_total = args.videos * CLIP_S
    rows: dict[str, list[tuple[bool, bool]]] = {}
    with Library(tmp / "lib", model=MODEL_NAME, weights=WEIGHTS, device="cpu") as lib:
        lib.models.encoder.load()
        first = lib.index([tmp / "videos"], ocr=True)  # frames, on-screen text and subtitles
        cpu0, t0 = time.process_time(), time.monotonic()
        report = lib.index([tmp / "videos"], speech=True)  # only the speech stage is left to do
        cpu_s, wall = time.process_time() - cpu0, time.monotonic() - t0
        engine = lib.engine()
        for query, want in truth.items():
            expert, condition = want[3], want[4]
            vec = unit(text_query(engine.context, query).vector)
            frames = engine.by_vector(vec, FUSION_DEPTH, filters=videos_only(None))
            found = _proposals(text_evidence(lib.catalog, query))
            _to_next_sample(lib.catalog, found)
            with_ocr = _fuse(engine, list(frames), [p for p in found if p.evidence.expert == "ocr"], vec,
                             videos_only(None)) if any(p.evidence.expert == "ocr" for p in found) else frames
            fused = lib.moments(query, n=1)
            alone = [p for p in found if p.evidence.expert == expert]
            top = alone[0] if alone else None
            path = lib.catalog.file(top.evidence.file_id).path if top else ""
            said = (path.endswith(want[0]),
                    path.endswith(want[0]) and _iou((top.start_s, top.end_s), (want[1], want[2])) >= 0.5)
            for label, r in ((f"frames only ({expert})", _r1(frames[0] if frames else None, want)),
                             (f"frames + OCR ({expert})", _r1(with_ocr[0] if with_ocr else None, want)),
                             (f"{expert} alone", said),
                             (f"fused: frames + OCR + {expert}", _r1(fused[0] if fused else None, want)),
                             (f"fused, {condition}", _r1(fused[0] if fused else None, want))):
                rows.setdefault(label, []).append(r)
        errors = words = 0
        per_bed: dict[str, list[int]] = {}
        for query, (name, a, b, expert, condition) in truth.items():
            if expert != "speech":
                continue
            rec = lib.catalog.file_by_path(str(tmp / "videos" / name))
            hyp = [w for ln in timed_lines(lib.catalog, rec.id, ("speech",)) for w, s, e in ln.words
                   if s < b + 0.2 and e > a - 0.2]
            e, n = wer(query.split(), hyp)
            errors, words = errors + e, words + n
            per_bed.setdefault(condition, [0, 0])
            per_bed[condition][0] += e
            per_bed[condition][1] += n
    speech_queries = sum(1 for w in truth.values() if w[3] == "speech")
    sub_queries = len(truth) - speech_queries
    print(f"\n## spoken and subtitled moments: {args.videos} talking videos × {PER_VIDEO} sentences "
          f"({speech_queries} phrases; clean / noise / music under the voice), {args.subtitled} subtitled "
          f"({sub_queries} lines), {MODEL_NAME}, PocketSphinx en-us ({machine()})\n")
    print("| expert | queries | R1 (video) | R1@IoU0.5 |")
    print("|---|---|---|---|")
    for label, got in rows.items():
        print(f"| {label} | {len(got)} | {statistics.mean(v for v, _ in got):.3f} | "
              f"{statistics.mean(m for _, m in got):.3f} |")
    print(f"\nWER of the engine on the {speech_queries} sentences: {errors / words:.3f} "
          + "(" + ", ".join(f"{k} {e / n:.3f}" for k, (e, n) in per_bed.items()) + ")")
    embed_rate = first.video_seconds / first.embed_s if first.embed_s else float("nan")
    print(f"\nspeech stage: {report.speech_audio_s:.0f} s of audio in {report.speech_s:.1f} s wall = "
          f"{report.speech_audio_s / report.speech_s:.2f}× real time, {cpu_s:.1f} CPU-s = "
          f"{audio_total / cpu_s:.2f}× real time per core ({cpu_s / audio_total * 60:.1f} CPU-s per minute of audio; "
          f"wall of that index run {wall:.1f} s). Same run: embedding the videos {embed_rate:.1f}× real time (wall), "
          f"OCR of their frames {first.text_s:.1f} s.")


if __name__ == "__main__":
    main()
