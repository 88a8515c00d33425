"""Request plumbing shared by the sandbox's platform modules.

Bodies are read in chunks and counted, never held whole: multipart uploads go through a Django
upload handler that counts and discards file data; raw bodies are read chunk by chunk. A fault
can drop the client's connection by resetting the socket behind the request (see
``reset_connection``).
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import struct
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError

CHUNK = 1024 * 1024


class CountingStream(io.RawIOBase):
    """Wraps a request's body stream and counts the bytes read through it."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1, /) -> bytes:
        data = self._stream.read(size)
        self.count += len(data)
        return data

    def readline(self, size: int = -1, /) -> bytes:
        data = self._stream.readline(size)
        self.count += len(data)
        return data


def count_body(request: HttpRequest) -> CountingStream:
    """Make every later read of the request body go through a counter (installed once)."""
    stream = getattr(request, "_stream", None)
    if isinstance(stream, CountingStream):
        return stream
    counter = CountingStream(stream)
    request._stream = counter  # the body is read through this attribute by HttpRequest.read()
    return counter


def read_body_counted(request: HttpRequest, *, limit: int | None = None) -> int:
    """Read the rest of the body in chunks, discarding it; return the bytes read now."""
    total = 0
    while True:
        size = CHUNK if limit is None else min(CHUNK, limit - total)
        if size <= 0:
            return total
        try:
            chunk = request.read(size)
        except OSError:
            return total
        if not chunk:
            return total
        total += len(chunk)


def drain(request: HttpRequest) -> None:
    """Consume an unread body so the client, still sending, gets our answer and not a reset."""
    read_body_counted(request)


class CountedFile(UploadedFile):
    """What remains of an uploaded file part: its name, type and size (the data is discarded)."""

    def __init__(self, *, field_name: str, name: str, content_type: str, size: int) -> None:
        super().__init__(io.BytesIO(), name, content_type, size)
        self.field_name = field_name


class CountingUploadHandler(FileUploadHandler):
    """Counts each file part's bytes and throws them away: no memory, no disk, no MEDIA."""

    chunk_size = CHUNK

    def new_file(
        self, field_name: str, file_name: str, content_type: str, *args: Any, **kwargs: Any
    ) -> None:
        super().new_file(field_name, file_name, content_type, *args, **kwargs)
        self._size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self._size += len(raw_data)
        return None

    def file_complete(self, file_size: int) -> CountedFile:
        return CountedFile(
            field_name=self.field_name,
            name=self.file_name or "",
            content_type=self.content_type or "",
            size=self._size,
        )


class BadBody(Exception):
    """The body could not be parsed (malformed multipart, a huge non-file field...)."""


def parse_multipart(request: HttpRequest) -> tuple[dict[str, str], dict[str, CountedFile]]:
    """Text fields and counted file parts of a multipart body, streamed."""
    request.upload_handlers = [CountingUploadHandler(request)]
    try:
        fields = {key: request.POST.get(key, "") for key in request.POST}
        files = {key: request.FILES[key] for key in request.FILES}
    except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent) as exc:
        raise BadBody(type(exc).__name__) from exc
    return fields, files


def form_params(request: HttpRequest) -> tuple[dict[str, str], dict[str, CountedFile]]:
    """Query string plus a form-urlencoded or multipart body (JSON bodies are not read)."""
    params = {key: request.GET.get(key, "") for key in request.GET}
    files: dict[str, CountedFile] = {}
    content_type = request.content_type or ""
    if request.method == "POST":
        if content_type == "multipart/form-data":
            fields, files = parse_multipart(request)
            params.update(fields)
        elif content_type == "application/x-www-form-urlencoded":
            try:
                params.update({key: request.POST.get(key, "") for key in request.POST})
            except (RequestDataTooBig, TooManyFieldsSent) as exc:
                raise BadBody(type(exc).__name__) from exc
    return params, files


def json_body(request: HttpRequest) -> dict[str, Any] | None:
    """A JSON object body, or None when the body is not JSON or not an object."""
    try:
        data = json.loads(request.read(CHUNK * 4) or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def json_response(data: Any, status: int = 200, **headers: str) -> JsonResponse:
    response = JsonResponse(
        data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _find_socket(obj: Any, depth: int = 0) -> socket.socket | None:
    if isinstance(obj, socket.socket):
        return obj
    if obj is None or depth > 6:
        return None
    # Django's LimitedStream keeps the wrapped stream's bound read(); a BufferedReader has .raw;
    # socket.SocketIO keeps the socket as ._sock.
    for attr in ("_sock", "raw", "stream", "_stream", "_read", "__self__", "reader", "sock"):
        child = getattr(obj, attr, None)
        if child is not None and child is not obj:
            found = _find_socket(child, depth + 1)
            if found is not None:
                return found
    return None


def request_socket(request: HttpRequest) -> socket.socket | None:
    """The client's socket behind a request (gunicorn exposes it; wsgiref via wsgi.input)."""
    environ = request.META
    return _find_socket(environ.get("gunicorn.socket")) or _find_socket(environ.get("wsgi.input"))


def no_delay(request: HttpRequest) -> None:
    """Send the answer without Nagle's delay.

    Django's dev server writes the status line, headers and body in separate sends; on a
    keep-alive connection the last small piece then waits for the client's delayed ACK (about
    40 ms per request). Platforms answer at once, so the sandbox does too.
    """
    sock = request_socket(request)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def reset_connection(request: HttpRequest) -> bool:
    """Abort the client's TCP connection without an answer. True when the socket was found.

    SO_LINGER {on, 0} makes the server's final close() send RST; shutdown() stops both
    directions at once, so the response the server then tries to write fails (the dev server
    and gunicorn treat that as a client disconnect) and the client sees the connection reset or
    closed with no answer: requests raises ConnectionError.
    """
    sock = request_socket(request)
    if sock is None:
        return False
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    return True


class Dropped(HttpResponse):
    """Marker answer of a request whose connection was reset (nothing reaches the client).

    Its status is a plain 204 only so that Django logs nothing odd; the journal records 0.
    """

    status_code = 204
