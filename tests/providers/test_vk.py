"""VK adapter: its contract data, request shapes, errors in HTTP 200, check, stats, VK ID OAuth.

The shared cases (``contract.py``) cover HTTP-level errors, network failures, streaming,
progress, handles and resume from ``VKContract`` below; this module keeps VK's own ways.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from responses import matchers

from platforms.providers import (
    AuthExpired,
    Credentials,
    OAuthError,
    PermanentError,
    PlatformHandle,
    PublishMeta,
    PublishState,
    RateLimited,
    TransientError,
    UploadIncomplete,
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
    clip_bytes,
    form,
    make_clip,
    multipart,
)

TOKEN = "vk1.a.SECRET-access-token-0123456789"
API = fake_url("VK_API_URL")
VK_ID = fake_url("VK_ID_URL")
UPLOAD_URL = "https://vu.vk.test/upload.php?act=add_video&hash=abc&rhash=def&api=1"
CREDS = Credentials(access_token=TOKEN, refresh_token="vk-refresh-SECRET", extra={})


def vk_ok(response: object) -> dict:
    return {"response": response}


def vk_error(code: int, msg: str = "error") -> dict:
    return {"error": {"error_code": code, "error_msg": msg, "request_params": []}}


SAVED = {
    "upload_url": UPLOAD_URL,
    "video_id": 456239017,
    "owner_id": 1234,
    "access_key": "ak1",
    "title": "Закат над Волгой",
    "description": "",
}
UPLOADED = {"video_hash": "h", "size": 3000, "owner_id": 1234, "video_id": 456239017}


class VKContract(ContractSpec):
    """VK's answers: errors at the HTTP level are gateway pages (VK's own errors come in HTTP
    200, below); the handle comes from video.save before the file goes to a signed URL."""

    platform = "vk"
    credentials = CREDS
    secrets = (TOKEN, "vk-refresh-SECRET", "rhash=def")
    first_request = ("POST", f"{API}/video.save")
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
        api.post(f"{API}/video.save", json=vk_ok(SAVED))

    def upload_answer(self):  # type: ignore[no-untyped-def]
        return {"json": UPLOADED}

    def uploaded_file(self, request):  # type: ignore[no-untyped-def]
        return multipart(request)["video_file"].content

    def route_to(self, server, settings):  # type: ignore[no-untyped-def]
        settings.VK_API_URL = f"{server.base}/method"
        server.answers["/method/video.save"] = vk_ok(
            {**SAVED, "upload_url": f"{server.base}/upload"}
        )

    def finished_handle(self):  # type: ignore[no-untyped-def]
        return PlatformHandle(id="1234_456239017", data={**SAVED, "mode": "clip", "uploaded": True})

    def answer_finished(self, api):  # type: ignore[no-untyped-def]
        api.post(
            f"{API}/video.get",
            match=[
                matchers.urlencoded_params_matcher(
                    {"videos": "1234_456239017", "count": "1", "v": "5.199"}
                )
            ],
            json=vk_ok(
                {"count": 1, "items": [{"id": 456239017, "owner_id": 1234, "processing": 1}]}
            ),
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
        # VK lists only videos whose file arrived.
        api.post(f"{API}/video.get", json=vk_ok({"count": 0, "items": []}))


@pytest.fixture
def vk():
    return get_provider("vk")


def test_video_save_sends_clip_params_with_version_and_bearer_token(api, vk):
    api.post(f"{API}/video.save", json=vk_ok(SAVED))
    api.post(UPLOAD_URL, json=UPLOADED)

    vk.publish(credentials=CREDS, clip=make_clip(), meta=META, resume=None, **Recorder().kwargs())

    save = api.calls[0].request
    assert save.method == "POST"
    assert save.url == f"{API}/video.save"
    assert form(save) == {
        "name": META.title,
        "description": META.description,
        "is_short": "1",
        "v": "5.199",
    }
    assert save.headers["Authorization"] == f"Bearer {TOKEN}"
    assert save.headers["User-Agent"] == USER_AGENT
    for call in api.calls:
        assert TOKEN not in call.request.url


def test_video_save_for_a_community_in_video_mode_cuts_name_and_description(api, vk):
    api.post(f"{API}/video.save", json=vk_ok({**SAVED, "owner_id": -777}))
    api.post(UPLOAD_URL, json=UPLOADED)
    creds = Credentials(access_token=TOKEN, extra={"group_id": "777", "vk_mode": "video"})
    meta = PublishMeta(title="Т" * 300, description="О" * 6000)

    result = vk.publish(
        credentials=creds, clip=make_clip(), meta=meta, resume=None, **Recorder().kwargs()
    )

    sent = form(api.calls[0].request)
    assert sent["group_id"] == "777"
    assert "is_short" not in sent
    assert sent["name"] == "Т" * 128
    assert sent["description"] == "О" * 5000
    assert result.url == "https://vk.com/video-777_456239017"


def test_upload_streams_file_as_video_file_without_token_after_handing_over_the_handle(api, vk):
    recorder = Recorder()

    def upload(request):
        recorder.events.append("upload")
        return (200, {}, json.dumps(UPLOADED))

    api.post(f"{API}/video.save", json=vk_ok(SAVED))
    api.add_callback(responses.POST, UPLOAD_URL, callback=upload)

    result = vk.publish(
        credentials=CREDS, clip=make_clip(3000), meta=META, resume=None, **recorder.kwargs()
    )

    upload_request = api.calls[1].request
    parts = multipart(upload_request)
    assert list(parts) == ["video_file"]
    assert parts["video_file"].content == clip_bytes(3000)
    assert parts["video_file"].filename == "clip.mp4"
    assert parts["video_file"].content_type == "video/mp4"
    assert "Authorization" not in upload_request.headers
    assert int(upload_request.headers["Content-Length"]) == len(upload_request.body)
    assert recorder.events == ["handle", "upload", "handle"]
    first, last = recorder.handles
    assert first.id == "1234_456239017"
    assert first.data == {
        "owner_id": 1234,
        "video_id": 456239017,
        "upload_url": UPLOAD_URL,
        "access_key": "ak1",
        "mode": "clip",
        "uploaded": False,
    }
    assert last.data["uploaded"] is True
    assert result.state == PublishState.PROCESSING
    assert result.handle == last
    assert result.url == "https://vk.com/clip1234_456239017"


@pytest.mark.parametrize(
    ("item", "state"),
    [
        ({"processing": 1}, PublishState.PROCESSING),
        ({"converting": 1}, PublishState.PROCESSING),
        ({}, PublishState.PUBLISHED),
    ],
)
def test_check_reads_processing_and_converting(api, vk, item, state):
    api.post(
        f"{API}/video.get", json=vk_ok({"count": 1, "items": [{"id": 5, "owner_id": -9, **item}]})
    )
    handle = PlatformHandle(
        id="-9_5", data={"owner_id": -9, "video_id": 5, "mode": "clip", "uploaded": True}
    )

    result = vk.check(credentials=CREDS, handle=handle)

    assert result.state == state
    assert result.url == "https://vk.com/clip-9_5"


def test_check_distinguishes_never_uploaded_from_deleted(api, vk):
    api.post(f"{API}/video.get", json=vk_ok({"count": 0, "items": []}))
    api.post(f"{API}/video.get", json=vk_ok({"count": 0, "items": []}))
    pending = PlatformHandle(id="1_2", data={"owner_id": 1, "video_id": 2, "uploaded": False})

    with pytest.raises(UploadIncomplete):
        vk.check(credentials=CREDS, handle=pending)
    with pytest.raises(PermanentError) as info:
        vk.check(credentials=CREDS, handle=pending.with_data(uploaded=True))
    assert "удалили" in str(info.value)


def test_check_of_a_restricted_video_is_permanent(api, vk):
    api.post(
        f"{API}/video.get",
        json=vk_ok(
            {
                "count": 1,
                "items": [
                    {
                        "id": 2,
                        "owner_id": 1,
                        "content_restricted": 1,
                        "content_restricted_message": "Нарушение авторских прав",
                    }
                ],
            }
        ),
    )
    with pytest.raises(PermanentError) as info:
        vk.check(credentials=CREDS, handle=PlatformHandle(id="1_2", data={"uploaded": True}))
    assert "Нарушение авторских прав" in str(info.value)


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
            credentials=CREDS, clip=make_clip(), meta=META, resume=None, **Recorder().kwargs()
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


def test_upload_error_answer_is_permanent_and_marks_body_sent(api, vk):
    api.post(f"{API}/video.save", json=vk_ok(SAVED))
    api.post(
        UPLOAD_URL, json={"error": "invalid file", "error_code": 9, "error_descr": "bad video"}
    )

    with pytest.raises(PermanentError) as info:
        vk.publish(
            credentials=CREDS, clip=make_clip(), meta=META, resume=None, **Recorder().kwargs()
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
