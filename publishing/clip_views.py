"""Clip pages for changing a clip: edit its title and description, delete it (with a
confirmation that says published posts stay on the platforms), and give up an unfinished
resumable upload."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from clipmaker.clips.models import Clip
from clipmaker.clips.resumable import upload_get, upload_terminate
from publishing import selectors
from publishing.clip_changes import (
    ClipBusy,
    ClipChangeError,
    clip_busy_publications,
    clip_delete,
    clip_update,
)
from publishing.models import PublicationStatus


def _clip(request: HttpRequest, clip_id: int) -> Clip:
    clip = selectors.clip_get(user=request.user, clip_id=clip_id)  # type: ignore[arg-type]
    if clip is None:
        raise Http404("Клип не найден")
    return clip


@login_required
@require_http_methods(["GET", "POST"])
def clip_edit(request: HttpRequest, clip_id: int) -> HttpResponse:
    clip = _clip(request, clip_id)
    error = ""
    title, description = clip.title, clip.description
    if request.method == "POST":
        title = request.POST.get("title", "")
        description = request.POST.get("description", "")
        try:
            clip_update(clip=clip, title=title, description=description)
        except ClipChangeError as exc:
            error = str(exc)
        else:
            messages.success(request, "Название и описание сохранены.")
            return redirect("clip-detail", clip_id=clip.pk)
    return render(
        request,
        "publishing/clip_edit.html",
        {"clip": clip, "title": title, "description": description, "error": error},
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def clip_delete_view(request: HttpRequest, clip_id: int) -> HttpResponse:
    clip = _clip(request, clip_id)
    error = ""
    if request.method == "POST":
        try:
            clip_delete(clip=clip, by=request.user)  # type: ignore[arg-type]
        except ClipBusy as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                f"Клип «{clip.title}» удалён. Опубликованные посты остались на платформах.",
            )
            return redirect("clip-list")
    publications = list(clip.publications.all())
    return render(
        request,
        "publishing/clip_delete.html",
        {
            "clip": clip,
            "error": error,
            "busy": clip_busy_publications(clip=clip),
            "published": [p for p in publications if p.status == PublicationStatus.PUBLISHED],
            "scheduled": [p for p in publications if p.status == PublicationStatus.SCHEDULED],
        },
        status=409 if error else 200,
    )


@login_required
@require_POST
def upload_discard(request: HttpRequest, upload_id: str) -> HttpResponse:
    upload = upload_get(owner=request.user, upload_id=upload_id)  # type: ignore[arg-type]
    if upload is None:
        raise Http404("Загрузка не найдена")
    if upload.clip_id is None:
        upload_terminate(upload=upload)
        messages.success(request, f"Незавершённая загрузка «{upload.filename}» удалена.")
    return redirect(reverse("clip-list") + "#upload")
