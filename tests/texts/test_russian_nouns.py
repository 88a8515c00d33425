"""Platform names are nouns with a fixed gender and case forms, declared once on each adapter,
and every message that names a platform declines it and agrees with it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

import pytest

from platforms.constants import MB, Platform
from platforms.providers import (
    AccountInfo,
    Gender,
    Noun,
    PlatformProvider,
    provider_class,
    provider_classes,
)
from platforms.providers.registry import registered
from publishing import rules, validation
from publishing.presenters import publication_status_text

ROOT = Path(__file__).resolve().parents[2]


class FeminineProvider(PlatformProvider):
    """A throw-away platform with a feminine, declined name: «Лента»."""

    platform: ClassVar[str] = "lenta"
    label: ClassVar[str] = "Лента"
    noun: ClassVar[Noun] = Noun(
        "Лента", "Ленты", "Ленте", "Ленту", "Лентой", "Ленте", Gender.FEMININE
    )
    max_file_size: ClassVar[int] = 10 * MB
    upload_timeout: ClassVar[float] = 10.0

    def verify(self, *, credentials: Any) -> AccountInfo:
        raise NotImplementedError

    def publish(self, **kwargs: Any) -> Any:
        raise NotImplementedError

    def check(self, **kwargs: Any) -> Any:
        raise NotImplementedError


@pytest.fixture
def lenta():
    with registered(FeminineProvider):
        yield FeminineProvider


def test_every_built_in_platform_declares_its_noun_and_gender():
    for provider in provider_classes():
        assert isinstance(provider.__dict__.get("noun"), Noun), provider
        assert provider.noun.nominative == provider.label
    dzen = provider_class(Platform.DZEN).noun
    assert (dzen.genitive, dzen.dative, dzen.instrumental, dzen.prepositional) == (
        "Дзена",
        "Дзену",
        "Дзеном",
        "Дзене",
    )
    assert provider_class(Platform.TELEGRAM).noun.gender == Gender.MASCULINE


def test_messages_decline_a_declinable_name():
    assert rules.file_too_big_message(Platform.DZEN).startswith(
        "Файл слишком большой для Дзена (максимум 4 ГБ)."
    )
    assert rules.outcome_unknown_message(Platform.DZEN).startswith("Связь с Дзеном прервалась")
    assert "Проверьте канал в Дзене" in rules.disconnected_after_upload_message(Platform.DZEN)
    assert validation.all_disabled_message(Platform.DZEN).startswith("Все места в Дзене выключены")
    assert provider_class(Platform.DZEN)().auth_expired_message().startswith("Доступ к Дзену истёк")


def test_messages_agree_with_the_platforms_gender(lenta):
    provider = lenta()

    assert rules.disconnect_cancelled_message("lenta") == (
        "Отменено: Лента отключена от КлипМейкера."
    )
    assert rules.disconnect_cancelled_message(Platform.TELEGRAM) == (
        "Отменено: Telegram отключён от КлипМейкера."
    )
    assert rules.not_connected_message("lenta") == "Подключите Ленту в настройках."
    assert provider.auth_expired_message() == (
        "Доступ к Ленте истёк или отозван. Переподключите Ленту в разделе «Платформы»."
    )
    assert str(provider.map_error(503, None, _common())).startswith(
        "Лента временно недоступна (ошибка 503)."
    )
    assert str(provider.map_error(400, None, _common())).startswith("Лента отклонила запрос")
    assert rules.time_limit_message("lenta").startswith("Лента принимала клип слишком долго.")


def test_a_processing_publication_reads_in_the_prepositional_case():
    class Row:
        status = "publishing"
        claim_token = None
        platform = Platform.DZEN

    assert publication_status_text(Row(), now=None) == "Обрабатывается в Дзене"


def _common() -> dict[str, Any]:
    return {
        "platform": "lenta",
        "status": 0,
        "code": None,
        "platform_message": "",
        "body_sent": False,
    }


# Messages are written with the noun: ``{noun.genitive}``, ``noun.agree(...)``. A bare label
# glued into a Russian sentence cannot decline or agree.
BARE_LABEL = re.compile(r"\{(label|self\.label|cls\.label|provider\.label)\}|platform_label\(")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def test_no_russian_message_glues_a_bare_platform_label():
    offenders = []
    for folder in ("platforms", "publishing", "clipmaker", "stats"):
        for path in (ROOT / folder).rglob("*.py"):
            if "sandbox" in path.parts or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if CYRILLIC.search(line) and BARE_LABEL.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
