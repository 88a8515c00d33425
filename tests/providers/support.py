"""Helpers shared by every provider's tests: fake clips, recorders, request decoding, secret
checks, and a misbehaving HTTP server for uploads over real sockets.

A provider's test module only states data (what the platform answers) and expectations (what
was sent, what came back or was raised); the plumbing lives here, in ``conftest.py`` and in the
shared contract cases (``contract.py``). Base URLs come from the adapters' declarations
(``tests/fixtures/platform_urls.py``).
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import struct
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from requests_toolbelt.multipart.decoder import MultipartDecoder

from platforms.providers import ClipFile, PlatformHandle, ProviderError, PublishMeta

USER_AGENT = "ClipMaker-Test/1.0"


def clip_bytes(size: int) -> bytes:
    """Deterministic, non-repeating-ish content so a shuffled or truncated upload shows."""
    pattern = bytes(range(251))
    return (pattern * (size // len(pattern) + 1))[:size]


def make_clip(
    size: int = 3000, *, public_url: str | None = None, missing: bool = False
) -> ClipFile:
    content = clip_bytes(size)

    def opener() -> io.BytesIO:
        if missing:
            raise FileNotFoundError("clips/1/clip.mp4")
        return io.BytesIO(content)

    return ClipFile(name="clips/1/clip.mp4", size=size, open=opener, public_url=public_url)


META = PublishMeta(title="Закат над Волгой", description="Снято на телефон #лето")


@dataclass
class Recorder:
    """Collects progress and handle callbacks, plus an ordered event log shared with mocks."""

    progress: list[int] = field(default_factory=list)
    handles: list[PlatformHandle] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    def on_progress(self, sent: int) -> None:
        self.progress.append(sent)

    def on_handle(self, handle: PlatformHandle) -> None:
        # The engine stores the handle as JSON: prove it round-trips.
        assert PlatformHandle.from_json(json.loads(json.dumps(handle.to_json()))) == handle
        self.handles.append(handle)
        self.events.append("handle")

    def kwargs(self) -> dict[str, Any]:
        return {"progress": self.on_progress, "on_handle": self.on_handle}


def body_bytes(request: Any) -> bytes:
    body = request.body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    return bytes(body)


def form(request: Any) -> dict[str, str]:
    """The urlencoded form body of a recorded request."""
    return dict(parse_qsl(body_bytes(request).decode(), keep_blank_values=True))


def query(request: Any) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))


def json_body(request: Any) -> Any:
    return json.loads(body_bytes(request))


@dataclass
class Part:
    content: bytes
    filename: str | None
    content_type: str | None


def multipart(request: Any) -> dict[str, Part]:
    """The multipart/form-data parts of a recorded request, by field name."""
    decoder = MultipartDecoder(body_bytes(request), request.headers["Content-Type"])
    parts: dict[str, Part] = {}
    for part in decoder.parts:
        disposition = part.headers[b"Content-Disposition"].decode()
        params = dict(
            item.strip().split("=", 1) for item in disposition.split(";")[1:] if "=" in item
        )
        name = params["name"].strip('"')
        filename = params.get("filename", "").strip('"') or None
        ctype = part.headers.get(b"Content-Type")
        parts[name] = Part(part.content, filename, ctype.decode() if ctype else None)
    return parts


def assert_no_secret(err: ProviderError, *secrets: str) -> None:
    """No secret anywhere a log line, an error report or a user could see it."""
    visible = " ".join(
        [str(err), repr(err), err.user_message, err.platform_message, *map(str, err.args)]
    )
    for secret in secrets:
        assert secret not in visible, f"secret leaked into {type(err).__name__}"
    # Chained exceptions end up in error reports too.
    assert err.__cause__ is None or all(s not in repr(err.__cause__) for s in secrets)


def assert_russian(message: str) -> None:
    assert any("а" <= ch.lower() <= "я" or ch.lower() == "ё" for ch in message), message


def urls(calls: Iterable[Any]) -> list[str]:
    return [call.request.url for call in calls]


class MisbehavingServer:
    """An HTTP server on a real socket: answers the calls made before an upload with canned
    JSON, and misbehaves on the upload on purpose.

    ``behaviour`` on the upload path: ``reset`` (read ``read_limit`` bytes, then reset the
    connection: the body never arrives whole), ``close`` (read the whole body, then close
    without answering), ``stall`` (read the whole body, then say nothing) or ``early_502`` (read
    ``read_limit`` bytes, answer 502 Bad Gateway and close, as a front server that gave up
    before the body arrived). An HTTP mock cannot stand in here: it reads the whole body before
    deciding anything.
    """

    def __init__(self, behaviour: str, *, read_limit: int | None = None) -> None:
        self.behaviour = behaviour
        self.read_limit = read_limit
        self.answers: dict[str, Any] = {}  # path -> JSON answer for calls before the upload
        self.upload_path = "/upload"
        self.received = 0  # bytes of the upload body that arrived
        self.paths: list[str] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn, contextlib.suppress(OSError):
                self.handle(conn)

    def handle(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, rest = data.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        path = lines[0].split(b" ")[1].decode().split("?")[0]
        self.paths.append(path)
        length = next(
            (
                int(line.split(b":")[1])
                for line in lines
                if line.lower().startswith(b"content-length")
            ),
            0,
        )
        if path != self.upload_path:
            while len(rest) < length:
                rest += conn.recv(65536)
            body = json.dumps(self.answers.get(path, {})).encode()
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            return
        self.received = len(rest)
        limit = self.read_limit if self.read_limit is not None else length
        while self.received < limit:
            chunk = conn.recv(min(65536, limit - self.received))
            if not chunk:
                break
            self.received += len(chunk)
        if self.behaviour == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif self.behaviour == "early_502":
            body = json.dumps(
                {"ok": False, "error_code": 502, "description": "Bad Gateway"}
            ).encode()
            conn.sendall(
                b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/json\r\n"
                + f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
        elif self.behaviour == "stall":
            self.stop.wait(5)

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self.thread.join(timeout=5)
