"""Rutube adapter: token header, publish by URL, status check, stats, error table."""

from __future__ import annotations

import pytest
import requests

from platforms.providers import (
    AuthExpired,
    ClipFileMissing,
    Credentials,
    PermanentError,
    PlatformHandle,
    ProviderError,
    PublishState,
    RateLimited,
    TransientError,
    get_provider,
)

from .support import (
    META,
    USER_AGENT,
    Recorder,
    assert_no_secret,
    assert_russian,
    json_body,
    make_clip,
)

TOKEN = "rutube-SECRET-token-0123456789abcdef"
API = "https://rutube.test/api"
CREDS = Credentials(access_token=TOKEN)
VIDEO_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
PUBLIC_URL = "https://app.test/media/signed/clips/1/clip.mp4?sig=abc&exp=1"


@pytest.fixture
def rutube():
    return get_provider("rutube")


def test_verify_uses_the_token_header_on_person_videos(api, rutube):
    api.get(
        f"{API}/video/person/",
        json={
            "has_next": False,
            "results": [{"id": "v", "author": {"id": 77, "name": "Канал Анны"}}],
        },
    )

    info = rutube.verify(credentials=CREDS)

    request = api.calls[0].request
    assert request.headers["Authorization"] == f"Token {TOKEN}"
    assert request.headers["User-Agent"] == USER_AGENT
    assert TOKEN not in request.url
    assert (info.account_id, info.account_name) == ("77", "Канал Анны")


def test_verify_with_a_bad_token(api, rutube):
    api.get(f"{API}/video/person/", status=401, json={"detail": "Invalid token."})

    with pytest.raises(AuthExpired) as info:
        rutube.verify(credentials=CREDS)

    assert "Rutube" in str(info.value)
    assert info.value.platform_message == "Invalid token."
    assert_no_secret(info.value, TOKEN)


def test_publish_posts_the_signed_url_and_hands_over_the_video_id(api, rutube):
    api.post(f"{API}/video/", status=201, json={"video_id": VIDEO_ID})
    recorder = Recorder()
    clip = make_clip(public_url=PUBLIC_URL)

    result = rutube.publish(
        credentials=CREDS, clip=clip, meta=META, resume=None, **recorder.kwargs()
    )

    request = api.calls[0].request
    assert request.url == f"{API}/video/"
    assert request.headers["Authorization"] == f"Token {TOKEN}"
    assert json_body(request) == {
        "url": PUBLIC_URL,
        "title": META.title,
        "description": META.description,
        "is_hidden": False,
    }
    assert TOKEN not in request.body.decode()
    assert result.state == PublishState.PROCESSING
    assert result.url == f"https://rutube.ru/video/{VIDEO_ID}/"
    assert recorder.handles == [result.handle]
    assert result.handle.to_json() == {"id": VIDEO_ID, "data": {"video_id": VIDEO_ID}}


def test_publish_sends_a_configured_category(api, rutube):
    api.post(f"{API}/video/", json={"video_id": VIDEO_ID})
    creds = Credentials(access_token=TOKEN, extra={"category_id": "13"})

    rutube.publish(
        credentials=creds,
        clip=make_clip(public_url=PUBLIC_URL),
        meta=META,
        resume=None,
        **Recorder().kwargs(),
    )

    assert json_body(api.calls[0].request)["category_id"] == 13


def test_publish_of_a_missing_file_asks_nothing_of_rutube(api, rutube):
    with pytest.raises(ClipFileMissing):
        rutube.publish(
            credentials=CREDS,
            clip=make_clip(public_url=PUBLIC_URL, missing=True),
            meta=META,
            resume=None,
            **Recorder().kwargs(),
        )
    assert len(api.calls) == 0


def test_resume_checks_the_video_instead_of_posting_again(api, rutube):
    api.get(f"{API}/video/{VIDEO_ID}/", json={"video_id": VIDEO_ID, "status": "ready", "hits": 0})

    result = rutube.publish(
        credentials=CREDS,
        clip=make_clip(public_url=PUBLIC_URL),
        meta=META,
        resume=PlatformHandle(id=VIDEO_ID, data={"video_id": VIDEO_ID}),
        **Recorder().kwargs(),
    )

    assert [c.request.method for c in api.calls] == ["GET"]
    assert result.state == PublishState.PUBLISHED


@pytest.mark.parametrize(
    ("status", "state"),
    [("processing", PublishState.PROCESSING), ("ready", PublishState.PUBLISHED)],
)
def test_check_reads_the_status(api, rutube, status, state):
    api.get(f"{API}/video/{VIDEO_ID}/", json={"status": status})

    assert (
        rutube.check(credentials=CREDS, handle=PlatformHandle(id=VIDEO_ID, data={})).state == state
    )


