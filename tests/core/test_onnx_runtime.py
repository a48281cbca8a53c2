"""The ONNX Runtime path: export, agreement with open_clip, preprocessing and tokens, torch-free queries, bad input.

The tiny random-weights model proves the plumbing (agreement does not need a trained model);
tests/quality/test_quality_onnx.py exports MediaLens-World and measures search quality on it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from core.errors import ModelError
from tests.conftest import REPO, SHARED_DATA, TINY_MODEL

#: Real captions plus what trips tokenizers up: case, accents, other scripts, emoji, HTML entities,
#: curly quotes (ftfy straightens them), runs of whitespace, digits, contractions, a very long text.
TRICKY_TEXTS = [
    "", " ", "A", "DOG", "a dog's toy isn't theirs, they'll say", "café crème brûlée, naïve résumé",
    "东京的夜景 и немного русского текста", "emoji 🐶🏖️ and ❤", "Tom &amp; Jerry &lt;3", "“quoted” ‘text’",
    "  many \t\n spaces  ", "3 cats, 12 dogs, 100% cute!!!", "ﬁsh ﬂag (ligatures)", "ＦＵＬＬＷＩＤＴＨ",
    "<start_of_text> literally", "hyphen-ated words—and dashes", "x" * 300, " ".join(["word"] * 100),
]


def _coco_captions(limit: int = 1500) -> list[str]:
    path = SHARED_DATA / "images" / "coco" / "captions.json"
    if not path.exists():
        return []
    return [c for row in json.loads(path.read_text()) for c in row["captions"]][:limit]


def _pictures(limit: int = 40) -> list[Image.Image]:
    """Real pictures of every mode and shape the shared data has (1-bit, grey, palette, RGBA, …)."""
    out = []
    for folder in ("formats", "misc", "coco"):
        for path in sorted((SHARED_DATA / "images" / folder).glob("*"))[:16]:
            try:
                img = Image.open(path)
                img.load()
            except Exception:
                continue
            out.append(img)
    return out[:limit]


@pytest.fixture(scope="module")
def export_models_dir(tmp_path_factory):
    """A models folder of this module's own, so other tests' libraries keep the torch runtime."""
    return tmp_path_factory.mktemp("tiny-exports")


@pytest.fixture(scope="module")
def tiny_export(tiny_weights, export_models_dir):
    from core.models.runtime.export import export_model

    probes = sorted((SHARED_DATA / "images" / "formats").glob("*"))[:12] if SHARED_DATA.is_dir() else []
    return export_model(TINY_MODEL, weights=tiny_weights, models_dir=export_models_dir, probe_files=probes)


def test_export_agrees_with_open_clip_and_says_so_in_its_manifest(tiny_export, tiny_weights):
    from core.models.embed import Encoder, model_key
    from core.models.runtime.encoder import OnnxEncoder
    from core.models.runtime.export import MIN_COSINE
    from core.models.runtime.manifest import verify

    m = verify(tiny_export.folder)  # every file's SHA-256
    assert m.key == model_key(TINY_MODEL, None, tiny_weights.resolve())
    assert m.embed_dim == 64 and m.image.size == (64, 64) and m.text.context_length == 16
    assert m.agreement["image_min_cosine"] >= MIN_COSINE and m.agreement["text_min_cosine"] >= MIN_COSINE
    assert m.agreement["preprocess_max_abs_diff"] == 0.0
    # any batch size (the exported batch axis is dynamic), and the vectors of the torch encoder
    torch_enc = Encoder(TINY_MODEL, weights=tiny_weights, device="cpu")
    onnx_enc = OnnxEncoder(tiny_export.folder, device="cpu", precision="fp32")  # int8: its own test below
    pictures = _pictures(7) or [Image.new("RGB", (90, 60), (200, 30, 30))]
    for batch in (pictures[:1], pictures):
        a, b = torch_enc.encode_images(batch), onnx_enc.encode_images(batch)
        assert a.shape == b.shape and np.min(np.sum(a * b, axis=1)) >= MIN_COSINE
    texts = ["a red circle", "two dogs", ""]
    assert np.min(np.sum(torch_enc.encode_texts(texts) * onnx_enc.encode_texts(texts), axis=1)) >= MIN_COSINE
    assert np.allclose(np.linalg.norm(onnx_enc.encode_texts(texts), axis=1), 1.0, atol=1e-5)


def test_the_text_tower_runs_on_each_querys_own_tokens_and_gives_open_clips_vectors(tiny_export, tiny_weights,
                                                                                     tmp_path):
    """The exported text tower takes token vectors of any length up to the end token; short and long texts
    in one batch, one at a time and cut by the context all give open_clip's vectors, and the session never
    sees the padding (what made a query cost the whole context)."""
    from core.models.embed import Encoder
    from core.models.runtime.encoder import OnnxEncoder
    from core.models.runtime.export import MIN_COSINE

    assert tiny_export.manifest.text.input == "token_vectors" and "token_table" in tiny_export.manifest.files
    onnx_enc = OnnxEncoder(tiny_export.folder, device="cpu", precision="fp32")
    torch_enc = Encoder(TINY_MODEL, weights=tiny_weights, device="cpu")
    texts = ["a", "two dogs on a sunny beach", "x" * 300, "", "café crème"]
    batch = onnx_enc._encode_text_batch(texts)
    alone = np.concatenate([onnx_enc._encode_text_batch([t]) for t in texts])
    expected = torch_enc._encode_text_batch(texts)
    assert np.min(np.sum(batch * expected, axis=1)) >= MIN_COSINE
    assert np.min(np.sum(alone * expected, axis=1)) >= MIN_COSINE
    fed = []
    session = onnx_enc._session("text")
    real_run = session.run
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(session, "run", lambda names, feeds: fed.append(feeds["tokens"].shape) or real_run(names, feeds))
        onnx_enc._encode_text_batch(["a dog"])
    assert fed == [(1, 4)]  # start, "a", "dog", end

    folder = _copy(tiny_export, tmp_path)
    np.save(folder / "token_table.npy", np.zeros((3, 3), np.float32))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["token_table"]["bytes"] = (folder / "token_table.npy").stat().st_size
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match=r"token_table\.npy: a float32 table of shape \(3, 3\) does not fit"):
        OnnxEncoder(folder).encode_texts(["a dog"])
    manifest["text"]["input"] = "embeddings"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match=r"text\.input is 'embeddings', not ids or token_vectors"):
        OnnxEncoder(folder)


def test_the_cpu_runs_the_int8_towers_unless_float32_is_asked_for(tiny_export, monkeypatch):
    """The export carries int8 towers that agree with open_clip; the CPU opens them by default, and
    $MEDIALENS_PRECISION=fp32 (or precision="fp32") opens the float32 ones; vectors stay close."""
    import onnxruntime

    from core.models.runtime.encoder import OnnxEncoder
    from core.models.runtime.export import INT8_MIN_COSINE

    m = tiny_export.manifest
    assert {"visual_int8", "text_int8"} <= set(m.files), m.agreement
    assert min(m.agreement["image_int8_min_cosine"], m.agreement["text_int8_min_cosine"]) >= INT8_MIN_COSINE
    opened = []
    real = onnxruntime.InferenceSession
    monkeypatch.setattr(onnxruntime, "InferenceSession",
                        lambda path, *a, **k: opened.append(path) or real(path, *a, **k))
    picture, texts = [Image.new("RGB", (80, 64), (200, 30, 30))], ["a red circle", "two dogs"]
    quantised = OnnxEncoder(tiny_export.folder, device="cpu")
    v8 = quantised.encode_images(picture), quantised.encode_texts(texts)
    assert [p.rsplit("/", 1)[-1] for p in opened] == ["visual.int8.onnx", "text.int8.onnx"]
    opened.clear()
    monkeypatch.setenv("MEDIALENS_PRECISION", "fp32")
    full = OnnxEncoder(tiny_export.folder, device="cpu")
    v32 = full.encode_images(picture), full.encode_texts(texts)
    assert [p.rsplit("/", 1)[-1] for p in opened] == ["visual.onnx", "text.onnx"]
    for a, b in zip(v8, v32, strict=True):
        assert np.min(np.sum(a * b, axis=1)) >= INT8_MIN_COSINE


def test_plain_ascii_queries_skip_ftfy_and_clean_as_it_does():
    """Importing ftfy costs a cold search up to 0.18 s; the texts that skip it must clean exactly as with it."""
    import random

    import ftfy

    from core.models.runtime.encoder import _PLAIN_TEXT, clean_text

    def reference(text: str) -> str:
        import html

        text = html.unescape(html.unescape(ftfy.fix_text(text))).strip()
        return " ".join(text.split()).strip().lower()

    rng = random.Random(0)
    ascii_texts = ["".join(rng.choice([chr(c) for c in range(128)]) for _ in range(rng.randint(0, 16)))
                   for _ in range(4_000)]
    plain = [t for t in ascii_texts + TRICKY_TEXTS if _PLAIN_TEXT.fullmatch(t)]
    assert len(plain) > 500 and "Tom &amp; Jerry &lt;3" not in plain and "“quoted” ‘text’" not in plain
    assert [clean_text(t) for t in ascii_texts + TRICKY_TEXTS] == [reference(t) for t in ascii_texts + TRICKY_TEXTS]


@pytest.mark.parametrize("size,mode,interpolation,fill", [
    (64, "shortest", "bicubic", 0), (224, "shortest", "bilinear", 0), ((96, 128), "shortest", "bicubic", 0),
    (64, "longest", "bicubic", 127), (96, "squash", "bicubic", 0),
])
def test_preprocessing_is_open_clips_to_the_bit(shared_data, size, mode, interpolation, fill):
    from open_clip.transform import image_transform

    from core.models.runtime.manifest import ImageConfig
    from core.models.runtime.preprocess import ImageTransform

    mean, std = (0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)
    theirs = image_transform(size, is_train=False, mean=mean, std=std, resize_mode=mode,
                             interpolation=interpolation, fill_color=fill)
    hw = (size, size) if isinstance(size, int) else size
    ours = ImageTransform(ImageConfig(hw, mean, std, interpolation, mode, fill))
    checked = set()
    for img in [*_pictures(), Image.new("RGB", (30, 20), (10, 200, 30))]:  # smaller than the crop: padded
        try:
            expected = theirs(img).numpy()
        except Exception:  # a mode torchvision itself cannot handle: nothing to match
            continue
        got = ours(img)
        assert got.dtype == np.float32 and got.shape == expected.shape
        assert np.array_equal(got, expected), (img.mode, img.size, float(np.max(np.abs(got - expected))))
        checked.add(img.mode)
    assert {"RGB", "L", "P"} <= checked, checked


@pytest.mark.parametrize("context_length", [16, 77])
def test_token_ids_are_open_clips(tmp_path, context_length):
    import open_clip

    from core.models.runtime.encoder import Tokenizer
    from core.models.runtime.export import _tokenizer_json

    theirs = open_clip.tokenizer.SimpleTokenizer(context_length=context_length)
    ours = Tokenizer(tmp_path / "tokenizer.json", _tokenizer_json(theirs, tmp_path))
    texts = _coco_captions() + TRICKY_TEXTS
    expected, got = theirs(texts).numpy(), ours(texts)
    assert got.dtype == np.int64 and got.shape == (len(texts), context_length)
    differ = [t for t, a, b in zip(texts, expected, got, strict=True) if not np.array_equal(a, b)]
    assert not differ, differ[:5]
    assert len(texts) > 1000 or not SHARED_DATA.is_dir()


@pytest.mark.parametrize("context_length", [16, 77])
def test_plain_ascii_queries_skip_tokenizers_and_get_its_ids_from_a_compact_copy_rebuilt_when_damaged(
        tmp_path, context_length):
    import random
    import string

    import open_clip

    from core.models.runtime.bpe import CACHE_NAME
    from core.models.runtime.encoder import Tokenizer
    from core.models.runtime.export import _tokenizer_json
    from core.models.runtime.manifest import sha256_of

    theirs = open_clip.tokenizer.SimpleTokenizer(context_length=context_length)
    cfg = _tokenizer_json(theirs, tmp_path)
    path, digest = tmp_path / "tokenizer.json", sha256_of(tmp_path / "tokenizer.json")
    rng = random.Random(0)
    texts = (_coco_captions() + TRICKY_TEXTS + ["it's 'll 're don't", "a.b,c!!d 1234 x-y_z"]
             + ["".join(rng.choice(string.printable) for _ in range(rng.randrange(60))) for _ in range(1500)])
    expected = Tokenizer(path, cfg).encode(texts)  # tokenizers' ids and mask
    assert np.array_equal(expected[0], theirs(texts).numpy())
    cache = tmp_path / CACHE_NAME
    for damage in (None, b"garbage", b"", "stale"):
        if damage == "stale":  # a copy of another tokenizer file
            cache.write_text(cache.read_text().replace(digest, "0" * 64, 1))
            assert "0" * 64 in cache.read_text()
        elif damage is not None:
            cache.write_bytes(damage)
        fast = Tokenizer(path, cfg, digest)
        assert fast._tok is None, damage  # tokenizers not loaded: the compact copy was (re)made and read
        got = fast.encode(texts)
        assert fast._tok is not None  # TRICKY_TEXTS has non-ASCII texts: those batches go to tokenizers
        assert np.array_equal(got[0], expected[0]) and np.array_equal(got[1], expected[1]), damage
        plain = [t for t in texts if t.isascii() and "<" not in t]
        again = Tokenizer(path, cfg, digest)
        assert [np.array_equal(a, b) for a, b in zip(again.encode(plain), Tokenizer(path, cfg).encode(plain),
                                                      strict=True)] == [True, True]
        assert again._tok is None and len(plain) > 1500
        assert cache.read_text().startswith(f"medialens-bpe 1 {digest}:")


def _photos(tmp_path, n=8):
    folder = tmp_path / "photos"
    folder.mkdir()
    for p in sorted((SHARED_DATA / "images" / "coco").glob("*.jpg"))[:n]:
        shutil.copy(p, folder / p.name)
    return folder


_PROBE = """
import json, sys
from core.cli import main
for argv in {commands!r}:
    code = main(argv)
    assert code == 0, (argv, code)
