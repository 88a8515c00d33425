"""Tokens and the shared state file, without HTTP (plus one cross-process check)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from platforms.sandbox import control
from platforms.sandbox.tokens import (
    REFRESH,
    TokenError,
    mint_bot_token,
    mint_token,
    verify_bot_token,
    verify_token,
)

ROOT = Path(__file__).resolve().parents[2]


def test_minted_token_carries_its_claims(sandbox_state):
    token = mint_token("vk", 42, name="Анна Петрова", ttl=60)

    claims = verify_token(token, platform="vk")

    assert token.startswith("sbx-vk-")
    assert (claims.account, claims.name, claims.kind) == ("42", "Анна Петрова", "access")
    assert token not in repr(claims)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t.replace("sbx-vk-", "sbx-dzen-"),
        lambda t: t + "x",
    ],
)
def test_tampered_token_is_invalid(sandbox_state, mutate):
    token = mint_token("vk", 42)

    with pytest.raises(TokenError) as raised:
        verify_token(mutate(token), platform="vk")

    assert raised.value.reason == "invalid"


def test_token_of_another_kind_or_platform_is_invalid(sandbox_state):
    refresh = mint_token("vkid", 42, kind=REFRESH)

    with pytest.raises(TokenError):
        verify_token(refresh, platform="vkid")
    with pytest.raises(TokenError):
        verify_token(mint_token("dzen", 42), platform="vk")


def test_token_expires_on_the_sandbox_clock(sandbox_state):
    token = mint_token("dzen", 7, ttl=30)
    control.advance_clock(31)

    with pytest.raises(TokenError) as raised:
        verify_token(token, platform="dzen")

    assert raised.value.reason == "expired"


def test_token_signed_under_another_secret_key_is_invalid(sandbox_state, settings):
    token = mint_token("rutube", 1, ttl=0)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"

    with pytest.raises(TokenError):
        verify_token(token, platform="rutube")


def test_bot_token_has_the_real_shape(sandbox_state):
    token = mint_bot_token(7000000123)

    bot_id, secret = token.split(":")
    assert bot_id == "7000000123" and len(secret) == 35 and secret.startswith("AA")
    assert verify_bot_token(token) == 7000000123
    with pytest.raises(TokenError):
        verify_bot_token(f"7000000124:{secret}")


def test_reset_forgets_everything(sandbox_state):
    control.issue_credentials("telegram")
    control.inject("vk", "server_error")
    control.set_processing_seconds(9)

    control.reset()

    assert control.faults() == [] and control.journal() == [] and control.videos() == []
    assert control.knobs()["processing_seconds"] == 0.3


@pytest.mark.live
def test_fault_injected_by_another_process_reaches_the_server(sandbox):
    token = sandbox.control.issue_credentials("vk")["access_token"]
    env = {
        **os.environ,
        "SANDBOX_STATE_PATH": str(sandbox.state_path),
        "DJANGO_SETTINGS_MODULE": "clipmaker.settings",
    }
    script = "import django; django.setup(); from platforms.sandbox import control; control.inject('vk', 'server_error')"

    subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True, timeout=60)
    answer = requests.post(
        f"{sandbox.vk_api_url}/users.get", data={"v": "5.199", "access_token": token}, timeout=10
    )

    assert answer.status_code == 500


def test_journal_keeps_only_the_latest_requests(sandbox_state, monkeypatch):
    from platforms.sandbox import endpoint
    from platforms.sandbox.state import get_store

    monkeypatch.setattr(endpoint, "JOURNAL_KEEP", 5)
    monkeypatch.setattr(endpoint, "JOURNAL_PRUNE_EVERY", 10)
    for n in range(10):
        endpoint.record(
            get_store(),
            platform="vk",
            method=f"m{n}",
            http_method="GET",
            path="/",
            status=200,
            bytes_in=0,
            started=0.0,
            fault=None,
        )

    assert [entry["method"] for entry in control.journal()] == ["m5", "m6", "m7", "m8", "m9"]
