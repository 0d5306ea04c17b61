"""Helpers for tests that need a real HTTP server or a closed port on loopback."""

from __future__ import annotations

import functools
import http.server
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep test output clean; the tests check responses, not logs."""


class _CutShortHandler(http.server.BaseHTTPRequestHandler):
    """Announce ``declared`` bytes, send ``body`` (fewer), then close the connection."""

    body = b""
    declared = 0

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(self.declared))
        self.end_headers()
        self.wfile.write(self.body)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output clean; the tests check responses, not logs."""


@contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1; yield its base URL (ending with /)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    with _serving(handler) as url:
        yield url


@contextmanager
def serve_cut_short(body: bytes, declared: int) -> Iterator[str]:
    """Answer every GET with ``Content-Length: declared`` but only ``body``; yield the base URL."""
    handler = type("CutShort", (_CutShortHandler,), {"body": body, "declared": declared})
    with _serving(handler) as url:
        yield url


@contextmanager
def _serving(handler: Callable[..., http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def closed_port() -> int:
    """Return a loopback port that nothing listens on (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
