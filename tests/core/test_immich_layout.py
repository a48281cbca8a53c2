"""Immich's Hugging Face layout: the exporter writes it, the same `OnnxEncoder` reads it (and Immich's own forms).

The tiny random-weights model proves the plumbing: an export in Immich's layout must give the
torch model's vectors; a folder shaped like Immich's multilingual exports (M-CLIP's two int32
inputs, a batch axis fixed at 1, a `tokenizers` file with its own framing) must be fed as
Immich feeds it; NLLB towers get the query's FLORES code before the text.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from tests.conftest import TINY_MODEL


@pytest.fixture(scope="module")
def immich_export(tiny_weights, tmp_path_factory):
    from core.runtime.export_immich import export_immich

    root = tmp_path_factory.mktemp("immich-export")
    return export_immich(TINY_MODEL, weights=tiny_weights, models_dir=root / "models", out=root / "hub" / "tiny",
                         languages=("en", "zh"))


def test_an_immich_layout_export_holds_immichs_files_and_gives_the_torch_vectors(immich_export, tiny_weights):
    from core.embed import Encoder, model_key
    from core.runtime.encoder import OnnxEncoder
    from core.runtime.export import MIN_COSINE
    from core.runtime.manifest import read_manifest, verify

    folder = immich_export.folder
    for rel in ("config.json", "visual/model.onnx", "visual/preprocess_cfg.json", "textual/model.onnx",
                "textual/tokenizer.json", "textual/tokenizer_config.json", "medialens.json"):
        assert (folder / rel).is_file(), rel
    assert not (folder / "manifest.json").exists()  # read by the second manifest reader, not a manifest
    assert json.loads((folder / "config.json").read_text())["embed_dim"] == 64
    assert json.loads((folder / "visual" / "preprocess_cfg.json").read_text())["size"] == [64, 64]
    m = verify(folder)  # every file's SHA-256 against medialens.json
    assert m.layout == "immich" and m.languages == ("en", "zh") and m.text.kind == "hf"
    assert m.key == model_key(TINY_MODEL, None, tiny_weights.resolve()) == read_manifest(folder).key
    assert m.agreement["image_min_cosine"] >= MIN_COSINE and m.agreement["text_min_cosine"] >= MIN_COSINE

    import onnxruntime as ort

    inputs = {i.name: i.type for i in ort.InferenceSession(str(folder / "textual/model.onnx")).get_inputs()}
    assert inputs == {"text": "tensor(int32)"}  # as Immich feeds it
    torch_enc, onnx_enc = Encoder(TINY_MODEL, weights=tiny_weights, device="cpu"), OnnxEncoder(folder, device="cpu")
    texts = ["a red circle", "TWO Dogs", "café crème", ""]
    assert np.min(np.sum(torch_enc.encode_texts(texts) * onnx_enc.encode_texts(texts), axis=1)) >= MIN_COSINE
    pictures = [Image.new("RGB", (90, 60), (200, 30, 30)), Image.new("L", (40, 70), 128)]
    assert np.min(np.sum(torch_enc.encode_images(pictures) * onnx_enc.encode_images(pictures), axis=1)) >= MIN_COSINE


def test_a_damaged_immich_folder_is_named_in_one_line(immich_export, tmp_path):
    from core.errors import ModelError
    from core.runtime.encoder import OnnxEncoder
    from core.runtime.manifest import verify

    folder = shutil.copytree(immich_export.folder, tmp_path / "tiny")
    with open(folder / "visual" / "model.onnx", "r+b") as fh:
        fh.seek(100)
        fh.write(b"\0" * 16)
    with pytest.raises(ModelError, match="checksum does not match"):
        verify(folder)
    (folder / "visual" / "model.onnx").write_bytes(b"short")
    with pytest.raises(ModelError, match=r"model\.onnx: 5 bytes where"):
        OnnxEncoder(folder, device="cpu").encode_images([Image.new("RGB", (8, 8))])
    (folder / "visual" / "preprocess_cfg.json").write_text("{}")
    with pytest.raises(ModelError, match=r"preprocess_cfg\.json lacks"):
        OnnxEncoder(folder)


def _trained_tokenizer(path, pad="<pad>"):
    """A `tokenizers` BPE trained here on English and Chinese (as the bilingual world model's is)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Digits()])
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=[pad, "<unk>", "<s>", "</s>"])
    corpus = ["a red circle on the left", "two green stars", "左边有一个红色的圆", "两颗绿色的星星"] * 20
    tok.train_from_iterator(corpus, trainer)
    tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[
        ("<s>", tok.token_to_id("<s>")), ("</s>", tok.token_to_id("</s>"))])
    tok.save(str(path))
    return path


def test_the_exporter_takes_a_trained_tokenizer_and_the_reader_frames_it(tiny_weights, tmp_path):
    from core.runtime.encoder import OnnxEncoder
    from core.runtime.export import MIN_COSINE
    from core.runtime.export_immich import export_immich

    tok = _trained_tokenizer(tmp_path / "tokenizer.json")
    result = export_immich(TINY_MODEL, weights=tiny_weights, models_dir=tmp_path / "models", out=tmp_path / "out",
                           tokenizer=tok, languages=("en", "zh"), key="MediaLens-Tiny:bilingual-test")
    assert result.manifest.key == "MediaLens-Tiny:bilingual-test"
    assert result.manifest.agreement["text_min_cosine"] >= MIN_COSINE
    assert json.loads((result.folder / "textual/tokenizer_config.json").read_text())["pad_token"] == "<pad>"
    enc = OnnxEncoder(result.folder, device="cpu")
    ids, mask = enc.tokenizer.encode(["左边有一个红色的圆", "a red circle"])
    assert ids.shape == (2, 16) and ids[0, 0] == enc.tokenizer._tok.token_to_id("<s>")
    assert ids[0, mask[0].sum() - 1] == enc.tokenizer._tok.token_to_id("</s>")
    assert (ids[mask == 0] == 0).all()  # padded with <pad>, id 0
    v = enc.encode_texts(["左边有一个红色的圆", "a red circle"])
    assert v.shape == (2, 64) and not np.allclose(v[0], v[1])


