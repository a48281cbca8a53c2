"""The quality tests' pass marks, in one place so the random-weights control uses the same ones.

Each sits well below what the committed model measures (numbers in
``medialens-world.json`` and from ``python tests/bench/quality.py``) and far above
chance; ``test_quality_teeth.py`` checks that random weights of the same
architecture fail every one of them.
"""

#: Share of "a <colour> <shape>" queries (held-out pairs) with a matching picture in the top 5.
COLOUR_SHAPE_TOP5 = 0.8
#: Full-caption text -> image R@5 on the 300-picture held-out gallery (chance ~0.02).
TEXT_IMAGE_R5 = 0.3
#: How often a query picks its own picture among pictures differing only in one
#: attribute. Chance: count ~0.37, position 0.2, texture 0.2, background ~0.22,
#: size 0.5, colour ~0.15, shape 0.125.
ATTRIBUTE_ACCURACY = {
    "count": 0.6,
    "position": 0.6,
    "texture": 0.6,
    "background": 0.6,
    "size": 0.75,
    "colour": 0.6,
    "shape": 0.5,
}
#: Share of colour-edit triplets whose target beats the unchanged reference under
#: normalise(image + text) (random weights: about half).
COLOUR_EDIT_TARGET_WINS = 0.8
#: Share of a video's distinct sentences whose best frame lies in one of their spans.
SENTENCE_PEAK_IN_SPAN = 0.6