def test_check_of_a_rejected_video_is_permanent(api, rutube):
    api.get(f"{API}/video/{VIDEO_ID}/", json={"status": "rejected"})

    with pytest.raises(PermanentError) as info:
        rutube.check(credentials=CREDS, handle=PlatformHandle(id=VIDEO_ID, data={}))

    assert info.value.code == "rejected"
    assert "модерации" in str(info.value)


def test_a_rejection_names_the_platforms_reason_when_it_gives_one(api, rutube):
    api.get(
        f"{API}/video/{VIDEO_ID}/",
        json={"status": "rejected", "rejection_reason": "Нарушение правил сообщества."},
    )

    with pytest.raises(PermanentError) as info:
        rutube.check(credentials=CREDS, handle=PlatformHandle(id=VIDEO_ID, data={}))

    assert str(info.value).startswith(
        "Rutube отклонил видео на модерации: Нарушение правил сообщества. Проверьте клип"
    )


@pytest.mark.parametrize(
    ("answer", "error_class", "words"),
    [
        (
            dict(status=401, json={"detail": "Учетные данные не были предоставлены."}),
            AuthExpired,
            "токен",
        ),
        (
            dict(status=429, json={"detail": "Throttled"}, headers={"Retry-After": "42"}),
            RateLimited,
            "автоматически",
        ),
        (dict(status=429, json={"detail": "Throttled"}), RateLimited, "автоматически"),
        (dict(status=500, body="Server Error"), TransientError, "500"),
        (dict(status=503, json={"detail": "maintenance"}), TransientError, "503"),
        (
            dict(status=400, json={"detail": "Видео по ссылке недоступно"}),
            PermanentError,
            "Видео по ссылке недоступно",
        ),
        (
            dict(status=400, json={"title": ["Это поле не может быть пустым."]}),
            PermanentError,
            "title: Это поле не может быть пустым.",
        ),
        (dict(status=403, json={"detail": "Нет прав"}), PermanentError, "Нет прав"),
        (dict(body=requests.ReadTimeout("timed out")), TransientError, "вовремя"),
        (
            dict(body=requests.ConnectionError("Connection reset by peer")),
            TransientError,
            "прервалось",
        ),
    ],
)
def test_publish_errors(api, rutube, answer, error_class, words):
    api.add("POST", f"{API}/video/", **answer)

    with pytest.raises(error_class) as info:
        rutube.publish(
            credentials=CREDS,
            clip=make_clip(public_url=PUBLIC_URL),
            meta=META,
            resume=None,
            **Recorder().kwargs(),
        )

    err = info.value
    assert type(err) is error_class
    assert words.lower() in str(err).lower()
    assert err.platform == "rutube"
    if error_class is RateLimited:
        assert err.retry_after == (42.0 if "headers" in answer else 60.0)
    assert_russian(str(err))
    assert_no_secret(err, TOKEN)


@pytest.mark.parametrize(
    ("answer", "may_exist"),
    [
        (dict(status=502, body="Bad Gateway"), True),
        (dict(status=504, body="Gateway Time-out"), True),
        (dict(status=500, json={"detail": "error"}), True),
        (dict(status=200, body="<html>maintenance</html>"), True),
        (dict(status=400, json={"url": ["Недоступен"]}), False),
        (dict(status=401, json={"detail": "bad token"}), False),
        (dict(status=429, json={"detail": "Throttled"}), False),
    ],
)
def test_a_create_answered_by_a_gateway_error_may_have_created_the_video(
    api, rutube, answer, may_exist
):
    # Rutube gives no id before this call: after a 5xx or an unreadable answer the video may
    # exist, so the engine must not send the create again (body_sent marks exactly that).
    api.add("POST", f"{API}/video/", **answer)

    with pytest.raises(ProviderError) as info:
        rutube.publish(
            credentials=CREDS,
            clip=make_clip(public_url=PUBLIC_URL),
            meta=META,
            resume=None,
            **Recorder().kwargs(),
        )

    assert info.value.body_sent is may_exist


def test_stats_read_hits_likes_and_comments_and_skip_deleted(api, rutube):
    api.get(f"{API}/video/a/", json={"hits": 120, "likes_count": 7, "comments_count": 3})
    api.get(f"{API}/video/b/", status=404, json={"detail": "Not found."})
    api.get(f"{API}/video/c/", json={"hits": 5})
    handles = [PlatformHandle(id=i, data={}) for i in ("a", "b", "c")]

    stats = rutube.fetch_stats(credentials=CREDS, handles=handles)

    assert set(stats) == {"a", "c"}
    assert (stats["a"].views, stats["a"].likes, stats["a"].comments, stats["a"].shares) == (
        120,
        7,
        3,
        0,
    )
    assert stats["c"].likes == 0
