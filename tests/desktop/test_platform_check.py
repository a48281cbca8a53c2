"""Before the window opens on Linux: missing X libraries are one line naming the packages, not a Qt abort."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.platform_check import (
    XCB_LIBRARIES,
    debian_depends,
    debian_packages,
    missing_platform_libraries,
    platform_problem,
)
from tests.conftest import REPO

MINIMAL_DEBIAN = {"libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"}  # what a minimal Debian 12 lacks


def test_missing_xcb_libraries_are_named_by_their_debian_packages():
    problem = platform_problem({"DISPLAY": ":0"}, "linux", loads=lambda so: so not in MINIMAL_DEBIAN)
    assert problem is not None and "\n" not in problem
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1)" in problem
    assert platform_problem({"DISPLAY": ":0"}, "linux", loads=lambda so: True) is None
    # not asked when Qt will not use xcb
    for env, platform in (({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux"), ({"DISPLAY": ":0"}, "darwin"),
                          ({}, "linux")):
        assert platform_problem(env, platform, loads=lambda so: False) is None


def test_this_machine_has_them():
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only")
    assert missing_platform_libraries() == []


def test_the_window_start_stops_with_the_line(monkeypatch, capsys):
    from desktop_app import app, platform_check

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr(platform_check, "_loads", lambda so: so != "libxcb-cursor.so.0")
    monkeypatch.setattr(app, "build", lambda *a, **k: pytest.fail("the window must not be built"))
    assert app.run() == 2
    assert capsys.readouterr().err.startswith("medialens: error: the window needs system libraries that are not "
                                              "installed: libxcb-cursor0 ")


def _needed(lib: Path) -> set[str]:
    out = subprocess.run(["readelf", "-d", str(lib)], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out))


def test_the_table_covers_every_library_qts_xcb_plugin_links():
    """The list is checked against the installed PySide6's own plugin, so a Qt upgrade that adds one fails here."""
    if not sys.platform.startswith("linux") or shutil.which("readelf") is None:
        pytest.skip("needs Linux and readelf")
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    needed = _needed(qt / "plugins" / "platforms" / "libqxcb.so") | _needed(qt / "lib" / "libQt6XcbQpa.so.6")
    system = {n for n in needed if not n.startswith("libQt6") and not re.match(r"lib(c|m|stdc\+\+|gcc_s)\.so", n)}
    system -= {"libgthread-2.0.so.0"}  # the same package as libglib-2.0
    assert system <= set(XCB_LIBRARIES), system - set(XCB_LIBRARIES)


def test_the_deb_and_the_readme_list_the_same_packages():
    depends = debian_depends()
    readme = (REPO / "README.md").read_text()
    for package in ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"):
        assert package in depends and package in readme


def test_the_readme_ci_and_deb_install_the_same_system_packages():
    """One list (platform_check's table): the README's apt line, `.ci/run`'s and the .deb's Depends agree.

    `.ci/run` must install everything the README tells a user to install, so CI cannot pass on a machine where
    someone installed a library by hand (a fresh machine once failed `test_this_machine_has_them` for that).
    """
    packages = debian_packages()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    apt_lines = re.findall(r"^sudo apt-get update && sudo apt-get install -y (.+)$", readme, re.MULTILINE)
    assert len(apt_lines) == 1, "the README's install block has one apt-get line"
    assert apt_lines[0].split() == packages

    script = REPO / "desktop_app" / "platform_check.py"
    printed = subprocess.run(["python3", str(script)], capture_output=True, text=True, check=True, timeout=60)
    assert printed.stdout.split() == packages  # runs with the system Python alone, before any install

    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    listed = re.search(r'APP_PACKAGES="([^"]+)"', ci)
    assert listed and listed.group(1).replace("\\", " ").split() == packages
    assert "packaging/deps/test-debian.txt" in ci
    install = ci[ci.index("apt-get install"):].split("\n", 2)
    assert "$APP_PACKAGES" in install[0] + install[1] and "$TEST_PACKAGES" in install[0] + install[1]

    build = (REPO / "packaging" / "build-linux.sh").read_text(encoding="utf-8")
    assert "from desktop_app.platform_check import debian_depends" in build and "Depends: $DEPENDS" in build
    assert debian_depends().split(", ") == packages


def test_the_test_only_packages_are_named_one_a_line():
    names = [line.split("#")[0].strip() for line in
             (REPO / "packaging" / "deps" / "test-debian.txt").read_text(encoding="utf-8").splitlines()]
    names = [n for n in names if n]
    assert names and all(re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", n) for n in names)
    assert not set(names) & set(debian_packages())  # the app's own packages live in one place only
