"""The clip list: the user's clips newest first with per-platform badges, and uploading."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from clipmaker.clips.demo import make_tiny_video
from clipmaker.clips.models import Clip, ClipStatus
from clipmaker.clips.tasks import probe_clip
from platforms.constants import Platform
from publishing.models import Publication, PublicationStatus
from tests.factories import TINY_MP4, ClipFactory, PublicationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _upload(name: str, content: bytes) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


def test_list_requires_login(client):
    response = client.get("/clips/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_list_shows_only_own_clips_newest_first(client_in, user, other_clip):
    old = ClipFactory(owner=user, title="Старый клип")
    Clip.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1))
    ClipFactory(owner=user, title="Новый клип")

    body = client_in.get("/clips/").content.decode()

    assert body.index("Новый клип") < body.index("Старый клип")
    assert "Чужой клип" not in body


def test_list_shows_latest_status_per_platform(client_in, clip):
    earlier = PublicationFactory(clip=clip, platform=Platform.VK, status=PublicationStatus.FAILED)
    earlier.created_at = timezone.now() - timedelta(hours=1)
    earlier.save()
    vk = PublicationFactory(clip=clip, platform=Platform.VK, status=PublicationStatus.PUBLISHED)
    tg = PublicationFactory(clip=clip, platform=Platform.TELEGRAM, status=PublicationStatus.QUEUED)

    body = client_in.get("/clips/").content.decode()

    assert 'class="badge published"' in body
    assert f"VK · {vk.destination.display_name} · Опубликовано" in body
    assert f"Telegram · {tg.destination.display_name} · В очереди" in body
    assert "Ошибка" not in body  # the older VK failure is superseded
    assert body.count('class="badge ') == 2


def test_clip_without_publications_says_so(client_in, clip):
    assert "ещё не публиковался" in client_in.get("/clips/").content.decode()


VIDEO = make_tiny_video()


def test_upload_stores_clip_and_opens_its_page_while_it_is_checked(client_in, user):
    response = client_in.post(
        "/clips/",
        {"file": _upload("ролик.mp4", VIDEO), "title": "Новый ролик", "description": "Текст"},
    )

    clip = Clip.objects.get(owner=user)
    assert response.status_code == 302
    assert response["Location"] == f"/clips/{clip.pk}/"
    assert (clip.title, clip.description) == ("Новый ролик", "Текст")
    assert clip.status == ClipStatus.PROCESSING
    assert clip.original_filename == "ролик.mp4"
    assert clip.size_bytes == len(VIDEO)
    assert clip.file.read() == VIDEO

    page = client_in.get(f"/clips/{clip.pk}/").content.decode()
    assert 'data-clip-status="processing"' in page
    assert "Файл проверяется" in page
    listing = client_in.get("/clips/").content.decode()
    assert 'data-clip-status="processing"' in listing
    assert 'data-in-flight="true"' in listing  # the list polls until the probe is done

    state = client_in.get(f"/clips/{clip.pk}/state/", headers={"HX-Request": "true"})
    assert "HX-Refresh" not in state
    probe_clip(clip.pk)
    state = client_in.get(f"/clips/{clip.pk}/state/", headers={"HX-Request": "true"})
    assert state["HX-Refresh"] == "true"
    page = client_in.get(f"/clips/{clip.pk}/").content.decode()
    assert "Файл проверяется" not in page
    assert 'data-clip-status="ready"' in page


def test_a_rejected_clip_shows_why_on_its_page_and_in_the_list(client_in, user):
    client_in.post("/clips/", {"file": _upload("clip.mp4", b"plain text pretending to be video")})
    clip = Clip.objects.get(owner=user)
    probe_clip(clip.pk)

    page = client_in.get(f"/clips/{clip.pk}/").content.decode()
    assert 'data-clip-status="rejected"' in page
    assert "не похож на видео" in page
    assert "Его нельзя опубликовать" in page
    listing = client_in.get("/clips/").content.decode()
    assert "Отклонён" in listing
    assert "не похож на видео" in listing


def test_another_users_clip_state_is_404(client_in, other_clip):
    assert client_in.get(f"/clips/{other_clip.pk}/state/").status_code == 404


def test_upload_without_title_uses_file_name(client_in, user):
    client_in.post("/clips/", {"file": _upload("закат.mov", TINY_MP4), "title": ""})
    assert Clip.objects.get(owner=user).title == "закат"


def test_upload_by_script_answers_json_with_the_clip_page(client_in, user):
    response = client_in.post(
        "/clips/",
        {"file": _upload("clip.mp4", TINY_MP4)},
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.status_code == 201
    assert response.json() == {"redirect": f"/clips/{Clip.objects.get(owner=user).pk}/"}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("clip.avi", TINY_MP4, "Поддерживаются только видео MP4 и MOV"),
        ("clip.mp4", b"", "Файл пустой. Выберите другой файл."),
    ],
)
def test_upload_refuses_bad_file_with_russian_reason(client_in, user, name, content, message):
    response = client_in.post("/clips/", {"file": _upload(name, content)})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Clip.objects.filter(owner=user).exists()


def test_upload_refuses_file_above_the_limit(client_in, user, settings):
    settings.CLIP_MAX_UPLOAD_BYTES = len(TINY_MP4) - 1

    response = client_in.post(
        "/clips/",
        {"file": _upload("clip.mp4", TINY_MP4)},
        headers={"X-Requested-With": "XMLHttpRequest"},
    )

    assert response.status_code == 400
    assert "Сократите или сожмите клип" in str(response.json()["errors"])
    assert not Clip.objects.filter(owner=user).exists()


def test_upload_refuses_declared_oversized_body_before_reading_it(client_in, user, settings):
    settings.CLIP_MAX_UPLOAD_BYTES = 1024
    response = client_in.post(
        "/clips/",
        data=b"x" * 16,
        content_type="multipart/form-data; boundary=zzz",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Файл больше 1 МБ. Сократите или сожмите клип." in body
    assert "Выберите файл клипа." not in body
    assert not Clip.objects.filter(owner=user).exists()


def test_upload_without_file_asks_for_one(client_in):
    response = client_in.post("/clips/", {"title": "Без файла"})
    assert response.status_code == 400
    assert "Выберите файл клипа." in response.content.decode()


def test_upload_form_carries_csrf_and_progress_script(client_in):
    body = client_in.get("/clips/").content.decode()
    assert "csrfmiddlewaretoken" in body
    assert "js/upload.js" in body
    assert "data-upload-progress" in body


def test_upload_is_refused_without_csrf_token(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/clips/", {"file": _upload("clip.mp4", TINY_MP4)})
    assert response.status_code == 403
    assert not Clip.objects.filter(owner=user).exists()


def test_list_is_paginated_for_many_clips(client_in, user):
    ClipFactory.create_batch(51, owner=user)
    first = client_in.get("/clips/").content.decode()
    second = client_in.get("/clips/?page=2").content.decode()
    assert first.count("data-clip-id=") == 50
    assert second.count("data-clip-id=") == 1


def test_other_users_list_is_not_shown(client, other_clip):
    client.force_login(UserFactory())
    assert "Чужой клип" not in client.get("/clips/").content.decode()


# --- live updates --------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["scheduled", "queued", "publishing"])
def test_list_polls_its_table_while_a_badge_is_in_flight(client_in, clip, status):
    PublicationFactory(clip=clip, platform=Platform.DZEN, status=status)
    PublicationFactory(clip=clip, platform=Platform.VK, status=PublicationStatus.PUBLISHED)

    body = client_in.get("/clips/").content.decode()

    assert '<div id="clip-table" hx-get="/clips/table/" hx-trigger="every 2s"' in body
    assert 'hx-swap="outerHTML"' in body


def test_list_does_not_poll_when_every_badge_is_final(client_in, clip):
    PublicationFactory(clip=clip, platform=Platform.VK, status=PublicationStatus.PUBLISHED)
    PublicationFactory(clip=clip, platform=Platform.DZEN, status=PublicationStatus.FAILED)
    PublicationFactory(clip=clip, platform=Platform.RUTUBE, status=PublicationStatus.CANCELLED)

    body = client_in.get("/clips/").content.decode()

    assert 'id="clip-table"' in body
    assert "hx-trigger" not in body


def test_list_does_not_poll_without_publications(client_in, clip):
    assert "hx-trigger" not in client_in.get("/clips/").content.decode()


def test_list_polls_only_for_the_clips_on_its_own_page(client_in, user):
    oldest = ClipFactory(owner=user, title="Самый старый")
    Clip.objects.filter(pk=oldest.pk).update(created_at=timezone.now() - timedelta(days=1))
    ClipFactory.create_batch(50, owner=user)
    PublicationFactory(clip=oldest, status=PublicationStatus.QUEUED)

    first = client_in.get("/clips/").content.decode()
    second = client_in.get("/clips/?page=2").content.decode()

    assert "hx-trigger" not in first
    assert 'hx-get="/clips/table/?page=2" hx-trigger="every 2s"' in second


def test_another_users_in_flight_publication_does_not_make_my_list_poll(
    client_in, clip, other_clip
):
    PublicationFactory(clip=other_clip, status=PublicationStatus.PUBLISHING)
    assert "hx-trigger" not in client_in.get("/clips/").content.decode()


def test_table_partial_renders_the_table_alone_and_stops_polling_when_done(client_in, clip):
    pub = PublicationFactory(clip=clip, platform=Platform.RUTUBE, status=PublicationStatus.QUEUED)

    polling = client_in.get("/clips/table/", headers={"HX-Request": "true"})

    assert polling.status_code == 200
    text = polling.content.decode()
    assert text.lstrip().startswith('<div id="clip-table"')
    assert "<html" not in text
    assert 'hx-trigger="every 2s"' in text
    assert f'<tr data-clip-id="{clip.pk}">' in text
    assert f"Rutube · {pub.destination.display_name} · В очереди" in text

    Publication.objects.filter(pk=pub.pk).update(status=PublicationStatus.PUBLISHED)
    text = client_in.get("/clips/table/", headers={"HX-Request": "true"}).content.decode()

    assert "hx-trigger" not in text
    assert 'data-in-flight="false"' in text
    assert f"Rutube · {pub.destination.display_name} · Опубликовано" in text


def test_table_partial_keeps_the_page_it_polls(client_in, user):
    clips = ClipFactory.create_batch(51, owner=user)
    Clip.objects.filter(pk=clips[0].pk).update(created_at=timezone.now() - timedelta(days=1))
    PublicationFactory(clip=clips[0], status=PublicationStatus.PUBLISHING)

    text = client_in.get("/clips/table/?page=2").content.decode()

    assert text.count("data-clip-id=") == 1
    assert f'data-clip-id="{clips[0].pk}"' in text
    assert 'hx-get="/clips/table/?page=2"' in text


def test_table_partial_shows_only_own_clips(client_in, clip, other_clip):
    PublicationFactory(clip=other_clip, status=PublicationStatus.QUEUED)

    text = client_in.get("/clips/table/").content.decode()

    assert "Мой клип" in text
    assert "Чужой клип" not in text
    assert "hx-trigger" not in text


def test_table_partial_requires_login(client, clip):
    response = client.get("/clips/table/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