def _immich_like_mclip(folder, tokenizer, name="XLM-Roberta-Tiny-Vit-B-32"):
    """A folder as Immich publishes M-CLIP: towers with a batch axis of 1, int32 input_ids + attention_mask."""
    import onnx
    from onnx import TensorProto, helper

    rng = np.random.default_rng(3)
    table = rng.normal(size=(300, 8)).astype(np.float32)
    # text: mean of the embeddings of the tokens the mask keeps (as M-CLIP pools), then L2-normalised
    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT32, [1, 16])
    mask = helper.make_tensor_value_info("attention_mask", TensorProto.INT32, [1, 16])
    out = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [1, 8])
    text = helper.make_graph([
        helper.make_node("Gather", ["table", "input_ids"], ["emb"]),
        helper.make_node("Cast", ["attention_mask"], ["maskf"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["maskf", "axis2"], ["mask3"]),
        helper.make_node("Mul", ["emb", "mask3"], ["kept"]),
        helper.make_node("ReduceSum", ["kept", "axis1"], ["summed"], keepdims=0),
        helper.make_node("LpNormalization", ["summed"], ["embedding"], axis=-1, p=2),
    ], "text", [ids, mask], [out], initializer=[
        helper.make_tensor("table", TensorProto.FLOAT, table.shape, table.ravel()),
        helper.make_tensor("axis2", TensorProto.INT64, [1], [2]), helper.make_tensor("axis1", TensorProto.INT64,
                                                                                     [1], [1])])
    image = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 32, 32])
    vis = helper.make_graph([
        helper.make_node("ReduceMean", ["image"], ["pooled"], axes=[2, 3], keepdims=0),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "proj"], ["raw"]),
        helper.make_node("LpNormalization", ["raw"], ["embedding"], axis=-1, p=2),
    ], "visual", [image], [out], initializer=[
        helper.make_tensor("proj", TensorProto.FLOAT, [3, 8], rng.normal(size=24).astype(np.float32))])
    (folder / "visual").mkdir(parents=True)
    (folder / "textual").mkdir()
    for graph, rel in ((text, "textual/model.onnx"), (vis, "visual/model.onnx")):
        onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(folder / rel))
    (folder / "config.json").write_text(json.dumps({"embed_dim": 8, "vision_cfg": {"image_size": 32},
                                                    "text_cfg": {"context_length": 16}}))
    (folder / "visual/preprocess_cfg.json").write_text(json.dumps(
        {"size": [32, 32], "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "interpolation": "bicubic",
         "resize_mode": "shortest"}))
    shutil.copy(tokenizer, folder / "textual/tokenizer.json")
    (folder / "textual/tokenizer_config.json").write_text(json.dumps({"pad_token": {"content": "<pad>"}}))
    return folder


def test_immichs_mclip_form_is_fed_input_ids_and_mask_one_row_at_a_time(tmp_path):
    from core.runtime.encoder import OnnxEncoder

    tok = _trained_tokenizer(tmp_path / "tokenizer.json")
    folder = _immich_like_mclip(tmp_path / "XLM-Roberta-Tiny-Vit-B-32", tok)
    enc = OnnxEncoder(folder, device="cpu")
    assert enc.key == "XLM-Roberta-Tiny-Vit-B-32:immich" and enc.manifest.languages == ("multilingual",)
    texts = ["two   green stars", "两颗绿色的星星", "a red circle on the left"]
    batch = enc.encode_texts(texts)  # three rows through a tower whose batch axis is 1
    alone = np.stack([OnnxEncoder(folder, device="cpu").encode_texts([t])[0] for t in texts])
    assert np.allclose(batch, alone, atol=1e-6)
    assert np.allclose(enc.encode_texts(["two green stars"])[0], batch[0], atol=1e-6)  # whitespace cleaned
    images = [Image.new("RGB", (40, 30), c) for c in ((250, 0, 0), (0, 0, 250))]
    assert enc.encode_images(images).shape == (2, 8)


def test_nllb_towers_get_the_query_language_before_the_text(tmp_path, monkeypatch):
    from core.runtime.encoder import OnnxEncoder
    from core.runtime.immich import flores_code

    tok = _trained_tokenizer(tmp_path / "tokenizer.json")
    folder = _immich_like_mclip(tmp_path / "nllb-clip-tiny__mrl", tok)
    enc = OnnxEncoder(folder, device="cpu")
    assert enc.manifest.text.flores_prefix and enc.key == "nllb-clip-tiny:mrl"
    monkeypatch.setenv("MEDIALENS_QUERY_LANGUAGE", "zh_CN")
    assert flores_code() == "zho_Hans" and enc.tokenizer.clean("红色") == "zho_Hans红色"
    monkeypatch.setenv("MEDIALENS_QUERY_LANGUAGE", "pt-BR")
    assert flores_code() == "por_Latn"
    monkeypatch.delenv("MEDIALENS_QUERY_LANGUAGE")
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    assert flores_code() == "deu_Latn"
