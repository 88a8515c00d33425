"""The real platform adapters against the sandbox over real HTTP.

Each provider connects (OAuth or token), publishes, checks, refreshes where it can and reads
stats; every injected fault must come out as the error class the engine acts on.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable

import pytest
import requests

from platforms.constants import MB
from platforms.providers import (
    AuthExpired,
    ClipFile,
    Credentials,
    OAuthError,
    PermanentError,
    PlatformHandle,
    PublishMeta,
    PublishState,
    RateLimited,
    TransientError,
    UploadIncomplete,
)
from platforms.providers.dzen import DzenProvider
from platforms.providers.rutube import RutubeProvider
from platforms.providers.telegram import TelegramProvider
from platforms.providers.vk import VKProvider
from tests.sandbox.conftest import approve_page, wait_for

pytestmark = pytest.mark.live

META = PublishMeta(title="Клип из песочницы", description="Описание клипа")
REDIRECT = "http://testserver/api/oauth/callback"


@pytest.fixture
def clip(clip_file) -> Callable[[int], ClipFile]:  # type: ignore[no-untyped-def]
    def make(size: int = 3 * MB, public_url: str | None = None) -> ClipFile:
        path = clip_file(size)
        return ClipFile(
            name=path.name, size=size, open=lambda: path.open("rb"), public_url=public_url
        )

    return make


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def publish(provider, credentials, clip_file, resume=None, handles=None):  # type: ignore[no-untyped-def]
    """Publish as the engine does; ``handles`` collects what on_handle was given (kept on errors)."""
    handles = [] if handles is None else handles
    result = provider.publish(
        credentials=credentials,
        clip=clip_file,
        meta=META,
        resume=resume,
        progress=lambda sent: None,
        on_handle=handles.append,
    )
    return result, handles


# --- VK ----------------------------------------------------------------------------------------


def vk_credentials(sandbox, mode: str = "clip") -> Credentials:  # type: ignore[no-untyped-def]
    creds = sandbox.control.issue_credentials("vk")
    return Credentials(
        access_token=creds["access_token"],
        refresh_token=creds["refresh_token"],
        account_id=creds["account_id"],
        extra={"device_id": creds["device_id"], "vk_mode": mode},
    )


def test_vk_oauth_connect_through_the_approve_page(sandbox):
    provider = VKProvider()
    verifier, challenge = pkce()
    state = secrets.token_urlsafe(32)

    page = requests.get(
        provider.authorization_url(state=state, code_challenge=challenge, redirect_uri=REDIRECT),
        timeout=10,
    )
    back = approve_page(page)
    tokens = provider.exchange_code(
        code=back["code"],
        code_verifier=verifier,
        redirect_uri=REDIRECT,
        device_id=back["device_id"],
        state=back["state"],
    )

    assert back["state"] == state
    assert tokens.account_name == "Демо-автор Песочница"
    assert tokens.refresh_token and tokens.expires_at is not None
    assert tokens.extra["device_id"] == back["device_id"]


def test_vk_publish_check_stats_and_refresh(sandbox, clip):
    provider = VKProvider()
    credentials = vk_credentials(sandbox)

    result, handles = publish(provider, credentials, clip(3 * MB))

    assert result.state is PublishState.PROCESSING
    assert (
        result.url
        == f"{sandbox.url}/web/vk/clip{result.handle.data['owner_id']}_{result.handle.data['video_id']}"
    )
    placeholder, created, *_rest = handles
    assert "video_id" not in placeholder.data  # stored before shortVideo.create was sent
    assert created.data["uploaded"] is False and handles[-1].data["uploaded"] is True
    assert handles[-1].data["edited"] is True
    assert (
        provider.check(credentials=credentials, handle=result.handle).state
        is PublishState.PROCESSING
    )
    wait_for(
        lambda: (
            provider.check(credentials=credentials, handle=result.handle).state
            is PublishState.PUBLISHED
        )
    )
    sandbox.control.advance_clock(600)
    stats = provider.fetch_stats(credentials=credentials, handles=[result.handle])
    assert stats[result.handle.id].views > 0
    assert sandbox.control.videos("vk")[0]["bytes"] == 3 * MB
    assert sandbox.control.videos("vk")[0]["extra"]["kind"] == "clip"
    assert sandbox.control.videos("vk")[0]["extra"]["published"] is True

    fresh = provider.refresh(tokens=credentials)
    assert fresh.refresh_token != credentials.refresh_token
    assert (
        provider.verify(credentials=Credentials(access_token=fresh.access_token)).account_id
        == credentials.account_id
    )
    with pytest.raises(OAuthError) as reused:
        provider.refresh(tokens=credentials)
    assert reused.value.error == "invalid_grant"


def test_vk_expired_token_is_auth_expired_and_refresh_fixes_it(sandbox):
    provider = VKProvider()
    credentials = vk_credentials(sandbox)
    sandbox.control.advance_clock(3601)

    with pytest.raises(AuthExpired):
        provider.verify(credentials=credentials)
    fresh = provider.refresh(tokens=credentials)
    assert provider.verify(credentials=Credentials(access_token=fresh.access_token)).account_name


@pytest.mark.parametrize(
    ("fault", "params", "error", "retry_after"),
    [
        ("rate_limit", {"code": 6}, RateLimited, 1.0),
        ("rate_limit", {"code": 9}, RateLimited, 60.0),
        ("rate_limit", {"code": 29}, RateLimited, 3600.0),
        ("auth_expired", {}, AuthExpired, None),
        ("server_error", {}, TransientError, None),
        ("vk_error", {"code": 10}, TransientError, None),
        ("vk_error", {"code": 1}, TransientError, None),
        ("vk_error", {"code": 214}, PermanentError, None),
        ("vk_error", {"code": 100}, PermanentError, None),
        ("vk_error", {"code": 14}, PermanentError, None),
    ],
)
@pytest.mark.parametrize(
    ("method", "mode"), [("video.save", "video"), ("shortVideo.create", "clip")]
)
def test_vk_faults_on_the_create_call_map_to_provider_errors(
    sandbox, clip, fault, params, error, retry_after, method, mode
):
    provider = VKProvider()
    credentials = vk_credentials(sandbox, mode)
    sandbox.control.inject("vk", fault, method=method, **params)

    with pytest.raises(error) as raised:
        publish(provider, credentials, clip(1000))

    if retry_after is not None:
        assert raised.value.retry_after == retry_after
    assert credentials.access_token not in repr(raised.value) + str(raised.value)
    assert sandbox.control.videos("vk") == []


def test_vk_drop_mid_upload_is_transient_and_resume_uploads_into_the_same_video(sandbox, clip):
    provider = VKProvider()
    credentials = vk_credentials(sandbox, "video")
    clip_file = clip(8 * MB)
    sandbox.control.inject("vk", "drop", method="upload", after_bytes=MB)

    handles: list[PlatformHandle] = []
    with pytest.raises(TransientError):
        publish(provider, credentials, clip_file, handles=handles)
    handle = handles[-1]
    with pytest.raises(UploadIncomplete):
        provider.check(credentials=credentials, handle=handle)
    result, _ = publish(provider, credentials, clip_file, resume=handle)

    assert result.handle.id == handle.id
    videos = sandbox.control.videos("vk")
    assert len(videos) == 1 and videos[0]["bytes"] == 8 * MB and videos[0]["uploads"] == 1


def test_vk_accept_then_drop_resume_finds_the_upload_without_sending_again(sandbox, clip):
    provider = VKProvider()
    credentials = vk_credentials(sandbox, "video")
    clip_file = clip(2 * MB)
    sandbox.control.inject("vk", "accept_then_drop", method="upload")

    handles: list[PlatformHandle] = []
    with pytest.raises(TransientError) as raised:
        publish(provider, credentials, clip_file, handles=handles)
    handle = handles[-1]
    result, _ = publish(provider, credentials, clip_file, resume=handle)

    assert raised.value.body_sent is True
    assert result.state in (PublishState.PROCESSING, PublishState.PUBLISHED)
    assert sandbox.control.videos("vk")[0]["uploads"] == 1
    assert len(sandbox.control.journal("vk", method="upload")) == 1


def test_vk_slow_answer_past_the_read_timeout_is_transient(sandbox):
    class QuickVK(VKProvider):
        read_timeout = 0.5

    sandbox.control.inject("vk", "slow", delay=1.5, method="users.get")

    with pytest.raises(TransientError):
        QuickVK().verify(credentials=vk_credentials(sandbox))


def test_vk_file_over_the_limit_is_permanent(sandbox, clip):
    sandbox.control.set_upload_limit("vk", MB)

    with pytest.raises(PermanentError):
        publish(VKProvider(), vk_credentials(sandbox), clip(MB + 1))


# --- Telegram --------------------------------------------------------------------------------


def telegram_credentials(sandbox, scenario: str = "ok") -> Credentials:  # type: ignore[no-untyped-def]
    creds = sandbox.control.issue_credentials("telegram", scenario=scenario)
    return Credentials(access_token=creds["token"], extra={"chat_id": creds["chat_id"]})


def test_telegram_verify_and_publish(sandbox, clip):
    provider = TelegramProvider()
    credentials = telegram_credentials(sandbox)

    account = provider.verify(credentials=credentials)
    connected = Credentials(access_token=credentials.access_token, extra=account.extra)
    result, _ = publish(provider, connected, clip(2 * MB))

    assert account.account_name.startswith("@sandbox_")  # the bot
    assert account.extra["chat_title"].startswith("Песочница: канал")
    assert result.state is PublishState.PUBLISHED
    assert result.url == f"{sandbox.url}/web/telegram/{account.extra['chat_username']}/1"
    assert sandbox.control.videos("telegram")[0]["bytes"] == 2 * MB
    assert (
        provider.check(credentials=connected, handle=result.handle).state is PublishState.PUBLISHED
    )


@pytest.mark.parametrize(
    ("scenario", "code"),
    [
        ("group", "not_a_channel"),
        ("not_admin", "not_admin"),
        ("cannot_post", "cannot_post"),
        ("not_member", "not_admin"),
        ("chat_not_found", None),
    ],
)
def test_telegram_verify_refuses_unusable_chats(sandbox, scenario, code):
    with pytest.raises(PermanentError) as raised:
        TelegramProvider().verify(credentials=telegram_credentials(sandbox, scenario))

    if code:
        assert raised.value.code == code
    else:
        assert "не найден" in str(raised.value)


def test_telegram_forged_token_is_auth_expired(sandbox):
    with pytest.raises(AuthExpired):
        TelegramProvider().verify(
            credentials=Credentials(access_token="123456:AA" + "x" * 33, extra={"chat_id": "@x"})
        )


@pytest.mark.parametrize(
    ("fault", "params", "error"),
    [
        ("rate_limit", {"retry_after": 7}, RateLimited),
        ("auth_expired", {}, AuthExpired),
        ("server_error", {}, TransientError),
        ("drop", {"after_bytes": MB}, TransientError),
        (
            "http_error",
            {"status": 403, "message": "Forbidden: bot was kicked from the channel chat"},
            PermanentError,
        ),
    ],
)
def test_telegram_faults_on_send_video(sandbox, clip, fault, params, error):
    credentials = telegram_credentials(sandbox)
    sandbox.control.inject("telegram", fault, method="sendVideo", **params)

    with pytest.raises(error) as raised:
        publish(TelegramProvider(), credentials, clip(4 * MB))

    if fault == "rate_limit":
        assert raised.value.retry_after == 7
    assert credentials.access_token.split(":")[1] not in repr(raised.value) + str(raised.value)
    assert sandbox.control.videos("telegram") == []


def test_telegram_file_too_big_is_permanent(sandbox, clip):
    credentials = telegram_credentials(sandbox)
    sandbox.control.set_upload_limit("telegram", MB)

    with pytest.raises(PermanentError) as raised:
        publish(TelegramProvider(), credentials, clip(MB + 1))

    assert "слишком большой" in str(raised.value)


# --- Rutube ----------------------------------------------------------------------------------


def rutube_credentials(sandbox) -> Credentials:  # type: ignore[no-untyped-def]
    return Credentials(access_token=sandbox.control.issue_credentials("rutube")["token"])


def test_rutube_publish_by_url_check_and_stats(sandbox, clip, file_server):
    provider = RutubeProvider()
    credentials = rutube_credentials(sandbox)
    provider.verify(credentials=credentials)

    result, _ = publish(provider, credentials, clip(1000, public_url=f"{file_server}/bytes/777777"))

    assert result.state is PublishState.PROCESSING
    wait_for(
        lambda: (
            provider.check(credentials=credentials, handle=result.handle).state
            is PublishState.PUBLISHED
        )
    )
    assert sandbox.control.videos("rutube")[0]["bytes"] == 777777
    sandbox.control.advance_clock(600)
    assert (
        provider.fetch_stats(credentials=credentials, handles=[result.handle])[
            result.handle.id
        ].views
        > 0
    )
    assert (
        provider.verify(credentials=credentials).account_id
        == sandbox.control.videos("rutube")[0]["account"]
    )


def test_rutube_rejected_and_unfetchable_urls_are_permanent(sandbox, clip, file_server):
    provider = RutubeProvider()
    credentials = rutube_credentials(sandbox)
    sandbox.control.inject("rutube", "rejected")
    moderated, _ = publish(provider, credentials, clip(1000, public_url=f"{file_server}/bytes/100"))
    missing, _ = publish(provider, credentials, clip(1000, public_url=f"{file_server}/gone"))

    for result in (moderated, missing):

        def finished(handle: PlatformHandle = result.handle) -> bool:
            try:
                provider.check(credentials=credentials, handle=handle)
            except PermanentError as err:
                return err.code == "rejected"
            return False

        wait_for(finished)


@pytest.mark.parametrize(
    ("fault", "params", "error"),
    [
        ("rate_limit", {"retry_after": 5}, RateLimited),
        ("auth_expired", {}, AuthExpired),
        ("server_error", {}, TransientError),
        ("drop", {}, TransientError),
    ],
)
def test_rutube_faults(sandbox, clip, file_server, fault, params, error):
    sandbox.control.inject("rutube", fault, method="video.create", **params)

    with pytest.raises(error) as raised:
        publish(
            RutubeProvider(),
            rutube_credentials(sandbox),
            clip(1000, public_url=f"{file_server}/bytes/10"),
        )

    if fault == "rate_limit":
        assert raised.value.retry_after == 5


def test_rutube_forged_token_is_auth_expired(sandbox):
    with pytest.raises(AuthExpired):
        RutubeProvider().verify(credentials=Credentials(access_token="f" * 40))


# --- Дзен -----------------------------------------------------------------------------------


def dzen_connect(sandbox) -> Credentials:  # type: ignore[no-untyped-def]
    """Through the Yandex approve page and the provider's code exchange."""
    provider = DzenProvider()
    verifier, challenge = pkce()
    page = requests.get(
        provider.authorization_url(state="st", code_challenge=challenge, redirect_uri=REDIRECT),
        timeout=10,
    )
    back = approve_page(page)
    tokens = provider.exchange_code(
        code=back["code"], code_verifier=verifier, redirect_uri=REDIRECT
    )
    assert tokens.account_name == "Демо-автор"
    return Credentials(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        account_id=tokens.account_id,
    )


