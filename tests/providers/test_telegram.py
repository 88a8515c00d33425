"""Telegram adapter: its contract data, connection checks, sendVideo shape, caption cut, links.

The shared cases (``contract.py``) cover the error table, network failures, streaming,
progress and handles from ``TelegramContract`` below; this module keeps Telegram's own ways.
"""

from __future__ import annotations

import pytest
import responses

from platforms.providers import (
    AuthExpired,
    Credentials,
    PermanentError,
    PlatformHandle,
    PublishMeta,
    PublishState,
    get_provider,
    provider_class,
)
from platforms.providers.telegram import cut_caption
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
    make_clip,
    multipart,
)

TOKEN = "7123456789:AAH-SECRET_bot_token_abcdefghijklmnop"
BOT = f"{fake_url('TELEGRAM_API_URL')}/bot{TOKEN}"
CHANNEL = -1001234567890
CREDS = Credentials(
    access_token=TOKEN, extra={"chat_id": CHANNEL, "chat_username": "clipmaker_news"}
)
PRIVATE = Credentials(access_token=TOKEN, extra={"chat_id": CHANNEL, "chat_username": ""})
ME = {
    "ok": True,
    "result": {"id": 7123456789, "is_bot": True, "first_name": "Clips", "username": "clips_bot"},
}
CHAT = {
    "ok": True,
    "result": {
        "id": CHANNEL,
        "type": "channel",
        "title": "Мои клипы",
        "username": "clipmaker_news",
    },
}
ADMIN = {
    "ok": True,
    "result": {"status": "administrator", "user": {"id": 7123456789}, "can_post_messages": True},
}


def tg_error(code: int, description: str, **parameters: int) -> dict:
    body = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


def message(message_id: int = 42, username: str | None = "clipmaker_news") -> dict:
    chat = {"id": CHANNEL, "type": "channel", "title": "Мои клипы"}
    if username:
        chat["username"] = username
    return {
        "ok": True,
        "result": {
            "message_id": message_id,
            "chat": chat,
            "date": 1,
            "video": {"file_id": "f", "file_size": 3000, "duration": 12},
        },
    }


class TelegramContract(ContractSpec):
    """Telegram's answers: ``{"ok": false, "error_code", "description"}`` with the delay in
    ``parameters.retry_after``. The token is in every URL's path, so a 404 may mean "no such
    bot", but only ``getMe`` failing too confirms it; sendVideo is the upload itself and the message it returns is the only handle."""

    platform = "telegram"
    credentials = CREDS
    secrets = (TOKEN,)
    first_request = ("POST", f"{BOT}/sendVideo")
    verify_request = ("POST", f"{BOT}/getMe")
    upload_request = ("POST", f"{BOT}/sendVideo")
    status_classes = {404: AuthExpired}
    confirmations = {404: (("POST", f"{BOT}/getMe"),)}

    def error_answer(self, status, message, *, retry_after=None):  # type: ignore[no-untyped-def]
        extra = {"retry_after": retry_after} if retry_after is not None else {}
        return {"status": status, "json": tg_error(status, message, **extra)}, status

    def upload_answer(self):  # type: ignore[no-untyped-def]
        return {"json": message(42)}

    def uploaded_file(self, request):  # type: ignore[no-untyped-def]
        return multipart(request)["video"].content

    def route_to(self, server, settings):  # type: ignore[no-untyped-def]
        settings.TELEGRAM_API_URL = server.base
        server.upload_path = f"/bot{TOKEN}/sendVideo"

    def finished_handle(self):  # type: ignore[no-untyped-def]
        return PlatformHandle(
            id=f"{CHANNEL}/42", data={"chat_id": CHANNEL, "message_id": 42, "chat_username": ""}
        )


@pytest.fixture
def tg():
    return get_provider("telegram")


def test_verify_checks_token_channel_and_admin_rights(api, tg):
    api.post(f"{BOT}/getMe", json=ME)
    api.post(f"{BOT}/getChat", json=CHAT)
    api.post(f"{BOT}/getChatMember", json=ADMIN)

    info = tg.verify(
        credentials=Credentials(access_token=TOKEN, extra={"chat_id": "@clipmaker_news"})
    )

    assert form(api.calls[1].request) == {"chat_id": "@clipmaker_news"}
    assert form(api.calls[2].request) == {"chat_id": str(CHANNEL), "user_id": "7123456789"}
    # The account is the bot; the channel it was checked against is the place it posts to.
    assert info.account_id == "7123456789"
    assert info.account_name == "@clips_bot"
    assert info.extra["chat_id"] == CHANNEL
    assert info.extra["chat_username"] == "clipmaker_news"
    assert info.extra["chat_title"] == "Мои клипы"
    place = tg.account_destination(info)
    assert (place.external_id, place.name, place.kind) == (str(CHANNEL), "Мои клипы", "channel")
    assert place.extra == {"chat_id": CHANNEL, "chat_username": "clipmaker_news"}


