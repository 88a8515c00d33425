"""The clip list: the table of the user's clips with their badges, and the upload form.

Views are thin: reads come from ``publishing.selectors``, writes go through
``clipmaker.clips.services``. Pages render in the user's time zone.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from clipmaker.clips.models import Clip
from clipmaker.clips.resumable import uploads_unfinished
from clipmaker.clips.services import (
    ClipError,
    clip_create,
    size_label,
    too_large_message,
    upload_declared_too_large,
)
from publishing import selectors
from publishing.forms import ClipUploadForm
from publishing.presenters import (
    publication_badges,
    render_in_user_zone,
    user_time_zone,
)

CLIPS_PER_PAGE = 50
# The clip list polls its table this often while any badge on it is in flight.
LIST_POLL_INTERVAL = "2s"


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


# --- clip list and upload ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def clip_list(request: HttpRequest) -> HttpResponse:
    form = ClipUploadForm()
    status = 200
    if request.method == "POST":
        form, clip = _handle_upload(request)
        if clip is not None:
            url = reverse("clip-detail", args=[clip.pk])
            messages.success(
                request,
                f"Клип «{clip.title}» загружен и проверяется. Через несколько секунд можно "
                "будет выбрать, где его опубликовать.",
            )
            if _wants_json(request):
                return JsonResponse({"redirect": url}, status=201)
            return redirect(url)
        if _wants_json(request):
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        status = 400

    return render_in_user_zone(
        request,
        "publishing/clip_list.html",
        {
            **_clip_table_context(request),
            "form": form,
            "max_upload_bytes": settings.CLIP_MAX_UPLOAD_BYTES,
            "max_upload_label": size_label(settings.CLIP_MAX_UPLOAD_BYTES),
            "upload_chunk_bytes": settings.CLIP_UPLOAD_CHUNK_BYTES,
            "unfinished_uploads": uploads_unfinished(owner=request.user),
        },
        status=status,
    )


@login_required
@require_GET
def clip_list_table(request: HttpRequest) -> HttpResponse:
    """The clip table alone: what the clip list polls while any badge on it is in flight."""
    return render_in_user_zone(request, "publishing/_clip_table.html", _clip_table_context(request))


def _clip_table_context(request: HttpRequest) -> dict[str, Any]:
    """One page of the user's clips with the latest publication per platform as badges."""
    page = Paginator(selectors.clip_list(user=request.user), CLIPS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    clips = []
    now = timezone.now()
    # Status texts carry times («Повтор в 10:16»): in the user's zone, as on the clip page.
    with timezone.override(user_time_zone(request.user)):
        for clip in page.object_list:
            latest = selectors.latest_publication_by_destination(list(clip.publications.all()))
            clips.append({"clip": clip, "badges": publication_badges(latest, now=now)})
    shown = [badge.publication for item in clips for badge in item["badges"]]
    probing = any(item["clip"].is_processing for item in clips)
    return {
        "page": page,
        "clips": clips,
        "in_flight": probing or selectors.publications_in_flight(shown),
        "poll_interval": LIST_POLL_INTERVAL,
    }


def _handle_upload(request: HttpRequest) -> tuple[ClipUploadForm, Clip | None]:
    # Refuse an oversized body before Django reads (and spools) any of it.
    if upload_declared_too_large(request.META.get("CONTENT_LENGTH")):
        form = ClipUploadForm(data={}, files={})
        form.full_clean()
        form.errors.clear()  # only the size matters here, not the fields never read
        form.add_error("file", too_large_message())
        return form, None
    form = ClipUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return form, None
    upload = form.cleaned_data["file"]
    try:
        clip = clip_create(
            owner=request.user,
            file=upload,
            filename=upload.name,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            size=upload.size,
        )
    except ClipError as exc:
        form.add_error("file", str(exc))
        return form, None
    return form, clip
