"""A kill during sidecar writes loses nothing: every sidecar stays whole, and after the next metadata
pass the catalog says what the sidecars say (the sidecar is the truth for what it holds)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from core.indexing.manage import Manager, sync_metadata
from core.media.xmp import read_sidecar, sidecar_path
from tests.core.handmade import HandmadeLibrary, axis
from tests.media_factory import write_pictures

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from core.store.catalog import Catalog
    from core.indexing.manage import Manager
    catalog = Catalog(Path(sys.argv[1]))
    manager = Manager(catalog)
    ids = [int(i) for i in sys.argv[2].split(",")]
    tags = [f"Places/Country {i}/City {j}" for i in range(20) for j in range(20)]  # a sidecar of ~40 kB
    n = 0
    print("ready", flush=True)
    while True:
        n += 1
        manager.edit(ids, rating=n % 6, add_tags=tags if n % 2 else [], remove_tags=[] if n % 2 else tags)
""")


def test_sigkill_during_sidecar_writes_loses_nothing(tmp_path):
    photos = write_pictures(tmp_path / "photos", 4)
    lib = HandmadeLibrary(tmp_path / "lib")
    ids = [lib.add(p.name, [axis(i)], folder=str(p.parent)) for i, p in enumerate(photos)]
    env = {**os.environ, "PYTHONPATH": REPO}
    for delay in (0.3, 0.45, 0.6, 0.8, 1.0):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(lib.catalog.path), ",".join(map(str, ids))],
                                  env=env, stdout=subprocess.PIPE, text=True)
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        for p in photos:
            side = sidecar_path(p)
            if side.exists():
                read_sidecar(side)  # whole: never half a file (SidecarError otherwise)
        sync_metadata(lib.catalog)
        metas = Manager(lib.catalog).store.metas(ids)
        for fid, p in zip(ids, photos, strict=True):
            side = sidecar_path(p)
            if side.exists():
                data = read_sidecar(side)
                assert metas[fid].rating == data.rating and sorted(metas[fid].tags) == sorted(data.tags)
    leftovers = [f for f in os.listdir(photos[0].parent) if f.endswith(".tmp")]
    assert len(leftovers) <= 5  # at most one temporary file per kill, never renamed over a sidecar