def test_verify_accepts_the_channel_creator(api, tg):
    api.post(f"{BOT}/getMe", json=ME)
    api.post(f"{BOT}/getChat", json=CHAT)
    api.post(
        f"{BOT}/getChatMember",
        json={"ok": True, "result": {"status": "creator", "user": {"id": 1}}},
    )

    assert tg.verify(credentials=CREDS).extra["chat_id"] == CHANNEL


def test_verify_with_an_invalid_token(api, tg):
    api.post(
        f"{BOT}/getMe", status=401, json=tg_error(401, "Unauthorized: invalid token specified")
    )

    with pytest.raises(AuthExpired) as info:
        tg.verify(credentials=CREDS)

    assert "@BotFather" in str(info.value)
    assert_no_secret(info.value, TOKEN)


@pytest.mark.parametrize(
    ("chat_answer", "member_answer", "error_code", "words"),
    [
        ((400, tg_error(400, "Bad Request: chat not found")), None, 400, "не найден"),
        (
            (403, tg_error(403, "Forbidden: bot is not a member of the channel chat")),
            None,
            403,
            "не состоит в канале",
        ),
        (
            (200, {"ok": True, "result": {"id": -5, "type": "supergroup", "title": "Чат"}}),
            None,
            "not_a_channel",
            "не канал",
        ),
        (
            (200, CHAT),
            (200, {"ok": True, "result": {"status": "left", "user": {"id": 1}}}),
            "not_admin",
            "не администратор",
        ),
        (
            (200, CHAT),
            (200, {"ok": True, "result": {"status": "member", "user": {"id": 1}}}),
            "not_admin",
            "не администратор",
        ),
        (
            (200, CHAT),
            (
                200,
                {
                    "ok": True,
                    "result": {
                        "status": "administrator",
                        "user": {"id": 1},
                        "can_post_messages": False,
                    },
                },
            ),
            "cannot_post",
            "Публикация сообщений",
        ),
        (
            (200, CHAT),
            (400, tg_error(400, "Bad Request: member not found")),
            400,
            "не состоит в канале",
        ),
    ],
)
def test_verify_failures_each_have_their_own_message(
    api, tg, chat_answer, member_answer, error_code, words
):
    api.post(f"{BOT}/getMe", json=ME)
    api.post(f"{BOT}/getChat", status=chat_answer[0], json=chat_answer[1])
    if member_answer:
        api.post(f"{BOT}/getChatMember", status=member_answer[0], json=member_answer[1])

    with pytest.raises(PermanentError) as info:
        tg.verify(credentials=CREDS)

    assert info.value.code == error_code
    assert words in str(info.value)
    assert_russian(str(info.value))
    assert_no_secret(info.value, TOKEN)


def test_send_video_streams_multipart_with_caption_and_streaming_flag(api, tg):
    api.post(f"{BOT}/sendVideo", json=message(42))
    recorder = Recorder()
    meta = PublishMeta(
        title="Закат", description="Над Волгой", duration_seconds=12.4, width=1080, height=1920
    )

    result = tg.publish(
        credentials=CREDS, clip=make_clip(4000), meta=meta, resume=None, **recorder.kwargs()
    )

    parts = multipart(api.calls[0].request)
    assert {name: p.content.decode() for name, p in parts.items() if name != "video"} == {
        "chat_id": str(CHANNEL),
        "caption": "Закат\n\nНад Волгой",
        "supports_streaming": "true",
        "duration": "12",
        "width": "1080",
        "height": "1920",
    }
    assert parts["video"].content == clip_bytes(4000)
    assert parts["video"].filename == "clip.mp4"
    assert result.state == PublishState.PUBLISHED
    assert result.url == "https://t.me/clipmaker_news/42"
    assert recorder.handles == [result.handle]
    assert result.handle.data == {
        "chat_id": CHANNEL,
        "message_id": 42,
        "chat_username": "clipmaker_news",
    }
    assert recorder.progress[-1] == 4000


def test_private_channel_link_drops_the_minus_100_prefix(api, tg):
    api.post(f"{BOT}/sendVideo", json=message(7, username=None))

    result = tg.publish(
        credentials=PRIVATE, clip=make_clip(), meta=META, resume=None, **Recorder().kwargs()
    )

    assert result.url == "https://t.me/c/1234567890/7"


