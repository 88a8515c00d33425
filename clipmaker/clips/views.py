"""Serving clip files: to their owner (preview) and to platforms by signed URL."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponseForbidden
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from clipmaker.clips.models import Clip
from clipmaker.clips.signing import clip_id_from_signed


def _stream(clip: Clip) -> FileResponse:
    try:
        fh = clip.file.open("rb")
    except FileNotFoundError:
        raise Http404("Файл клипа не найден") from None
    response = FileResponse(fh, content_type="video/mp4")
    response["Content-Length"] = str(clip.file.size)
    return response


@login_required
@require_GET
def clip_file(request: HttpRequest, clip_id: int) -> FileResponse:
    return _stream(get_object_or_404(Clip, pk=clip_id, owner=request.user))


@require_GET
def signed_clip_file(request: HttpRequest, signed: str) -> FileResponse | HttpResponseForbidden:
    clip_id = clip_id_from_signed(signed)
    if clip_id is None:
        return HttpResponseForbidden("Ссылка недействительна или устарела.")
    return _stream(get_object_or_404(Clip, pk=clip_id))
