"""The `medialens` command as a user runs it: real subprocesses, exit codes, clean errors."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO, TINY_MODEL, medialens_cmd
from tests.media_factory import truncated_jpeg, write_pictures


def run(args, env, cwd=None, timeout=300):
    return subprocess.run(medialens_cmd(*args), env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd)


@pytest.fixture
def cli(tmp_path, cli_env, tiny_weights):
    """Run `medialens` with a temp library and the tiny model."""
    env = dict(cli_env, MEDIALENS_HOME=str(tmp_path / "home"))

    def _run(*args, model=True):
        extra = ["--model", TINY_MODEL, "--weights", str(tiny_weights)] if model else []
        return run([*args, *extra], env)

    return _run


def assert_clean_error(proc, *fragments):
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("medialens: error: "), proc.stderr
    for frag in fragments:
        assert frag in lines[0], lines[0]


def test_index_search_similar_status_models(cli, tmp_path):
    folder = tmp_path / "pics"
    write_pictures(folder, 8)
    truncated_jpeg(folder / "broken.jpg")
    proc = cli("index", str(folder))
    assert proc.returncode == 0, proc.stderr
    assert "indexed 8" in proc.stdout and "failed 1" in proc.stdout
    assert "broken.jpg" in proc.stdout and "truncated" in proc.stdout

    proc = cli("search", "red circles", "-n", "3", "--json", model=False)  # the library remembers its model
    assert proc.returncode == 0, proc.stderr
    hits = json.loads(proc.stdout)
    assert len(hits) == 3 and all({"path", "score"} <= set(h) for h in hits)

    proc = cli("similar", str(folder / "pic_00003.jpg"), "-n", "2", "--json", model=False)
    hits = json.loads(proc.stdout)
    assert proc.returncode == 0 and len(hits) == 2
    assert str(folder / "pic_00003.jpg") not in [h["path"] for h in hits], "the item itself is excluded"

    proc = cli("similar", str(hits[0]["id"]), "-n", "1", model=False)
    assert proc.returncode == 0 and proc.stdout.strip()

    st = json.loads(cli("status", "--json", model=False).stdout)
    assert st["images"] == 8 and st["failed"] == 1 and st["index"] == "ok"
    assert st["failures"][0]["path"].endswith("broken.jpg")

    models = json.loads(cli("models", "--json", model=False).stdout)
    assert any(m["name"] == "ViT-B-32" and m["pretrained"] == "laion2b_s34b_b79k" for m in models)
    assert any("multilingual" in m["notes"] for m in models)

    again = cli("index", model=False)
    assert again.returncode == 0 and "indexed 0, unchanged 9" in again.stdout  # 8 + 1 failed


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["index", "/no/such/folder"], ["/no/such/folder", "folder not found"]),
        (["search", "cat"], ["nothing is indexed"]),
        (["similar", "/no/such/photo.jpg"], ["nothing is indexed"]),
        (["search", "cat", "--model", "NoSuchModel"], ["unknown model 'NoSuchModel'"]),
        (["search", "cat", "--weights", "/no/weights.safetensors"], ["weights file not found"]),
    ],
)
def test_cli_errors_are_one_clean_line(tmp_path, cli_env, args, fragments):
    env = dict(cli_env, MEDIALENS_HOME=str(tmp_path / "home"))
    assert_clean_error(run(args, env), *fragments)


def test_query_errors_on_an_indexed_library(cli, tmp_path):
    folder = tmp_path / "pics"
    write_pictures(folder, 3)
    assert cli("index", str(folder)).returncode == 0
    assert_clean_error(cli("similar", str(tmp_path / "missing.jpg"), model=False), "missing.jpg", "no such file")
    assert_clean_error(cli("similar", "999999", model=False), "no library item with id 999999")
    assert_clean_error(cli("search", "   ", model=False), "search text is empty")
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    assert_clean_error(cli("similar", str(text), model=False), "notes.jpg")


def test_weights_that_do_not_fit_the_model_are_a_clear_error(cli, tmp_path, tiny_weights):
    folder = tmp_path / "pics"
    write_pictures(folder, 2)
    proc = run(["index", str(folder), "--model", "ViT-B-32", "--weights", str(tiny_weights)],
               dict(os.environ, MEDIALENS_HOME=str(tmp_path / "h2"), HF_HUB_OFFLINE="1"))
    assert_clean_error(proc, "do not fit model ViT-B-32")


def test_missing_hub_model_offline_says_how_to_provide_weights(tmp_path, cli_env):
    folder = tmp_path / "pics"
    write_pictures(folder, 2)
    env = dict(cli_env, MEDIALENS_HOME=str(tmp_path / "h3"), HF_HUB_OFFLINE="1",
               MEDIALENS_MODELS=str(tmp_path / "empty-cache"), HF_HOME=str(tmp_path / "hf"))
    proc = run(["index", str(folder), "--model", "ViT-B-32"], env)
    assert_clean_error(proc, "ViT-B-32", "--weights PATH")


def _catalog_counts(db):
    con = sqlite3.connect(db)
    try:
        files = con.execute("select count(*) from files").fetchone()[0]
        done = con.execute("select count(*) from embedded").fetchone()[0]
        per_file = con.execute("select file_id, count(*) from items group by file_id").fetchall()
        vectors = con.execute("select count(*), count(distinct item_id) from vectors").fetchone()
        orphans = con.execute(
            "select count(*) from items where id not in (select item_id from vectors)").fetchone()[0]
        return files, done, per_file, vectors, orphans
    finally:
        con.close()


def test_sigkill_mid_index_then_resume_indexes_every_file_exactly_once(tmp_path, cli_env, tiny_weights):
    folder = tmp_path / "many"
    write_pictures(folder, 400)
    home = tmp_path / "home"
    env = dict(cli_env, MEDIALENS_HOME=str(home))
    args = medialens_cmd("index", str(folder), "--model", TINY_MODEL, "--weights", str(tiny_weights),
                         "--batch-size", "8", "--quiet")
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    db = home / "catalog.db"
    deadline = time.time() + 240
    done = 0
    while time.time() < deadline and proc.poll() is None:
        if db.exists():
            try:
                done = _catalog_counts(db)[1]
            except sqlite3.OperationalError:
                done = 0
            if done >= 40:
                break
        time.sleep(0.05)
    assert proc.poll() is None, f"indexing finished before it could be killed ({done} files)"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    files, done, per_file, (vectors, distinct), orphans = _catalog_counts(db)
    assert 0 < done < 400, done
    assert vectors == distinct, "no vector stored twice"

    st = run(["status", "--json"], env)
    assert st.returncode == 0, st.stderr
    # vectors of the batch in flight may be committed before their file completes: partial work
    # that the next run discards
    assert done <= json.loads(st.stdout)["vectors"] <= done + 8

    resumed = run(["index", "--quiet"], env)
    assert resumed.returncode == 0, resumed.stderr
    assert f"indexed {400 - done}," in resumed.stdout, resumed.stdout
    files, done, per_file, (vectors, distinct), orphans = _catalog_counts(db)
    assert (files, done, vectors, distinct, orphans) == (400, 400, 400, 400, 0)
    assert all(n == 1 for _, n in per_file) and len(per_file) == 400
    st = json.loads(run(["status", "--json"], env).stdout)
    assert st["index"] == "ok" and st["vectors"] == 400


def test_gui_is_the_default_command(monkeypatch):
    from core.cli import build_parser
    from desktop_app import launcher

    assert build_parser().parse_args([]).command is None
    opened = []
    monkeypatch.setattr(launcher, "open_window", lambda args: opened.append(args.command) or 0)
    assert launcher.main([]) == 0 and launcher.main(["gui", "--library", "x"]) == 0
    assert opened == [None, "gui"]


def test_core_cli_alone_runs_headless_commands_only():
    """`python -m core.cli` has no window to open: a usage error pointing at `medialens`, exit 2."""
    from core.cli import main

    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2


def test_version_and_headless_commands_load_neither_qt_nor_torch(cli_env, tmp_path):
    (tmp_path / "home").mkdir()  # `status` makes no library folder (a mistyped --library must not become one)
    probe = ("import json, sys\n"
             "from desktop_app.launcher import main\n"
             "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
             f"main(['status', '--library', {str(tmp_path / 'home')!r}])\n"
             "print(json.dumps({m: m in sys.modules for m in ('PySide6', 'torch', 'open_clip')}))\n")
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=cli_env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("medialens ") and "library:" in out.stdout
    assert json.loads(out.stdout.splitlines()[-1]) == {"PySide6": False, "torch": False, "open_clip": False}


def test_pipe_closed_early_is_not_an_error(cli, tmp_path):
    folder = tmp_path / "pics"
    write_pictures(folder, 30)
    assert cli("index", str(folder)).returncode == 0
    shutil.which("head") or pytest.skip("no head command")
    env = dict(os.environ)
    proc = subprocess.run(" ".join(medialens_cmd("search", "x", "-n", "30")) + " | head -1", shell=True,
                          capture_output=True, text=True, env=dict(env, **{"MEDIALENS_HOME": str(tmp_path / "home")}))
    assert "Traceback" not in proc.stderr
