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
from django.template.loader import render_to_string
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
from publishing import modes, rules, selectors, texts
from publishing.api import PUBLISH_LIMIT_MESSAGE, publish_throttle_wait
from publishing.cancel_undo import publication_cancel_with_undo, publication_uncancel
from publishing.forms import ClipUploadForm, PublishForm
from publishing.models import Publication, PublicationStatus
from publishing.panel_fixes import publish_blocked
from publishing.presenters import (
    busy_destinations,
    destination_options,
    publication_badges,
    publication_history,
    publication_rows,
    render_in_user_zone,
    user_time_zone,
)
from publishing.services import (
    PublicationConflict,
    PublicationStateError,
    PublicationValidationError,
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
    with timezone.override(tz):
        history = publication_history(
            publication_rows(publications, now=timezone.now(), user=request.user)
        )
    text_platforms = _text_platforms(destinations)
    return render_in_user_zone(
        request,
        "publishing/clip_detail.html",
        {
            "clip": clip,
            "form": form,
            "destination_groups": options["groups"],
            "publish_blocked": publish_blocked(clip=clip, groups=options["groups"]),
            # Reasons that block every place (the clip is not ready yet).
            "clip_notices": _clip_notices(clip, options["reasons"]),
            "general_errors": [
                msg
                for key, msgs in errors.items()
                if not key.startswith("destination:")
                and key != "scheduled_at"
                and key not in text_platforms
                for msg in msgs
            ],
            **_text_context(form, clip, destinations, errors),
            "schedule_errors": errors.get("scheduled_at", []),
            "history": history,
            "in_flight": selectors.publications_in_flight(publications),
            "busy": busy_destinations(publications),
            "poll_interval": POLL_INTERVAL,
            "undo": _pop_undo(request, clip),
            "min_schedule": timezone.localtime(timezone.now(), tz).strftime("%Y-%m-%dT%H:%M"),
            "clip_stats": clip_stats_panel(clip=clip, publications=publications, tz=tz),
            # Tokens about to run out on the platforms this clip can go to.
            "expiry_warnings": connection_expiry_warnings(
                user=request.user, platforms={d.platform for d in destinations}
            ),
        },
        status=status,
    )


def _text_platforms(destinations: list[Any]) -> list[str]:
    """The platforms the user can publish to now, in display order: each gets its own text."""
    return list(dict.fromkeys(d.platform for d in destinations if d.enabled))


def _text_modes(destinations: list[Any], requested: str | None) -> dict[str, str]:
    """The mode each platform's preview shows (VK: Клип or video): the one chosen on the panel,
    else the places' common default, else the platform's default."""
    chosen = modes.publish_modes([d for d in destinations if d.enabled], requested=requested)
    by_platform: dict[str, set[str]] = {}
    for destination in destinations:
        if destination.pk in chosen:
            by_platform.setdefault(destination.platform, set()).add(chosen[destination.pk])
    return {p: next(iter(found)) for p, found in by_platform.items() if len(found) == 1}


def _text_context(
    form: PublishForm,
    clip: Clip,
    destinations: list[Any],
    errors: dict[str, list[str]],
) -> dict[str, Any]:
    """The per-platform texts of the publish panel and their previews, from what was posted
    (or the clip's own text on a fresh page)."""
    platforms = _text_platforms(destinations)
    requested = (form.data.get("vk_mode") or None) if form.is_bound else None
    if form.is_bound:
        title = form.data.get("title") or clip.title
        description = form.data.get("description", "")
        overrides = texts.texts_from_form(form.data, platforms)
    else:
        title, description, overrides = clip.title, clip.description, {}
    previews = texts.text_previews(
        platforms=platforms,
        title=title,
        description=description,
        texts=overrides,
        errors=errors,
        modes=_text_modes(destinations, requested),
    )
    return {"text_previews": previews}


def _selected(form: PublishForm) -> list[int]:
    if not form.is_bound:
        return []
    return _selected_ids(form.data.getlist("destinations"))


def _selected_ids(values: list[str]) -> list[int]:
    chosen = []
    for raw in values:
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
    destinations = destinations_in_order(user=request.user)
    form = PublishForm(request.POST, tz=tz, destinations=destinations)
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
            platform_texts=texts.texts_from_form(request.POST, _text_platforms(destinations)),
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
        messages.success(
            request,
            f"Публикация началась: {names}. Статус обновляется ниже.",
            extra_tags="publish-started",
        )
    return redirect("clip-detail", clip_id=clip.pk)


def _token_expires_first_message(destinations: list[Any]) -> str:
    names = ", ".join(d.label for d in destinations)
    return (
        f"Внимание: к назначенному времени токен истечёт ({names}) — такая публикация не пройдёт. "
        "Переподключите платформу до публикации или перенесите её на более раннее время."
    )


@login_required
@require_POST
def clip_text_preview(request: HttpRequest, clip_id: int) -> HttpResponse:
    """The previews of the publish panel for the text being typed (htmx), with the counters
    beside each platform's own text (out of band). No writes."""
    clip = selectors.clip_get(user=request.user, clip_id=clip_id)
    if clip is None:
        raise Http404("Клип не найден")
    destinations = destinations_in_order(user=request.user)
    platforms = _text_platforms(destinations)
    overrides = texts.texts_from_form(request.POST, platforms)
    title = request.POST.get("title") or clip.title
    description = request.POST.get("description", "")
    chosen = _text_modes(destinations, request.POST.get("vk_mode") or None)
    previews = texts.text_previews(
        platforms=platforms,
        title=title,
        description=description,
        texts=overrides,
        errors=texts.texts_problems(
            overrides,
            title=title,
            description=description,
            modes={p: {m} for p, m in chosen.items()},
        ),
        modes=chosen,
    )
    return render_in_user_zone(
        request,
        "publishing/_text_previews.html",
        {"clip": clip, "text_previews": previews, "oob": True},
    )


@login_required
@require_GET
def clip_publications(request: HttpRequest, clip_id: int) -> HttpResponse:
    """The publications alone: what the clip page polls while anything is in flight.

    The poll says which places were busy when the page last looked (``busy``); when that set
    changed (one finished or failed while others go on) or nothing moves any more, the
    checkboxes come along (out of band), keeping the ticks the page sends back."""
    clip = _get_clip(request, clip_id)
    return _publications_response(request, clip)


def _publications_response(
    request: HttpRequest, clip: Clip, *, undo: dict[str, Any] | None = None, fresh: bool = False
) -> HttpResponse:
    publications = list(clip.publications.all())
    in_flight = selectors.publications_in_flight(publications)
    busy = busy_destinations(publications)
    with timezone.override(user_time_zone(request.user)):
        history = publication_history(
            publication_rows(publications, now=timezone.now(), user=request.user)
        )
    context: dict[str, Any] = {
        "clip": clip,
        "history": history,
        "in_flight": in_flight,
        "busy": busy,
        "poll_interval": POLL_INTERVAL,
        "undo": undo,
        "undo_slot": fresh,
    }
    if request.htmx and (fresh or not in_flight or request.GET.get("busy", "") != busy):
        # What can be published next has changed, so refresh the checkboxes too (out of band).
        # Polls that find nothing new skip this check and stay cheap.
        destinations = destinations_in_order(user=request.user)
        selected = _selected_ids(request.GET.getlist("destinations"))
        options = _destination_options(request, clip, destinations, publications, selected, {})
        context["destination_groups"] = options["groups"]
    return render_in_user_zone(request, "publishing/_publications_poll.html", context)


# --- cancel / retry ------------------------------------------------------------------------


def _get_publication(request: HttpRequest, publication_id: int) -> Publication:
    publication = selectors.publication_get(user=request.user, publication_id=publication_id)
    if publication is None:
        raise Http404("Публикация не найдена")
    return publication


UNDO_SESSION_KEY = "publication_undo"


def _undo_offer(publication: Publication, ticket: str) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "clip_id": publication.clip_id,
        "seconds": rules.UNDO_CANCEL_SECONDS,
        "text": f"Публикация в {publication.destination.label} отменена.",
    }


