"""Дзен adapter: Yandex OAuth, create → PUT → publish, resume, check, stats, error table."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from platforms.providers import (
    AuthExpired,
    ClipFileMissing,
    Credentials,
    OAuthError,
    PermanentError,
    PlatformHandle,
    PublishState,
    RateLimited,
    TransientError,
    UploadIncomplete,
    get_provider,
)

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
API = "https://dzen.test/api/v1"
UPLOAD_URL = "https://dzen.test/api/v1/uploads/vid-1?sig=xyz"
CREDS = Credentials(access_token=TOKEN, refresh_token="ya-refresh-SECRET")
VIDEO_URL = "https://dzen.ru/video/watch/vid-1"


def dzen_error(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


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
    assert recorder.events == ["handle", "upload", "handle"]
    assert recorder.handles[0] == handle()
    assert recorder.handles[1].data["uploaded"] is True
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


def test_missing_file_creates_nothing(api, dzen):
    with pytest.raises(ClipFileMissing):
        dzen.publish(
            credentials=CREDS,
            clip=make_clip(missing=True),
            meta=META,
            resume=None,
            **Recorder().kwargs(),
        )
    assert len(api.calls) == 0


def test_resume_of_a_created_video_uploads_again_without_creating_another(api, dzen):
    api.get(f"{API}/videos/vid-1", json={"id": "vid-1", "status": "created"})
    api.put(UPLOAD_URL, json={"id": "vid-1", "size": 3000})
    api.post(
        f"{API}/videos/vid-1/publish",
        json={"id": "vid-1", "status": "processing", "url": VIDEO_URL},
    )

    result = dzen.publish(
        credentials=CREDS, clip=make_clip(), meta=META, resume=handle(), **Recorder().kwargs()
    )

    assert [(c.request.method, c.request.url) for c in api.calls] == [
        ("GET", f"{API}/videos/vid-1"),
        ("PUT", UPLOAD_URL),
        ("POST", f"{API}/videos/vid-1/publish"),
    ]
    assert result.state == PublishState.PROCESSING


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


def test_resume_of_a_published_video_sends_nothing(api, dzen):
    api.get(f"{API}/videos/vid-1", json={"id": "vid-1", "status": "published", "url": VIDEO_URL})

    result = dzen.publish(
        credentials=CREDS,
        clip=make_clip(),
        meta=META,
        resume=handle(uploaded=True),
        **Recorder().kwargs(),
    )

    assert len(api.calls) == 1
    assert result.url == VIDEO_URL


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
    ("answer", "error_class", "words"),
    [
        (
            dict(status=401, json=dzen_error("unauthorized", "token expired")),
            AuthExpired,
            "Переподключите",
        ),
        (
            dict(
                status=429,
                json=dzen_error("too_many_requests", "slow down"),
                headers={"Retry-After": "30"},
            ),
            RateLimited,
            "автоматически",
        ),
        (dict(status=503, json=dzen_error("unavailable", "try later")), TransientError, "503"),
        (
            dict(status=400, json=dzen_error("bad_title", "Title is too long")),
            PermanentError,
            "Title is too long",
        ),
        (dict(status=400, json=dzen_error("file_too_large", "too big")), PermanentError, "4 ГБ"),
        (dict(body=requests.ConnectTimeout("connect timeout")), TransientError, "не отвечает"),
    ],
)
def test_create_errors(api, dzen, answer, error_class, words):
    api.add("POST", f"{API}/videos", **answer)

    with pytest.raises(error_class) as info:
        dzen.publish(
            credentials=CREDS, clip=make_clip(), meta=META, resume=None, **Recorder().kwargs()
        )

    err = info.value
    assert type(err) is error_class
    assert words in str(err)
    if error_class is RateLimited:
        assert err.retry_after == 30.0
    if "json" in answer:
        assert err.code == answer["json"]["error"]["code"]
    assert_no_secret(err, TOKEN)


@pytest.mark.parametrize(
    ("answer", "error_class"),
    [
        (dict(status=500, json=dzen_error("internal", "oops")), TransientError),
        (dict(body=requests.ReadTimeout("read timed out")), TransientError),
        (dict(body=requests.ConnectionError("Connection reset by peer")), TransientError),
    ],
)
def test_failures_after_the_put_body_went_out_are_flagged(api, dzen, answer, error_class):
    api.post(f"{API}/videos", json={"id": "vid-1", "upload_url": UPLOAD_URL})
    api.add("PUT", UPLOAD_URL, **answer)
    recorder = Recorder()

    with pytest.raises(error_class) as info:
        dzen.publish(
            credentials=CREDS, clip=make_clip(), meta=META, resume=None, **recorder.kwargs()
        )

    assert info.value.body_sent is True
    assert recorder.handles == [handle()]
    assert_no_secret(info.value, TOKEN, "sig=xyz")


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
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://oauth.yandex.test/authorize"
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
        "https://oauth.yandex.test/token",
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
        "https://oauth.yandex.test/token",
        json={"access_token": TOKEN, "refresh_token": "r", "expires_in": 60},
    )
    api.get(f"{API}/me", status=503, json=dzen_error("unavailable", "later"))

    tokens = dzen.exchange_code(
        code="c", code_verifier="v" * 43, redirect_uri="https://app.test/cb"
    )

    assert tokens.access_token == TOKEN and tokens.account_name == ""


def test_refresh_keeps_the_old_refresh_token_when_none_is_returned(api, dzen):
    api.post("https://oauth.yandex.test/token", json={"access_token": "new", "expires_in": 3600})

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
        "https://oauth.yandex.test/token",
        status=400,
        json={"error": "invalid_grant", "error_description": "Token expired"},
    )

    with pytest.raises(OAuthError) as info:
        dzen.refresh(tokens=CREDS)

    assert info.value.error == "invalid_grant"
    assert "Подключите Дзен заново" in str(info.value)
    assert_no_secret(info.value, TOKEN, "ya-refresh-SECRET", "ya-client-secret-value")


def test_oauth_server_errors_are_transient(api, dzen):
    api.post("https://oauth.yandex.test/token", status=500, body="oops")

    with pytest.raises(TransientError):
        dzen.refresh(tokens=CREDS)
