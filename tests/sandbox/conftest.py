"""Helpers for the sandbox's own tests."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests


@pytest.fixture
def clip_file(tmp_path):  # type: ignore[no-untyped-def]
    """Make a sparse file of the given size (cheap even for tens of megabytes)."""

    def make(size: int, name: str = "clip.mp4") -> Path:
        path = tmp_path / name
        with path.open("wb") as handle:
            handle.truncate(size)
        return path

    return make


class _FileHandler(BaseHTTPRequestHandler):
    """GET /bytes/<n> answers n bytes; anything else 404."""

    def do_GET(self) -> None:
        parts = self.path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != "bytes" or not parts[1].isdigit():
            self.send_error(404)
            return
        size = int(parts[1])
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk = b"\0" * 65536
        while size > 0:
            self.wfile.write(chunk[: min(size, len(chunk))])
            size -= len(chunk)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def file_server() -> Iterator[str]:
    """A tiny HTTP server standing in for the product's signed clip URLs: base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FileHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def wait_for(predicate, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    """Poll until predicate() is truthy; return its value (fail after timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def approve_page(page: requests.Response, decision: str = "allow") -> dict[str, str]:
    """Submit an OAuth approve page's form as a browser would; return the redirect's query."""
    html = page.text
    match = re.search(r'<form method="post" action="([^"]+)"', html)
    assert match is not None, "no approve form on the page"
    fields = {
        unescape(name): unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    }
    fields["account_name"] = "Демо-автор"
    fields["decision"] = decision
    base = page.url.split("/sandbox/")[0]
    answer = requests.post(base + match[1], data=fields, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    return {
        key: values[0]
        for key, values in parse_qs(urlsplit(answer.headers["Location"]).query).items()
    }
