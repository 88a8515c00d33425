"""Resumable uploads (tus 1.0.0 at /api/v1/uploads/): creation checks, appends at the stored
offset, resume after a cut connection, ownership, the size limit, and the finished clip."""

from __future__ import annotations

import base64
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from clipmaker.clips.models import Clip, ClipStatus, ClipUpload
from clipmaker.clips.resumable import partial_path, upload_append, upload_create
from clipmaker.clips.tasks import clean_abandoned_uploads
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
OCTETS = "application/offset+octet-stream"
# The bytes of a file: what they hold does not matter until the probe reads them.
DATA = bytes(range(256)) * 40


def _meta(**fields: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in fields.items())


def _start(api, length: int, filename: str = "закат.mp4", **meta: str):  # type: ignore[no-untyped-def]
    return api.post(
        "/api/v1/uploads/",
        HTTP_UPLOAD_LENGTH=str(length),
        HTTP_UPLOAD_METADATA=_meta(filename=filename, **meta),
        **TUS,
    )


def _patch(api, location: str, offset: int, body: bytes, **extra: str):  # type: ignore[no-untyped-def]
    return api.generic(
        "PATCH",
        location,
        data=body,
        content_type=OCTETS,
        HTTP_UPLOAD_OFFSET=str(offset),
        **TUS,
        **extra,
    )


