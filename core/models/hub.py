"""Can the model hub be reached at all? Asked once, in a few seconds, before a download starts.

huggingface_hub retries each file five times with back-off, for two file names, so an offline
first run waited about four minutes (and printed ~48 warnings) before saying so. `unreachable`
resolves the hub's host name and opens one TCP connection to it, each under a short timeout,
and returns why it failed, so the caller can offer the offline choices at once.

`resolve` is the name lookup (`socket.getaddrinfo`); tests replace it with a fake offline resolver.
"""

from __future__ import annotations

import os
import socket
import threading
from urllib.parse import urlsplit

DEFAULT_ENDPOINT = "https://huggingface.co"
TIMEOUT_S = 3.0

resolve = socket.getaddrinfo


def hub_address(environ=None) -> tuple[str, int]:
    """(host, port) a download connects to first: the HTTPS proxy when one is set, else the hub ($HF_ENDPOINT)."""
    environ = os.environ if environ is None else environ
    url = (environ.get("HTTPS_PROXY") or environ.get("https_proxy") or environ.get("HF_ENDPOINT")
           or DEFAULT_ENDPOINT)
    parts = urlsplit(url if "://" in url else f"http://{url}")
    return parts.hostname or "huggingface.co", parts.port or (443 if parts.scheme == "https" else 80)


def _lookup(host: str, port: int, timeout: float) -> list:
    """getaddrinfo has no timeout of its own: run it on a daemon thread and stop waiting after `timeout`."""
    result: list = []
    error: list[BaseException] = []

    def work() -> None:
        try:
            result.extend(resolve(host, port, type=socket.SOCK_STREAM))
        except BaseException as exc:  # handed to the caller below
            error.append(exc)

    thread = threading.Thread(target=work, name="medialens-hub-lookup", daemon=True)
    thread.start()
    thread.join(timeout)
    if error:
        raise error[0]
    if thread.is_alive():
        raise TimeoutError(f"no answer from the name server for {host} in {timeout:.0f} s")
    return result


def unreachable(timeout: float = TIMEOUT_S, environ=None) -> str | None:
    """Why the model hub cannot be reached from here (one phrase), or None when it answers."""
    environ = os.environ if environ is None else environ
    if environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return "HF_HUB_OFFLINE is set"
    host, port = hub_address(environ)
    try:
        addresses = _lookup(host, port, timeout)
    except (OSError, TimeoutError) as exc:
        return f"cannot look up {host}: {exc}"
    for family, kind, proto, _name, addr in addresses[:2]:
        try:
            with socket.socket(family, kind, proto) as sock:
                sock.settimeout(timeout)
                sock.connect(addr)
            return None
        except OSError:
            continue
    return f"no connection to {host}:{port}"