def test_dzen_connect_publish_check_stats_and_refresh(sandbox, clip):
    provider = DzenProvider()
    credentials = dzen_connect(sandbox)

    result, _ = publish(provider, credentials, clip(5 * MB))

    assert result.state is PublishState.PROCESSING
    assert result.url.startswith(f"{sandbox.url}/web/dzen/video/watch/")
    wait_for(
        lambda: (
            provider.check(credentials=credentials, handle=result.handle).state
            is PublishState.PUBLISHED
        )
    )
    sandbox.control.advance_clock(600)
    assert (
        provider.fetch_stats(credentials=credentials, handles=[result.handle])[
            result.handle.id
        ].views
        > 0
    )
    assert sandbox.control.videos("dzen")[0]["bytes"] == 5 * MB
    fresh = provider.refresh(tokens=credentials)
    assert fresh.refresh_token != credentials.refresh_token
    with pytest.raises(OAuthError):
        provider.refresh(tokens=credentials)


def test_dzen_drop_mid_upload_then_resume_finishes_the_same_video(sandbox, clip):
    provider = DzenProvider()
    credentials = Credentials(
        access_token=sandbox.control.issue_credentials("dzen")["access_token"]
    )
    clip_file = clip(6 * MB)
    sandbox.control.inject("dzen", "drop", method="upload", after_bytes=MB)

    handles: list[PlatformHandle] = []
    with pytest.raises(TransientError):
        publish(provider, credentials, clip_file, handles=handles)
    handle = handles[-1]
    with pytest.raises(UploadIncomplete):
        provider.check(credentials=credentials, handle=handle)
    result, _ = publish(provider, credentials, clip_file, resume=handle)

    assert result.state is PublishState.PROCESSING
    videos = sandbox.control.videos("dzen")
    assert len(videos) == 1 and videos[0]["bytes"] == 6 * MB


