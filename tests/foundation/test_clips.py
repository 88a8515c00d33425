"""Clip storage through Django's storage API, import_clip, and signed clip URLs."""

from __future__ import annotations

import io
import time
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from clipmaker.clips.demo import make_demo_video, make_tiny_video
from clipmaker.clips.models import Clip, ClipStatus
from clipmaker.clips.services import ClipError, clip_create, clip_import_path
from clipmaker.clips.signing import clip_id_from_signed, clip_signed_url
from tests.factories import TINY_MP4, ClipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_video(tmp_path_factory) -> Path:
    return make_demo_video(tmp_path_factory.mktemp("video") / "demo.mp4", seconds=2)


def test_import_clip_stores_file_and_reads_duration_and_size(demo_video):
    UserFactory(username="alice")
    out = StringIO()
    call_command("import_clip", str(demo_video), "--user", "alice", "--title", "Демо", stdout=out)
    clip = Clip.objects.get()
    assert clip.title == "Демо"
    assert clip.status == ClipStatus.READY
    assert clip.size_bytes == demo_video.stat().st_size
    assert clip.duration_seconds == pytest.approx(2.0, abs=0.1)
    assert (clip.width, clip.height) == (720, 1280)
    assert default_storage.exists(clip.file.name)
    assert f"Imported clip #{clip.pk}" in out.getvalue()


def test_import_clip_refuses_unknown_user(demo_video):
    with pytest.raises(CommandError, match="No user named"):
        call_command("import_clip", str(demo_video), "--user", "nobody")


def test_padded_large_demo_video_is_still_a_valid_clip(tmp_path):
    path = make_demo_video(tmp_path / "big.mp4", seconds=1, pad_to_bytes=3 * 1024 * 1024)
    assert path.stat().st_size == 3 * 1024 * 1024
    clip = clip_import_path(owner=UserFactory(), path=path, title="Big")
    assert clip.status == ClipStatus.READY
    assert clip.size_bytes == 3 * 1024 * 1024
    assert clip.duration_seconds == pytest.approx(1.0, abs=0.1)


def test_an_upload_is_processing_until_probed_and_the_request_reads_no_video(monkeypatch):
    import clipmaker.clips.media as media

    def never(*args, **kwargs):  # the request must not run the demuxer
        raise AssertionError("probe ran inside the request")

    monkeypatch.setattr(media, "probe", never)
    clip = clip_create(
        owner=UserFactory(), file=io.BytesIO(make_tiny_video()), filename="a.mp4", title="x"
    )
    clip.refresh_from_db()
    assert clip.status == ClipStatus.PROCESSING
    assert clip.duration_seconds is None


def test_the_probe_is_sent_to_the_default_queue_once_the_row_is_committed(
    django_capture_on_commit_callbacks, monkeypatch
):
    from clipmaker.celery import app

    sent = []
    monkeypatch.setattr(
        app, "send_task", lambda name, args, queue, **_: sent.append((name, args, queue))
    )
    with django_capture_on_commit_callbacks(execute=True):
        clip = clip_create(
            owner=UserFactory(), file=io.BytesIO(make_tiny_video()), filename="a.mp4", title="x"
        )
        assert sent == []
    assert sent == [("clips.tasks.probe_clip", [clip.pk], "default")]


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("clip.avi", TINY_MP4, "MP4 и MOV"),
        ("clip.mp4", b"", "пустой"),
    ],
)
def test_what_needs_no_reading_is_refused_at_upload(filename, content, message):
    with pytest.raises(ClipError, match=message):
        clip_create(owner=UserFactory(), file=io.BytesIO(content), filename=filename, title="x")
    assert not Clip.objects.exists()


def test_a_long_cyrillic_file_name_is_stored_under_a_generated_name():
    """130 Cyrillic characters are 260 bytes: more than a file name may be on disk."""
    name = ("Путешествие" * 12)[:130] + ".mp4"
    assert len(name[:-4].encode()) > 255
    clip = clip_create(
        owner=UserFactory(), file=io.BytesIO(make_tiny_video()), filename=name, title=""
    )
    assert clip.original_filename == name
    assert clip.title == name[:-4].strip()
    stored = Path(clip.file.name)
    assert stored.suffix == ".mp4"
    assert len(stored.name.encode()) < 64
    assert default_storage.exists(clip.file.name)


@pytest.mark.parametrize(
    "filename",
    ["../../../etc/passwd.mp4", "..\\..\\boot.mp4", "/abs/path/clip.mp4", "a/../../b.mp4"],
)
def test_path_names_never_leave_the_clips_folder(filename):
    owner = UserFactory()
    clip = clip_create(owner=owner, file=io.BytesIO(make_tiny_video()), filename=filename, title="")
    assert clip.file.name.startswith(f"clips/{owner.pk}/")
    assert ".." not in clip.file.name
    assert "/" not in clip.original_filename
    assert "\\" not in clip.original_filename


def test_signed_url_serves_the_file_without_login(client):
    clip = ClipFactory()
    url = clip_signed_url(clip_id=clip.pk)
    response = client.get(url.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == TINY_MP4


def test_tampered_signed_url_is_refused(client):
    clip = ClipFactory()
    token = clip_signed_url(clip_id=clip.pk).rstrip("/").rsplit("/", 1)[1]
    forged = token[:-2] + ("aa" if token[-2:] != "aa" else "bb")
    assert clip_id_from_signed(forged) is None
    assert client.get(f"/public/clips/{forged}/").status_code == 403


def test_expired_signed_url_is_refused(client, monkeypatch):
    clip = ClipFactory()
    token = clip_signed_url(clip_id=clip.pk, ttl_seconds=60).rstrip("/").rsplit("/", 1)[1]
    assert clip_id_from_signed(token) == clip.pk
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 61)
    assert clip_id_from_signed(token) is None
    assert client.get(f"/public/clips/{token}/").status_code == 403


def test_owner_preview_is_owner_only(client):
    clip = ClipFactory()
    client.force_login(UserFactory())
    assert client.get(f"/media/clips/{clip.pk}/").status_code == 404
    client.force_login(clip.owner)
    assert client.get(f"/media/clips/{clip.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("header", "status", "content_range", "first", "last"),
    [
        ("bytes=0-9", 206, "bytes 0-9/{size}", 0, 9),
        ("bytes=10-", 206, "bytes 10-{end}/{size}", 10, None),
        ("bytes=-8", 206, "bytes {tail}-{end}/{size}", -8, None),
        ("bytes=5-100000", 206, "bytes 5-{end}/{size}", 5, None),
        ("bytes=0-1,4-5", 200, None, 0, None),  # several ranges: the whole file is fine too
        ("bytes=100000-", 416, "bytes */{size}", None, None),
    ],
)
def test_previews_and_signed_links_answer_byte_ranges(
    client, header, status, content_range, first, last
):
    clip = ClipFactory()
    data = clip.file.open("rb").read()
    size = len(data)
    client.force_login(clip.owner)

    signed = urlsplit(clip_signed_url(clip_id=clip.pk)).path
    for url in (f"/media/clips/{clip.pk}/", signed):
        response = client.get(url, HTTP_RANGE=header)

        assert response.status_code == status
        assert response["Accept-Ranges"] == "bytes"
        if content_range:
            expected = content_range.format(size=size, end=size - 1, tail=size - 8)
            assert response["Content-Range"] == expected
        if first is not None:
            body = b"".join(response.streaming_content)
            assert body == data[first : (last + 1 if last is not None else None)]
            assert int(response["Content-Length"]) == len(body)
