"""One redaction layer for every log line, error page and platform message.

Two kinds of knowledge:

* **Secrets in use.** Every token the process decrypts, encrypts or receives in a request is
  registered (``secret_register``) and from then on, for the life of the process, hidden
  wherever it appears literally — also percent-encoded (URLs) and HTML-escaped (error pages).
  This is what catches a Rutube API token, which has no shape of its own.
* **Token shapes.** VK ``vk1.a.…``, Yandex ``y0_…``, Telegram ``<digits>:<35 chars>`` (bare or
  in a ``/bot…/`` path), sandbox ``sbx-…``, ``Bearer``/``OAuth``/``Token`` headers, secret
  parameters (``access_token=``, ``refresh_token=``, ``code_verifier=``, ``client_secret=``,
  ``password=``, and OAuth ``code=`` / ``state=`` in URLs and forms), passwords in URLs.

``redact`` cleans a string, ``redact_value`` a nested structure (dicts, lists, exceptions,
arbitrary objects by their ``str``); dictionary keys that name a secret hide their value whole.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote, quote_plus
from uuid import UUID

REDACTED = "[redacted]"
# Shorter values are not registered: hiding every "abc" in every line would hide the logs.
MIN_SECRET_LENGTH = 8
# Bounded so that a long-running worker refreshing many tokens keeps a bounded pattern; the
# oldest registrations go first (they are the least likely to be in use still).
MAX_SECRETS = 20_000
MAX_DEPTH = 8

_Replacement = Callable[[re.Match[str], str], str]

_SHAPES: list[tuple[re.Pattern[str], _Replacement]] = [
    # Whole tokens first, so that a generic rule below cannot cut one in two ("token 123:AA…").
    # Telegram bot token in an API path.
    (re.compile(r"/bot\d+:[A-Za-z0-9_-]+"), lambda m, mark: f"/bot{mark}"),
    # Bare Telegram bot token (digits:secret), whole, even ending in "-" or "_".
    (re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])"), lambda m, mark: mark),
    # VK access tokens.
    (re.compile(r"\bvk1\.a\.[A-Za-z0-9_.-]{8,}"), lambda m, mark: mark),
    # Yandex OAuth tokens (Дзен).
    (re.compile(r"(?<![A-Za-z0-9_-])y[0-4]_[A-Za-z0-9_-]{16,}"), lambda m, mark: mark),
    # The platform sandbox's tokens.
    (re.compile(r"\bsbx-[A-Za-z0-9._-]{10,}"), lambda m, mark: mark),
    # Authorization header values and their echoes: "Bearer x", "OAuth x", "Token x".
    (
        re.compile(r"(?i)\b(bearer|oauth|token)(\s+)[A-Za-z0-9._~+/=-]{8,}"),
        lambda m, mark: f"{m.group(1)}{m.group(2)}{mark}",
    ),
    # Secret parameters in query strings, forms, JSON and reprs: name=value, "name": "value".
    (
        re.compile(
            r"(?i)\b((?:access|refresh|id)_token|client_secret|code_verifier|password)"
            r"([\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;}#]+"
        ),
        lambda m, mark: f"{m.group(1)}{m.group(2)}{mark}",
    ),
    # OAuth callback parameters: name=value (URLs, forms, reprs) ...
    (
        re.compile(r"(?<![\w.-])(code|state)=([\"']?)[^\s\"'&;#<>]+"),
        lambda m, mark: f"{m.group(1)}={m.group(2)}{mark}",
    ),
    # ... and "code": "value" (JSON, dict reprs) when the value looks random: long, with a digit
    # or a capital. A platform's error code ("5", "video_not_found") stays readable.
    (
        re.compile(
            r"([\"'])(code|state)\1(\s*:\s*)([\"'])(?=[^\"']*[A-Z0-9])[A-Za-z0-9._~+/=-]{16,}\4"
        ),
        lambda m, mark: (
            f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}{m.group(4)}{mark}{m.group(4)}"
        ),
    ),
    # Passwords in URLs: scheme://user:password@host.
    (
        re.compile(r"(://[^\s:/@]*:)[^\s@/]+@"),
        lambda m, mark: f"{m.group(1)}{mark}@",
    ),
]

# Keys whose value is a secret whatever it looks like.
_SECRET_KEY = re.compile(
    r"(?i)(^|[_-])(token|access_token|refresh_token|id_token|secret|client_secret|password|"
    r"passwd|authorization|cookie|code_verifier|api_key|apikey|private_key)$"
)
# OAuth's "code" and "state" are secrets inside a nested structure (request parameters); a
# top-level event field "code" is the platform's error code and stays readable.
_NESTED_SECRET_KEY = re.compile(r"(?i)^(code|state)$")


class _SecretRegistry:
    """Literal secrets of this process, matched longest first."""

    def __init__(self) -> None:
        self._values: dict[str, None] = {}
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str) -> None:
        variants = {value, quote(value, safe=""), quote_plus(value, safe=""), html.escape(value)}
        with self._lock:
            fresh = [v for v in variants if v not in self._values]
            if not fresh:
                return
            for variant in fresh:
                self._values[variant] = None
            while len(self._values) > MAX_SECRETS:
                self._values.pop(next(iter(self._values)))
            self._pattern = None

    def pattern(self) -> re.Pattern[str] | None:
        pattern = self._pattern
        if pattern is None and self._values:
            with self._lock:
                ordered = sorted(self._values, key=len, reverse=True)
                pattern = self._pattern = re.compile("|".join(map(re.escape, ordered)))
        return pattern

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._pattern = None

    def __contains__(self, value: object) -> bool:
        return value in self._values


_registry = _SecretRegistry()


def secret_register(value: str | None) -> None:
    """Hide ``value`` from every log line and error report of this process from now on."""
    if isinstance(value, str) and len(value.strip()) >= MIN_SECRET_LENGTH:
        _registry.add(value.strip())


def secrets_register(values: Iterable[str | None]) -> None:
    for value in values:
        secret_register(value)


def secret_is_registered(value: str) -> bool:
    return value in _registry


def secrets_forget_all() -> None:
    """Forget every registered secret (tests only: a process never needs it)."""
    _registry.clear()


def redact(text: str, marker: str = REDACTED) -> str:
    """``text`` with every secret in use and everything token-shaped replaced by ``marker``."""
    if not text:
        return text
    known = _registry.pattern()
    if known is not None:
        text = known.sub(marker, text)
    for pattern, replace in _SHAPES:
        text = pattern.sub(lambda m, replace=replace: replace(m, marker), text)
    return text


_PLAIN = (int, float, bool, type(None), datetime, date, time, timedelta, Decimal, UUID)


def is_secret_key(key: object, *, nested: bool = False) -> bool:
    if not isinstance(key, str):
        return False
    return bool(_SECRET_KEY.search(key) or (nested and _NESTED_SECRET_KEY.match(key)))


def redact_value(value: Any, *, _depth: int = 0) -> Any:
    """A copy of ``value`` safe to log: strings redacted, secret-named keys hidden, nested
    containers walked, exceptions and other objects turned into redacted strings."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, _PLAIN):
        return value
    if _depth >= MAX_DEPTH:
        return "[…]"
    if isinstance(value, bytes | bytearray | memoryview):
        return redact(bytes(value).decode("utf-8", "replace"))
    if isinstance(value, dict):
        return {
            redact(str(k)): (
                REDACTED
                if is_secret_key(k, nested=_depth > 0) and value[k] not in (None, "")
                else redact_value(value[k], _depth=_depth + 1)
            )
            for k in value
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(item, _depth=_depth + 1) for item in value]
    if isinstance(value, BaseException):
        return redact(f"{type(value).__name__}: {value}")
    try:
        shown = str(value)
    except Exception:  # a broken __str__ must not break logging
        shown = f"<{type(value).__name__}>"
    return redact(shown)


def redact_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Top-level event fields: like ``redact_value`` but ``code``/``state`` stay readable."""
    return {
        key: REDACTED
        if is_secret_key(key) and value not in (None, "")
        else redact_value(value, _depth=1 if isinstance(value, dict | list | tuple) else 0)
        for key, value in fields.items()
    }
