"""An `Encoder` on ONNX Runtime: an exported model folder, run without torch, torchvision or open_clip.

Same interface and same vectors as the torch encoder in `core.models.embed` (the export checked
cosine ≥ 0.9999 against open_clip). On the CPU the export's int8 towers run where it has them
(`export.quantise_towers`: cosine ≥ 0.995 with open_clip on every probe, ~0.9998 typically; images
2.4x faster; $MEDIALENS_PRECISION=fp32 keeps float32). Each tower is its own session, opened on
first use: a text search loads only the text tower. Execution providers are tried in the order
CUDA, DirectML, CoreML, CPU (`--device` / $MEDIALENS_DEVICE picks one); a provider that
fails to start falls back to the CPU with one logged line. Threads: all cores on a
two-core machine (one thread would halve indexing), one core left free for the window on
bigger ones ($MEDIALENS_THREADS overrides).
"""

from __future__ import annotations

import html
import logging
import os
import re
import string
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from core.errors import ModelError
from core.models.embed import BaseEncoder, find_spec
from core.models.runtime.hints import TORCH_EXTRA, export_hint
from core.models.runtime.manifest import TextConfig, check_files, read_manifest
from core.models.runtime.preprocess import ImageTransform

log = logging.getLogger(__name__)

#: ONNX Runtime's provider for each device name MediaLens accepts, in the order `auto` prefers them.
PROVIDERS: dict[str, str] = {
    "cuda": "CUDAExecutionProvider",
    "directml": "DmlExecutionProvider",
    "coreml": "CoreMLExecutionProvider",
    "cpu": "CPUExecutionProvider",
}
_ALIASES = {"dml": "directml", "mps": "coreml"}
_DEVICE_OF = {v: k for k, v in PROVIDERS.items()}


def choose_providers(preference: str | None, available: Sequence[str]) -> list[str]:
    """Providers to ask ONNX Runtime for, best first, always ending with the CPU."""
    pref = (preference or os.environ.get("MEDIALENS_DEVICE") or "auto").lower()
    if pref == "auto":
        return [p for p in PROVIDERS.values() if p in available] or ["CPUExecutionProvider"]
    base = _ALIASES.get(pref.split(":")[0], pref.split(":")[0])
    provider = PROVIDERS.get(base)
    if provider is None:
        raise ModelError(f"unknown device {pref!r}: use auto, {', '.join(PROVIDERS)}")
    if provider not in available:
        hint = " (install onnxruntime-gpu)" if base == "cuda" else ""
        raise ModelError(f"device {pref!r} was asked for, but ONNX Runtime here has no {provider}{hint}")
    return [provider] if base == "cpu" else [provider, "CPUExecutionProvider"]


