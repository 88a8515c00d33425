"""The partials the clip page polls: its publications, with the checkboxes out of band when
what can be published next has changed, and the page's messages for htmx answers.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from clipmaker.clips.models import Clip
from platforms.selectors import (
    destinations_in_order,
)
from publishing import selectors
from publishing.clip_page_views import POLL_INTERVAL, _destination_options, _get_clip, _selected_ids
from publishing.presenters import (
    busy_destinations,
    publication_history,
    publication_rows,
    render_in_user_zone,
    user_time_zone,
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


def _with_messages(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An htmx answer carries the page's messages out of band (they replace the banners)."""
    banners = render_to_string("publishing/_messages.html", {"oob": True}, request=request)
    response.write(banners)
    return response