print(json.dumps({{m: m in sys.modules for m in ("torch", "open_clip", "torchvision")}}))
"""


def test_queries_with_an_export_never_import_torch_and_rank_as_torch_does(tmp_path, cli_env, tiny_weights,
                                                                        tiny_export, export_models_dir, shared_data):
    photos = _photos(tmp_path)
    lib = str(tmp_path / "lib")
    # the float32 towers: this is about the two runtimes giving the same scores (int8 has its own test)
    env = {**cli_env, "MEDIALENS_MODELS": str(export_models_dir), "MEDIALENS_PRECISION": "fp32"}
    index = [sys.executable, "-m", "core.cli", "index", str(photos), "--library", lib, "--model", TINY_MODEL,
             "--weights", str(tiny_weights), "--runtime", "torch", "-q"]
    assert subprocess.run(index, env=env, cwd=REPO, capture_output=True, timeout=300).returncode == 0
    outside = str(sorted((SHARED_DATA / "images" / "misc").glob("*.png"))[0])
    search = ["search", "a red car", "--library", lib, "--json", "-n", "5"]
    commands = [search, ["similar", outside, "--library", lib, "-n", "3"],
                ["compose", outside, "in red", "--method", "sum", "--library", lib, "-n", "3"],
                ["moments", "a goal", "--library", lib], ["status", "--library", lib]]
    probe = subprocess.run([sys.executable, "-c", _PROBE.format(commands=commands)], env=env, cwd=REPO,
                           capture_output=True, text=True, timeout=300)
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert json.loads(probe.stdout.strip().splitlines()[-1]) == {"torch": False, "open_clip": False,
                                                                 "torchvision": False}
    # the same library, queried with each runtime, ranks the same files with the same scores
    runs = {}
    for runtime in ("onnx", "torch"):
        proc = subprocess.run([sys.executable, "-m", "core.cli", *search, "--runtime", runtime], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        runs[runtime] = json.loads(proc.stdout)
    assert [h["path"] for h in runs["onnx"]] == [h["path"] for h in runs["torch"]]
    assert np.allclose([h["score"] for h in runs["onnx"]], [h["score"] for h in runs["torch"]], atol=1e-3)


def test_a_library_indexed_on_onnx_runtime_is_searchable_with_torch(tmp_path, tiny_weights, tiny_export,
                                                                    shared_data, monkeypatch):
    from core.library import Library

    monkeypatch.setenv("MEDIALENS_PRECISION", "fp32")  # the same ranking as torch: float32 towers

    photos = _photos(tmp_path, 6)
    with Library(tmp_path / "lib", model=TINY_MODEL, weights=tiny_export.folder, device="cpu") as lib:
        assert lib.models.encoder.runtime == "onnx"
        lib.index([photos])
        onnx_hits = [h.path for h in lib.search("a bus on a street", n=6)]
    with Library(tmp_path / "lib", model=TINY_MODEL, weights=tiny_weights, device="cpu", runtime="torch") as lib:
        assert lib.models.encoder.runtime == "torch"
        assert lib.status().vectors == 6  # the same vector space: nothing to re-index
        assert [h.path for h in lib.search("a bus on a street", n=6)] == onnx_hits


def _copy(tiny_export, tmp_path):
    return shutil.copytree(tiny_export.folder, tmp_path / "export")


def test_damaged_exports_are_one_clear_line(tiny_export, tmp_path, monkeypatch):
    from core.models.runtime.encoder import OnnxEncoder

    monkeypatch.setenv("MEDIALENS_PRECISION", "fp32")  # the float32 towers are the ones damaged here

    folder = _copy(tiny_export, tmp_path)
    picture = [Image.new("RGB", (64, 64))]
    visual = folder / "visual.onnx"
    data = visual.read_bytes()
    visual.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match=r"visual\.onnx: .*truncated or replaced.*export it again"):
        OnnxEncoder(folder).encode_images(picture)
    visual.write_bytes(b"\0garbage" * (len(data) // 8) + b"\0" * (len(data) % 8))
    with pytest.raises(ModelError, match=r"visual\.onnx: ONNX Runtime cannot load it .*export the model again"):
        OnnxEncoder(folder).encode_images(picture)
    tokenizer = folder / "tokenizer.json"
    size = tokenizer.stat().st_size
    tokenizer.write_bytes(b"{" + b" " * (size - 1))
    with pytest.raises(ModelError, match=r"tokenizer\.json: not a readable tokenizer"):
        OnnxEncoder(folder).encode_texts(["a dog"])
    (folder / "manifest.json").unlink()
    with pytest.raises(ModelError, match="not an exported model folder"):
        OnnxEncoder(folder)


def test_a_tokenizer_of_another_model_is_refused(tiny_export, tmp_path):
    from core.models.runtime.encoder import OnnxEncoder

    folder = _copy(tiny_export, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["text"]["eot_id"] = 7  # as if the tokenizer came from a model with other special tokens
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="does not match the model"):
        OnnxEncoder(folder).encode_texts(["a dog"])


def test_an_export_that_disagrees_with_open_clip_is_refused_and_leaves_nothing(tiny_weights, tmp_path, monkeypatch):
    from core.models.runtime import export
    from core.models.runtime.manifest import exports_root

    real = export._image_config

    def off_by_a_std(model):  # the kind of slip a hand-written preprocessing makes
        cfg = real(model)
        return export.ImageConfig(cfg.size, cfg.mean, tuple(2 * s for s in cfg.std), cfg.interpolation)

    monkeypatch.setattr(export, "_image_config", off_by_a_std)
    with pytest.raises(ModelError, match=r"disagrees with open_clip \(image cosine 0\.\d+.*nothing was saved"):
        export.export_model(TINY_MODEL, weights=tiny_weights, models_dir=tmp_path)
    assert list(exports_root(tmp_path).iterdir()) == []


def test_providers_are_chosen_best_first_and_a_missing_one_is_a_clear_error():
    from core.models.runtime.encoder import choose_providers

    gpu = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert choose_providers("auto", gpu) == gpu
    assert choose_providers("auto", ["CPUExecutionProvider"]) == ["CPUExecutionProvider"]
    assert choose_providers("cpu", gpu) == ["CPUExecutionProvider"]
    assert choose_providers("dml", ["DmlExecutionProvider", "CPUExecutionProvider"])[0] == "DmlExecutionProvider"
    with pytest.raises(ModelError, match=r"no CUDAExecutionProvider.*onnxruntime-gpu"):
        choose_providers("cuda", ["CPUExecutionProvider"])
    with pytest.raises(ModelError, match="unknown device"):
        choose_providers("tpu", gpu)


def test_a_provider_that_cannot_start_falls_back_to_the_cpu(tiny_export, monkeypatch, caplog):
    """As on a machine whose onnxruntime-gpu finds no CUDA libraries."""
    from core.models.runtime.encoder import OnnxEncoder

    enc = OnnxEncoder(tiny_export.folder)
    monkeypatch.setattr(enc, "_available", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    assert enc.device == "cuda"
    vec = enc.encode_texts(["a dog"])
    assert vec.shape == (1, 64) and enc.device == "cpu"
    assert any("CUDAExecutionProvider could not start" in r.getMessage() for r in caplog.records)


def test_runtime_choice_errors_are_clear(tiny_weights, tmp_path):
    from core.models.runtime.choose import open_encoder

    with pytest.raises(ModelError, match=r"no ONNX export .*medialens models export"):
        open_encoder(TINY_MODEL, weights=tiny_weights, cache_dir=tmp_path, runtime="onnx")
    with pytest.raises(ModelError, match="unknown runtime"):
        open_encoder(TINY_MODEL, weights=tiny_weights, cache_dir=tmp_path, runtime="tensorflow")
    assert open_encoder(TINY_MODEL, weights=tiny_weights, cache_dir=tmp_path).runtime == "torch"


def test_models_export_and_verify_on_the_command_line(tmp_path, cli_env, tiny_weights):
    env = {**cli_env, "MEDIALENS_MODELS": str(tmp_path / "models")}
    cmd = [sys.executable, "-m", "core.cli", "models"]
    done = subprocess.run([*cmd, "export", TINY_MODEL, "--weights", str(tiny_weights)], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "exported MediaLens-Tiny to" in done.stdout
    cosines = [float(x) for x in re.findall(r"cosine ≥ ([0-9.]+)", done.stdout)]
    assert len(cosines) == 2 and min(cosines) >= 0.9999, done.stdout
    ok = subprocess.run([*cmd, "verify", TINY_MODEL], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "checksums match" in ok.stdout, ok.stderr
    bad = subprocess.run([*cmd, "export", "No-Such-Model"], env=env, cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().count("\n") == 0 and "medialens: error:" in bad.stderr


def test_textual_inversion_on_an_export_uses_the_torch_model_it_came_from(tiny_export, tiny_weights):
    """Inversion needs autograd: an ONNX encoder hands it the torch model of the same vector space."""
    from core.models.runtime.encoder import OnnxEncoder
    from core.search.inversion import supports_inversion

    enc = OnnxEncoder(tiny_export.folder, device="cpu")
    torch_enc = enc.torch_encoder()
    assert torch_enc.runtime == "torch" and torch_enc.key == enc.key and torch_enc.weights == tiny_weights.resolve()
    assert supports_inversion(enc)


def test_a_torch_free_install_indexes_and_searches_with_an_export_and_says_what_needs_torch(
        tmp_path, cli_env, tiny_weights, tiny_export, shared_data):
    """As `pip install medialens` without extras: torch, torchvision, open_clip and onnx are absent."""
    photos = _photos(tmp_path, 4)
    lib = str(tmp_path / "lib")
    env = {**cli_env, "MEDIALENS_MODELS": str(tmp_path / "empty-models"),
           "PYTHONPATH": str(REPO / "tests" / "core" / "no_torch") + ":" + cli_env["PYTHONPATH"]}

    def medialens(*args):
        return subprocess.run([sys.executable, "-m", "core.cli", *args], env=env, cwd=REPO, capture_output=True,
                              text=True, timeout=300)

    done = medialens("index", str(photos), "--library", lib, "--weights", str(tiny_export.folder), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["indexed"] == 4
    found = medialens("search", "a dog", "--library", lib, "--json")
    assert found.returncode == 0 and len(json.loads(found.stdout)) == 4, found.stderr
    status = medialens("status", "--library", lib)
    assert f"runtime:  onnx ({tiny_export.folder})" in status.stdout, status.stdout + status.stderr
    outside = str(sorted((SHARED_DATA / "images" / "misc").glob("*.png"))[0])
    for args, says in [
        (("index", str(photos), "--library", str(tmp_path / "other"), "--model", TINY_MODEL,
          "--weights", str(tiny_weights)), "pip install -e '.[torch]'"),
        (("compose", outside, "in red", "--method", "inversion", "--library", lib), "needs the torch extra"),
        (("models", "export", TINY_MODEL, "--weights", str(tiny_weights)), "pip install -e '.[torch]'"),
    ]:
        proc = medialens(*args)
        assert proc.returncode == 1 and says in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr and proc.stderr.strip().count("\n") == 0, proc.stderr