def default_threads() -> int:
    env = os.environ.get("MEDIALENS_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    cores = os.cpu_count() or 2
    return cores if cores <= 2 else cores - 1


#: Text ftfy leaves as it is: printable ASCII and whitespace, no "&" (it may unescape HTML entities once
#: more than open_clip's two rounds) and no escape or control characters (it removes those).
_PLAIN_TEXT = re.compile(r"[ -%'-~\t\n\r]*")


def default_precision() -> str:
    """"int8" (the quantised towers an export carries, on the CPU) unless $MEDIALENS_PRECISION says "fp32"."""
    return "fp32" if os.environ.get("MEDIALENS_PRECISION", "").lower() in ("fp32", "float32") else "int8"


def clean_text(text: str) -> str:
    """open_clip's text cleaning ("lower"): ftfy, HTML entities, runs of whitespace, lower case.

    Plain ASCII queries skip ftfy, which would return them unchanged: importing it costs 0.05-0.18 s of a
    cold search (`tests/bench/peer.py`).
    """
    if not _PLAIN_TEXT.fullmatch(text):
        import ftfy

        text = ftfy.fix_text(text)
    text = html.unescape(html.unescape(text)).strip()
    return " ".join(text.split()).strip().lower()


class Tokenizer:
    """`tokenizer.json` (the `tokenizers` library) framed to the model's context: int64 ids (N, context).

    Two kinds (`TextConfig.kind`): MediaLens's own export of open_clip's BPE, which must carry
    open_clip's start/end tokens and is cleaned as open_clip cleans; and a Hugging Face tokenizer
    (Immich's layout, a `tokenizers`-trained file) that frames its own ids and pads with its pad token.
    For the first, given the file's SHA-256 (`sha256`, from the manifest), plain-ASCII queries are
    tokenized by `core.models.runtime.bpe` (the same ids, 0.01 s to load instead of 0.11 s) and
    `tokenizers` is loaded only for a text it does not take.
    """

    def __init__(self, path: Path, cfg: TextConfig, sha256: str | None = None):
        self._path = path
        self.cfg = cfg
        self.context_length = cfg.context_length
        self._tok = None
        self._ascii = None
        if sha256 and cfg.kind != "hf" and cfg.clean == "lower" and not cfg.flores_prefix:
            from core.models.runtime import bpe

            self._ascii = bpe.load(path, sha256, cfg.context_length, cfg.sot_id, cfg.eot_id, cfg.pad_id,
                                   cfg.vocab_size)
        if self._ascii is None:
            self._tokenizers()  # read (and checked) now: a bad file is said when the model loads

    def _tokenizers(self):
        """The `tokenizers` tokenizer of the file, read and checked on first use."""
        if self._tok is not None:
            return self._tok
        from tokenizers import Tokenizer as HFTokenizer

        path, cfg = self._path, self.cfg
        try:
            tok = HFTokenizer.from_file(str(path))
        except Exception as exc:  # tokenizers raises a bare Exception for a bad file
            raise ModelError(f"{path}: not a readable tokenizer ({str(exc)[:120]}); export the model again") from None
        pad_id, pad_token = cfg.pad_id, "!"
        if cfg.kind == "hf":
            found = tok.token_to_id(cfg.pad_token) if cfg.pad_token else None
            pad_id, pad_token = (found, cfg.pad_token) if found is not None else (0, tok.id_to_token(0) or "")
        elif tok.get_vocab_size() != cfg.vocab_size or tok.token_to_id("<start_of_text>") != cfg.sot_id \
                or tok.token_to_id("<end_of_text>") != cfg.eot_id:
            raise ModelError(f"{path}: this tokenizer does not match the model in {path.parent} "
                             f"(vocabulary or start/end tokens differ); export the model again")
        tok.enable_truncation(max_length=cfg.context_length)
        tok.enable_padding(length=cfg.context_length, pad_id=pad_id, pad_token=pad_token)
        self._tok = tok
        return tok

    def clean(self, text: str) -> str:
        if self.cfg.clean == "lower":
            text = clean_text(text)
        else:  # Immich's cleaning: runs of whitespace; "canonicalize" also drops punctuation, lower case
            text = " ".join(text.split())
            if self.cfg.clean == "canonicalize":
                text = text.translate(_PUNCTUATION).lower()
        if self.cfg.flores_prefix:
            from core.models.runtime.immich import flores_code

            text = f"{flores_code()}{text}"
        return text

    def encode(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(ids, attention mask), each int64 (N, context)."""
        cleaned = [self.clean(t) for t in texts]
        shape = (len(texts), self.context_length)
        if self._ascii is not None and all(self._ascii.takes(t) for t in cleaned):
            ids = np.full(shape, self.cfg.pad_id, dtype=np.int64)
            mask = np.zeros(shape, dtype=np.int64)
            for row, text in enumerate(cleaned):
                found = self._ascii.ids(text)
                ids[row, :len(found)] = found
                mask[row, :len(found)] = 1
            return ids, mask
        encoded = self._tokenizers().encode_batch(cleaned)
        return (np.asarray([e.ids for e in encoded], dtype=np.int64).reshape(shape),
                np.asarray([e.attention_mask for e in encoded], dtype=np.int64).reshape(shape))

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts)[0]


_PUNCTUATION = str.maketrans("", "", string.punctuation)
_INT_TYPES = {"tensor(int32)": np.int32, "tensor(int64)": np.int64}


def _run_rows(session, feeds: dict[str, np.ndarray]) -> np.ndarray:
    """Run a tower; one row at a time when its batch axis is fixed at 1 (Immich's exports)."""
    batch = session.get_inputs()[0].shape[0]
    first = next(iter(feeds.values()))
    if batch == 1 and len(first) > 1:
        return np.concatenate([session.run(None, {k: v[i:i + 1] for k, v in feeds.items()})[0]
                               for i in range(len(first))])
    return session.run(None, feeds)[0]


def normalise_rows(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, np.float32)
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


class OnnxEncoder(BaseEncoder):
    """Images and texts to L2-normalised float32 vectors with an exported model on ONNX Runtime."""

    runtime = "onnx"

    def __init__(self, folder: str | os.PathLike[str], device: str | None = None, threads: int | None = None,
                 cache_dir: Path | None = None, text_cache_size: int = 256, precision: str | None = None):
        self.folder = Path(folder).expanduser().resolve()
        self.manifest = m = read_manifest(self.folder)
        source = Path(m.source) if m.source and m.pretrained is None else None
        super().__init__(m.name, find_spec(m.name), m.pretrained, source, m.key, cache_dir, text_cache_size)
        self._device_pref = device
        self.threads = threads or default_threads()
        #: "int8": the export's quantised towers where it has them and the CPU runs them; "fp32": never
        self.precision = precision or default_precision()
        self._transform = ImageTransform(m.image)
        self._sessions: dict[str, object] = {}
        self._tokenizer: Tokenizer | None = None
        self._table: np.ndarray | None = None
        self._providers: list[str] | None = None
        self._torch: BaseEncoder | None = None

    # ----- lifecycle --------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return bool(self._sessions)

    def load(self, progress: Callable[[str], None] | None = None) -> OnnxEncoder:
        """Open both towers (a warm-up; encoding opens only the tower it needs)."""
        if progress:
            progress(f"loading {self.name} (ONNX, {self.folder}) on {self.device}")
        self._session("visual")
        self._session("text")
        self._text_tokenizer()
        return self

    def unload(self) -> None:
        with self._lock:
            self._sessions.clear()
            self._text_cache.clear()

    def _available(self) -> list[str]:
        import onnxruntime as ort

        return list(ort.get_available_providers())

    def _session(self, role: str):
        with self._lock:
            found = self._sessions.get(role)
            if found is None:
                found = self._sessions[role] = self._open(role)
            return found

    def _open(self, role: str):
        import onnxruntime as ort

        wanted = self.providers
        quantised = f"{role}_int8"
        if self.precision == "int8" and quantised in self.manifest.files and wanted[0] == "CPUExecutionProvider":
            role = quantised
        check_files(self.folder, self.manifest, (role,))
        path = self.folder / self.manifest.files[role].path
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 4  # MediaLens reports provider fall-backs itself, in one line
        # Idle threads sleep instead of spinning: a desktop app shares its cores with the window (and
        # with the decoder threads while indexing); spinning buys microseconds per call, not more.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            with warnings.catch_warnings():  # a provider missing from this build: reported below, in one line
                warnings.simplefilter("ignore")
                session = ort.InferenceSession(str(path), options, providers=wanted)
        except Exception as exc:  # onnxruntime raises its own types (InvalidProtobuf, Fail, ...)
            reason = str(exc).split("\n")[0][:200]
            if wanted[0] != "CPUExecutionProvider":
                log.warning("%s could not start for %s (%s); using the CPU", wanted[0], path, reason)
                try:
                    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
                except Exception:
                    session = None
                if session is not None:
                    self._providers = ["CPUExecutionProvider"]
                    return session
            raise ModelError(f"{path}: ONNX Runtime cannot load it ({reason}); export the model again "
                             f"(`{export_hint(self.name, downloadable=self.pretrained is not None)}`)") from None
        active = session.get_providers()
        if active and active[0] != wanted[0]:
            log.warning("%s could not start for %s; using %s", wanted[0], path, active[0])
            self._providers = list(active)
        return session

    # ----- properties -------------------------------------------------------------------------

    @property
    def providers(self) -> list[str]:
        if self._providers is None:
            self._providers = choose_providers(self._device_pref, self._available())
        return self._providers

    @property
    def device(self) -> str:
        return _DEVICE_OF.get(self.providers[0], self.providers[0])

    @property
    def dim(self) -> int:
        return self.manifest.embed_dim

    @property
    def image_size(self) -> int:
        return max(self.manifest.image.size)

    @property
    def tokenizer(self) -> Tokenizer:
        return self._text_tokenizer()

    def _text_tokenizer(self) -> Tokenizer:
        with self._lock:
            if self._tokenizer is None:
                check_files(self.folder, self.manifest, ("tokenizer",))
                entry = self.manifest.files["tokenizer"]
                self._tokenizer = Tokenizer(self.folder / entry.path, self.manifest.text, entry.sha256)
            return self._tokenizer

    # ----- encoding ---------------------------------------------------------------------------

    def preprocess(self, image) -> np.ndarray:
        """open_clip's preprocessing of one PIL image, with Pillow and numpy (safe from worker threads)."""
        return self._transform(image)

    def encode_tensors(self, batch) -> np.ndarray:
        """Preprocessed images (N, 3, H, W) to normalised vectors (N, dim) float32."""
        session = self._session("visual")
        x = np.ascontiguousarray(batch, dtype=np.float32)
        return normalise_rows(_run_rows(session, {session.get_inputs()[0].name: x}))

    def encode_preprocessed(self, arrays: Sequence[np.ndarray]) -> np.ndarray:
        return self.encode_tensors(np.stack(list(arrays)))

    def _encode_text_batch(self, texts: list[str]) -> np.ndarray:
        ids, mask = self._text_tokenizer().encode(texts)
        session = self._session("text")
        if self.manifest.text.input == "token_vectors":  # cut after the last end token: the rest changes nothing
            ids = ids[:, :int(ids.argmax(axis=1).max()) + 1]
            return normalise_rows(session.run(None, {"token_vectors": self._token_table()[ids], "tokens": ids})[0])
        inputs = session.get_inputs()
        feeds = {}
        for inp in inputs:  # ids alone, or M-CLIP's input_ids + attention_mask; int32 or int64 as the tower says
            values = mask if inp.name == "attention_mask" else ids
            feeds[inp.name] = values.astype(_INT_TYPES.get(inp.type, np.int64))
        return normalise_rows(_run_rows(session, feeds))

    def _token_table(self) -> np.ndarray:
        """The text tower's token vectors, memory-mapped: a query reads the rows of its own tokens only."""
        with self._lock:
            if self._table is None:
                check_files(self.folder, self.manifest, ("token_table",))
                path = self.folder / self.manifest.files["token_table"].path
                try:
                    table = np.load(path, mmap_mode="r")
                except (OSError, ValueError) as exc:
                    raise ModelError(f"{path}: not a readable token table ({exc}); export the model again") from None
                if table.ndim != 2 or table.shape[0] != self.manifest.text.vocab_size or table.dtype != np.float32:
                    raise ModelError(f"{path}: a {table.dtype} table of shape {table.shape} does not fit this "
                                     f"model; export it again")
                self._table = table
            return self._table

    def torch_encoder(self) -> BaseEncoder:
        """The open_clip model this was exported from, for what needs autograd (textual inversion)."""
        from core.models.embed import Encoder, torch_available

        with self._lock:
            if self._torch is None:
                if not torch_available():
                    raise ModelError(f"this needs the torch extra ({TORCH_EXTRA}); "
                                     "without it, compose with --method sum or direction")
                if self.pretrained is None and (self.weights is None or not self.weights.is_file()):
                    raise ModelError(f"this needs the weights {self.name} was exported from "
                                     f"({self.weights or 'unknown'}), which are not on this machine")
                self._torch = Encoder(self.name, pretrained=self.pretrained, weights=self.weights,
                                      device=self._device_pref, cache_dir=self.cache_dir)
            return self._torch

    @property
    def torch_model(self):
        return self.torch_encoder().torch_model
