"""The redaction layer hides real-shaped tokens of all four platforms wherever they appear."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from clipmaker.logging import formatter, log_event
from clipmaker.redaction import (
    REDACTED,
    redact,
    redact_value,
    secret_is_registered,
    secret_register,
)
from tests.ops.tokens import leaked, real_shaped_tokens, rutube_token


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """What the product's JSON handler writes for every logger (root), captured."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    root = logging.getLogger()
    root.addHandler(handler)
    saved = root.level
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)


def _shaped() -> dict[str, str]:
    """Tokens recognised by their shape only (nothing registered)."""
    tokens = real_shaped_tokens()
    del tokens["rutube"], tokens["code"], tokens["state"]
    return tokens


def test_every_platform_shape_is_hidden_in_plain_text():
    for name, token in _shaped().items():
        cleaned = redact(f"{name} token {token}, then more text")
        assert not leaked(cleaned, {name: token}), name
        assert "then more text" in cleaned


def test_a_rutube_token_has_no_shape_and_is_hidden_once_registered():
    token = rutube_token()
    assert token in redact(f"token is {token}")  # 40 hex characters look like any digest

    secret_register(token)

    assert secret_is_registered(token)
    assert token not in redact(f"token is {token}")
    assert token not in redact(f"url?x={token}&y=1")


def test_registered_secrets_are_also_hidden_url_encoded_and_html_escaped():
    secret = "ab+cd/ef=gh&<ij>"
    secret_register(secret)

    assert redact("q=ab%2Bcd%2Fef%3Dgh%26%3Cij%3E") == f"q={REDACTED}"
    assert "ab+cd" not in redact("<td>ab+cd/ef=gh&amp;&lt;ij&gt;</td>")


def test_oauth_and_secret_parameters_in_urls_and_bodies():
    text = (
        "GET /api/oauth/vk/callback?code=Zx81kSecretCode&state=St4teSecret&device_id=d1 "
        "body=grant_type=authorization_code&code_verifier=V3rifierSecret&client_secret=Cl1Secret "
        'json={"access_token": "At0kenSecret", "refresh_token":"Rt0kenSecret"} '
        "redis://:Pa55wordSecret@redis:6379/0"
    )
    cleaned = redact(text)
    for secret in (
        "Zx81kSecretCode",
        "St4teSecret",
        "V3rifierSecret",
        "Cl1Secret",
        "At0kenSecret",
        "Rt0kenSecret",
        "Pa55wordSecret",
    ):
        assert secret not in cleaned
    assert "device_id=d1" in cleaned  # not a secret
    assert "error_code=5" in redact("error_code=5")  # our error codes stay readable


def test_nested_fields_exceptions_and_objects_are_walked():
    tokens = _shaped()

    class Creds:
        def __str__(self) -> str:
            return f"Creds({tokens['vk']})"

    value = {
        "list": [tokens["vk"], {"deep": [tokens["dzen"]]}],
        "tuple": (tokens["telegram"],),
        "error": RuntimeError(f"refused {tokens['telegram']}"),
        "object": Creds(),
        "password": "hunter2-long-enough",
        "params": {"code": "oauth-code-value", "state": "oauth-state-value"},
        "count": 3,
    }
    cleaned = redact_value(value)
    text = json.dumps(cleaned, ensure_ascii=False)

    assert not leaked(text, tokens)
    assert "hunter2" not in text and "oauth-code-value" not in text
    assert "oauth-state-value" not in text
    assert cleaned["count"] == 3
    assert cleaned["error"].startswith("RuntimeError: refused ")


def test_log_lines_hide_tokens_in_message_arguments_fields_and_tracebacks(output):
    tokens = _shaped()
    rutube = rutube_token()
    secret_register(rutube)
    tokens["rutube"] = rutube
    joined = " ".join(tokens.values())
    log = logging.getLogger("tests.redaction")

    log.info(f"message {joined}")
    log.info("arguments %s %r", joined, list(tokens.values()))
    log_event("probe_event", vk=tokens["vk"], nested={"all": list(tokens.values())}, code="5")
    try:
        raise ValueError(f"exception {joined}")
    except ValueError:
        log.exception("failed")

    text = output.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["event"] for line in lines][:3] == [
        f"message {' '.join([REDACTED] * 4)}",
        lines[1]["event"],
        "probe_event",
    ]
    assert not leaked(text, tokens)
    assert lines[2]["code"] == "5"  # the platform's error code is no secret
    assert "ValueError: exception" in lines[3]["exception"]
    assert "Traceback" in lines[3]["exception"]


def test_tokens_are_registered_when_sealed_and_opened(db):
    from tests.factories import PlatformConnectionFactory

    sealed = rutube_token()
    conn = PlatformConnectionFactory(platform="rutube", tokens=(sealed, None))
    assert secret_is_registered(sealed)

    from clipmaker.redaction import secrets_forget_all

    secrets_forget_all()
    conn.credentials()  # a worker opening the token registers it again
    assert secret_is_registered(sealed)


def test_tokens_a_request_brings_are_registered(client, db):
    posted, api, code, state = rutube_token(), rutube_token(), rutube_token(), rutube_token()

    client.post(
        "/accounts/login/",
        f"username=x&password=y&token={posted}",
        content_type="application/x-www-form-urlencoded",
    )
    client.post("/api/v1/platforms/connect/", {"token": api}, content_type="application/json")
    client.get(f"/api/oauth/vk/callback?code={code}&state={state}")

    for value in (posted, api, code, state):
        assert secret_is_registered(value)


def test_a_bare_bot_token_is_hidden_whole():
    # Bot tokens may end in "-" or "_" and may follow a letter (no "/bot" before them).
    token = "1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDs-"
    for text in (f"chat {token} failed", f"'{token}'", f"bot{token}: refused"):
        cleaned = redact(text)
        assert "1234567890" not in cleaned
        assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDs" not in cleaned
        assert "PALDs-" not in cleaned and "[redacted]-" not in cleaned


def test_oauth_code_and_state_in_json_and_reprs_are_hidden_but_error_codes_stay():
    params = "{'code': 'Vk2codeAbCdEf123456', 'state': 'Zq9-Kx81LmN0pQ7rS4tU'}"
    dzen_error = '{"error": {"code": "video_processing_failed", "message": "Видео не принято"}}'

    assert "Vk2codeAbCdEf123456" not in redact(params)
    assert "Zq9-Kx81LmN0pQ7rS4tU" not in redact(params)
    assert redact(dzen_error) == dzen_error
    assert "code='[redacted]'" in redact("exchange(code='Vk2codeAbCdEf123456')")


def test_secrets_are_found_at_any_position_and_overlaps_hidden_as_one():
    first, second = "Qw3rTy7uIoP1", "IoP1aSd5FgH9"  # the second starts inside the first
    secret_register(first)
    secret_register(second)

    for prefix in ("", "a", "ab", "abc", "abcd", "abcde"):
        assert redact(f"{prefix}{first}!", marker="#") == f"{prefix}#!"
    assert redact(f"x{first}aSd5FgH9y", marker="#") == "x#y"