class _Cut:
    """A request body whose connection breaks after ``data``."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        if not self.data:
            raise ConnectionResetError("connection reset by peer")
        chunk, self.data = self.data[:size], self.data[size:]
        return chunk

    readline = read


def _head(api, location: str):  # type: ignore[no-untyped-def]
    return api.head(location, **TUS)


def test_options_announce_the_protocol_and_the_limit(api, settings):
    response = api.options("/api/v1/uploads/")

    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert "creation" in response["Tus-Extension"]
    assert "termination" in response["Tus-Extension"]
    assert response["Tus-Max-Size"] == str(settings.CLIP_MAX_UPLOAD_BYTES)


def test_upload_in_two_requests_creates_the_clip_through_the_normal_path(api, user):
    created = _start(api, len(DATA), title="Закат", description="Над Волгой")
    assert created.status_code == 201, created.content
    location = created["Location"]
    assert created["Tus-Resumable"] == "1.0.0"
    assert _head(api, location)["Upload-Offset"] == "0"

    half = len(DATA) // 2
    first = _patch(api, location, 0, DATA[:half])
    assert first.status_code == 204
    assert first["Upload-Offset"] == str(half)
    assert "Clip-Id" not in first
    assert _head(api, location)["Upload-Offset"] == str(half)

    last = _patch(api, location, half, DATA[half:])
    assert last.status_code == 204
    assert last["Upload-Offset"] == str(len(DATA))
    clip = Clip.objects.get(pk=int(last["Clip-Id"]))
    assert clip.owner == user
    assert clip.title == "Закат"
    assert clip.description == "Над Волгой"
    assert clip.original_filename == "закат.mp4"
    assert clip.size_bytes == len(DATA)
    assert clip.status == ClipStatus.PROCESSING
    # Generated storage name, the original name is data only.
    assert clip.file.name.startswith(f"clips/{user.pk}/") and "закат" not in clip.file.name
    with clip.file.open("rb") as fh:
        assert fh.read() == DATA
    upload = ClipUpload.objects.get()
    assert not partial_path(upload).exists()
    assert api.get(location).json()["clip"] == clip.pk


def test_a_cut_connection_keeps_what_arrived_and_the_upload_resumes_there(api):
    location = _start(api, len(DATA))["Location"]
    arrived = DATA[:1000]

    # The body announces the whole file but the connection breaks after 1000 bytes.
    cut = _patch(
        api, location, 0, arrived, CONTENT_LENGTH=str(len(DATA)), **{"wsgi.input": _Cut(arrived)}
    )

    assert cut.status_code == 204
    assert _head(api, location)["Upload-Offset"] == "1000"
    assert not Clip.objects.exists()
    # A client that lost track and starts again from zero is told where the upload stands.
    stale = _patch(api, location, 0, DATA)
    assert stale.status_code == 409
    assert "1000" in stale.json()["detail"]

    done = _patch(api, location, 1000, DATA[1000:])
    assert done.status_code == 204
    clip = Clip.objects.get(pk=int(done["Clip-Id"]))
    with clip.file.open("rb") as fh:
        assert fh.read() == DATA


def test_a_read_that_breaks_mid_body_saves_the_offset_of_the_bytes_written(user, settings):
    upload = upload_create(owner=user, length=len(DATA), filename="a.mp4")
    pieces = [DATA[:700], DATA[700:1500]]

    def read(_n: int) -> bytes:
        if pieces:
            return pieces.pop(0)
        raise OSError("connection reset by peer")

    upload = upload_append(upload=upload, offset=0, read=read)

    assert upload.offset == 1500
    assert partial_path(upload).read_bytes() == DATA[:1500]


def test_bytes_beyond_the_saved_offset_are_dropped_on_the_next_append(user):
    upload = upload_create(owner=user, length=len(DATA), filename="a.mp4")
    upload_append(upload=upload, offset=0, read=_reader(DATA[:500]))
    # A worker died after writing bytes it never recorded.
    with partial_path(upload).open("ab") as fh:
        fh.write(b"garbage" * 10)

    upload_append(upload=upload, offset=500, read=_reader(DATA[500:]))

    upload.refresh_from_db()
    with upload.clip.file.open("rb") as fh:
        assert fh.read() == DATA


def _reader(data: bytes):  # type: ignore[no-untyped-def]
    chunks = [data]
    return lambda _n: chunks.pop() if chunks else b""


def test_another_users_upload_answers_like_a_missing_one(api, user):
    location = _start(api, len(DATA))["Location"]
    stranger = APIClient()
    _, token = AuthToken.objects.create(user=UserFactory())
    stranger.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert _head(stranger, location).status_code == 404
    assert _patch(stranger, location, 0, DATA).status_code == 404
    assert stranger.delete(location, **TUS).status_code == 404
    assert stranger.get("/api/v1/uploads/").json() == []
    assert _head(api, location)["Upload-Offset"] == "0"


def test_anonymous_callers_cannot_upload():
    response = _start(APIClient(), len(DATA))
    assert response.status_code in (401, 403)
    assert not ClipUpload.objects.exists()


def test_size_limit_type_and_empty_file_are_refused_before_any_byte(api, settings):
    settings.CLIP_MAX_UPLOAD_BYTES = 1000
    too_big = _start(api, 1001)
    assert too_big.status_code == 413
    assert "Файл больше" in too_big.json()["detail"]
    assert _start(api, 10, filename="clip.avi").status_code == 400
    assert "MP4" in _start(api, 10, filename="clip.avi").json()["detail"]
    assert _start(api, 0).status_code == 400
    assert not ClipUpload.objects.exists()


def test_more_bytes_than_announced_are_refused(api):
    location = _start(api, 10)["Location"]
    response = _patch(api, location, 0, b"x" * 11)
    assert response.status_code == 400
    assert _head(api, location)["Upload-Offset"] == "0"


def test_protocol_errors_are_explained(api):
    assert api.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH="10").status_code == 412
    assert api.post("/api/v1/uploads/", **TUS).status_code == 400
    location = _start(api, 10)["Location"]
    wrong_type = api.generic(
        "PATCH", location, data=b"x", content_type="text/plain", HTTP_UPLOAD_OFFSET="0", **TUS
    )
    assert wrong_type.status_code == 415
    assert _head(api, "/api/v1/uploads/not-an-id/").status_code == 404


def test_open_uploads_per_user_are_limited(api, settings):
    settings.CLIP_UPLOAD_OPEN_LIMIT = 2
    assert _start(api, 10).status_code == 201
    assert _start(api, 10).status_code == 201
    third = _start(api, 10)
    assert third.status_code == 429
    assert "Незавершённых загрузок" in third.json()["detail"]


def test_terminate_removes_the_bytes(api):
    location = _start(api, len(DATA))["Location"]
    _patch(api, location, 0, DATA[:100])
    upload = ClipUpload.objects.get()

    assert api.delete(location, **TUS).status_code == 204

    assert not ClipUpload.objects.exists()
    assert not partial_path(upload).exists()


def test_list_shows_unfinished_uploads_with_their_offset(api):
    location = _start(api, len(DATA), filename="длинный.mov")["Location"]
    _patch(api, location, 0, DATA[:100])

    [item] = api.get("/api/v1/uploads/").json()

    assert item["filename"] == "длинный.mov"
    assert item["offset"] == 100
    assert item["length"] == len(DATA)
    assert item["clip"] is None


def test_cleanup_removes_abandoned_uploads_and_stray_files_only(user, settings):
    fresh = upload_create(owner=user, length=100, filename="a.mp4")
    stale = upload_create(owner=user, length=100, filename="b.mp4")
    done = upload_create(owner=user, length=len(DATA), filename="c.mp4")
    upload_append(upload=done, offset=0, read=_reader(DATA))
    long_ago = timezone.now() - timedelta(seconds=settings.CLIP_UPLOAD_EXPIRE_SECONDS + 60)
    ClipUpload.objects.filter(pk__in=[stale.pk, done.pk]).update(updated_at=long_ago)
    stray = Path(settings.CLIP_UPLOAD_DIR) / "0123456789abcdef0123456789abcdef.part"
    stray.write_bytes(b"x")
    os.utime(stray, (long_ago.timestamp(), long_ago.timestamp()))

    assert clean_abandoned_uploads() == 1

    assert set(ClipUpload.objects.values_list("pk", flat=True)) == {fresh.pk}
    assert partial_path(fresh).exists()
    assert not partial_path(stale).exists()
    assert not stray.exists()
    # The finished upload's clip stays.
    assert Clip.objects.filter(original_filename="c.mp4").exists()


def test_a_patch_without_a_body_appends_nothing_and_keeps_the_offset(api):
    location = _start(api, 10)["Location"]
    empty = api.generic("PATCH", location, content_type="", HTTP_UPLOAD_OFFSET="0", **TUS)
    assert empty.status_code == 204
    assert empty["Upload-Offset"] == "0"
    wrong = api.generic("PATCH", location, content_type="", HTTP_UPLOAD_OFFSET="5", **TUS)
    assert wrong.status_code == 409
    assert _head(api, location)["Upload-Offset"] == "0"
    # A server may fill in text/plain for a request that named no type: nothing to refuse.
    plain = api.generic("PATCH", location, content_type="text/plain", HTTP_UPLOAD_OFFSET="0", **TUS)
    assert plain.status_code == 204
