"""Rutube adapter: its contract data, token header, publish by URL, status check, stats.

The shared cases (``contract.py``) cover the error table, network failures, the fetch-by-URL
hand-off and resume from ``RutubeContract`` below; this module keeps Rutube's own ways.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from responses import matchers

from platforms.providers import (
    Credentials,
    PermanentError,
    PlatformHandle,
    ProviderError,
    PublishState,
    get_provider,
)
from tests.fixtures.platform_urls import fake_url

from .contract import ContractSpec
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
API = fake_url("RUTUBE_API_URL")
CREDS = Credentials(access_token=TOKEN)
VIDEO_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
PUBLIC_URL = "https://app.test/media/signed/clips/1/clip.mp4?sig=abc&exp=1"


class RutubeContract(ContractSpec):
    """Rutube's answers: Django REST errors (``{"detail": ...}``, ``Retry-After`` on 429). It
    fetches the clip from a signed URL, so its create call is the whole send."""

    platform = "rutube"
    credentials = CREDS
    secrets = (TOKEN,)
    first_request = ("POST", f"{API}/video/")
    verify_request = ("GET", f"{API}/video/person/")

    def error_answer(self, status, message, *, retry_after=None):  # type: ignore[no-untyped-def]
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return {"status": status, "json": {"detail": message}, "headers": headers}, None

    def answer_publish(self, api):  # type: ignore[no-untyped-def]
        api.post(f"{API}/video/", status=201, json={"video_id": VIDEO_ID})

    def link_sent(self, request):  # type: ignore[no-untyped-def]
        return json_body(request)["url"]

    def finished_handle(self):  # type: ignore[no-untyped-def]
        return PlatformHandle(id=VIDEO_ID, data={"video_id": VIDEO_ID})

    def answer_finished(self, api):  # type: ignore[no-untyped-def]
        api.get(
            f"{API}/video/{VIDEO_ID}/", json={"video_id": VIDEO_ID, "status": "ready", "hits": 0}
        )


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
    marker, handle = recorder.handles
    assert marker.id == "" and marker.create_sent_at is not None  # stored before the call
    assert handle == result.handle
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


def test_field_errors_name_the_field_and_its_problem(api, rutube):
    # Django REST reports a bad input as {"field": ["message", ...]}.
    api.post(f"{API}/video/", status=400, json={"title": ["Это поле не может быть пустым."]})

    with pytest.raises(PermanentError) as info:
        rutube.publish(
            credentials=CREDS,
            clip=make_clip(public_url=PUBLIC_URL),
            meta=META,
            resume=None,
            **Recorder().kwargs(),
        )

    assert "title: Это поле не может быть пустым." in str(info.value)
    assert_russian(str(info.value))
    assert_no_secret(info.value, TOKEN)


def test_a_refusal_of_the_account_names_rutubes_reason(api, rutube):
    api.post(f"{API}/video/", status=403, json={"detail": "Нет прав на загрузку"})

    with pytest.raises(PermanentError) as info:
        rutube.publish(
            credentials=CREDS,
            clip=make_clip(public_url=PUBLIC_URL),
            meta=META,
            resume=None,
            **Recorder().kwargs(),
        )

    assert "Нет прав на загрузку" in str(info.value)
    assert info.value.body_sent is False  # refused: nothing was created


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
        (dict(body=requests.ReadTimeout("timed out")), True),
        (
            dict(body=requests.ConnectionError("('Connection aborted.', RemoteDisconnected())")),
            True,
        ),
        (dict(body=requests.ConnectTimeout("connect timeout")), False),
        (dict(body=requests.ConnectionError("Connection refused")), False),
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


# --- a create whose answer was lost ---------------------------------------------------------

SENT_AT = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
MARKER = PlatformHandle.create_sent(SENT_AT)


def _listed(video_id, *, minutes_after=1, title=META.title, description=META.description):  # type: ignore[no-untyped-def]
    return {
        "id": video_id,
        "title": title,
        "description": description,
        "created_ts": (SENT_AT + timedelta(minutes=minutes_after)).isoformat(),
    }


def _person(api, *pages):  # type: ignore[no-untyped-def]
    for number, results in enumerate(pages, start=1):
        api.get(
            f"{API}/video/person/",
            match=[matchers.query_param_matcher({"page": str(number)})],
            json={"has_next": number < len(pages), "page": number, "results": results},
        )


def _resume(rutube, recorder):  # type: ignore[no-untyped-def]
    return rutube.publish(
        credentials=CREDS,
        clip=make_clip(public_url=PUBLIC_URL),
        meta=META,
        resume=MARKER,
        **recorder.kwargs(),
    )


def test_a_lost_create_answer_is_found_in_the_accounts_list_and_adopted(api, rutube):
    _person(
        api,
        [
            _listed("newer-other", minutes_after=30, title="Другое видео"),
            _listed(VIDEO_ID, minutes_after=1),
            _listed("older-same-title", minutes_after=-60),  # an earlier publication of ours
        ],
    )
    api.get(f"{API}/video/{VIDEO_ID}/", json={"id": VIDEO_ID, "status": "processing"})
    recorder = Recorder()

    result = _resume(rutube, recorder)

    assert result.handle.id == VIDEO_ID and result.state == PublishState.PROCESSING
    assert recorder.handles == [result.handle]
    assert not [c for c in api.calls if c.request.method == "POST"]  # never created again


def test_the_list_is_read_page_by_page_until_it_is_older_than_the_call(api, rutube):
    recent = [_listed(f"other-{n}", minutes_after=50, title=f"Видео {n}") for n in range(20)]
    _person(api, recent, [_listed(VIDEO_ID, minutes_after=0), _listed("x", minutes_after=-10)])
    api.get(f"{API}/video/{VIDEO_ID}/", json={"id": VIDEO_ID, "status": "ready"})

    result = _resume(rutube, Recorder())

    assert (result.handle.id, result.state) == (VIDEO_ID, PublishState.PUBLISHED)


def test_no_such_video_on_rutube_means_the_create_is_sent_again(api, rutube):
    _person(api, [_listed("older-same-title", minutes_after=-60), _listed("x", minutes_after=-90)])
    api.post(f"{API}/video/", status=201, json={"video_id": VIDEO_ID})
    recorder = Recorder()

    result = _resume(rutube, recorder)

    assert result.handle.id == VIDEO_ID
    marker, handle = recorder.handles
    assert marker.create_sent_at is not None and marker.create_sent_at > SENT_AT  # a new call
    assert handle == result.handle


def test_a_list_that_cannot_be_read_is_retried_later_not_guessed(api, rutube):
    api.get(f"{API}/video/person/", status=502, json={"detail": "Bad gateway"})

    with pytest.raises(ProviderError) as info:
        _resume(rutube, Recorder())

    assert info.value.status == 502
    assert not [c for c in api.calls if c.request.method == "POST"]
