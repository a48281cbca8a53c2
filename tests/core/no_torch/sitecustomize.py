"""Make this interpreter look like a torch-free install (`pip install medialens` without extras).

With this folder first on PYTHONPATH, torch, torchvision, open_clip and onnx are absent as on a
machine with only the default dependencies: `import torch` fails, `find_spec("torch")` is None.
"""

import sys

for _name in ("torch", "torchvision", "open_clip", "onnx"):
    sys.modules[_name] = None
