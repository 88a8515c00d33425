"""The registry and the limits the engine checks before creating publications."""

from __future__ import annotations

import pickle

import pytest

from platforms.constants import GB, Platform
from platforms.providers import (
    ClipFile,
    Credentials,
    PlatformHandle,
    ProviderError,
    RateLimited,
    TokenSet,
    get_provider,
    provider_class,
)
from platforms.providers.dzen import DzenProvider
from platforms.providers.rutube import RutubeProvider
from platforms.providers.telegram import TelegramProvider
from platforms.providers.vk import VKProvider


@pytest.mark.parametrize(
    ("platform", "cls", "size", "label", "timeout", "stats", "oauth"),
    [
        ("vk", VKProvider, 5 * GB, "5 ГБ", 600, True, True),
        ("rutube", RutubeProvider, 10 * GB, "10 ГБ", 900, True, False),
        ("dzen", DzenProvider, 4 * GB, "4 ГБ", 600, True, True),
        ("telegram", TelegramProvider, 50_000_000, "50 МБ", 300, False, False),
    ],
)
def test_each_platform_has_its_adapter_and_limits(
    platform, cls, size, label, timeout, stats, oauth
):
    provider = get_provider(platform)

    assert type(provider) is cls
    assert provider.platform == Platform(platform)
    assert provider_class(Platform(platform)) is cls
    assert (cls.max_file_size_bytes(), cls.max_file_size_label()) == (size, label)
    assert (cls.upload_timeout, cls.supports_stats, cls.uses_oauth) == (timeout, stats, oauth)


@pytest.mark.parametrize(
    ("platform", "batch"), [("vk", 200), ("dzen", 100), ("rutube", 1), ("telegram", 1)]
)
def test_each_platform_says_how_many_videos_one_stats_request_covers(platform, batch):
    # The stats sync sizes its requests by it: Rutube has no batch call, one video a request.
    assert provider_class(platform).stats_batch_size == batch


def test_unknown_platform():
    with pytest.raises(ValueError, match="unknown platform"):
        get_provider("myspace")


def test_secrets_stay_out_of_reprs():
    creds = Credentials(access_token="AT-SECRET", refresh_token="RT-SECRET", extra={"chat_id": 1})
    tokens = TokenSet(access_token="AT-SECRET", refresh_token="RT-SECRET", expires_at=None)
    clip = ClipFile(name="c.mp4", size=1, open=lambda: None, public_url="https://x/?sig=SIG-SECRET")

    for value in (creds, tokens, clip):
        assert "SECRET" not in repr(value)


def test_handle_json_round_trip():
    handle = PlatformHandle(id="1_2", data={"owner_id": 1, "video_id": 2, "upload_url": "u"})

    assert PlatformHandle.from_json(handle.to_json()) == handle
    assert handle.with_data(uploaded=True).data["uploaded"] is True
    assert "uploaded" not in handle.data


def test_errors_survive_pickling_with_their_details():
    err = RateLimited("Подождите", retry_after=7, platform="vk", status=200, code=6, body_sent=True)

    copy = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own bytes

    assert type(copy) is RateLimited
    assert (copy.retry_after, copy.platform, copy.code, copy.body_sent, str(copy)) == (
        7.0,
        "vk",
        6,
        True,
        "Подождите",
    )


def test_str_of_an_error_is_the_user_message():
    err = ProviderError(platform="vk")

    assert str(err) == err.user_message
    assert "Повторите" in str(err)
