"""The clip page's actions: publish, cancel (with «Вернуть» for a few seconds) and retry.

Writes go through ``publishing.services`` and ``publishing.cancel_undo``; a refusal re-renders the
clip page with the reasons, or comes back as a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from clipmaker.throttling import wait_label
from platforms.selectors import (
    connection_expired_by,
    destinations_in_order,
)
from publishing import modes, rules, selectors, texts
from publishing.api import PUBLISH_LIMIT_MESSAGE, publish_throttle_wait
from publishing.cancel_undo import publication_cancel_with_undo, publication_uncancel
from publishing.clip_page_views import UNDO_SESSION_KEY, _clip_page, _get_clip, _text_platforms
from publishing.forms import PublishForm
from publishing.models import Publication, PublicationStatus
from publishing.poll_views import _publications_response, _with_messages
from publishing.presenters import (
    user_time_zone,
)
from publishing.services import (
    PublicationConflict,
    PublicationStateError,
    PublicationValidationError,
    publication_create,
    publication_retry,
)


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


# --- cancel / retry ------------------------------------------------------------------------


def _get_publication(request: HttpRequest, publication_id: int) -> Publication:
    publication = selectors.publication_get(user=request.user, publication_id=publication_id)
    if publication is None:
        raise Http404("Публикация не найдена")
    return publication


def _undo_offer(publication: Publication, ticket: str) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "clip_id": publication.clip_id,
        "seconds": rules.UNDO_CANCEL_SECONDS,
        "text": f"Публикация в {publication.destination.label} отменена.",
    }


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
