"""Indexing on a Ray cluster (a local one started by the test): the same items and vectors as in-process
indexing, also when a worker is killed in the middle of a run."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="the cluster extra is not installed: pip install -e '.[cluster]'")

pytestmark = pytest.mark.slow


def _task_pids() -> list[int]:
    """Ray worker processes running a file's task right now (Ray titles them after the task)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"_embed_file" in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _contents(lib) -> dict[tuple[str, float | None], np.ndarray]:
    """(file name, time) -> vector of every embedded item."""
    engine = lib.engine()
    out = {}
    for fid, path in _files(lib):
        for item_id, t in lib.catalog.items_of_file(fid):
            out[(os.path.basename(path), t)] = engine.context.item_vector(item_id)
    return out


def _files(lib):
    from sqlalchemy import select

    from core.store.catalog import MediaFile

    with lib.catalog.session() as s:
        return [(r[0], r[1]) for r in s.execute(select(MediaFile.id, MediaFile.path))]


@pytest.fixture(scope="module")
def local_cluster(tiny_config_dir):
    from core.indexing import cluster

    cluster.connect("local", num_cpus=2)
    yield
    ray.shutdown()


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="finds Ray's workers through /proc")
def test_cluster_index_matches_in_process_even_when_a_worker_is_killed(make_library, shared_data, tmp_path,
                                                                      local_cluster, monkeypatch):
    # The same vectors to the bit, not within int8's agreement (cosine >= 0.995): float32 on both sides.
    monkeypatch.setenv("MEDIALENS_PRECISION", "fp32")
    folder = tmp_path / "photos"
    folder.mkdir()
    for f in sorted((shared_data / "images" / "misc").iterdir())[:12]:
        (folder / f.name).write_bytes(f.read_bytes())

    t0 = time.perf_counter()
    local = make_library("local")
    local_report = local.index([folder])
    local_s = time.perf_counter() - t0

    killed: list[int] = []

    def kill_one_worker_mid_task() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            pids = _task_pids()
            if pids:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_worker_mid_task, daemon=True)
    killer.start()
    t0 = time.perf_counter()
    remote = make_library("remote")
    remote_report = remote.index([folder], cluster="local")
    remote_s = time.perf_counter() - t0
    killer.join()
    print(f"\nin-process {local_report.indexed / local_s:.2f} files/s, "
          f"Ray local cluster {remote_report.indexed / remote_s:.2f} files/s (worker start-up included)")

    assert killed, "no worker was caught running a task"
    assert remote_report.indexed == local_report.indexed and not remote_report.failed, remote_report.failed
    want, got = _contents(local), _contents(remote)
    assert sorted(got) == sorted(want)  # the same items, none lost, none twice
    for key, vec in want.items():
        np.testing.assert_allclose(got[key], vec, atol=2e-3, err_msg=str(key))
    assert [h.path for h in remote.search("a red flower", n=5)] == [h.path for h in local.search("a red flower", n=5)]
