"""How publications read on the pages: status text, rows with their actions, the destination
checkboxes of the publish panel, the user's time zone. Reads only; what is allowed comes from ``publishing.rules``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from platforms.models import Destination
from platforms.providers import platform_label, provider_class, provider_classes
from platforms.selectors import connection_expired_by, connection_expiry_for_panel
from publishing import modes, rules, validation
from publishing.models import Publication, PublicationStatus
from publishing.validation import destination_key
from stats.charts import Sparkline, views_sparkline
from stats.models import StatsSnapshot


def user_time_zone(user: Any) -> tzinfo:
    try:
        return ZoneInfo(getattr(user, "time_zone", "") or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def time_zone_label(tz: tzinfo) -> str:
    """«Europe/Moscow, UTC+03:00» — the zone every time on the page is shown in."""
    offset = timezone.now().astimezone(tz).strftime("%z")
    return f"{tz}, UTC{offset[:3]}:{offset[3:]}"


def render_in_user_zone(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """Render with the user's time zone active, so every time shows in it."""
    tz = user_time_zone(request.user)
    with timezone.override(tz):
        context = {"tz_label": time_zone_label(tz), **context}
        return render(request, template, context, status=status)


def publication_status_text(publication: Publication, *, now: datetime) -> str:
    """The status as a user reads it; times in the active (user's) time zone."""
    if publication.status == PublicationStatus.PUBLISHING and publication.claim_token is None:
        return f"Обрабатывается в {platform_label(publication.platform)}"
    if publication.status == PublicationStatus.PUBLISHING:
        text = f"Публикуется {publication.progress_percent} %"
        return f"{text} (отмена запрошена)" if publication.cancel_requested_at else text
    if (
        publication.status == PublicationStatus.QUEUED
        and publication.next_attempt_at
        and publication.next_attempt_at > now
        and publication.attempts >= 1
    ):
        when = timezone.localtime(publication.next_attempt_at)
        at = f"{when:%H:%M}"
        if when.date() != timezone.localtime(now).date():
            at = f"{when:%d.%m} {at}"
        return f"Повтор в {at} (попытка {publication.attempts + 1} из {publication.max_attempts})"
    return publication.get_status_display()


def supports_stats(platform: str) -> bool:
    return provider_class(platform).supports_stats


@dataclass(frozen=True)
class PublicationRow:
    publication: Publication
    status_text: str
    supports_stats: bool
    can_cancel: bool
    can_retry: bool
    views_chart: Sparkline | None
    # Scheduled for after its connection's token runs out (and it cannot be refreshed): the
    # row says so in advance, with the expiry, instead of failing at that time.
    token_expires_first: bool = False
    # VK refused the account Клипы: «Опубликовать как видео» retries it in the other mode.
    offers_video: bool = False


def _views_chart(publication: Publication) -> Sparkline | None:
    """The views sparkline of a published publication on a platform with stats.

    Reads ``recent_stats`` (newest first), prefetched by ``selectors.clip_page_get``.
    """
    if publication.status != PublicationStatus.PUBLISHED or not supports_stats(
        publication.platform
    ):
        return None
    # Set by the Prefetch(to_attr="recent_stats") in selectors.clip_page_get: no model field.
    recent: list[StatsSnapshot] = publication.recent_stats  # type: ignore[attr-defined]
    history = [(s.collected_at, s.views) for s in reversed(recent)]
    return views_sparkline(history)


def publication_rows(
    publications: list[Publication], *, now: datetime, user: Any
) -> list[PublicationRow]:
    return [
        PublicationRow(
            publication=p,
            status_text=publication_status_text(p, now=now),
            supports_stats=supports_stats(p.platform),
            can_cancel=rules.publication_can_cancel(p),
            can_retry=rules.publication_can_retry(p, user=user),
            views_chart=_views_chart(p),
            token_expires_first=_token_expires_first(p),
            offers_video=modes.offers_video(p) and rules.publication_can_retry(p, user=user),
        )
        for p in publications
    ]


def _token_expires_first(publication: Publication) -> bool:
    if publication.status != PublicationStatus.SCHEDULED:
        return False
    return connection_expired_by(
        connection=publication.destination.connection, moment=publication.scheduled_at
    )


def destination_options(
    *,
    user: Any,
    destinations: list[Destination],
    reasons: dict[str, list[str]],
    selected: list[int],
    errors: dict[str, list[str]],
    publications: list[Publication],
    mode: str | None = None,
) -> list[dict[str, Any]]:
    """The publish panel: every platform in display order with a checkbox per enabled place
    («Сообщество «Кухня»», the account named when it differs), disabled with the reason it
    cannot be published to, a note where the clip is already published; a platform with no
    place says why (plan, not connected, every place switched off)."""
    published = {p.destination_id for p in publications if p.status == PublicationStatus.PUBLISHED}
    groups = []
    for provider in provider_classes():
        platform = str(provider.platform)
        mine = [d for d in destinations if d.platform == platform]
        offered = [d for d in mine if d.enabled]
        options = []
        for destination in offered:
            key = destination_key(destination.pk)
            blocked = list(reasons.get(key) or [])
            notes = (
                ["Уже опубликован здесь: отметьте, только если нужен второй пост."]
                if destination.pk in published and not blocked
                else []
            )
            # What this submission was refused for shows as an error; other reasons stay muted.
            refused = list(errors.get(key) or [])
            account = destination.connection.account_name
            options.append(
                {
                    "value": destination.pk,
                    "label": destination.place_label,
                    "account": account if account != destination.display_name else "",
                    "disabled": bool(blocked),
                    "reasons": [r for r in blocked if r not in refused] + notes,
                    "checked": destination.pk in selected and not blocked,
                    "errors": refused,
                    # The panel warns when the chosen time falls after it.
                    "expires_at": connection_expiry_for_panel(connection=destination.connection),
                }
            )
        notice = ""
        if not offered:
            if not user.plan_allows(platform):
                notice = rules.plan_message(user, platform)
            elif mine:
                notice = validation.all_disabled_message(platform)
            else:
                notice = rules.not_connected_message(platform)
        groups.append(
            {
                "platform": platform,
                "label": provider.label,
                "options": options,
                "notice": notice,
                "modes": mode_options(provider, offered, submitted=mode),
            }
        )
    return groups


def mode_options(
    provider: Any, offered: list[Destination], *, submitted: str | None
) -> list[dict[str, Any]]:
    """The radio of a platform with several modes (VK: Клип or Видео): the submitted choice,
    else the places' common default; when the places default differently, a first choice
    «как настроено для места» keeps each one's own."""
    if not provider.modes or not offered:
        return []
    defaults = set(modes.publish_modes(offered, requested=None).values())
    choices = [(m, provider.mode_labels.get(m, m)) for m in provider.modes]
    if len(defaults) > 1:
        choices.insert(0, ("", "как настроено для каждого места"))
    checked = submitted if submitted is not None else (defaults.pop() if len(defaults) == 1 else "")
    return [{"value": v, "label": label, "checked": v == checked} for v, label in choices]


def text_limit_notes() -> list[str]:
    """«VK показывает до 128 символов заголовка», ... for every platform that cuts text."""
    notes = []
    for provider in provider_classes():
        limits = provider.text_limits
        if limits.title:
            notes.append(f"{provider.label} — до {limits.title} символов заголовка")
        if limits.caption:
            notes.append(
                f"{provider.label} — до {limits.caption} символов подписи "
                "(заголовок и описание вместе)"
            )
    return notes
