"""Structured log lines: JSON in production, readable in development, with request ids."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import structlog

from clipmaker.logging import formatter, log_event, logging_config
from clipmaker.request_context import (
    _before_task_publish,
    _task_prerun,
    request_context_bind,
    request_context_clear,
    request_id_current,
)


@pytest.fixture
def capture() -> Iterator[callable]:  # type: ignore[valid-type]
    """Attach a handler with the product's formatter where the console handler is (the root
    logger and Django's, which does not propagate)."""
    attached: list[tuple[logging.Logger, logging.Handler]] = []
    root = logging.getLogger()
    saved = root.level
    root.setLevel(logging.INFO)

    def attach(fmt: str) -> io.StringIO:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter(fmt))
        for logger in (root, logging.getLogger("django"), logging.getLogger("django.server")):
            logger.addHandler(handler)
            attached.append((logger, handler))
        return stream

    yield attach
    for logger, handler in attached:
        logger.removeHandler(handler)
    root.setLevel(saved)
    request_context_clear()


def test_an_event_is_one_json_line_with_its_fields_and_the_request_id(capture):
    out = capture("json")
    request_context_bind(request_id="req-123")

    log_event("publish_job_start", publication_id=7, platform="vk", attempt=1, clip_id=3)

    line = json.loads(out.getvalue().strip())
    assert line["event"] == "publish_job_start"
    assert line["logger"] == "clipmaker.events"
    assert line["level"] == "info"
    assert line["request_id"] == "req-123"
    assert (line["publication_id"], line["platform"], line["attempt"]) == (7, "vk", 1)
    assert line["time"].endswith("Z")


def test_development_lines_are_readable_text(capture):
    out = capture("console")

    log_event("publish_job_success", publication_id=9, platform="telegram", latency_seconds=2.5)

    text = out.getvalue()
    assert text.count("\n") == 1 and not text.startswith("{")
    assert "publish_job_success" in text and "publication_id=9" in text


def test_level_filtering_keeps_a_warning_event_and_drops_info(capture, caplog):
    out = capture("json")
    logging.getLogger("clipmaker.events").setLevel(logging.WARNING)
    try:
        log_event("publish_job_start", publication_id=1, platform="vk")
        log_event("publish_job_failed", level=logging.WARNING, publication_id=1, platform="vk")
    finally:
        logging.getLogger("clipmaker.events").setLevel(logging.NOTSET)

    events = [json.loads(line)["event"] for line in out.getvalue().splitlines()]
    assert events == ["publish_job_failed"]


def test_events_keep_their_stdlib_shape_for_handlers_of_other_libraries(caplog):
    caplog.set_level(logging.INFO, logger="clipmaker.events")

    log_event("token_refresh_success", connection_id="c-1", platform="vk")

    [record] = [r for r in caplog.records if r.getMessage() == "token_refresh_success"]
    assert record.fields == {"connection_id": "c-1", "platform": "vk"}


def test_runserver_access_lines_are_redacted(capture):
    """runserver's access log prints request paths: OAuth codes, Telegram bot paths."""
    out = capture("json")
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
    logging.getLogger("django.server").handle(record)
    oauth = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s',
        ("GET /api/oauth/vk/callback?code=c0deSECRETvalue&state=st4teSECRETvalue HTTP/1.1",
         "302", "0"),
        None,
    )  # fmt: skip
    logging.getLogger("django.server").handle(oauth)

    text = out.getvalue()
    assert "AAsecretsecret" not in text
    assert "c0deSECRET" not in text and "st4teSECRET" not in text
    assert "code=[redacted]&state=[redacted]" in text


def test_every_server_logger_goes_through_the_one_handler():
    config = logging_config(level="INFO", fmt="json")
    for name in ("django", "django.server", "gunicorn.error", "gunicorn.access"):
        assert config["loggers"][name]["handlers"] == ["console"]
        assert config["loggers"][name]["propagate"] is False
    assert config["root"]["handlers"] == ["console"]
    assert config["formatters"]["structured"]["fmt"] == "json"


# --- request ids -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_response_carries_a_fresh_request_id(client):
    first = client.get("/accounts/login/")
    second = client.get("/accounts/login/")

    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.django_db
def test_a_request_id_from_the_trusted_proxy_is_kept(client, settings):
    settings.TRUST_X_REQUEST_ID = True

    kept = client.get("/accounts/login/", HTTP_X_REQUEST_ID="proxy-7f3a9c")
    refused = client.get("/accounts/login/", HTTP_X_REQUEST_ID="bad id\nwith newline")

    assert kept["X-Request-ID"] == "proxy-7f3a9c"
    assert refused["X-Request-ID"] != "bad id\nwith newline"


@pytest.mark.django_db
def test_a_client_cannot_choose_its_request_id_without_a_trusted_proxy(client, settings):
    settings.TRUST_X_REQUEST_ID = False

    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="chosen-by-client")

    assert response["X-Request-ID"] != "chosen-by-client"


@pytest.mark.django_db
def test_web_log_lines_of_a_request_carry_its_id(client, capture):
    out = capture("json")

    response = client.get("/no-such-page/")

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    not_found = [line for line in lines if line["event"].startswith("Not Found")]
    assert not_found and not_found[0]["request_id"] == response["X-Request-ID"]


def test_a_task_sent_during_a_request_carries_the_id_and_the_worker_binds_it():
    request_context_bind(request_id="req-abc")
    headers: dict[str, str] = {}
    _before_task_publish(headers=headers)
    request_context_clear()
    assert headers == {"request_id": "req-abc"}

    task = SimpleNamespace(name="publishing.tasks.publish_vk", request=SimpleNamespace(**headers))
    _task_prerun(task_id="t-1", task=task)
    try:
        context = structlog.contextvars.get_contextvars()
        assert context == {
            "request_id": "req-abc",
            "task_id": "t-1",
            "task": "publishing.tasks.publish_vk",
        }
        assert request_id_current() == "req-abc"
    finally:
        request_context_clear()


def test_no_header_is_added_outside_a_request():
    request_context_clear()
    headers: dict[str, str] = {}
    _before_task_publish(headers=headers)
    assert headers == {}


def test_fields_bound_for_a_task_are_on_each_of_its_lines_and_gone_after(capture):
    from clipmaker.request_context import _task_postrun, log_context_bind

    out = capture("json")
    task = SimpleNamespace(name="publishing.tasks.publish_vk", request=SimpleNamespace())
    _task_prerun(task_id="t-2", task=task)
    log_context_bind(publication_id=42, user_id=7)
    logging.getLogger("platforms.providers.vk").info("upload started")
    _task_postrun()
    logging.getLogger("platforms.providers.vk").info("after the task")

    during, after = (json.loads(line) for line in out.getvalue().splitlines())
    assert (during["publication_id"], during["user_id"], during["task_id"]) == (42, 7, "t-2")
    assert "publication_id" not in after and "task_id" not in after
