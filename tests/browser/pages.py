"""Every page a person reaches, with data that fills it, for the layout tests and the
screenshots (``make screenshots``): ``every_page(user, staff)`` -> [(name, url)].

Pages that other parts of the product add (the calendar, notifications) are included when their
URL names exist, so the walk grows with the product.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from clipmaker.accounts.models import Plan
from clipmaker.clips.demo import make_demo_video
from clipmaker.clips.resumable import upload_create
from clipmaker.clips.services import clip_import_path
from platforms.models import PlatformConnection
from platforms.providers import platform_values
from platforms.sandbox.demo import connect_demo_user
from publishing.models import PublicationStatus
from tests.factories import (
    ClipFactory,
    PlatformConnectionFactory,
    PublicationFactory,
    StatsSnapshotFactory,
    UserFactory,
)

LONG_ERROR = (
    "Дзен временно недоступен (ошибка 503). Повторите позже, пожалуйста: публикация "
    "повторится сама через 15 минут."
)


def creator_with_everything(tmp: Path) -> tuple[Any, Any]:
    """A Pro user with all four platforms (the sandbox's demo places when the ``sandbox`` fixture
    is up), a real clip published, failed, scheduled and
    cancelled across them, more clips in the list and an unfinished upload. Returns (user,
    the main clip)."""
    user = UserFactory(username="anna", plan=Plan.PRO, is_staff=True, is_superuser=True)
    # The sandbox's demo connections and six places when the sandbox is up, else stand-ins.
    if not connect_demo_user(user):
        for platform in platform_values():
            PlatformConnectionFactory(user=user, platform=platform, account_name="Анна Петрова")
    video = make_demo_video(tmp / "sunset.mp4", seconds=2)
    clip = clip_import_path(
        owner=user,
        path=video,
        title="Закат над Волгой — очень длинное название клипа, чтобы проверить перенос",
        description="Клип из КлипМейкера #закат #волга",
    )
    now = timezone.now()
    published = PublicationFactory(
        clip=clip,
        platform="vk",
        status=PublicationStatus.PUBLISHED,
        published_at=now - timedelta(hours=3),
        platform_url="https://vk.com/clip-1_456239017",
    )
    StatsSnapshotFactory(publication=published, views=1520, likes=87, comments=12, shares=5)
    PublicationFactory(
        clip=clip,
        platform="dzen",
        status=PublicationStatus.FAILED,
        attempts=4,
        error_message=LONG_ERROR,
    )
    PublicationFactory(
        clip=clip,
        platform="rutube",
        status=PublicationStatus.SCHEDULED,
        scheduled_at=now + timedelta(days=1),
    )
    PublicationFactory(clip=clip, platform="telegram", status=PublicationStatus.CANCELLED)
    for n, status in enumerate((PublicationStatus.QUEUED, PublicationStatus.PUBLISHED), start=1):
        other = ClipFactory(owner=user, title=f"Рецепт за 10 минут, часть {n}")
        PublicationFactory(clip=other, platform="vk", status=status)
        PublicationFactory(clip=other, platform="rutube", status=status)
    ClipFactory(owner=user, title="Ещё не опубликованный клип")
    upload = upload_create(owner=user, length=3 * 1024**3, filename="концерт-целиком.mp4")
    type(upload).objects.filter(pk=upload.pk).update(offset=1024**3)
    return user, clip


def _maybe(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def every_page(user: Any, clip: Any) -> list[tuple[str, str]]:
    connection = PlatformConnection.objects.filter(user=user, platform="vk").first()
    assert connection is not None
    destination = connection.destinations.first()
    pages = [
        ("clip-list", "/clips/"),
        ("clip-page", f"/clips/{clip.pk}/"),
        ("clip-edit", f"/clips/{clip.pk}/edit/"),
        ("clip-delete", f"/clips/{clip.pk}/delete/"),
        ("settings-platforms", "/settings/platforms/"),
        ("connect-telegram", "/settings/platforms/telegram/connect/"),
        ("places", f"/settings/platforms/connections/{connection.pk}/places/"),
        ("disconnect", f"/settings/platforms/connections/{connection.pk}/disconnect/"),
        ("security", "/settings/security/"),
        ("staff", "/staff/"),
        ("not-found", "/clips/999999/"),
    ]
    if destination is not None:
        pages.append(("place-remove", f"/settings/platforms/destinations/{destination.pk}/remove/"))
    for name, url_name in (
        ("calendar", "calendar"),
        ("notifications", "notifications"),
        ("notifications", "notification-list"),
    ):
        url = _maybe(url_name)
        if url and all(n != name for n, _ in pages):
            pages.append((name, url))
    return pages
