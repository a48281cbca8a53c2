"""The generated world is deterministic and keeps its held-out split."""

from __future__ import annotations

import hashlib
import io
import itertools
import re

import av
import pytest

from tests.quality import world


def _png_bytes(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_same_seed_gives_same_pictures_and_captions():
    first, again = world.make_pictures(20, 3, "test"), world.make_pictures(20, 3, "test")
    assert first == again
    assert [_png_bytes(p.image()) for p in first] == [_png_bytes(p.image()) for p in again]
    assert world.make_pictures(20, 4, "test") != first


def test_pictures_are_rgb_at_the_asked_size():
    picture = world.make_pictures(1, 0)[0]
    assert picture.image().size == (128, 128)
    assert picture.image((256, 144)).mode == "RGB"
    assert picture.image((256, 144)).size == (256, 144)


@pytest.mark.parametrize("split", world.SPLITS)
def test_split_rule_on_colour_shape_pairs(split):
    for picture in world.make_pictures(200, 11, split):
        held = [world.is_held_out_pair(g.colour, g.shape) for g in picture.scene.groups]
        assert held[0] if split == "test" else not any(held)


def test_every_colour_and_shape_is_held_out_with_two_partners():
    for colour in world.COLOURS:
        assert sum(world.is_held_out_pair(colour, shape) for shape in world.SHAPES) == 2
    for shape in world.SHAPES:
        assert sum(world.is_held_out_pair(colour, shape) for colour in world.COLOURS) == 2


def test_test_phrasings_never_appear_in_training_captions():
    test_only = re.compile(r"there is|there are|as well as| plus |a picture showing|^an? (\w+ ){0,2}background")
    train = [c for p in world.make_pictures(300, 5, "train") for c in p.captions]
    assert not [c for c in train if test_only.search(c)]
    assert all(test_only.search(p.query) for p in world.make_pictures(100, 5, "test"))


def test_full_captions_name_every_attribute():
    for picture in world.make_pictures(50, 8, "test"):
        for group in picture.scene.groups:
            assert group.colour in picture.query
            assert group.shape in picture.query


def test_triplets_change_what_they_say():
    triplets = world.make_triplets(90, 2, "test")
    assert {t.kind for t in triplets} == set(world.EDIT_KINDS)
    for t in triplets:
        assert t.reference.scene != t.target.scene
        assert t.reference.seed == t.target.seed  # unchanged objects stay where they were
        assert t.reference_caption != t.target_caption
        held = [
            world.is_held_out_pair(g.colour, g.shape) for s in (t.reference.scene, t.target.scene) for g in s.groups
        ]
        assert any(held)
    colour_edits = [t for t in triplets if t.kind == "colour"]
    assert all(any(g.colour in t.change for g in t.target.scene.groups) for t in colour_edits)


def test_training_triplets_avoid_held_out_pairs():
    for t in world.make_triplets(60, 2, "train"):
        for scene in (t.reference.scene, t.target.scene):
            assert not any(world.is_held_out_pair(g.colour, g.shape) for g in scene.groups)


def test_attribute_probes_differ_in_one_attribute_only():
    for variants in world.make_attribute_probes("texture", 5, 1):
        assert len({p.scene.texture for p in variants}) == len(variants) >= 2
        assert len({p.scene.groups for p in variants}) == 1


@pytest.mark.parametrize("codec", ["h264", "vp9"])
def test_video_is_reproducible_and_spans_tile_it(tmp_path, codec):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = world.make_video(tmp_path / "a", 1, n_shots=4, max_shot_s=4.0, fps=5, codec=codec)
    again = world.make_video(tmp_path / "b", 1, n_shots=4, max_shot_s=4.0, fps=5, codec=codec)
    assert hashlib.sha256(first.path.read_bytes()).digest() == hashlib.sha256(again.path.read_bytes()).digest()
    assert first.spans[0].start_s == 0
    assert all(a.end_s == b.start_s for a, b in zip(first.spans, first.spans[1:], strict=False))
    assert first.spans[-1].end_s == first.duration_s
    assert all(2.0 <= s.end_s - s.start_s <= 4.0 for s in first.spans)
    with av.open(str(first.path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == {"h264": "h264", "vp9": "vp9"}[codec]
        frames = list(container.decode(stream))
    assert len(frames) == round(first.duration_s * 5)
    assert frames[0].format.name == "yuv420p"


def test_video_plans_repeat_shots_and_vary_lengths():
    plans = [world.plan_video(seed, n_shots=10) for seed in range(5)]
    assert any(len({shot.sentence for shot in plan}) < len(plan) for plan in plans)
    durations = [shot.duration_s for plan in plans for shot in plan]
    assert min(durations) >= 2.0 and max(durations) <= 20.0 and max(durations) - min(durations) > 10
    assert any(shot.motion for plan in plans for shot in plan)


def test_every_valid_group_can_be_placed_at_its_position():
    for position, size, count in itertools.product(world.POSITIONS, world.SIZES, world.COUNTS):
        scene = world.Scene((world.Group("star", "red", count, size, position),), "plain", "gray")
        if world._valid(scene):
            for seed in range(5):
                assert len(world.layout(scene, str(seed))) == count


def test_hard_video_plans_have_slow_long_shots_adjacent_near_duplicates_and_relocations():
    plans = [world.plan_hard_video(seed) for seed in range(8)]
    shots = [shot for plan in plans for shot in plan]
    assert any(shot.drift and shot.duration_s >= 24 for shot in shots)
    pairs = [pair for plan in plans for pair in itertools.pairwise(plan)]
    # a near-duplicate next to its original: same groups or same place, one thing changed
    assert any(a.scene != b.scene and (a.scene.groups == b.scene.groups) != (
        (a.scene.texture, a.scene.background) == (b.scene.texture, b.scene.background)) for a, b in pairs)
    relocated = [(a, b) for plan in plans for i, a in enumerate(plan) for b in plan[i + 1:]
                 if a.scene.groups == b.scene.groups and a.scene.texture != b.scene.texture
                 and a.scene.background != b.scene.background]
    assert relocated and all(a.sentence != b.sentence for a, b in relocated)


def test_hard_videos_cross_fade_at_the_cut_and_spans_still_tile(tmp_path):
    truth = world.make_video(tmp_path, 3, n_shots=3, fps=5, hard=True, blend_s=1.0)
    assert truth.spans[0].start_s == 0 and truth.spans[-1].end_s == truth.duration_s
    assert all(a.end_s == b.start_s for a, b in zip(truth.spans, truth.spans[1:], strict=False))
    with av.open(str(truth.path)) as container:
        frames = [f.to_ndarray(format="rgb24").astype(float) for f in container.decode(video=0)]
    cut = round(truth.spans[0].end_s * 5)
    before, at, after = frames[cut - 5], frames[cut], frames[cut + 5]
    # at the cut the picture is a mix of the two shots, nearer to neither than they are to each other
    assert abs(at - before).mean() < abs(after - before).mean() and abs(at - after).mean() < abs(after - before).mean()
