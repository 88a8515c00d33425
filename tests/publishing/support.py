"""Helpers shared by the engine's tests: publications in a given state, read back."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from publishing.models import Publication
from tests.factories import PublicationFactory


def queued(clip: Any, platform: str = "fake", **fields: Any) -> Publication:
    """A publication due now and sent to the workers (override any field)."""
    now = timezone.now()
    defaults = {"queued_at": now, "next_attempt_at": now, "enqueued_at": now}
    return PublicationFactory(clip=clip, platform=platform, **{**defaults, **fields})


def reload(publication: Publication) -> Publication:
    publication.refresh_from_db()
    return publication


def handle_json(video_id: str = "fake-1", **data: Any) -> dict[str, Any]:
    """A stored handle as the engine keeps it (``Publication.platform_handle``)."""
    return {"id": video_id, "data": {"uploaded": False, **data}}


def uploaded_handle_json(video_id: str = "fake-1", **data: Any) -> dict[str, Any]:
    """A stored handle the platform confirmed it holds the whole file for."""
    return handle_json(video_id, **{**data, "uploaded": True})


def events(caplog: Any, name: str | None = None) -> list[dict[str, Any]]:
    """The product's named events logged so far (``caplog`` at INFO on ``clipmaker.events``),
    each as its fields plus ``event``; only those called ``name`` when given."""
    found = [
        {"event": record.getMessage(), **getattr(record, "fields", {})}
        for record in caplog.records
        if record.name == "clipmaker.events"
    ]
    return [e for e in found if name is None or e["event"] == name]
