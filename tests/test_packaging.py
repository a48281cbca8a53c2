"""The installers are built with every Qt module the app imports.

packaging/requirements.py swaps the `pyside6` meta package for one of its parts; a bundle built from
`pyside6-essentials` alone had no QtMultimedia, so the window's video player could not be made (the
preview of a video showed its details over the "Select a result" hint). This reads which PySide6
modules desktop_app imports, finds the wheel that holds each in this environment, and checks the
build requirements install it.
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import importlib.util
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _build_requirements(platform: str) -> list[str]:
    # packaging/ is not importable by name: the PyPI `packaging` library owns that name
    spec = importlib.util.spec_from_file_location("build_requirements", REPO / "packaging" / "requirements.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.requirements(platform)


def _qt_modules_imported() -> set[str]:
    found = set()
    for path in (REPO / "desktop_app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            found.update(n.split(".")[1] for n in names if n.startswith("PySide6.") and n.count(".") >= 1)
    return found


def _dist_name(requirement: str) -> str:
    return re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower().replace("_", "-")


def _installed_with(names: list[str]) -> set[str]:
    """The distributions `names` install, with what they require (transitively, in this environment)."""
    seen: set[str] = set()
    todo = [_dist_name(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = md.requires(name) or []
        except md.PackageNotFoundError:
            continue
        todo += [_dist_name(r) for r in requires if "extra ==" not in r]
    return seen


def _holder(module: str) -> str:
    for dist in ("PySide6_Essentials", "PySide6_Addons"):
        try:
            files = md.distribution(dist).files or []
        except md.PackageNotFoundError:
            continue
        if any(f.name.startswith(f"{module}.") and f.parent.name == "PySide6" for f in files):
            return dist.lower().replace("_", "-")
    pytest.skip(f"PySide6.{module} is in no installed PySide6 wheel here")


@pytest.mark.parametrize("platform", ["linux", "macos", "windows"])
def test_build_requirements_install_every_qt_module_the_app_imports(platform):
    modules = _qt_modules_imported()
    assert {"QtWidgets", "QtMultimedia", "QtMultimediaWidgets"} <= modules
    installed = _installed_with(_build_requirements(platform))
    missing = {m: _holder(m) for m in sorted(modules) if _holder(m) not in installed}
    assert not missing, f"the {platform} build would lack {missing}"
    assert "pyside6-webengine" not in installed  # what the swap is for: the meta package's unused 400 MB


def _build_module():
    spec = importlib.util.spec_from_file_location("build_requirements", REPO / "packaging" / "requirements.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bundle_leaves_out_the_virtual_keyboard_but_keeps_what_the_video_player_links():
    """The virtual keyboard plugin came in with QtGui's input-context plugins and is never used; QtQuick/QML
    look unused too, but Qt's FFmpeg media plugin links them, so dropping them would break video playback."""
    build = _build_module()
    for dropped in ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
                    "PySide6/Qt/lib/libQt6VirtualKeyboard.so.6", "PySide6/Qt/lib/libQt6VirtualKeyboardQml.so.6"):
        assert build.unused_in_bundle(dropped)
    for kept in ("PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
                 "PySide6/Qt/lib/libQt6Quick.so.6", "PySide6/Qt/lib/libQt6Qml.so.6",
                 "PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so", "PySide6/Qt/lib/libQt6Widgets.so.6"):
        assert not build.unused_in_bundle(kept)
    spec = (REPO / "packaging" / "medialens.spec").read_text(encoding="utf-8")
    assert "unused_in_bundle(entry[0])" in spec


def test_what_the_bundle_keeps_is_what_the_video_plugin_needs():
    import shutil
    import subprocess
    import sys

    if not sys.platform.startswith("linux") or shutil.which("readelf") is None:
        pytest.skip("needs Linux and readelf")
    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "multimedia" / "libffmpegmediaplugin.so"
    if not plugin.exists():
        pytest.skip("this PySide6 has no FFmpeg media plugin")
    out = subprocess.run(["readelf", "-d", str(plugin)], capture_output=True, text=True, check=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)
    assert not [lib for lib in needed if _build_module().unused_in_bundle(lib)]


def test_every_data_file_of_core_reaches_the_bundle():
    """The bundle's data files come from pyproject's package-data: the model catalogue once missed a hand-kept list.

    (The bundle's `medialens models` then failed: "catalogue.json: model catalogue not found".)
    """
    spec = importlib.util.spec_from_file_location("build_requirements", REPO / "packaging" / "requirements.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    bundled = {(Path(src).relative_to(REPO).as_posix(), dest) for src, dest in module.core_data_files(REPO)}
    on_disk = {(f.relative_to(REPO).as_posix(), f.parent.relative_to(REPO).as_posix())
               for f in (REPO / "core").rglob("*")
               if f.is_file() and f.suffix not in (".py", ".pyc") and f.name != ".keep"}
    assert ("core/models/runtime/catalogue.json", "core/models/runtime") in bundled
    assert on_disk <= bundled
    assert "_build.core_data_files(ROOT)" in (REPO / "packaging" / "medialens.spec").read_text(encoding="utf-8")
