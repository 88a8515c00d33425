"""What each platform receives of the text: the adapters' one rule (``text_sent``)."""

from __future__ import annotations

import pytest

from platforms.constants import Platform
from platforms.providers import provider_class, provider_classes
from platforms.providers.telegram import CAPTION_MAX, caption_text, cut_caption
from platforms.providers.texts import utf16_length

LONG_TITLE = "Очень длинный заголовок клипа " * 10  # 300 characters
LONG_DESCRIPTION = "Описание клипа с подробностями. " * 300


def test_a_vk_video_cuts_the_title_at_128_and_the_description_at_5000():
    vk = provider_class(Platform.VK)

    sent = vk.text_sent(title=LONG_TITLE, description=LONG_DESCRIPTION, mode="video")

    assert sent.title == LONG_TITLE[:128]
    assert sent.description == LONG_DESCRIPTION[:5000]
    assert sent.cut and sent.caption is None


def test_a_vk_clip_has_one_text_of_title_and_description_cut_at_5000():
    vk = provider_class(Platform.VK)

    sent = vk.text_sent(title=LONG_TITLE, description=LONG_DESCRIPTION, mode="clip")

    whole = f"{LONG_TITLE.strip()}\n\n{LONG_DESCRIPTION.strip()}"
    assert sent.caption == whole[:5000] and sent.cut
    assert sent.title == LONG_TITLE.strip()
    assert f"{sent.title}\n\n{sent.description}" == sent.caption
    # A Клип is VK's default: its limits are the one text's.
    assert vk.text_sent(title=LONG_TITLE, description=LONG_DESCRIPTION) == sent
    assert vk.text_limits_for(None).caption == 5000 and vk.text_limits_for(None).title is None


@pytest.mark.parametrize(("platform", "title_max"), [(Platform.RUTUBE, 100), (Platform.DZEN, 200)])
def test_rutube_and_dzen_cut_to_the_fields_their_api_accepts(platform, title_max):
    sent = provider_class(platform).text_sent(title=LONG_TITLE, description=LONG_DESCRIPTION)

    assert sent.title == LONG_TITLE[:title_max]
    assert sent.description == LONG_DESCRIPTION[:5000]


def test_a_text_within_every_limit_is_sent_as_written():
    for provider in provider_classes():
        sent = provider.text_sent(title="Заголовок", description="Описание")
        assert not sent.cut
        assert (sent.title, sent.description) == ("Заголовок", "Описание")


def test_telegram_sends_one_caption_of_title_and_description_cut_at_1024_utf16_units():
    telegram = provider_class(Platform.TELEGRAM)
    description = "🎬 кадр " * 300  # the emoji counts two units

    sent = telegram.text_sent(title="Заголовок", description=description)

    assert sent.caption == cut_caption(caption_text("Заголовок", description))
    assert utf16_length(sent.caption) <= CAPTION_MAX
    assert sent.caption.endswith("…") and sent.cut
    # Its parts are what remains of each: together they are the caption.
    assert sent.title == "Заголовок"
    assert f"{sent.title}\n\n{sent.description}" == sent.caption


def test_telegram_measures_text_in_utf16_units_and_vk_in_characters():
    assert provider_class(Platform.TELEGRAM).text_length("🎬") == 2
    assert provider_class(Platform.VK).text_length("🎬") == 1


def test_telegram_caption_cut_inside_a_long_title_is_all_title():
    telegram = provider_class(Platform.TELEGRAM)
    title = "слово " * 300

    sent = telegram.text_sent(title=title, description="Описание")

    assert sent.title == sent.caption and sent.description == ""


def test_an_override_that_does_not_fit_its_platform_is_refused_in_russian():
    vk = provider_class(Platform.VK)
    telegram = provider_class(Platform.TELEGRAM)
    dzen = provider_class(Platform.DZEN)

    assert vk.text_problems(title="з" * 129, description="", mode="video") == [
        "Заголовок для VK длиннее 128 символов (129). Сократите его."
    ]
    assert vk.text_problems(title="з" * 129, description="", mode="clip") == []
    assert telegram.text_problems(title="Заголовок", description="д" * 1020) == [
        "Подпись для Telegram (заголовок и описание вместе) длиннее 1024 символов (1031). "
        "Сократите текст."
    ]
    assert dzen.text_problems(title="з" * 201, description="") == [
        "Заголовок для Дзена длиннее 200 символов (201). Сократите его."
    ]
    assert vk.text_problems(title="з" * 128, description="д" * 5000, mode="video") == []