def _pop_undo(request: HttpRequest, clip: Clip) -> dict[str, Any] | None:
    """The undo offered by the cancel that redirected here (once)."""
    offer = request.session.get(UNDO_SESSION_KEY)
    if not offer or offer.get("clip_id") != clip.pk:
        return None
    del request.session[UNDO_SESSION_KEY]
    return dict(offer)


@login_required
@require_POST
def publication_cancel_view(request: HttpRequest, publication_id: int) -> HttpResponse:
    """Cancel (the page asked to confirm first), offering «Вернуть» for a few seconds."""
    publication = _get_publication(request, publication_id)
    ticket = None
    try:
        publication, ticket = publication_cancel_with_undo(
            publication=publication, user=request.user
        )
    except PublicationStateError as exc:
        messages.error(request, str(exc))
    else:
        place = publication.destination.label
        if publication.status == PublicationStatus.CANCELLED:
            if ticket is None:
                messages.success(request, f"Публикация в {place} отменена.")
        else:
            messages.info(
                request,
                f"Клип уже загружается в {place}: публикация будет отменена, как только "
                "загрузка прервётся или закончится. Если платформа успеет принять клип, пост "
                "останется — удалите его на платформе.",
            )
    undo = _undo_offer(publication, ticket) if ticket else None
    if request.htmx:
        clip = _get_clip(request, publication.clip_id)
        response = _publications_response(request, clip, undo=undo, fresh=True)
        return _with_messages(request, response)
    if undo:
        request.session[UNDO_SESSION_KEY] = undo
    return redirect("clip-detail", clip_id=publication.clip_id)


@login_required
@require_POST
def publication_uncancel_view(request: HttpRequest) -> HttpResponse:
    """«Вернуть»: take the cancel back while its seconds last."""
    try:
        publication = publication_uncancel(user=request.user, ticket=request.POST.get("ticket", ""))
    except PublicationStateError as exc:
        messages.error(request, str(exc))
        if request.htmx:
            return HttpResponse(status=204, headers={"HX-Refresh": "true"})
        return redirect("clip-list")
    messages.success(request, f"Публикация в {publication.destination.label} возвращена.")
    if request.htmx:
        clip = _get_clip(request, publication.clip_id)
        return _with_messages(request, _publications_response(request, clip, fresh=True))
    return redirect("clip-detail", clip_id=publication.clip_id)


def _with_messages(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An htmx answer carries the page's messages out of band (they replace the banners)."""
    banners = render_to_string("publishing/_messages.html", {"oob": True}, request=request)
    response.write(banners)
    return response


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
