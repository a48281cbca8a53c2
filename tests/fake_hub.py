"""A tiny Hugging Face hub on 127.0.0.1: `/<repo>/resolve/<revision>/<path>` with HEAD, GET and Range.

It answers as the hub does for what `huggingface_hub` asks before and during a download (size,
ETag = the file's SHA-256 for LFS files and a git hash for small ones, X-Repo-Commit) and can misbehave on
purpose: drop the connection part-way through a file (`drop_after`), or serve other bytes than
the ones a catalogue pinned. Every request is recorded (method, path, Range header).

Run by hand to try a first run against it (the catalogue entry it prints goes in a file named by
$MEDIALENS_CATALOGUE, and HF_ENDPOINT points at it):

    python -m tests.fake_hub FOLDER --repo medialens/MediaLens-Tiny [--port 8765] [--rate-kb 500]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMMIT = "0123456789abcdef0123456789abcdef01234567"
LFS_MIN_BYTES = 1024  # smaller files are served as the hub serves files kept in git (config.json, …)


class FakeHub:
    """Serves repositories held in memory: {(repo, revision): {path: bytes}}."""

    def __init__(self, rate_bytes_s: float | None = None):
        self.repos: dict[tuple[str, str], dict[str, bytes]] = {}
        self.requests: list[tuple[str, str, str | None]] = []
        self.drop_after: dict[str, int] = {}  # path -> bytes sent before the connection drops (once)
        self.rate_bytes_s = rate_bytes_s
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_HEAD(self):
                hub._answer(self, body=False)

            def do_GET(self):
                hub._answer(self, body=True)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def add_folder(self, repo: str, folder: Path, revision: str = "main") -> dict[str, dict]:
        """Serve every file under `folder` as `repo` at `revision`; returns the pins {path: {bytes, sha256}}."""
        files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
        self.repos[(repo, revision)] = files
        return {path: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()} for path, data in files.items()}

    def start(self) -> FakeHub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def gets(self, path_end: str) -> list[str | None]:
        """The Range headers of the GETs of a file (None: from the start)."""
        return [r for m, p, r in self.requests if m == "GET" and p.endswith(path_end)]

    def _answer(self, handler: BaseHTTPRequestHandler, body: bool) -> None:
        rng = handler.headers.get("Range")
        self.requests.append((handler.command, handler.path, rng))
        parts = handler.path.split("?")[0].lstrip("/").split("/")
        try:
            i = parts.index("resolve")
            repo, revision, path = "/".join(parts[:i]), parts[i + 1], "/".join(parts[i + 2:])
            data = self.repos[(repo, revision)][path]
        except (ValueError, IndexError, KeyError):
            handler.send_response(404)
            handler.send_header("Content-Length", "0")
            handler.send_header("X-Error-Code", "EntryNotFound")
            handler.end_headers()
            return
        start = int(rng.split("=")[1].split("-")[0]) if rng else 0
        chunk = data[start:]
        handler.send_response(206 if rng else 200)
        handler.send_header("Content-Length", str(len(chunk)))
        if rng:
            handler.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        # as the hub: an LFS file's ETag is its SHA-256; a small file kept in git has its git blob hash
        etag = hashlib.sha256(data).hexdigest() if len(data) >= LFS_MIN_BYTES else hashlib.sha1(
            b"blob %d\0" % len(data) + data).hexdigest()
        handler.send_header("ETag", f'"{etag}"')
        handler.send_header("X-Repo-Commit", COMMIT)
        handler.send_header("Accept-Ranges", "bytes")
        handler.end_headers()
        if not body:
            return
        limit = self.drop_after.pop(path, None)
        sent = 0
        step = 64 * 1024
        try:
            while sent < len(chunk):
                if limit is not None and sent >= limit:
                    handler.close_connection = True
                    handler.connection.shutdown(2)  # the connection drops mid-file
                    return
                piece = chunk[sent:sent + step]
                handler.wfile.write(piece)
                sent += len(piece)
                if self.rate_bytes_s:
                    time.sleep(len(piece) / self.rate_bytes_s)
        except (BrokenPipeError, ConnectionResetError):
            return


def catalogue_entry(name: str, repo: str, pins: dict[str, dict], *, key: str,
                    revision: str = "main", languages=("en",), params_m: int = 1,
                    quality: str = "random weights") -> dict:
    """A catalogue entry (as `catalogue.json` holds them) for a repository this hub serves; `key` = model:tag."""
    model, _, tag = key.partition(":")
    return {"name": name, "repo": repo, "revision": revision, "model": model, "pretrained": tag,
            "languages": list(languages), "licence": "test", "params_m": params_m, "image_gflops": 0.1,
            "quality": quality, "quality_source": "tests", "notes": "served by tests/fake_hub.py",
            "files": {p: v for p, v in pins.items() if p != "medialens.json"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--repo", required=True)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--rate-kb", type=float, help="slow the transfer to this many KB/s")
    parser.add_argument("--catalogue", type=Path, help="write a catalogue file with the served model here")
    parser.add_argument("--quality", default="random weights", help="what the catalogue says of its quality")
    args = parser.parse_args()
    hub = FakeHub(args.rate_kb * 1000 if args.rate_kb else None)
    hub.server.server_close()
    hub.server = ThreadingHTTPServer(("127.0.0.1", args.port), hub.server.RequestHandlerClass)
    pins = hub.add_folder(args.repo, args.folder)
    side = json.loads((args.folder / "medialens.json").read_text())
    entry = catalogue_entry(args.repo.split("/")[-1], args.repo, pins, key=side["key"],
                            languages=side.get("languages") or ["en"],
                            params_m=max(1, sum(v["bytes"] for v in pins.values()) // 4_000_000),
                            quality=args.quality)
    if args.catalogue:
        args.catalogue.write_text(json.dumps({"format": 1, "models": [entry]}, indent=1))
    print(f"serving {args.repo} at {hub.url}", flush=True)
    hub.server.serve_forever()


if __name__ == "__main__":
    main()
