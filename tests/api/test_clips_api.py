"""API: clips — list, upload, detail (shared/API.md "Clips")."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.utils import timezone
from rest_framework.test import APIClient

from clipmaker.clips.models import Clip, ClipStatus
from publishing.models import PublicationStatus
from tests.factories import TINY_MP4, ClipFactory, PublicationFactory, UserFactory

pytestmark = pytest.mark.django_db

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")


def _file(name: str = "clip.mp4", content: bytes = TINY_MP4) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


def test_list_is_the_callers_clips_newest_first_paginated(api, user, other_clip):
    old = ClipFactory(owner=user, title="старый")
    Clip.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1))
    new = ClipFactory(owner=user, title="новый")

    data = api.get("/api/v1/clips/").json()

    assert data["count"] == 2
    assert {"next", "previous"} <= set(data)
    assert [c["id"] for c in data["results"]] == [new.pk, old.pk]


def test_clip_shape_with_publications(api, clip):
    pub = PublicationFactory(clip=clip, platform="vk", status=PublicationStatus.QUEUED)

    data = api.get(f"/api/v1/clips/{clip.pk}/").json()

    assert {
        "id",
        "title",
        "description",
        "status",
        "size_bytes",
        "duration_seconds",
        "created_at",
        "publications",
    } <= set(data)
    assert data["id"] == clip.pk
    assert data["title"] == "Мой клип"
    assert data["description"] == "Описание клипа"
    assert data["status"] == "ready"
    assert data["size_bytes"] == clip.size_bytes
    assert data["duration_seconds"] == 4.0
    assert ISO_WITH_OFFSET.match(data["created_at"])
    assert [p["id"] for p in data["publications"]] == [pub.pk]
    assert data["publications"][0]["platform"] == "vk"


def test_list_items_carry_publications(api, clip):
    PublicationFactory(clip=clip, platform="telegram", status=PublicationStatus.PUBLISHED)
    data = api.get("/api/v1/clips/").json()
    assert data["results"][0]["publications"][0]["status"] == "published"


def test_upload_creates_a_ready_clip(api, user):
    response = api.post(
        "/api/v1/clips/",
        {"file": _file(), "title": "Из API", "description": "описание"},
        format="multipart",
    )

    assert response.status_code == 201
    data = response.json()
    clip = Clip.objects.get(owner=user)
    assert data["id"] == clip.pk
    assert (data["title"], data["description"], data["status"]) == ("Из API", "описание", "ready")
    assert data["size_bytes"] == len(TINY_MP4)
    assert data["publications"] == []
    assert clip.status == ClipStatus.READY


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("clip.avi", TINY_MP4, "Поддерживаются только видео MP4 и MOV"),
        ("clip.mp4", b"", "Файл пустой"),
        ("clip.mp4", b"definitely not a video", "не похож на видео"),
    ],
)
def test_upload_refuses_bad_files_with_errors(api, user, name, content, message):
    response = api.post("/api/v1/clips/", {"file": _file(name, content)}, format="multipart")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(message in m for m in errors["file"])
    assert not Clip.objects.filter(owner=user).exists()


def test_upload_without_file_is_400(api):
    response = api.post("/api/v1/clips/", {"title": "без файла"}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"errors": {"file": ["Приложите файл клипа в поле file."]}}


def test_upload_above_the_limit_is_400(api, settings):
    settings.CLIP_MAX_UPLOAD_BYTES = 10
    response = api.post("/api/v1/clips/", {"file": _file()}, format="multipart")
    assert response.status_code == 400
    assert "Сократите или сожмите клип" in response.json()["errors"]["file"][0]


class RecordingUploadHandler(TemporaryFileUploadHandler):
    """Notes every chunk of an uploaded file the server reads."""

    chunks: list[int] = []

    def receive_data_chunk(self, raw_data, start):  # type: ignore[no-untyped-def]
        RecordingUploadHandler.chunks.append(len(raw_data))
        return super().receive_data_chunk(raw_data, start)


def test_an_announced_oversized_upload_is_refused_before_its_body_is_read(api, user, settings):
    settings.CLIP_MAX_UPLOAD_BYTES = 1024
    settings.FILE_UPLOAD_HANDLERS = [f"{__name__}.RecordingUploadHandler"]
    RecordingUploadHandler.chunks.clear()
    body = b'--zzz\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n\r\n'
    body += b"\0" * (3 * 1024 * 1024) + b"\r\n--zzz--\r\n"

    response = api.generic(
        "POST", "/api/v1/clips/", body, content_type="multipart/form-data; boundary=zzz"
    )

    assert response.status_code == 400
    assert response.json() == {
        "errors": {"file": ["Файл больше 1 МБ. Сократите или сожмите клип."]}
    }
    assert RecordingUploadHandler.chunks == []
    assert not Clip.objects.filter(owner=user).exists()


def test_another_users_clip_is_404_like_a_missing_one(api, other_clip):
    theirs = api.get(f"/api/v1/clips/{other_clip.pk}/")
    missing = api.get("/api/v1/clips/999999/")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert set(theirs.json()) == {"detail"}


def test_anonymous_is_refused_in_russian():
    response = APIClient().get("/api/v1/clips/")
    assert response.status_code in (401, 403)
    assert re.search("[а-яА-Я]", response.json()["detail"])


def test_session_auth_works_and_needs_csrf_for_writes(user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/clips/").status_code == 200
    response = client.post("/api/v1/clips/", {"file": _file()}, format="multipart")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_token_obtained_from_the_token_endpoint_authenticates(db):
    UserFactory(username="scripter")
    client = APIClient()
    token = client.post(
        "/api/v1/auth/token/", {"username": "scripter", "password": "secret-pass-123"}
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/clips/").status_code == 200


def test_wrong_token_is_refused(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/clips/")
    assert response.status_code in (401, 403)
    assert "токен" in response.json()["detail"].lower()
