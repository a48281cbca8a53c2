"""The window never freezes: a soak of searches, videos with sound, clears; and the player's threads keep off the GIL.

Issue 25: the window froze for good after a first-run index. QFFmpeg's audio
thread, destroying its renderer, called the QAudioOutput's `disconnectNotify`
with a Qt mutex held; the PySide wrapper asked Python for an override and
waited for the GIL, which the main thread held while it waited for that mutex
inside `QMediaPlayer.stop()` (desktop_app/pages/search/player.py, `settle_disconnect_notify`).

Both tests run the window in a child interpreter (tests/desktop/soak_probe.py,
player_probe.py) so a freeze fails the test instead of hanging the run.
`MEDIALENS_SOAK_S` sets the soak's length per audio setting (CI: 20 s each).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.media_factory import write_pictures
from tests.video_factory import video_with_sound

SOAK_S = float(os.environ.get("MEDIALENS_SOAK_S", "20"))
STALL_S = 2.0
NO_SERVER = "unix:/nonexistent/pulse-native"


@pytest.fixture(scope="module")
def media_with_sound(tmp_path_factory) -> Path:
    """Videos with sound tracks (made, and the shared data's vtest clip where present) and a few photos."""
    from tests.conftest import SHARED_DATA

    folder = tmp_path_factory.mktemp("media")
    for seed in range(2):
        video_with_sound(folder / f"tone{seed}.mp4", seed)
    vtest = SHARED_DATA / "videos" / "vtest_opencv_copy.avi"  # the clip in the player when the window froze
    if vtest.is_file():
        shutil.copy2(vtest, folder / vtest.name)
    write_pictures(folder / "photos", 4)
    return folder


@pytest.fixture(scope="module")
def pulse_server(tmp_path_factory):
    """A PulseAudio server with a null sink, on a socket of its own; stopped by its process id at the end."""
    if shutil.which("pulseaudio") is None:
        pytest.skip("pulseaudio is not installed (packaging/deps/test-debian.txt lists it)")
    run_dir = tmp_path_factory.mktemp("pulse")
    socket = run_dir / "native"
    env = dict(os.environ, XDG_RUNTIME_DIR=str(run_dir), HOME=str(run_dir))
    subprocess.run(["pulseaudio", "-n", "--daemonize=yes", "--exit-idle-time=-1", "--use-pid-file=yes",
                    "--load=module-null-sink sink_name=soak",
                    f"--load=module-native-protocol-unix socket={socket} auth-anonymous=1"],
                   env=env, check=True, capture_output=True, timeout=30)
    pid = int((run_dir / "pulse" / "pid").read_text())
    yield f"unix:{socket}"
    os.kill(pid, signal.SIGTERM)


def run_probe(args: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    env = dict(env, QT_QPA_PLATFORM="offscreen", QT_LOGGING_RULES="qt.multimedia*=false")
    return subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
@pytest.mark.parametrize("audio", ["no audio server", "pulseaudio null sink"])
def test_window_event_loop_never_stalls_while_videos_with_sound_come_and_go(
        audio, request, media_with_sound, tiny_weights, cli_env, tmp_path):
    server = request.getfixturevalue("pulse_server") if audio == "pulseaudio null sink" else NO_SERVER
    proc = run_probe([sys.executable, "-m", "tests.desktop.soak_probe", str(tmp_path / "lib"), str(media_with_sound),
                      str(tiny_weights), "--seconds", str(SOAK_S), "--stall", str(STALL_S)],
                     dict(cli_env, PULSE_SERVER=server), timeout=SOAK_S + 300)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"the window stalled over {STALL_S} s (stacks below):\n{output[-12000:]}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["max_gap_s"] < STALL_S and not report.get("stuck"), report
    assert report["indexed"] >= 6 and report["videos_opened"] >= 3 and report["clears"] >= 2, report


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("gdb") is None, reason="gdb is not installed (packaging/deps/test-debian.txt)")
def test_no_qtmultimedia_thread_asks_for_the_gil_when_a_video_with_sound_stops(tmp_path, cli_env):
    """Deterministic where the freeze was a race: on the old player QFFmpeg's thread asked once (the first
    `disconnectNotify` of the QAudioOutput); any such request can deadlock the window."""
    video = video_with_sound(tmp_path / "tone.mp4", 0)
    commands = tmp_path / "gdb.cmds"
    commands.write_text("set pagination off\nset breakpoint pending on\nhandle SIGPIPE nostop noprint\n"
                        "break PyGILState_Ensure if $_thread != 1\ncommands\nsilent\n"
                        'printf "GIL REQUEST thread %d\\n", $_thread\nbt 8\ncont\nend\nrun\n')
    proc = run_probe(["gdb", "-q", "-batch", "-x", str(commands), "--args", sys.executable, "-m",
                      "tests.desktop.player_probe", str(video)], dict(cli_env, PULSE_SERVER=NO_SERVER), timeout=240)
    output = proc.stdout + proc.stderr
    assert "done" in proc.stdout, output[-6000:]
    requests = [line for line in output.splitlines() if line.startswith("GIL REQUEST")]
    assert not requests, output[output.index("GIL REQUEST"):][:6000]
