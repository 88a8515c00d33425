"""Structured logs never carry a token."""

from __future__ import annotations

import json
import logging

from clipmaker.logging import JsonFormatter, RedactTokensFilter, log_event, redact


def test_redact_hides_every_token_shape():
    text = (
        "Authorization: Bearer abcdefghijklmnop access_token=vk1.a.SECRETVALUE "
        "url=https://api.telegram.org/bot123456:AAHsecretsecretsecret/sendVideo "
        'body={"refresh_token": "r-SECRET-123"} OAuth y0_AgSECRETSECRET'
    )
    cleaned = redact(text)
    for secret in (
        "abcdefghijklmnop",
        "SECRETVALUE",
        "AAHsecretsecretsecret",
        "r-SECRET-123",
        "y0_AgSECRETSECRET",
    ):
        assert secret not in cleaned


def test_redact_hides_a_bare_bot_token_whole():
    # Bot tokens may end in "-" or "_" and may follow a letter (no "/bot" before them).
    token = "1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDs-"
    for text in (f"chat {token} failed", f"'{token}'", f"bot{token}: refused"):
        cleaned = redact(text)
        assert "1234567890" not in cleaned
        assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDs" not in cleaned
        assert "PALDs-" not in cleaned and "[redacted]-" not in cleaned


def test_event_lines_are_json_with_fields_and_redacted(caplog):
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactTokensFilter())
    records: list[str] = []
    handler.emit = lambda record: records.append(handler.format(record))  # type: ignore[method-assign]
    logger = logging.getLogger("clipmaker.events")
    logger.addHandler(handler)
    try:
        log_event(
            "publish_job_start",
            publication_id=7,
            platform="vk",
            detail="token access_token=SECRET-XYZ",
        )
    finally:
        logger.removeHandler(handler)
    payload = json.loads(records[-1])
    assert payload["event"] == "publish_job_start"
    assert payload["publication_id"] == 7
    assert payload["platform"] == "vk"
    assert "SECRET-XYZ" not in records[-1]


def test_django_access_log_lines_are_redacted():
    """runserver's access log prints request paths; Telegram paths carry the bot token."""
    from django.conf import settings

    loggers = settings.LOGGING["loggers"]
    for name in ("django", "django.server"):
        assert loggers[name]["handlers"] == ["console"]
        assert loggers[name]["propagate"] is False
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["redact"]

    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        (
            "GET /sandbox/telegram/bot7000001:AAsecretsecretsecretsecretsecret12/getMe HTTP/1.1",
            "200",
            "55",
        ),
        None,
    )
    RedactTokensFilter().filter(record)
    assert "AAsecretsecret" not in JsonFormatter().format(record)
