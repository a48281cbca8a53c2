"""The face model: finds faces in a picture and turns each into a 128-number identity vector.

Why these models (chosen for what arrives whole from the package index, offline, under a licence
an Apache-2.0 app may ship or download):

* **dlib** (`dlib-bin`, a 4 MB prebuilt wheel; Boost licence) runs them, on the CPU, with no torch.
* **Detector**: dlib's HOG + linear SVM frontal detector, built into dlib (no model file). On the
  shared faces set (20 photos, 23 faces) it finds 23 of 23 at 960 px without upsampling
  (tests/bench/faces.py). It misses faces turned more than ~45 degrees and faces under ~80 px at
  the detection size: on everyday COCO scenes, where people are small, it finds few faces.
* **Landmarks**: dlib's 5-point shape predictor (9 MB, CC0: trained on dlib's own 5-point data
  set, unlike the 68-point model whose iBUG 300-W training data is non-commercial).
* **Identity vectors**: dlib's ResNet-34-like face recognition model v1 (22 MB, CC0), 99.38 % on
  the LFW verification benchmark (dlib's published figure; faces of one person lie within a
  Euclidean distance of 0.6 of each other, the figure the clustering starts from).

The two model files come from the `face-recognition-models` package (CC0; Adam Geitgey's
packaging of Davis King's dlib-models), located without importing it (its `__init__` needs
`pkg_resources`). OpenCV Zoo's YuNet + SFace (what digiKam uses, MIT / Apache-2.0, ONNX) were the
first choice, but no package on the index ships their .onnx files (checked: `opencv-python`,
`alchemyface`, `detekface`, `moca-face-matcher`, `unicorner-face-detector` all download them at run
time); a bigger model is a download through the model catalogue, with `FaceModel` as the seam.
"""

from __future__ import annotations

import importlib.util
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.errors import LibraryError

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

#: The detector looks at pictures shrunk to this longer side, without upsampling (faces from ~80 px
#: there, 8 % of the picture's width): the 23 faces of the shared set are all found at 960 as at 1280,
#: and the HOG scan's cost grows with the pixels (COCO photos at load 22 on 2 cores: 231 ms at 640 px,
#: 356 at 800, 503 at 960, against ~1100 ms for ViT-B-32's embedding in the same conditions).
DETECT_SIDE = 960
#: Smaller pictures are enlarged to this longer side first, so faces down to ~64 px of a 640 px photo
#: are seen. dlib's own 2x upsampling found 3 faces in 40 COCO photos at 829 ms a photo, none at 177 ms
#: without it: 1.25x is the step the +50 % budget of the stage leaves room for.
ENLARGE_TO = 800
#: Detections scoring below this are dropped (dlib's SVM margin; 0 is its own default).
MIN_SCORE = 0.0
#: A face this many pixels wide (at the detection size) or more has an identity vector worth trusting.
GOOD_FACE_PX = 80
#: How many identity numbers a face has.
DIM = 128
#: The model's name as stored beside each face (a different model means different vectors).
MODEL_NAME = "dlib-resnet-v1"


@dataclass(frozen=True)
class DetectedFace:
    """A face in a picture: its box and landmarks in the original's pixels, and its identity vector."""

    box: tuple[int, int, int, int]  # left, top, right, bottom
    landmarks: tuple[tuple[int, int], ...]  # eye corners and the nose base (dlib's 5 points)
    score: float  # the detector's margin
    quality: float  # 0..1: how far the vector can be trusted (size in the original and detector margin)
    embedding: np.ndarray  # float32, DIM numbers


def face_quality(width_px: float, score: float) -> float:
    """0..1: a small or barely detected face gives a vector that says little about who it is."""
    size = min(1.0, width_px / GOOD_FACE_PX)
    margin = 1.0 / (1.0 + math.exp(-2.0 * score))
    return round(size * margin, 4)


def model_files() -> tuple[Path, Path]:
    """(5-point landmarks, recognition model) from the face-recognition-models package."""
    spec = importlib.util.find_spec("face_recognition_models")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        models = Path(folder) / "models"
        shape = models / "shape_predictor_5_face_landmarks.dat"
        rec = models / "dlib_face_recognition_resnet_model_v1.dat"
        if shape.is_file() and rec.is_file():
            return shape, rec
    raise LibraryError("finding faces needs the face-recognition-models package "
                       "(pip install face-recognition-models dlib-bin)")


class FaceModel:
    """Detector, landmarks and recogniser, loaded on first use under a lock (about 0.3 s)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parts = None

    def _load(self):
        try:
            import dlib
        except ImportError:
            raise LibraryError("finding faces needs the dlib package (pip install dlib-bin)") from None
        shape, rec = model_files()
        return dlib, dlib.get_frontal_face_detector(), dlib.shape_predictor(str(shape)), \
            dlib.face_recognition_model_v1(str(rec))

    def detect(self, img: Image.Image, scale: tuple[float, float] = (1.0, 1.0)) -> list[DetectedFace]:
        """Faces in `img` (any size), boxes and landmarks scaled by `scale` into the original's pixels."""
        from PIL import Image

        img = img.convert("RGB")
        shrink = min(DETECT_SIDE / max(img.size), max(1.0, ENLARGE_TO / max(img.size)))
        if shrink != 1.0:
            img = img.resize((max(1, round(img.width * shrink)), max(1, round(img.height * shrink))),
                             Image.Resampling.BILINEAR)
        sx, sy = scale[0] / shrink, scale[1] / shrink
        pixels = np.ascontiguousarray(np.asarray(img))
        with self._lock:
            if self._parts is None:
                self._parts = self._load()
            dlib, detector, shaper, recogniser = self._parts
            if min(img.size) < 2:
                return []
            rects, scores, _ = detector.run(pixels, 0, MIN_SCORE)
            if not rects:
                return []
            shapes = dlib.full_object_detections()
            for r in rects:
                shapes.append(shaper(pixels, r))
            vectors = recogniser.compute_face_descriptor(pixels, shapes)
        faces = []
        for r, score, shape, vec in zip(rects, scores, shapes, vectors, strict=True):
            x0, y0 = max(0, r.left()), max(0, r.top())
            x1, y1 = min(img.width, r.right()), min(img.height, r.bottom())
            box = (round(x0 * sx), round(y0 * sy), round(x1 * sx), round(y1 * sy))
            points = tuple((round(shape.part(k).x * sx), round(shape.part(k).y * sy)) for k in range(shape.num_parts))
            seen_px = min(r.width(), r.width() / shrink)  # the pixels the vector saw, not the enlargement's
            faces.append(DetectedFace(box, points, round(float(score), 4), face_quality(seen_px, float(score)),
                                      np.asarray(vec, np.float32)))
        return faces