def test_long_caption_is_cut_to_1024_with_an_ellipsis(api, tg):
    api.post(f"{BOT}/sendVideo", json=message())
    meta = PublishMeta(title="Клип", description="слово " * 400)

    tg.publish(credentials=CREDS, clip=make_clip(), meta=meta, resume=None, **Recorder().kwargs())

    caption = multipart(api.calls[0].request)["caption"].content.decode()
    assert len(caption.encode("utf-16-le")) // 2 <= 1024
    assert caption.endswith("слово…")
    assert caption.startswith("Клип\n\nслово слово")


def test_caption_cut_never_splits_an_emoji_and_counts_utf16_units():
    text = "😀" * 600  # 1200 UTF-16 units

    cut = cut_caption(text)

    assert cut.endswith("…")
    assert set(cut[:-1]) == {"😀"}
    assert len(cut.encode("utf-16-le")) // 2 <= 1024
    assert cut_caption("короткий") == "короткий"
    exact = "я" * 1024
    assert cut_caption(exact) == exact


@pytest.mark.parametrize(
    ("status", "description", "words"),
    [
        (400, "Bad Request: file is too big", "50 МБ"),
        (403, "Forbidden: bot was kicked from the channel chat", "Добавьте бота обратно"),
        (400, "Bad Request: chat not found", "не найден"),
    ],
)
def test_send_video_refusals_read_the_description(api, tg, status, description, words):
    # Beyond the shared table: Telegram says what is wrong in words, not in codes.
    api.post(f"{BOT}/sendVideo", status=status, json=tg_error(status, description))

    with pytest.raises(PermanentError) as info:
        tg.publish(
            credentials=CREDS, clip=make_clip(), meta=META, resume=None, **Recorder().kwargs()
        )

    err = info.value
    assert type(err) is PermanentError
    assert (err.status, err.code) == (status, status)
    assert words in str(err)
    assert err.body_sent is True  # sendVideo is the upload: the refusal came after the file
    assert_no_secret(err, TOKEN)


def test_ok_false_inside_http_200_is_an_error_too(api, tg):
    api.post(f"{BOT}/sendVideo", json=tg_error(400, "Bad Request: file is too big"))

    with pytest.raises(PermanentError):
        tg.publish(
            credentials=CREDS, clip=make_clip(), meta=META, resume=None, **Recorder().kwargs()
        )


def test_resume_with_a_message_id_links_to_the_sent_message(api, tg):
    handle = PlatformHandle(
        id=f"{CHANNEL}/42", data={"chat_id": CHANNEL, "message_id": 42, "chat_username": ""}
    )

    result = tg.publish(
        credentials=CREDS, clip=make_clip(), meta=META, resume=handle, **Recorder().kwargs()
    )

    assert len(api.calls) == 0
    assert result.state == PublishState.PUBLISHED
    assert result.url == "https://t.me/c/1234567890/42"


def test_limits_are_decimal_megabytes_and_depend_on_the_local_api_setting(settings):
    cls = provider_class("telegram")
    assert (cls.max_file_size_bytes(), cls.max_file_size_label()) == (50_000_000, "50 МБ")
    settings.TELEGRAM_LOCAL_API = True
    assert (cls.max_file_size_bytes(), cls.max_file_size_label()) == (2_000_000_000, "2000 МБ")
    assert cls.upload_timeout == 300


def test_the_old_local_bot_api_setting_name_still_raises_the_limit(settings):
    settings.TELEGRAM_LOCAL_BOT_API = True

    assert provider_class("telegram").max_file_size_bytes() == 2_000_000_000


def test_no_stats_and_no_refresh(api, tg):
    assert tg.supports_stats is False
    assert tg.fetch_stats(credentials=CREDS, handles=[PlatformHandle(id="x", data={})]) == {}
    with pytest.raises(AuthExpired):
        tg.refresh(tokens=CREDS)


def test_token_lives_only_in_the_path_never_in_the_body(api, tg):
    api.add(responses.POST, f"{BOT}/getMe", json=ME)
    api.add(responses.POST, f"{BOT}/getChat", json=CHAT)
    api.add(responses.POST, f"{BOT}/getChatMember", json=ADMIN)

    tg.verify(credentials=CREDS)

    for call in api.calls:
        assert TOKEN not in body_bytes(call.request).decode()
        assert call.request.url.startswith(f"{BOT}/")
