"""The clip page: the publish panel (places, per-platform texts and their previews) and the
publications, and the clip's probe state while its file is being checked.

Views are thin: reads come from ``publishing.selectors``; nothing here writes.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from clipmaker.clips.models import Clip
from platforms.selectors import (
    connection_expiry_warnings,
    destinations_in_order,
)
from publishing import modes, selectors, texts
from publishing.forms import PublishForm
from publishing.models import Publication
from publishing.panel_fixes import publish_blocked
from publishing.presenters import (
    busy_destinations,
    destination_options,
    publication_history,
    publication_rows,
    render_in_user_zone,
    user_time_zone,
)
from publishing.services import (
    publication_check_destinations,
)
from stats.selectors import clip_stats_panel

# A publication's page polls its partial this often while anything is in flight.
POLL_INTERVAL = "1s"


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


UNDO_SESSION_KEY = "publication_undo"


def _pop_undo(request: HttpRequest, clip: Clip) -> dict[str, Any] | None:
    """The undo offered by the cancel that redirected here (once)."""
    offer = request.session.get(UNDO_SESSION_KEY)
    if not offer or offer.get("clip_id") != clip.pk:
        return None
    del request.session[UNDO_SESSION_KEY]
    return dict(offer)
