"""Before the window starts on Linux: are the system libraries Qt's X11 platform plugin needs there?

Qt's `xcb` plugin links a dozen small X libraries that a minimal Debian or Ubuntu install lacks
(`libxcb-cursor0` most often). Without them Qt prints a paragraph and aborts the process (exit
134) before any of our code can explain. `missing_platform_libraries` tries to load each one
by its soname, the way the dynamic loader will (a PyInstaller bundle's own folder included), and
`platform_problem` turns the missing ones into one line naming the Debian packages to install.

This table is the one list of the app's system packages: the `.deb`'s Depends (`debian_depends`, read by
packaging/build-linux.sh), `.ci/run`'s apt-get line (`python3 desktop_app/platform_check.py` prints them; the file
imports nothing outside the standard library so it runs before any install) and the README's install line all come
from it, and tests/desktop/test_platform_check.py checks that they agree.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

#: soname -> Debian/Ubuntu package, for every library Qt's xcb platform plugin (libqxcb.so and
#: libQt6XcbQpa.so) links beyond libc/libstdc++ and Qt itself.
XCB_LIBRARIES: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}

#: Needed by the app but not by the platform plugin: sound for the video player.
OTHER_DEPENDS = ("libpulse0",)


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_platform_libraries(loads: Callable[[str], bool] | None = None) -> list[str]:
    """The Debian packages whose libraries cannot be loaded here (empty when all load)."""
    loads = loads or _loads
    packages: list[str] = []
    for soname, package in XCB_LIBRARIES.items():
        if not loads(soname) and package not in packages:
            packages.append(package)
    return packages


def platform_problem(environ: Mapping[str, str] | None = None, platform: str | None = None,
                     loads: Callable[[str], bool] | None = None) -> str | None:
    """One line saying which packages to install before the window can open, or None.

    Only on Linux, and only when Qt would use the xcb plugin: an X display and no other
    platform asked for (Wayland sessions also fall back to xcb when the Wayland plugin fails,
    so a set DISPLAY is what counts).
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return None
    qpa = environ.get("QT_QPA_PLATFORM", "")
    if qpa and not qpa.startswith("xcb"):
        return None
    if not qpa and not environ.get("DISPLAY"):
        return None
    missing = missing_platform_libraries(loads)
    if not missing:
        return None
    return (f"the window needs system libraries that are not installed: {' '.join(missing)} "
            f"(on Debian/Ubuntu: sudo apt install {' '.join(missing)}); the commands work without them "
            f"(medialens --help)")


def debian_packages() -> list[str]:
    """Every Debian package the app needs at run time, each once, in table order."""
    return list(dict.fromkeys([*XCB_LIBRARIES.values(), *OTHER_DEPENDS]))


def debian_depends() -> str:
    """The `Depends:` field of the .deb: every package above."""
    return ", ".join(debian_packages())


if __name__ == "__main__":  # `.ci/run` and the README: apt-get install $(python3 desktop_app/platform_check.py)
    print(" ".join(debian_packages()))
