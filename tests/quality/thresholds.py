"""The quality tests' pass marks, in one place so the random-weights control uses the same ones.

Each sits well below what the committed model measures (numbers in
``medialens-world.json`` and from ``python tests/bench/quality.py``) and far above
chance; ``test_quality_teeth.py`` checks that random weights of the same
architecture fail every one of them.
"""

# Measured with the committed model (medialens-world.json; random weights of the same
# architecture in brackets, from test_quality_teeth.py's fixtures):
#   colour+shape top 5 0.94 (0.31); text->image R@1 0.62, R@5 0.77 (0.01); colour edit target wins 0.93 (0.37);
#   sentence peak in span 1.00 (0.27); attribute accuracy: count 0.79 (0.52), texture 0.95 (0.15),
#   background 0.77 (0.19), size 1.00 (0.54), colour 0.96 (0.15), shape 0.31 (0.16), position 0.21 (0.19).

#: Share of "a <colour> <shape>" queries (held-out pairs) with a matching picture in the top 5.
COLOUR_SHAPE_TOP5 = 0.8
#: Full-caption text -> image R@5 on the 300-picture held-out gallery (chance ~0.02).
TEXT_IMAGE_R5 = 0.6
#: How often a query picks its own picture among pictures differing only in one
#: attribute. Chance: count ~0.41, texture 0.2, background ~0.19, size 0.5, colour ~0.15,
#: shape 0.125. Position is not here: the committed model has not learned it (it measures
#: at chance, 0.21), which is the world model's known gap, not the engine's.
ATTRIBUTE_ACCURACY = {
    "count": 0.7,
    "texture": 0.8,
    "background": 0.65,
    "size": 0.85,
    "colour": 0.8,
    "shape": 0.25,
}
#: A pass mark must stand this far above chance to mean anything.
ABOVE_CHANCE = 0.12
#: Share of colour-edit triplets whose target beats the unchanged reference under
#: normalise(image + text) (random weights: about a third).
COLOUR_EDIT_TARGET_WINS = 0.8
#: Share of a video's distinct sentences whose best frame lies in one of their spans.
SENTENCE_PEAK_IN_SPAN = 0.8
#: On the four hard videos (``world.plan_hard_video``) sampled as the engine samples them (shared frames
#: left out), the default localiser's R1@IoU0.7, and how far it must lead the per-frame threshold
#: baseline. Measured: temporal 0.58, threshold 0.31 (random weights: 0.00 and 0.00).
MOMENT_R1_IOU07 = 0.45
MOMENT_LEAD_IOU07 = 0.1
#: The per-query cutoff (core/search/cutoff.py) on the held-out gallery, F1 averaged over the two query
#: types ("a green star", full captions; tests/quality/cutoff_measures.py). Measured 0.601 with
#: the committed model (object 0.566, caption 0.637), the flat threshold tuned on validation 0.446,
#: the cutoff before focusing and kinds 0.535, random weights 0.038 (python tests/bench/cutoff.py).
CUTOFF_MEAN_F1 = 0.58
#: ... and the cutoff's lead over that flat threshold, on the same queries: issue 15's target.
CUTOFF_OVER_FLAT = 0.15
#: Word queries ("invoice 2024") on the text world (tests/quality/text_world.py): share whose picture
#: comes first in the fused ranking (CLIP alone: 0.0; measured fused 0.97 on 120 pictures, 30 with words).
FUSED_WORDS_R1 = 0.9
#: Caption queries may lose at most this much R@1 to the fusion against CLIP alone (measured: 0).
FUSED_CAPTION_R1_LOSS = 0.01
#: Mixed queries ("invoice 2024 blue circle", the words on two pictures, the scene of one): share whose
#: picture comes first fused (measured 0.85 on 40 pictures; CLIP alone 0.10, OCR alone 0.50, a coin toss).
FUSED_MIXED_R1 = 0.7
#: The bilingual world model (MediaLens-World-zh) on the held-out gallery: full-caption text -> image R@1 that
#: English and Chinese queries must each reach, and Chinese R@1 against English R@1 (issue 24's target).
BILINGUAL_R1 = 0.4
CHINESE_OVER_ENGLISH_R1 = 0.95
