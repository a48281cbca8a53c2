"""Render resources/icons/medialens.svg into the icon formats the Windows and macOS bundles need.

    python packaging/make_icons.py OUT_DIR      -> OUT_DIR/medialens.ico, OUT_DIR/medialens.icns, OUT_DIR/medialens.png

Qt (already a dependency) renders the SVG; Pillow (also one) writes the multi-size .ico and .icns.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def render_png(svg: Path, size: int, out: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    if not image.save(str(out)):
        raise SystemExit(f"{out}: could not write the PNG")


def main(out_dir: str) -> int:
    from PIL import Image

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    png = out / "medialens.png"
    render_png(ROOT / "resources" / "icons" / "medialens.svg", 1024, png)
    image = Image.open(png)
    image.save(out / "medialens.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    image.save(out / "medialens.icns")
    print(out / "medialens.ico", out / "medialens.icns")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build/icons"))
