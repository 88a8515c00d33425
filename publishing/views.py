"""Clip pages: the clip list with uploads, the clip page with its publish panel and publications.

Views are thin: reads come from ``publishing.selectors``, writes go through
``clipmaker.clips.services`` and ``publishing.services``. Pages render in the user's time zone.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clipmaker.clips.models import Clip
from clipmaker.clips.resumable import uploads_unfinished
from clipmaker.clips.services import (
    ClipError,
    clip_create,
    size_label,
    too_large_message,
    upload_declared_too_large,
)
from clipmaker.throttling import wait_label
from platforms.selectors import (
    connection_expired_by,
    connection_expiry_warnings,
    destinations_in_order,
)
from publishing import modes, selectors
from publishing.api import PUBLISH_LIMIT_MESSAGE, publish_throttle_wait
from publishing.forms import ClipUploadForm, PublishForm
from publishing.models import Publication, PublicationStatus
from publishing.presenters import (
    destination_options,
    publication_rows,
    render_in_user_zone,
    text_limit_notes,
    user_time_zone,
)
from publishing.services import (
    PublicationConflict,
    PublicationStateError,
    PublicationValidationError,
    publication_cancel,
    publication_check_destinations,
    publication_create,
    publication_retry,
)
from stats.selectors import clip_stats_panel

CLIPS_PER_PAGE = 50
# A publication's page polls its partial this often while anything is in flight.
POLL_INTERVAL = "1s"
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
    for clip in page.object_list:
        badges = selectors.latest_publication_by_destination(list(clip.publications.all()))
        clips.append({"clip": clip, "badges": badges})
    shown = [badge for item in clips for badge in item["badges"]]
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


# --- clip page -----------------------------------------------------------------------------


def _get_clip(request: HttpRequest, clip_id: int) -> Clip:
    clip = selectors.clip_page_get(user=request.user, clip_id=clip_id)
    if clip is None:
        raise Http404("Клип не найден")
    return clip


def _clip_page(
    request: HttpRequest,
    clip: Clip,
    *,
    form: PublishForm | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    errors = errors or {}
    tz = user_time_zone(request.user)
    destinations = destinations_in_order(user=request.user)
    if form is None:
        form = PublishForm(
            initial={"title": clip.title, "description": clip.description},
            tz=tz,
            destinations=destinations,
        )
    selected = _selected(form)
    publications = list(clip.publications.all())
    mode = form.data.get("vk_mode") if form.is_bound else None
    options = _destination_options(
        request, clip, destinations, publications, selected, errors, mode=mode
    )
    return render_in_user_zone(
        request,
        "publishing/clip_detail.html",
        {
            "clip": clip,
            "form": form,
            "destination_groups": options["groups"],
            # Reasons that block every place (the clip is not ready yet).
            "clip_notices": _clip_notices(clip, options["reasons"]),
            "general_errors": [
                msg
                for key, msgs in errors.items()
                if not key.startswith("destination:") and key != "scheduled_at"
                for msg in msgs
            ],
            "schedule_errors": errors.get("scheduled_at", []),
            "rows": publication_rows(publications, now=timezone.now(), user=request.user),
            "in_flight": selectors.publications_in_flight(publications),
            "poll_interval": POLL_INTERVAL,
            "min_schedule": timezone.localtime(timezone.now(), tz).strftime("%Y-%m-%dT%H:%M"),
            "text_limit_notes": text_limit_notes(),
            "clip_stats": clip_stats_panel(clip=clip, publications=publications, tz=tz),
            # Tokens about to run out on the platforms this clip can go to.
            "expiry_warnings": connection_expiry_warnings(
                user=request.user, platforms={d.platform for d in destinations}
            ),
        },
        status=status,
    )


def _selected(form: PublishForm) -> list[int]:
    if not form.is_bound:
        return []
    chosen = []
    for raw in form.data.getlist("destinations"):
        try:
            chosen.append(int(raw))
        except ValueError:
            continue
    return chosen


def _destination_options(
    request: HttpRequest,
    clip: Clip,
    destinations: list[Any],
    publications: list[Publication],
    selected: list[int],
    errors: dict[str, list[str]],
    mode: str | None = None,
) -> dict[str, Any]:
    offered = [d for d in destinations if d.enabled]
    reasons = publication_check_destinations(user=request.user, clip=clip, destinations=offered)
    groups = destination_options(
        user=request.user,
        destinations=destinations,
        reasons=reasons,
        selected=selected,
        errors=errors,
        publications=publications,
        mode=mode,
    )
    return {"groups": groups, "reasons": reasons}


PROBING_NOTICE = "Файл проверяется: публикация станет доступна, когда проверка закончится."


def _clip_notices(clip: Clip, reasons: dict[str, list[str]]) -> list[str]:
    if clip.is_processing:
        return [PROBING_NOTICE]
    return reasons.get("clip", [])


@login_required
@require_GET
def clip_detail(request: HttpRequest, clip_id: int) -> HttpResponse:
    return _clip_page(request, _get_clip(request, clip_id))


@login_required
@require_GET
def clip_state(request: HttpRequest, clip_id: int) -> HttpResponse:
    """The clip's probe state alone: what its page polls while the file is being checked.
    Once the probe is done the page reloads itself (``HX-Refresh``) with the publish panel."""
    clip = selectors.clip_get(user=request.user, clip_id=clip_id)
    if clip is None:
        raise Http404("Клип не найден")
    response = render_in_user_zone(request, "publishing/_clip_state.html", {"clip": clip})
    if not clip.is_processing:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def clip_publish(request: HttpRequest, clip_id: int) -> HttpResponse:
    clip = _get_clip(request, clip_id)
    tz = user_time_zone(request.user)
    form = PublishForm(request.POST, tz=tz, destinations=destinations_in_order(user=request.user))
    wait = publish_throttle_wait(request)
    if wait is not None:
        messages.error(request, f"{PUBLISH_LIMIT_MESSAGE} Повторите {wait_label(wait)}.")
        return _clip_page(request, clip, form=form, status=429)
    if not form.is_valid():
        return _clip_page(request, clip, form=form, status=400)
    data = form.cleaned_data
    try:
        created = publication_create(
            user=request.user,
            clip=clip,
            destinations=data["destinations"],
            scheduled_at=data["scheduled_at"],
            title=data["title"] or None,
            description=data["description"],
            vk_mode=data["vk_mode"] or None,
        )
    # PublicationConflict is a PublicationValidationError: catch it first.
    except PublicationConflict as exc:
        return _clip_page(request, clip, form=form, errors=exc.errors, status=409)
    except PublicationValidationError as exc:
        return _clip_page(request, clip, form=form, errors=exc.errors, status=400)
    names = ", ".join(p.destination.label for p in created)
    if data["scheduled_at"]:
        when = timezone.localtime(data["scheduled_at"], tz)
        messages.success(request, f"Запланировано на {when:%d.%m.%Y %H:%M} ({tz}): {names}.")
        late = [
            p.destination
            for p in created
            if connection_expired_by(connection=p.destination.connection, moment=p.scheduled_at)
        ]
        if late:
            messages.warning(request, _token_expires_first_message(late))
    else:
        messages.success(request, f"Публикация началась: {names}. Статус обновляется ниже.")
    return redirect("clip-detail", clip_id=clip.pk)


def _token_expires_first_message(destinations: list[Any]) -> str:
    names = ", ".join(d.label for d in destinations)
    return (
        f"Внимание: к назначенному времени токен истечёт ({names}) — такая публикация не пройдёт. "
        "Переподключите платформу до публикации или перенесите её на более раннее время."
    )


@login_required
@require_GET
def clip_publications(request: HttpRequest, clip_id: int) -> HttpResponse:
    """The publications table alone: what the clip page polls while anything is in flight."""
    clip = _get_clip(request, clip_id)
    publications = list(clip.publications.all())
    in_flight = selectors.publications_in_flight(publications)
    context: dict[str, Any] = {
        "clip": clip,
        "rows": publication_rows(publications, now=timezone.now(), user=request.user),
        "in_flight": in_flight,
        "poll_interval": POLL_INTERVAL,
    }
    if not in_flight and request.htmx:
        # The last poll: what can be published next has changed, so refresh the checkboxes
        # too (out of band). Earlier polls skip this check and stay cheap.
        destinations = destinations_in_order(user=request.user)
        options = _destination_options(request, clip, destinations, publications, [], {})
        context["destination_groups"] = options["groups"]
    return render_in_user_zone(request, "publishing/_publications_poll.html", context)


# --- cancel / retry ------------------------------------------------------------------------


def _get_publication(request: HttpRequest, publication_id: int) -> Publication:
    publication = selectors.publication_get(user=request.user, publication_id=publication_id)
    if publication is None:
        raise Http404("Публикация не найдена")
    return publication


@login_required
@require_POST
def publication_cancel_view(request: HttpRequest, publication_id: int) -> HttpResponse:
    publication = _get_publication(request, publication_id)
    try:
        publication = publication_cancel(publication=publication)
    except PublicationStateError as exc:
        messages.error(request, str(exc))
    else:
        label = publication.destination.label
        if publication.status == PublicationStatus.CANCELLED:
            messages.success(request, f"Публикация в {label} отменена.")
        else:
            messages.info(
                request,
                f"Клип уже загружается в {label}: публикация будет отменена, как только "
                "загрузка прервётся или закончится. Если платформа успеет принять клип, пост "
                "останется — удалите его на платформе.",
            )
    return redirect("clip-detail", clip_id=publication.clip_id)


@login_required
@require_POST
def publication_retry_view(request: HttpRequest, publication_id: int) -> HttpResponse:
    publication = _get_publication(request, publication_id)
    wait = publish_throttle_wait(request)
    if wait is not None:
        messages.error(request, f"{PUBLISH_LIMIT_MESSAGE} Повторите {wait_label(wait)}.")
        return redirect("clip-detail", clip_id=publication.clip_id)
    vk_mode = request.POST.get("vk_mode") or None
    if vk_mode not in (None, *modes.VK_MODES):
        messages.error(request, modes.VK_MODE_INVALID_MESSAGE)
        return redirect("clip-detail", clip_id=publication.clip_id)
    try:
        publication_retry(publication=publication, vk_mode=vk_mode)
    except PublicationStateError as exc:
        messages.error(request, str(exc))
    else:
        as_video = " как видео" if vk_mode == "video" else ""
        messages.success(
            request,
            f"Публикация в {publication.destination.label}{as_video} снова в очереди.",
        )
    return redirect("clip-detail", clip_id=publication.clip_id)
