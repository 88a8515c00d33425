"""The probe task: a stored clip becomes ready with what the demuxer read, or is rejected with
a Russian reason; damaged, alien and hostile files never become ready."""

from __future__ import annotations

import io
import struct

import pytest
from django.core.files.base import ContentFile

from clipmaker.clips.demo import make_tiny_video
from clipmaker.clips.fit import clip_media_problems
from clipmaker.clips.models import Clip, ClipStatus
from clipmaker.clips.probing import GAVE_UP, MAX_PROBE_ATTEMPTS, clip_probe
from clipmaker.clips.services import clip_create
from clipmaker.clips.tasks import probe_clip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def tiny() -> bytes:
    return make_tiny_video(seconds=2, audio=True)


def _uploaded(content: bytes, name: str = "clip.mp4") -> Clip:
    return clip_create(owner=UserFactory(), file=io.BytesIO(content), filename=name, title="x")


def _probed(content: bytes) -> Clip:
    clip = _uploaded(content)
    probe_clip(clip.pk)  # the task body, as the worker runs it
    clip.refresh_from_db()
    return clip


def test_a_whole_video_becomes_ready_with_duration_frame_and_codecs(tiny):
    clip = _probed(tiny)
    assert clip.status == ClipStatus.READY
    assert clip.duration_seconds == pytest.approx(2.0, abs=0.1)
    assert (clip.width, clip.height) == (72, 128)
    assert (clip.video_codec, clip.audio_codec) == ("h264", "aac")
    assert clip.probed_at is not None
    assert clip.status_message == ""


def _moov_claiming_2_63(tiny: bytes) -> bytes:
    return tiny[:32] + struct.pack(">I4sQ", 1, b"moov", 2**63 - 1) + b"\0" * 64


def _html_behind_a_free_box(tiny: bytes) -> bytes:
    html = b"<!doctype html><html><body>not a video</body></html>"
    return tiny[:32] + struct.pack(">I4s", 8 + len(html), b"free") + html


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda t: t[: len(t) // 2], "повреждён или не дописан"),
        (lambda t: t[:-200], "повреждён или не дописан"),
        (lambda t: t[:-1], "повреждён или не дописан"),
        (_moov_claiming_2_63, "повреждён"),
        (_html_behind_a_free_box, "повреждён"),
        (lambda t: b"<html><body>hello</body></html>" * 40, "не похож на видео"),
        (lambda t: b"#EXTM3U\n#EXTINF:1,\nhttp://127.0.0.1:9/a.ts\n", "не похож на видео"),
    ],
    ids=["half", "minus-200-bytes", "minus-1-byte", "moov-2^63", "html-in-free", "html", "m3u"],
)
def test_damaged_and_non_video_files_are_rejected_with_a_russian_reason(tiny, make, message):
    clip = _probed(make(tiny))
    assert clip.status == ClipStatus.REJECTED
    assert message in clip.status_message
    assert clip.duration_seconds is None


def test_a_file_of_many_tiny_boxes_is_rejected_in_the_task_not_the_request(tiny):
    boxes = struct.pack(">I4s", 8, b"free") * 200_000
    clip = _uploaded(tiny[:32] + boxes)
    assert clip.status == ClipStatus.PROCESSING  # the request did not parse the boxes
    probe_clip(clip.pk)
    clip.refresh_from_db()
    assert clip.status == ClipStatus.REJECTED


def test_a_codec_no_platform_plays_is_rejected():
    clip = _probed(make_tiny_video(codec="mjpeg"))
    assert clip.status == ClipStatus.REJECTED
    assert "MJPEG" in clip.status_message
    assert "H.264" in clip.status_message


def test_a_missing_file_is_rejected_not_retried_forever(tiny):
    clip = _uploaded(tiny)
    clip.file.storage.delete(clip.file.name)
    probe_clip(clip.pk)
    clip.refresh_from_db()
    assert clip.status == ClipStatus.REJECTED
    assert "не найден" in clip.status_message


def test_a_clip_whose_probes_keep_dying_is_rejected_after_the_last_attempt(tiny):
    clip = _uploaded(tiny)
    # Every earlier delivery claimed the clip and its worker died before writing a result.
    Clip.objects.filter(pk=clip.pk).update(probe_attempts=MAX_PROBE_ATTEMPTS)
    clip_probe(clip_id=clip.pk)
    clip.refresh_from_db()
    assert clip.status == ClipStatus.REJECTED
    assert clip.status_message == GAVE_UP


def test_a_second_delivery_leaves_a_probed_clip_alone(tiny):
    clip = _probed(tiny)
    probed_at = clip.probed_at
    probe_clip(clip.pk)
    clip.refresh_from_db()
    assert clip.status == ClipStatus.READY
    assert clip.probed_at == probed_at
    assert clip.probe_attempts == 1


def test_vk_refuses_a_horizontal_clip_and_one_longer_than_three_minutes():
    clip = _probed(make_tiny_video(width=128, height=72))
    problems = clip_media_problems(clip=clip, platforms=["vk", "rutube", "telegram", "dzen"])
    assert list(problems) == ["vk"]
    assert "вертикальные" in problems["vk"][0]

    Clip.objects.filter(pk=clip.pk).update(width=1080, height=1920, duration_seconds=200)
    clip.refresh_from_db()
    problems = clip_media_problems(clip=clip, platforms=["vk", "rutube"])
    assert list(problems) == ["vk"]
    assert "3 мин" in problems["vk"][0]


def test_a_clip_is_not_judged_before_it_was_probed(tiny):
    clip = _uploaded(tiny)
    assert clip_media_problems(clip=clip, platforms=["vk"]) == {}


def test_the_stale_probe_sweep_sends_lost_probes_again(tiny, settings, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from clipmaker.celery import app
    from clipmaker.clips.probing import clips_probe_resend_stale

    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, args, queue, **_: sent.append(args))
    fresh = _uploaded(tiny)
    lost = _uploaded(tiny)
    old = timezone.now() - timedelta(seconds=settings.CLIP_PROBE_RESEND_SECONDS + 5)
    Clip.objects.filter(pk=lost.pk).update(probe_sent_at=old)

    assert clips_probe_resend_stale() == 1
    assert sent == [[lost.pk]]
    assert fresh.pk not in [args[0] for args in sent]


def test_storage_without_local_paths_is_probed_through_the_file_object(tiny, monkeypatch):
    clip = _uploaded(tiny)

    from django.db.models.fields.files import FieldFile

    def no_path(self):  # what S3-compatible storages do
        raise NotImplementedError

    monkeypatch.setattr(FieldFile, "path", property(no_path))
    probe_clip(clip.pk)
    clip.refresh_from_db()
    assert clip.status == ClipStatus.READY


def test_factory_clips_are_created_ready_without_a_probe():
    from tests.factories import ClipFactory

    clip = ClipFactory(file=ContentFile(b"x", name="f.mp4"))
    assert clip.status == ClipStatus.READY


def test_an_upload_while_the_broker_is_down_is_kept_and_probed_later(
    tiny, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from clipmaker.celery import app

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(app, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        clip = _uploaded(tiny)

    clip.refresh_from_db()
    assert clip.status == ClipStatus.PROCESSING  # kept; the stale-probe sweep sends it again
    assert any(r.getMessage() == "clip_probe_enqueue_failed" for r in caplog.records)
