"""Serving clip files: to their owner (preview) and to platforms by signed URL.

Both answer single byte ranges (``Range: bytes=a-b``), so that a video player can seek and read
a file's index at its end without downloading the whole clip, and a platform fetching the file
can resume.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from clipmaker.clips.models import Clip
from clipmaker.clips.signing import clip_id_from_signed

CHUNK = 1024 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _byte_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """(first, last) for a single satisfiable range; None to send the whole file (no or
    unsupported header); False when the range cannot be satisfied."""
    match = _RANGE.match(header.strip())
    if not match or not any(match.groups()):
        return None  # absent, multiple ranges or another unit: the whole file is a valid answer
    first, last = match.groups()
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0:
            return False
        return max(0, size - suffix), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return False
    return start, end


def _read(fh: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    try:
        fh.seek(start)
        while length > 0:
            chunk = fh.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        fh.close()


def _stream(request: HttpRequest, clip: Clip) -> HttpResponse:
    try:
        fh = clip.file.open("rb")
        size = clip.file.size
    except FileNotFoundError:
        raise Http404("Файл клипа не найден") from None
    byte_range = _byte_range(request.headers.get("Range", ""), size)
    if byte_range is False:
        fh.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif byte_range is None:
        response = FileResponse(fh, content_type="video/mp4")
        response["Content-Length"] = str(size)
    else:
        start, end = byte_range
        response = StreamingHttpResponse(
            _read(fh, start, end - start + 1), status=206, content_type="video/mp4"
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    return response


@login_required
@require_safe
def clip_file(request: HttpRequest, clip_id: int) -> HttpResponse:
    return _stream(request, get_object_or_404(Clip, pk=clip_id, owner=request.user))


@require_safe
def signed_clip_file(request: HttpRequest, signed: str) -> HttpResponse:
    clip_id = clip_id_from_signed(signed)
    if clip_id is None:
        return HttpResponseForbidden("Ссылка недействительна или устарела.")
    return _stream(request, get_object_or_404(Clip, pk=clip_id))
