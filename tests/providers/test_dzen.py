"""Дзен adapter: its contract data, create → PUT → publish, its resume steps, check, stats,
Yandex OAuth.

The shared cases (``contract.py``) cover the error table, network failures, streaming,
progress, handles and resume from ``DzenContract`` below; this module keeps Дзен's own ways.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from responses import matchers

from platforms.providers import (
    Credentials,
    OAuthError,
    PermanentError,
    PlatformHandle,
    PublishState,
    TransientError,
    UploadIncomplete,
    get_provider,
)
from tests.fixtures.platform_urls import fake_url

from .contract import ContractSpec
from .support import (
    META,
    Recorder,
    assert_no_secret,
    assert_russian,
    body_bytes,
    clip_bytes,
    form,
    json_body,
    make_clip,
    query,
)

TOKEN = "y0_AgAAAA-SECRET-dzen-token-0123456789"
API = fake_url("DZEN_API_URL") + "/v1"
OAUTH = fake_url("YANDEX_OAUTH_URL")
UPLOAD_URL = f"{API}/uploads/vid-1?sig=xyz"
CREDS = Credentials(access_token=TOKEN, refresh_token="ya-refresh-SECRET")
VIDEO_URL = "https://dzen.ru/video/watch/vid-1"


def dzen_error(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    413: "payload_too_large",
    429: "too_many_requests",
}


class DzenContract(ContractSpec):
    """Дзен's answers (the assumed contract): ``{"error": {"code", "message"}}`` with the HTTP
    status, ``Retry-After`` on 429; the video is created before its file is PUT."""

    platform = "dzen"
    credentials = CREDS
    secrets = (TOKEN, "ya-refresh-SECRET", "sig=xyz")
    first_request = ("POST", f"{API}/videos")
    verify_request = ("GET", f"{API}/me")
    upload_request = ("PUT", UPLOAD_URL)
    handle_before_upload = True

    def error_answer(self, status, message, *, retry_after=None):  # type: ignore[no-untyped-def]
        code = ERROR_CODES.get(status, "internal")
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return {"status": status, "json": dzen_error(code, message), "headers": headers}, code

    def prepare_upload(self, api):  # type: ignore[no-untyped-def]
        api.post(f"{API}/videos", status=201, json={"id": "vid-1", "upload_url": UPLOAD_URL})

    def upload_answer(self):  # type: ignore[no-untyped-def]
        return {"json": {"id": "vid-1", "size": 3000}}

    def answer_after_upload(self, api):  # type: ignore[no-untyped-def]
        api.post(
            f"{API}/videos/vid-1/publish",
            json={"id": "vid-1", "status": "processing", "url": VIDEO_URL},
        )

    def uploaded_file(self, request):  # type: ignore[no-untyped-def]
        return body_bytes(request)

    def route_to(self, server, settings):  # type: ignore[no-untyped-def]
        settings.DZEN_API_URL = f"{server.base}/api"
        server.answers["/api/v1/videos"] = {"id": "vid-1", "upload_url": f"{server.base}/upload"}

    def finished_handle(self):  # type: ignore[no-untyped-def]
        return handle(uploaded=True)

    def answer_finished(self, api):  # type: ignore[no-untyped-def]
        api.get(
            f"{API}/videos/vid-1", json={"id": "vid-1", "status": "published", "url": VIDEO_URL}
        )

    def unfinished_handle(self):  # type: ignore[no-untyped-def]
        return handle()

    def answer_unfinished(self, api):  # type: ignore[no-untyped-def]
        api.get(f"{API}/videos/vid-1", json={"id": "vid-1", "status": "created"})


@pytest.fixture
def dzen():
    return get_provider("dzen")


def handle(uploaded: bool = False, upload_url: str = UPLOAD_URL) -> PlatformHandle:
    return PlatformHandle(
        id="vid-1", data={"id": "vid-1", "upload_url": upload_url, "uploaded": uploaded}
    )


def test_publish_creates_then_streams_raw_put_then_publishes(api, dzen):
    recorder = Recorder()

    def put(request):
        recorder.events.append("upload")
        return (200, {}, json.dumps({"id": "vid-1", "size": 5000}))

    api.post(f"{API}/videos", status=201, json={"id": "vid-1", "upload_url": UPLOAD_URL})
    api.add_callback(responses.PUT, UPLOAD_URL, callback=put)
    api.post(
        f"{API}/videos/vid-1/publish",
        json={"id": "vid-1", "status": "processing", "url": VIDEO_URL},
    )

    result = dzen.publish(
        credentials=CREDS, clip=make_clip(5000), meta=META, resume=None, **recorder.kwargs()
    )

    create, upload, publish = (c.request for c in api.calls)
    assert json_body(create) == {"title": META.title, "description": META.description}
    assert create.headers["Authorization"] == f"OAuth {TOKEN}"
    assert upload.method == "PUT"
    assert upload.headers["Content-Type"] == "video/mp4"
    assert upload.headers["Content-Length"] == "5000"
    assert body_bytes(upload) == clip_bytes(5000)
    assert upload.headers["Authorization"] == f"OAuth {TOKEN}"  # same host as the API
    assert publish.method == "POST"
    assert recorder.events == ["handle", "handle", "upload", "handle"]
    assert recorder.handles[0].create_sent_at is not None  # the marker, before the create call
    assert recorder.handles[1] == handle()
    assert recorder.handles[2].data["uploaded"] is True
    assert recorder.progress[-1] == 5000
    assert result.state == PublishState.PROCESSING
    assert result.url == VIDEO_URL
    for call in api.calls:
        assert TOKEN not in call.request.url


def test_upload_to_another_host_gets_no_token(api, dzen):
    other = "https://upload.dzen-cdn.test/put/vid-1?sig=1"
    api.post(f"{API}/videos", json={"id": "vid-1", "upload_url": other})
    api.put(other, json={"id": "vid-1", "size": 3000})
    api.post(
        f"{API}/videos/vid-1/publish", json={"id": "vid-1", "status": "published", "url": VIDEO_URL}
    )

    result = dzen.publish(
        credentials=CREDS, clip=make_clip(), meta=META, resume=None, **Recorder().kwargs()
    )

    assert "Authorization" not in api.calls[1].request.headers
    assert result.state == PublishState.PUBLISHED


def test_resume_of_an_uploaded_video_only_publishes(api, dzen):
    api.get(f"{API}/videos/vid-1", json={"id": "vid-1", "status": "uploaded"})
    api.post(
        f"{API}/videos/vid-1/publish", json={"id": "vid-1", "status": "published", "url": VIDEO_URL}
    )

    result = dzen.publish(
        credentials=CREDS,
        clip=make_clip(missing=True),
        meta=META,
        resume=handle(),
        **Recorder().kwargs(),
    )

    assert result.state == PublishState.PUBLISHED
    assert result.handle.data["url"] == VIDEO_URL


@pytest.mark.parametrize(
    ("status", "state"),
    [("processing", PublishState.PROCESSING), ("published", PublishState.PUBLISHED)],
)
def test_check_reads_the_status(api, dzen, status, state):
    api.get(f"{API}/videos/vid-1", json={"id": "vid-1", "status": status, "url": VIDEO_URL})

    assert dzen.check(credentials=CREDS, handle=handle(uploaded=True)).state == state


@pytest.mark.parametrize("status", ["created", "uploaded"])
def test_check_of_an_unfinished_upload_is_distinguishable(api, dzen, status):
    api.get(f"{API}/videos/vid-1", json={"id": "vid-1", "status": status})

    with pytest.raises(UploadIncomplete):
        dzen.check(credentials=CREDS, handle=handle())


def test_check_of_a_rejected_video_is_permanent(api, dzen):
    api.get(f"{API}/videos/vid-1", json={"id": "vid-1", "status": "rejected"})

    with pytest.raises(PermanentError) as info:
        dzen.check(credentials=CREDS, handle=handle(uploaded=True))

    assert_russian(str(info.value))


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (dict(status=400, json=dzen_error("bad_title", "Title is too long")), "Title is too long"),
        (dict(status=400, json=dzen_error("file_too_large", "too big")), "4 ГБ"),
    ],
)
def test_create_refusals_name_their_reason(api, dzen, answer, words):
    # Beyond the shared table: a file-size code means the file, whatever the status.
    api.add("POST", f"{API}/videos", **answer)

    with pytest.raises(PermanentError) as info:
        dzen.publish(
            credentials=CREDS, clip=make_clip(), meta=META, resume=None, **Recorder().kwargs()
        )

    err = info.value
    assert type(err) is PermanentError
    assert words in str(err)
    assert err.code == answer["json"]["error"]["code"]
    assert_no_secret(err, TOKEN)


def test_verify_reads_the_channel(api, dzen):
    api.get(f"{API}/me", json={"id": "ch-9", "name": "Канал Дзен"})

    info = dzen.verify(credentials=CREDS)

    assert (info.account_id, info.account_name) == ("ch-9", "Канал Дзен")
    assert api.calls[0].request.headers["Authorization"] == f"OAuth {TOKEN}"


def test_stats_batch_100_ids_per_call(api, dzen):
    ids = [f"v{i}" for i in range(250)]

    def stats(request):
        asked = query(request)["ids"].split(",")
        items = [
            {"id": i, "views": 9, "likes": 4, "comments": 2, "shares": 1}
            for i in asked
            if i != "v3"
        ]
        return (200, {}, json.dumps({"items": items}))

    api.add_callback(responses.GET, f"{API}/videos/stats", callback=stats)

    result = dzen.fetch_stats(
        credentials=CREDS, handles=[PlatformHandle(id=i, data={}) for i in ids]
    )

    assert [len(query(c.request)["ids"].split(",")) for c in api.calls] == [100, 100, 50]
    assert len(result) == 249 and "v3" not in result
    assert (result["v0"].views, result["v0"].likes, result["v0"].comments, result["v0"].shares) == (
        9,
        4,
        2,
        1,
    )


# --- Yandex OAuth --------------------------------------------------------------------------


def test_authorization_url(dzen):
    url = dzen.authorization_url(
        state="s1", code_challenge="ch", redirect_uri="https://app.test/api/oauth/dzen/callback"
    )

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{OAUTH}/authorize"
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "response_type": "code",
        "client_id": "ya-client-id",
        "redirect_uri": "https://app.test/api/oauth/dzen/callback",
        "state": "s1",
        "code_challenge": "ch",
        "code_challenge_method": "S256",
        "scope": "zen:write",
    }


def test_exchange_code_with_client_secret_and_verifier(api, dzen):
    api.post(
        f"{OAUTH}/token",
        json={
            "access_token": TOKEN,
            "refresh_token": "ya-refresh-SECRET",
            "expires_in": 31536000,
            "token_type": "bearer",
        },
    )
    api.get(f"{API}/me", json={"id": "ch-9", "name": "Канал"})

    tokens = dzen.exchange_code(
        code="c0de", code_verifier="v" * 64, redirect_uri="https://app.test/cb"
    )

    assert form(api.calls[0].request) == {
        "grant_type": "authorization_code",
        "code": "c0de",
        "client_id": "ya-client-id",
        "client_secret": "ya-client-secret-value",
        "code_verifier": "v" * 64,
    }
    assert (tokens.access_token, tokens.refresh_token) == (TOKEN, "ya-refresh-SECRET")
    assert (tokens.account_id, tokens.account_name) == ("ch-9", "Канал")
    assert tokens.expires_at is not None


def test_exchange_keeps_the_tokens_when_the_account_lookup_fails(api, dzen):
    api.post(
        f"{OAUTH}/token",
        json={"access_token": TOKEN, "refresh_token": "r", "expires_in": 60},
    )
    api.get(f"{API}/me", status=503, json=dzen_error("unavailable", "later"))

    tokens = dzen.exchange_code(
        code="c", code_verifier="v" * 43, redirect_uri="https://app.test/cb"
    )

    assert tokens.access_token == TOKEN and tokens.account_name == ""


def test_refresh_keeps_the_old_refresh_token_when_none_is_returned(api, dzen):
    api.post(f"{OAUTH}/token", json={"access_token": "new", "expires_in": 3600})

    tokens = dzen.refresh(tokens=CREDS)

    assert form(api.calls[0].request) == {
        "grant_type": "refresh_token",
        "refresh_token": "ya-refresh-SECRET",
        "client_id": "ya-client-id",
        "client_secret": "ya-client-secret-value",
    }
    assert (tokens.access_token, tokens.refresh_token) == ("new", "ya-refresh-SECRET")


def test_refresh_refused(api, dzen):
    api.post(
        f"{OAUTH}/token",
        status=400,
        json={"error": "invalid_grant", "error_description": "Token expired"},
    )

    with pytest.raises(OAuthError) as info:
        dzen.refresh(tokens=CREDS)

    assert info.value.error == "invalid_grant"
    assert "Подключите Дзен заново" in str(info.value)
    assert_no_secret(info.value, TOKEN, "ya-refresh-SECRET", "ya-client-secret-value")


def test_oauth_server_errors_are_transient(api, dzen):
    api.post(f"{OAUTH}/token", status=500, body="oops")

    with pytest.raises(TransientError):
        dzen.refresh(tokens=CREDS)


# --- a create whose answer was lost ---------------------------------------------------------

SENT_AT = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
NEW_ID = "vid-1"
UPLOAD_BASE = f"{API}/uploads/left"


def _empty(video_id, *, minutes_after=1, title=META.title):  # type: ignore[no-untyped-def]
    return {
        "id": video_id,
        "title": title,
        "description": META.description,
        "status": "created",
        "created_at": (SENT_AT + timedelta(minutes=minutes_after)).isoformat(),
        "upload_url": f"{UPLOAD_BASE}?left={video_id}",
    }


def _resume(dzen, recorder):  # type: ignore[no-untyped-def]
    return dzen.publish(
        credentials=CREDS,
        clip=make_clip(5000),
        meta=META,
        resume=PlatformHandle.create_sent(SENT_AT),
        **recorder.kwargs(),
    )


def test_the_empty_video_a_lost_create_left_is_reused_not_left_behind(api, dzen):
    api.get(
        f"{API}/videos",
        match=[matchers.query_param_matcher({"status": "created"})],
        json={
            "items": [
                _empty("other", minutes_after=5, title="Другое"),
                _empty(NEW_ID, minutes_after=0),
                _empty("old", minutes_after=-30),  # created long before our call: not ours
            ]
        },
    )
    api.get(f"{API}/videos/{NEW_ID}", json={"id": NEW_ID, "status": "created"})
    api.put(f"{UPLOAD_BASE}?left={NEW_ID}", json={"id": NEW_ID, "size": 5000})
    api.post(
        f"{API}/videos/{NEW_ID}/publish",
        json={"id": NEW_ID, "status": "processing", "url": VIDEO_URL},
    )
    recorder = Recorder()

    result = _resume(dzen, recorder)

    assert result.handle.id == NEW_ID
    assert recorder.handles[0].id == NEW_ID and recorder.handles[-1].data["uploaded"]
    assert [c.request.method for c in api.calls] == ["GET", "GET", "PUT", "POST"]  # no create


@pytest.mark.parametrize("status", [404, 405])
def test_a_server_without_the_list_gets_a_new_video(api, dzen, status):
    api.get(f"{API}/videos", status=status, json={"error": {"code": "x", "message": "no"}})
    api.post(f"{API}/videos", json={"id": NEW_ID, "upload_url": UPLOAD_URL})
    api.put(UPLOAD_URL, json={"id": NEW_ID, "size": 5000})
    api.post(f"{API}/videos/{NEW_ID}/publish", json={"id": NEW_ID, "status": "published"})

    result = _resume(dzen, Recorder())

    assert result.state == PublishState.PUBLISHED


def test_no_empty_video_of_ours_means_a_new_create(api, dzen):
    api.get(f"{API}/videos", json={"items": [_empty("old", minutes_after=-30)]})
    api.post(f"{API}/videos", json={"id": NEW_ID, "upload_url": UPLOAD_URL})
    api.put(UPLOAD_URL, json={"id": NEW_ID, "size": 5000})
    api.post(f"{API}/videos/{NEW_ID}/publish", json={"id": NEW_ID, "status": "processing"})
    recorder = Recorder()

    _resume(dzen, recorder)

    assert recorder.handles[0].create_sent_at > SENT_AT  # a marker for the new call
