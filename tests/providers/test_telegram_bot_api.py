"""Telegram as the real Bot API behaves: the 50 MB limit read as 50,000,000 bytes and refused
before any upload, a 404 that means "token invalid" only when getMe fails too, a kicked bot
recognised as a channel out of reach, and the self-hosted Bot API server setting."""

from __future__ import annotations

import pytest

from platforms.providers import (
    AuthExpired,
    ClipFile,
    PermanentError,
    PublishState,
    TransientError,
    get_provider,
    provider_class,
)

from .support import META, Recorder, make_clip
from .test_telegram import BOT, CREDS, ME, message, tg_error

OVER = 50_000_001


def unopenable(size: int) -> ClipFile:
    def opener():  # type: ignore[no-untyped-def]
        raise AssertionError("the file must not be opened")

    return ClipFile(name="clips/1/big.mp4", size=size, open=opener)


def publish(clip: ClipFile, recorder: Recorder | None = None):  # type: ignore[no-untyped-def]
    recorder = recorder or Recorder()
    return get_provider("telegram").publish(
        credentials=CREDS,
        clip=clip,
        meta=META,
        resume=None,
        progress=recorder.on_progress,
        on_handle=recorder.on_handle,
    )


def test_a_clip_of_50_000_001_bytes_is_refused_before_any_upload(api):
    with pytest.raises(PermanentError) as info:
        publish(unopenable(OVER))

    assert len(api.calls) == 0
    assert str(info.value).startswith("Файл слишком большой для Telegram (максимум 50 МБ)")
    assert info.value.body_sent is False


def test_a_clip_of_exactly_50_000_000_bytes_is_sent(api, settings):
    api.post(f"{BOT}/sendVideo", json=message(42))

    result = publish(make_clip(50_000_000))

    assert result.state == PublishState.PUBLISHED
    assert len(api.calls) == 1


def test_a_self_hosted_bot_api_server_takes_the_bigger_clip(api, settings):
    settings.TELEGRAM_LOCAL_API = True
    api.post(f"{BOT}/sendVideo", json=message(42))

    assert publish(make_clip(OVER)).state == PublishState.PUBLISHED
    assert provider_class("telegram").max_file_size_bytes() == 2_000_000_000


def test_a_404_with_a_valid_token_is_not_an_expired_token(api):
    api.post(f"{BOT}/sendVideo", status=404, json=tg_error(404, "Not Found"))
    api.post(f"{BOT}/getMe", json=ME)

    with pytest.raises(PermanentError) as info:
        publish(make_clip(3000))

    assert not isinstance(info.value, AuthExpired)
    assert info.value.status == 404
    assert "токен бота действителен" in str(info.value)


def test_a_404_is_an_invalid_token_when_getme_fails_too(api):
    api.post(f"{BOT}/sendVideo", status=404, json=tg_error(404, "Not Found"))
    api.post(f"{BOT}/getMe", status=401, json=tg_error(401, "Unauthorized"))

    with pytest.raises(AuthExpired):
        publish(make_clip(3000))


def test_a_wrong_base_url_never_reads_as_an_invalid_token(api):
    # Not a Bot API server: an HTML 404 page, not Telegram's {"ok": false, ...}.
    api.post(f"{BOT}/sendVideo", status=404, body="<html>404 Not Found</html>")

    with pytest.raises(PermanentError) as info:
        publish(make_clip(3000))

    assert not isinstance(info.value, AuthExpired)
    assert info.value.code == "api_not_found"
    assert "TELEGRAM_API_URL" in str(info.value)


def test_a_wrong_base_url_on_connect_is_not_an_invalid_token(api):
    api.post(f"{BOT}/getMe", status=404, body="<html>404 Not Found</html>")

    with pytest.raises(PermanentError) as info:
        get_provider("telegram").verify(credentials=CREDS)

    assert not isinstance(info.value, AuthExpired)


def test_a_404_whose_getme_cannot_be_reached_is_retried_later(api):
    api.post(f"{BOT}/sendVideo", status=404, json=tg_error(404, "Not Found"))
    api.post(f"{BOT}/getMe", status=502, body="Bad Gateway")

    with pytest.raises(TransientError) as info:
        publish(make_clip(3000))

    assert info.value.status == 404


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (403, "Forbidden: bot was kicked from the channel chat"),
        (403, "Forbidden: bot is not a member of the channel chat"),
        (400, "Bad Request: chat not found"),
    ],
)
def test_a_channel_out_of_reach_is_recognised_as_a_lost_place(api, status, description):
    api.post(f"{BOT}/sendVideo", status=status, json=tg_error(status, description))

    with pytest.raises(PermanentError) as info:
        publish(make_clip(3000))

    assert provider_class("telegram").place_lost(info.value)
    assert info.value.code == status  # Telegram's own code, for support


def test_other_refusals_are_not_a_lost_place(api):
    api.post(f"{BOT}/sendVideo", status=400, json=tg_error(400, "Bad Request: wrong file"))

    with pytest.raises(PermanentError) as info:
        publish(make_clip(3000))

    assert not provider_class("telegram").place_lost(info.value)
