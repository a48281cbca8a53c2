"""The bilingual world model's tokenizer: trained with `tokenizers` on English and Chinese world captions.

    python -m tests.quality.bilingual      # writes core/models/model_configs/MediaLens-World-zh/tokenizer.json

Why this tokenizer (a BPE over words, Chinese split into characters first):

* English words are separated by spaces, and the world's vocabulary is small: BPE turns
  every world word into one token and still spells an unseen word ("dog") from pieces.
* Chinese has no spaces. Left to itself, BPE would merge across word boundaries and bake
  the training frames' character n-grams ("的小", "上有") into tokens, so the same word
  would tokenize differently in test-only phrasings. Split into single characters first
  (the pre-tokenizer isolates each ``\\p{Han}``), every character is a token: Chinese
  characters are morphemes (红 red, 圆 round, 形 shape), which is why real multilingual
  vocabularies (XLM-R, mT5) hold most CJK text as single characters or short words, and
  a user's "红圆" shares its tokens with "红色的圆形". A Unigram model learns the same
  thing from far more text than the world has; character-level English would need a
  context three times longer.
* The alphabet holds the 3,755 level-1 characters of GB 2312 (the common ones) besides
  those of the world, so a query with characters the world never uses (猫) maps to
  characters, not to one shared unknown token.
* Normalisation lives in the file (NFKC, lower case): any reader of ``tokenizer.json``
  (ONNX Runtime here, Immich's ``textual.py``) gets the same ids. Framing is CLIP's:
  ``<start_of_text> … <end_of_text>``, padded with ``<pad>`` (id 0), and the end token has
  the highest id, so open_clip's text tower pools at it (``pool_type: argmax``).
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.quality import world, world_zh
from tests.quality.model import MODEL_CONFIGS

MODEL_NAME_ZH = "MediaLens-World-zh"
TOKENIZER = MODEL_CONFIGS / MODEL_NAME_ZH / "tokenizer.json"
WEIGHTS_ZH = Path(__file__).resolve().parent / "medialens-world-zh.safetensors"
START, END, PAD, UNKNOWN = "<start_of_text>", "<end_of_text>", "<pad>", "<unk>"
CORPUS_SEED = 3_000_017  # train-split pictures only: the tokenizer never sees test phrasings
CORPUS_PICTURES = 4000


def common_chinese_characters() -> list[str]:
    """GB 2312 level 1: the 3,755 most common characters (rows 0xB0-0xD7 of the code page)."""
    characters = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                characters.append(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # row 0xD7 ends at 0xF9
    return characters


def seed_words() -> dict[str, list[str]]:
    """Each Chinese character of the world's word tables -> the English words of the entries it is in.

    A bilingual dictionary, read from the two caption generators' own tables (红色 -> red,
    粉红色 -> pink, 圆形 -> circle, 左边 -> left, 条纹 -> striped, ...), plus a few function
    words (有 -> with, 在 -> on). ``train.start_from_english`` starts each character's
    embedding at the mean of its English words' (WECHSEL, Minixhofer et al. 2022: new-language
    embeddings initialised from a dictionary's source-language neighbours), so Chinese starts
    near its meaning and training has its word order and its other characters to learn.
    Characters of the test-only phrasings are in none of these entries.
    """
    entries: list[tuple[str, str]] = [
        *((zh, colour) for colour, words in world_zh.COLOUR_WORDS.items() for zh in words),
        *((zh, shape) for shape, words in world_zh.SHAPE_WORDS.items() for zh in words),
        *((zh, position) for position, words in world_zh._POSITION_WORDS.items() for zh in words),
        *((zh, colour) for colour, words in world_zh._BACKGROUND_COLOUR_WORDS.items() for zh in words),
        *((zh, world._TEXTURE_ADJECTIVES[t][0]) for t, words in world_zh._TEXTURE_WORDS.items() for zh in words),
        ("小", "small"), ("大", "big"), ("一", "one"), ("两", "two"), ("三", "three"), ("纯", "plain"),
        ("浅", "light"), ("背景", "background"), ("图片", "picture"), ("照片", "photo"), ("画面", "picture"),
        ("移动", "moving"), ("滑动", "sliding"), ("有", "with"), ("在", "on"), ("上", "on"), ("和", "and"),
    ]
    words: dict[str, list[str]] = {}
    for chinese, english in entries:
        for character in chinese:
            words.setdefault(character, []).append(english)
    return words


def corpus(n_pictures: int = CORPUS_PICTURES, seed: int = CORPUS_SEED) -> Iterator[str]:
    """English and Chinese captions of train-split pictures, motion captions and edit instructions."""
    rng = random.Random(f"{seed}/corpus")
    for picture in world.make_pictures(n_pictures, seed, "train"):
        yield from picture.captions
        yield from world_zh.describe_zh(picture, "train")[0]
        group, scene = picture.scene.groups[0], picture.scene
        yield world.motion_caption(group, scene.texture, scene.background, rng)
        yield world_zh.motion_caption_zh(group, scene.texture, scene.background, rng)
    for triplet in world.make_triplets(n_pictures // 4, seed, "train"):
        yield triplet.change


def train_tokenizer(path: Path = TOKENIZER, context_length: int | None = None) -> int:
    """Train the BPE on ``corpus()`` and save it as ``tokenizer.json``; returns the vocabulary size."""
    from tokenizers import Regex, Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import BPE
    from tokenizers.trainers import BpeTrainer

    tokenizer = Tokenizer(BPE(unk_token=UNKNOWN))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    # Keep each Han character, each run of other letters/digits, each punctuation mark; drop spaces.
    tokenizer.pre_tokenizer = pre_tokenizers.Split(
        Regex(r"\p{Han}|[^\s\p{Han}\p{P}\p{S}]+|[\p{P}\p{S}]"), behavior="removed", invert=True)
    alphabet = [chr(c) for c in range(0x21, 0x7F)] + common_chinese_characters()
    trainer = BpeTrainer(vocab_size=len(alphabet) + 1000, min_frequency=2, special_tokens=[PAD, UNKNOWN],
                         initial_alphabet=alphabet, show_progress=False)
    tokenizer.train_from_iterator(corpus(), trainer)
    tokenizer.add_special_tokens([START, END])  # after the vocabulary: the end token has the highest id
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{START} $A {END}",
        special_tokens=[(START, tokenizer.token_to_id(START)), (END, tokenizer.token_to_id(END))])
    if context_length is not None:
        tokenizer.enable_truncation(max_length=context_length)
        tokenizer.enable_padding(length=context_length, pad_id=0, pad_token=PAD)
    path.parent.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(path))
    return tokenizer.get_vocab_size()


def main() -> int:
    import json

    config = json.loads((MODEL_CONFIGS / f"{MODEL_NAME_ZH}.json").read_text())
    size = train_tokenizer(context_length=config["text_cfg"]["context_length"])
    print(f"{TOKENIZER}: {size} tokens (the config says {config['text_cfg']['vocab_size']})")
    return 0 if size == config["text_cfg"]["vocab_size"] else 1


if __name__ == "__main__":
    sys.exit(main())
