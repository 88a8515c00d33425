"""API: clips — list, upload, detail (shared/API.md "Clips")."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.utils import timezone
from rest_framework.test import APIClient

from clipmaker.clips.demo import make_tiny_video
from clipmaker.clips.models import Clip, ClipStatus
from clipmaker.clips.tasks import probe_clip
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


def test_upload_creates_a_processing_clip_that_the_probe_makes_ready(api, user):
    video = make_tiny_video(seconds=2)
    response = api.post(
        "/api/v1/clips/",
        {"file": _file(content=video), "title": "Из API", "description": "описание"},
        format="multipart",
    )

    assert response.status_code == 201
    data = response.json()
    clip = Clip.objects.get(owner=user)
    assert data["id"] == clip.pk
    assert (data["title"], data["description"]) == ("Из API", "описание")
    assert (data["status"], data["duration_seconds"]) == ("processing", None)
    assert data["size_bytes"] == len(video)
    assert data["publications"] == []
    assert data["original_filename"] == "clip.mp4"

    probe_clip(clip.pk)

    data = api.get(f"/api/v1/clips/{clip.pk}/").json()
    assert (data["status"], data["status_message"]) == ("ready", "")
    assert data["duration_seconds"] == pytest.approx(2.0, abs=0.1)
    assert (data["width"], data["height"], data["video_codec"]) == (72, 128, "h264")
    assert Clip.objects.get(pk=clip.pk).status == ClipStatus.READY


def test_a_file_that_is_not_a_video_ends_rejected_with_the_reason(api, user):
    response = api.post(
        "/api/v1/clips/", {"file": _file("clip.mp4", b"definitely not a video")}, format="multipart"
    )
    assert response.status_code == 201
    probe_clip(response.json()["id"])

    data = api.get(f"/api/v1/clips/{response.json()['id']}/").json()
    assert data["status"] == "rejected"
    assert "не похож на видео" in data["status_message"]


def test_a_processing_clip_cannot_be_published_yet(api, user, connected):
    clip = api.post("/api/v1/clips/", {"file": _file(content=make_tiny_video())}).json()
    response = api.post(
        f"/api/v1/clips/{clip['id']}/publish/", {"platforms": ["vk"]}, format="json"
    )
    assert response.status_code == 400
    assert "не готов" in response.json()["errors"]["clip"][0]


def test_a_horizontal_clip_is_refused_for_vk_only(api, user, connected):
    video = make_tiny_video(width=128, height=72)
    clip_id = api.post("/api/v1/clips/", {"file": _file(content=video)}).json()["id"]
    probe_clip(clip_id)

    response = api.post(f"/api/v1/clips/{clip_id}/publish/", {"platforms": ["vk", "rutube"]})

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["vk"]
    assert "вертикальные" in errors["vk"][0]
    assert not Clip.objects.get(pk=clip_id).publications.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("clip.avi", TINY_MP4, "Поддерживаются только видео MP4 и MOV"),
        ("clip.mp4", b"", "Файл пустой"),
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
