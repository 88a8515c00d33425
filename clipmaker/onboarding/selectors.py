"""The first hour: where a new user stands on the way connect → upload → publish, and where
each next step is. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from clipmaker.clips.models import Clip, ClipStatus
from platforms.models import ConnectionStatus, Destination
from publishing.models import Publication, PublicationStatus


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    hint: str
    url: str
    action: str
    done: bool


@dataclass(frozen=True)
class FirstSteps:
    steps: list[Step]

    @property
    def finished(self) -> bool:
        return all(step.done for step in self.steps)

    @property
    def current(self) -> Step | None:
        return next((step for step in self.steps if not step.done), None)


def first_steps(*, user: Any) -> FirstSteps:
    connected = (
        Destination.objects.live()
        .filter(connection__user=user, connection__status=ConnectionStatus.ACTIVE, enabled=True)
        .exists()
    )
    ready = Clip.objects.filter(owner=user, status=ClipStatus.READY).order_by("-created_at").first()
    uploaded = ready is not None or Clip.objects.filter(owner=user).exists()
    published = Publication.objects.filter(
        clip__owner=user, status=PublicationStatus.PUBLISHED
    ).exists()
    clips_url = reverse("clip-list")
    publish_url = reverse("clip-detail", args=[ready.pk]) if ready else clips_url
    return FirstSteps(
        steps=[
            Step(
                key="connect",
                title="Подключите платформу",
                hint="VK, Rutube, Дзен или Telegram: токен или вход на сайте платформы.",
                url=reverse("platforms:settings"),
                action="Платформы →",
                done=connected,
            ),
            Step(
                key="upload",
                title="Загрузите клип",
                hint="MP4 или MOV; КлипМейкер проверит файл за несколько секунд.",
                url=f"{clips_url}#upload",
                action="Загрузить →",
                done=uploaded,
            ),
            Step(
                key="publish",
                title="Опубликуйте",
                hint="На странице клипа отметьте, куда публиковать, и нажмите «Опубликовать».",
                url=publish_url,
                action="К клипу →" if ready else "Клипы →",
                done=published,
            ),
        ]
    )
