"""VK adapter: its contract data, errors in HTTP 200, connection, stats, VK ID OAuth.

The two publishing modes have their own modules: ``test_vk_clips.py`` (Клип) and
``test_vk_videos.py`` (Видео, with a wall post); lost create answers: ``test_vk_orphans.py``.

The shared cases (``contract.py``) cover HTTP-level errors, network failures, streaming,
progress, handles and resume from ``VKContract`` below; this module keeps VK's own ways.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from platforms.providers import (
    AuthExpired,
    Credentials,
    OAuthError,
    PermanentError,
    PlatformHandle,
    RateLimited,
    TransientError,
    get_provider,
)

from .contract import ContractSpec
from .support import (
    META,
    Recorder,
    assert_no_secret,
    assert_russian,
    form,
    make_clip,
    multipart,
)
from .vk_support import (
    API,
    CLIP_UPLOADED,
    CREATED,
    CREDS,
    SAVED,
    TOKEN,
    UPLOAD_URL,
    VIDEO_CREDS,
    VK_ID,
    vk_error,
    vk_ok,
)


class VKContract(ContractSpec):
    """VK's answers in the default mode (a Клип): errors at the HTTP level are gateway pages
    (VK's own errors come in HTTP 200, below); the draft's handle comes from shortVideo.create
    before the file goes to a signed URL, and shortVideo.edit follows the upload."""

    platform = "vk"
    credentials = CREDS
    secrets = (TOKEN, "vk-refresh-SECRET", "rhash=def")
    first_request = ("POST", f"{API}/shortVideo.create")
    verify_request = ("POST", f"{API}/users.get")
    upload_request = ("POST", UPLOAD_URL)
    handle_before_upload = True

    def error_answer(self, status, message, *, retry_after=None):  # type: ignore[no-untyped-def]
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return {
            "status": status,
            "body": f"<html><body>{message}</body></html>",
            "headers": headers,
        }, None

    def prepare_upload(self, api):  # type: ignore[no-untyped-def]
        api.post(f"{API}/shortVideo.create", json=vk_ok(CREATED))

    def upload_answer(self):  # type: ignore[no-untyped-def]
        return {"json": CLIP_UPLOADED}

    def answer_after_upload(self, api):  # type: ignore[no-untyped-def]
        api.post(f"{API}/shortVideo.edit", json=vk_ok(1))

    def uploaded_file(self, request):  # type: ignore[no-untyped-def]
        return multipart(request)["file"].content

    def route_to(self, server, settings):  # type: ignore[no-untyped-def]
        settings.VK_API_URL = f"{server.base}/method"
        server.answers["/method/shortVideo.create"] = vk_ok(
            {**CREATED, "upload_url": f"{server.base}/upload"}
        )

    def finished_handle(self):  # type: ignore[no-untyped-def]
        return PlatformHandle(
            id="1234_456239017",
            data={
                "mode": "clip",
                "owner_id": 1234,
                "video_id": 456239017,
                "upload_url": UPLOAD_URL,
                "uploaded": True,
                "edited": True,
                "published": True,
            },
        )

    def unfinished_handle(self):  # type: ignore[no-untyped-def]
        return PlatformHandle(
            id="1234_456239017",
            data={
                "owner_id": 1234,
                "video_id": 456239017,
                "upload_url": UPLOAD_URL,
                "mode": "clip",
                "uploaded": False,
            },
        )

    def answer_unfinished(self, api):  # type: ignore[no-untyped-def]
        # A Клип draft is never listed before it is published: nothing to ask, the file goes
        # again to the same draft.
        pass


@pytest.fixture
def vk():
    return get_provider("vk")


@pytest.mark.parametrize(
    ("code", "error_class", "retry_after"),
    [
        (1, TransientError, None),
        (5, AuthExpired, None),
        (6, RateLimited, 1.0),
        (7, PermanentError, None),
        (9, RateLimited, 60.0),
        (10, TransientError, None),
        (14, PermanentError, None),
        (15, PermanentError, None),
        (18, PermanentError, None),
        (22, PermanentError, None),
        (27, PermanentError, None),
        (29, RateLimited, 3600.0),
        (100, PermanentError, None),
        (200, PermanentError, None),
        (203, PermanentError, None),
        (204, PermanentError, None),
        (214, PermanentError, None),
        (704, PermanentError, None),
        (99999, PermanentError, None),
    ],
)
def test_errors_inside_http_200_are_mapped_by_code(api, vk, code, error_class, retry_after):
    api.post(f"{API}/video.save", json=vk_error(code, f"msg with access_token={TOKEN}"))

    with pytest.raises(error_class) as info:
        vk.publish(
            credentials=VIDEO_CREDS,
            clip=make_clip(),
            meta=META,
            resume=None,
            **Recorder().kwargs(),
        )

    err = info.value
    assert type(err) is error_class
    assert (err.platform, err.status, err.code) == ("vk", 200, code)
    assert "msg with access_token=" in err.platform_message
    if retry_after is not None:
        assert err.retry_after == retry_after
    assert_russian(str(err))
    assert_no_secret(err, TOKEN)
    assert len(api.calls) == 1  # nothing uploaded after a refused video.save


@pytest.mark.parametrize(
    ("code", "words"),
    [(14, "капчу"), (704, "двухфакторную"), (5, "Переподключите"), (29, "лимит")],
)
def test_errors_that_need_the_user_say_what_to_do(api, vk, code, words):
    api.post(f"{API}/users.get", json=vk_error(code))
    with pytest.raises(Exception) as info:
        vk.verify(credentials=CREDS)
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("creds", "create", "answer"),
    [("video", "video.save", SAVED), ("clip", "shortVideo.create", CREATED)],
)
def test_upload_error_answer_is_permanent_and_marks_body_sent(api, vk, creds, create, answer):
    api.post(f"{API}/{create}", json=vk_ok(answer))
    api.post(
        UPLOAD_URL, json={"error": "invalid file", "error_code": 9, "error_descr": "bad video"}
    )

    with pytest.raises(PermanentError) as info:
        vk.publish(
            credentials=VIDEO_CREDS if creds == "video" else CREDS,
            clip=make_clip(),
            meta=META,
            resume=None,
            **Recorder().kwargs(),
        )

    err = info.value
    assert err.code == 9
    assert "bad video" in err.platform_message
    assert err.body_sent is True
    assert "hash=abc" not in repr(err)  # the signed upload URL is a secret too
    assert_russian(str(err))


def test_verify_reads_the_account_name(api, vk):
    api.post(
        f"{API}/users.get", json=vk_ok([{"id": 1234, "first_name": "Анна", "last_name": "Петрова"}])
    )

    info = vk.verify(credentials=CREDS)

    assert (info.account_id, info.account_name) == ("1234", "Анна Петрова")
    assert form(api.calls[0].request) == {"v": "5.199"}


def test_stats_batch_200_ids_per_call_and_leave_out_missing_videos(api, vk):
    handles = [PlatformHandle(id=f"-5_{i}", data={}) for i in range(450)]

    def video_get(request):
        ids = form(request)["videos"].split(",")
        items = [
            {
                "id": int(v.split("_")[1]),
                "owner_id": -5,
                "views": 10,
                "comments": 2,
                "likes": {"count": 3},
                "reposts": {"count": 1},
            }
            for v in ids
            if v != "-5_7"  # hidden video: VK leaves it out
        ]
        return (200, {}, json.dumps(vk_ok({"count": len(items), "items": items})))

    api.add_callback(responses.POST, f"{API}/video.get", callback=video_get)

    stats = vk.fetch_stats(credentials=CREDS, handles=handles)

    sizes = [len(form(c.request)["videos"].split(",")) for c in api.calls]
    assert sizes == [200, 200, 50]
    assert [form(c.request)["count"] for c in api.calls] == ["200", "200", "50"]
    assert len(stats) == 449
    assert "-5_7" not in stats
    assert stats["-5_8"].views == 10
    assert (stats["-5_8"].likes, stats["-5_8"].comments, stats["-5_8"].shares) == (3, 2, 1)


# --- VK ID OAuth ----------------------------------------------------------------------------


def test_authorization_url_carries_pkce_and_scope(vk):
    url = vk.authorization_url(
        state="st4te", code_challenge="chal", redirect_uri="https://app.test/api/oauth/vk/callback"
    )

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{VK_ID}/authorize"
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "response_type": "code",
        "client_id": "vk-client-id",
        "redirect_uri": "https://app.test/api/oauth/vk/callback",
        "state": "st4te",
        "code_challenge": "chal",
        "code_challenge_method": "s256",
        "scope": "video wall groups",
    }


def test_exchange_code_sends_device_id_and_state_and_reads_the_account(api, vk):
    api.post(
        f"{VK_ID}/oauth2/auth",
        json={
            "access_token": TOKEN,
            "refresh_token": "vk-refresh-SECRET",
            "id_token": "x",
            "expires_in": 3600,
            "user_id": 1234,
            "state": "st4te",
            "token_type": "Bearer",
            "scope": "video wall groups",
        },
    )
    api.post(
        f"{API}/users.get", json=vk_ok([{"id": 1234, "first_name": "Анна", "last_name": "П."}])
    )

    tokens = vk.exchange_code(
        code="c0de",
        code_verifier="v" * 43,
        redirect_uri="https://app.test/cb",
        device_id="dev-1",
        state="st4te",
    )

    assert form(api.calls[0].request) == {
        "grant_type": "authorization_code",
        "code": "c0de",
        "code_verifier": "v" * 43,
        "client_id": "vk-client-id",
        "device_id": "dev-1",
        "redirect_uri": "https://app.test/cb",
        "state": "st4te",
    }
    assert tokens.access_token == TOKEN
    assert tokens.refresh_token == "vk-refresh-SECRET"
    assert (tokens.account_id, tokens.account_name) == ("1234", "Анна П.")
    assert tokens.extra["device_id"] == "dev-1"
    assert (
        datetime.now(UTC) + timedelta(minutes=59)
        < tokens.expires_at
        <= datetime.now(UTC) + timedelta(hours=1)
    )
    assert TOKEN not in repr(tokens) and "vk-refresh-SECRET" not in repr(tokens)


def test_refresh_uses_device_id_from_extra_and_keeps_rotated_token(api, vk):
    api.post(
        f"{VK_ID}/oauth2/auth",
        json={
            "access_token": "new-access",
            "refresh_token": "new-refresh",
            "expires_in": 3600,
            "user_id": 1234,
        },
    )
    creds = Credentials(
        access_token=TOKEN,
        refresh_token="old-refresh",
        account_id="1234",
        extra={"device_id": "dev-1"},
    )

    tokens = vk.refresh(tokens=creds)

    sent = form(api.calls[0].request)
    assert {k: sent[k] for k in ("grant_type", "refresh_token", "client_id", "device_id")} == {
        "grant_type": "refresh_token",
        "refresh_token": "old-refresh",
        "client_id": "vk-client-id",
        "device_id": "dev-1",
    }
    assert sent["state"]
    assert (tokens.access_token, tokens.refresh_token) == ("new-access", "new-refresh")
    assert tokens.extra == {"device_id": "dev-1"}


def test_refresh_refused_is_an_oauth_error_without_secrets(api, vk):
    api.post(
        f"{VK_ID}/oauth2/auth",
        status=400,
        json={
            "error": "invalid_grant",
            "error_description": "refresh_token=old-refresh is expired",
            "state": "s",
        },
    )
    creds = Credentials(
        access_token=TOKEN, refresh_token="old-refresh", extra={"device_id": "dev-1"}
    )

    with pytest.raises(OAuthError) as info:
        vk.refresh(tokens=creds)

    err = info.value
    assert isinstance(err, PermanentError)
    assert (err.error, err.status) == ("invalid_grant", 400)
    assert "is expired" in err.error_description
    assert_no_secret(err, "old-refresh", TOKEN)
    assert_russian(str(err))