@pytest.mark.parametrize(
    ("fault", "params", "error"),
    [
        ("rate_limit", {"retry_after": 3}, RateLimited),
        ("auth_expired", {}, AuthExpired),
        ("server_error", {"status": 503}, TransientError),
        ("slow", {"delay": 0.2}, None),
    ],
)
def test_dzen_faults_on_create(sandbox, clip, fault, params, error):
    credentials = Credentials(
        access_token=sandbox.control.issue_credentials("dzen")["access_token"]
    )
    sandbox.control.inject("dzen", fault, method="videos.create", **params)

    if error is None:
        started = time.monotonic()
        publish(DzenProvider(), credentials, clip(1000))
        assert time.monotonic() - started >= 0.2
        return
    with pytest.raises(error) as raised:
        publish(DzenProvider(), credentials, clip(1000))
    if fault == "rate_limit":
        assert raised.value.retry_after == 3


def test_dzen_file_over_the_limit_is_permanent(sandbox, clip):
    sandbox.control.set_upload_limit("dzen", MB)
    credentials = Credentials(
        access_token=sandbox.control.issue_credentials("dzen")["access_token"]
    )

    with pytest.raises(PermanentError) as raised:
        publish(DzenProvider(), credentials, clip(MB + 1))

    assert "слишком большой" in str(raised.value)


def test_rutube_accept_then_drop_reports_an_unknown_outcome(sandbox, clip, file_server):
    """Rutube gives no id before the create call: a lost answer must not look like "not sent"."""
    sandbox.control.inject("rutube", "accept_then_drop", method="video.create")

    with pytest.raises(TransientError) as raised:
        publish(
            RutubeProvider(),
            rutube_credentials(sandbox),
            clip(1000, public_url=f"{file_server}/bytes/10"),
        )

    assert raised.value.body_sent is True
    assert len(sandbox.control.videos("rutube")) == 1


def test_rutube_refused_connection_is_not_an_unknown_outcome(settings, clip):
    settings.RUTUBE_API_URL = "http://127.0.0.1:9/api"  # nothing listens on the discard port
    with pytest.raises(TransientError) as raised:
        publish(
            RutubeProvider(),
            Credentials(access_token="t"),
            clip(1000, public_url="http://127.0.0.1:9/clip"),
        )
    assert raised.value.body_sent is False
