"""Download a catalogue model with `huggingface_hub`: progress, resume, verified, landing atomically.

* **Where**: `$HF_ENDPOINT` (a mirror, or a server on the local network) or the hub; proxies from the
  environment (`HTTPS_PROXY`, as huggingface_hub's HTTP client reads them); `HF_HUB_OFFLINE` stops it.
* **Offline** is known before any request, in at most `core.hub.TIMEOUT_S` (3 s): one name lookup and
  one TCP connection (huggingface_hub alone retries for minutes).
* **Resume**: each file grows in `<models>/onnx/.download-<key>/<file>.part`; a later run asks the
  server for the rest only (an HTTP Range request). A connection dropped mid-file is resumed at once
  by huggingface_hub's `http_get` (up to 5 times, from where it stopped).
* **Verified**: each file's size and SHA-256 against the catalogue's pins (for an entry not pinned
  yet, against the hub's own LFS SHA-256, which is what its ETag is); a mismatch is refused and the
  download folder removed, so nothing unverified is ever left behind.
* **Atomic**: the model folder `<models>/onnx/<key>/` is replaced by a rename only once every file is
  verified and the folder reads as a model; a disk that fills up, a failed check or Ctrl-C leave the
  previous model where it was, in use.

Every failure is one `ModelError` line saying what failed and what to do.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from core import hub
from core.errors import ModelError
from core.runtime.catalogue import CatalogueEntry
from core.runtime.immich import FILES, ROLES, SIDECAR, read_immich, write_sidecar
from core.runtime.manifest import FileEntry, export_folder, exports_root, slug

#: (bytes done, bytes expected) — called often, from the downloading thread
DownloadProgress = Callable[[int, int], None]
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or hub.DEFAULT_ENDPOINT).rstrip("/")


def installed(entry: CatalogueEntry, models_dir: Path) -> Path | None:
    """The entry's folder when it is fully there at the catalogue's revision (sizes checked, not hashes)."""
    import json

    folder = export_folder(models_dir, entry.key)
    try:
        side = json.loads((folder / SIDECAR).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if side.get("catalogue_revision", side.get("revision")) != entry.revision:
        return None
    for role, rel in ROLES.items():
        recorded = (side.get("files") or {}).get(role) or {}
        p = folder / rel
        if not p.is_file() or p.stat().st_size != recorded.get("bytes"):
            return None
    return folder


def _open_part(path: Path):
    """The partial file, opened to append (tests replace this to fill the disk)."""
    return open(path, "ab")


class _Counter:
    """Adds huggingface_hub's per-file progress to one running total for the whole model."""

    def __init__(self, total: int, done: int, report: DownloadProgress | None):
        self.total, self.done, self.report = total, done, report

    def bar(self, **_kwargs) -> _Counter:  # what `http_get` calls as its `tqdm_class`
        return self

    def __enter__(self) -> _Counter:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def update(self, n: int) -> None:
        self.done += n
        if self.report is not None:
            self.report(self.done, self.total)

    def close(self) -> None:
        return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def _replace_folder(new: Path, final: Path) -> None:
    """`new` becomes `final` by renames; a previous folder is removed only afterwards."""
    old = final.with_name(final.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    new.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def download(entry: CatalogueEntry, models_dir: Path, progress: DownloadProgress | None = None) -> Path:
    """Download `entry` into `<models_dir>/onnx/<key>/` (see the module doc); returns the folder."""
    found = installed(entry, models_dir)
    if found is not None:
        return found
    where = endpoint()
    host = urlsplit(where).netloc or where
    reason = hub.unreachable(environ={**os.environ, "HF_ENDPOINT": where})
    if reason is not None:
        raise ModelError(f"cannot download {entry.name} ({entry.download_mb} MB) from {host}: {reason}; "
                         f"connect to the internet (or set HF_ENDPOINT to a mirror), or copy the model here "
                         f"and pass --weights PATH (an exported model folder; see `medialens models`)")
    from huggingface_hub import get_hf_file_metadata, hf_hub_url
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
    from huggingface_hub.file_download import http_get

    root = exports_root(models_dir)
    staging = root / f".download-{slug(entry.key)}"
    try:
        staging.mkdir(parents=True, exist_ok=True)
        metas = {}
        for rel in FILES:
            meta = get_hf_file_metadata(hf_hub_url(entry.repo, rel, revision=entry.revision, endpoint=where),
                                        endpoint=where)
            pin = entry.files.get(rel)
            if pin is not None and pin.bytes and meta.size != pin.bytes:
                raise ModelError(f"{entry.repo}/{rel} at {entry.revision} is {meta.size} bytes on {host}, "
                                 f"where the catalogue pins {pin.bytes}: refusing a file that changed")
            metas[rel] = meta
        total = sum(m.size or 0 for m in metas.values())
        done = 0
        for rel in metas:
            target = staging / rel
            part = target.with_name(target.name + ".part")
            done += target.stat().st_size if target.is_file() else part.stat().st_size if part.is_file() else 0
        counter = _Counter(total, done, progress)
        shas = {}
        for rel, meta in metas.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            part = target.with_name(target.name + ".part")
            if not target.is_file():
                have = part.stat().st_size if part.is_file() else 0
                if meta.size is not None and have > meta.size:  # not this file's beginning: start again
                    counter.done -= have
                    part.unlink()
                    have = 0
                with _open_part(part) as fh:
                    http_get(meta.location, fh, resume_size=have, expected_size=meta.size,
                             displayed_filename=rel, tqdm_class=counter.bar)
                part.rename(target)
            shas[rel] = _verified(entry, rel, target, meta, staging, host)
        files = {role: FileEntry(rel, (staging / rel).stat().st_size, shas[rel]) for role, rel in ROLES.items()}
        revision = next((m.commit_hash for m in metas.values() if m.commit_hash), None)
        write_sidecar(staging, name=entry.model, key=entry.key, pretrained=entry.pretrained, files=files,
                      languages=entry.languages, source=f"{where}/{entry.repo}", revision=revision)
        _mark_revision(staging, entry)
        read_immich(staging)  # it reads as a model before it replaces anything
        final = export_folder(models_dir, entry.key)
        _replace_folder(staging, final)
        return final
    except ModelError:
        raise
    except (HfHubHTTPError, OfflineModeIsEnabled) as exc:
        raise ModelError(f"could not download {entry.name} from {host}: {_reason(exc)}") from None
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            shutil.rmtree(staging, ignore_errors=True)
            raise ModelError(f"the disk is full: {entry.name} needs {entry.download_mb} MB in {root}; "
                             f"free some space and try again (the model in use is untouched)") from None
        raise ModelError(f"could not download {entry.name} into {root}: {_reason(exc)}") from None
    except Exception as exc:  # httpx's connection errors and timeouts, after huggingface_hub's own retries
        raise ModelError(f"the download of {entry.name} from {host} stopped ({_reason(exc)}); "
                         f"run it again to resume where it stopped") from None


def _verified(entry: CatalogueEntry, rel: str, path: Path, meta, staging: Path, host: str) -> str:
    """The file's SHA-256 once it matches the catalogue's pin (or the hub's LFS hash); else nothing is kept."""
    got = _sha256(path)
    pin = entry.files.get(rel)
    expected = pin.sha256 if pin is not None and pin.sha256 else (
        meta.etag if meta.etag and _SHA256.match(meta.etag) else None)
    if expected is not None and got != expected:
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelError(f"{entry.repo}/{rel} from {host} does not match its SHA-256 "
                         f"({got[:12]}… where {'the catalogue pins' if pin and pin.sha256 else 'the hub says'} "
                         f"{expected[:12]}…): refused, nothing was kept")
    return got


def _mark_revision(folder: Path, entry: CatalogueEntry) -> None:
    """Record the catalogue's name and revision ("main", a tag) beside the commit the hub resolved it to."""
    import json

    path = folder / SIDECAR
    d = json.loads(path.read_text(encoding="utf-8"))
    d["catalogue_revision"], d["catalogue_name"] = entry.revision, entry.name
    path.write_text(json.dumps(d, indent=1), encoding="utf-8")
