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
_WINDOW = MIN_SECRET_LENGTH // 2

_Replacement = Callable[[re.Match[str], str], str]
# A cheap test on (text, text.lower()) that lets most lines skip a pattern entirely.
_Gate = Callable[[str, str], bool]

_SHAPES: list[tuple[_Gate, re.Pattern[str], _Replacement]] = [
    # Whole tokens first, so that a generic rule below cannot cut one in two ("token 123:AA…").
    # Telegram bot token in an API path.
    (
        lambda t, low: "/bot" in t,
        re.compile(r"/bot\d+:[A-Za-z0-9_-]+"),
        lambda m, mark: f"/bot{mark}",
    ),
    # Bare Telegram bot token (digits:secret), whole, even ending in "-" or "_".
    (
        lambda t, low: ":" in t,
        re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])"),
        lambda m, mark: mark,
    ),
    # VK access tokens.
    (
        lambda t, low: "vk1.a." in t,
        re.compile(r"\bvk1\.a\.[A-Za-z0-9_.-]{8,}"),
        lambda m, mark: mark,
    ),
    # Yandex OAuth tokens (Дзен).
    (
        lambda t, low: "_" in t,
        re.compile(r"(?<![A-Za-z0-9_-])y[0-4]_[A-Za-z0-9_-]{16,}"),
        lambda m, mark: mark,
    ),
    # The platform sandbox's tokens.
    (lambda t, low: "sbx-" in t, re.compile(r"\bsbx-[A-Za-z0-9._-]{10,}"), lambda m, mark: mark),
    # Authorization header values and their echoes: "Bearer x", "OAuth x", "Token x".
    (
        lambda t, low: "bearer" in low or "oauth" in low or "token" in low,
        re.compile(r"(?i)\b(bearer|oauth|token)(\s+)[A-Za-z0-9._~+/=-]{8,}"),
        lambda m, mark: f"{m.group(1)}{m.group(2)}{mark}",
    ),
    # Secret parameters in query strings, forms, JSON and reprs: name=value, "name": "value".
    (
        lambda t, low: "token" in low or "secret" in low or "verifier" in low or "pass" in low,
        re.compile(
            r"(?i)\b((?:access|refresh|id)_token|client_secret|code_verifier|password)"
            r"([\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;}#]+"
        ),
        lambda m, mark: f"{m.group(1)}{m.group(2)}{mark}",
    ),
    # OAuth callback parameters: name=value (URLs, forms, reprs) ...
    (
        lambda t, low: "code=" in t or "state=" in t,
        re.compile(r"(?<![\w.-])(code|state)=([\"']?)[^\s\"'&;#<>]+"),
        lambda m, mark: f"{m.group(1)}={m.group(2)}{mark}",
    ),
    # ... and "code": "value" (JSON, dict reprs) when the value looks random: long, with a digit
    # or a capital. A platform's error code ("5", "video_not_found") stays readable.
    (
        lambda t, low: "code" in t or "state" in t,
        re.compile(
            r"([\"'])(code|state)\1(\s*:\s*)([\"'])(?=[^\"']*[A-Z0-9])[A-Za-z0-9._~+/=-]{16,}\4"
        ),
        lambda m, mark: (
            f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}{m.group(4)}{mark}{m.group(4)}"
        ),
    ),
    # Passwords in URLs: scheme://user:password@host.
    (
        lambda t, low: "://" in t and "@" in t,
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
    """Literal secrets of this process.

    A secret is at least ``MIN_SECRET_LENGTH`` (8) characters long, so any occurrence of it
    covers a whole 4-character window starting at a multiple of 4. Each secret is indexed under
    its four windows at offsets 0-3; a text is looked up only at every fourth position. The
    cost of a line grows with its length, not with the number of secrets (one regular
    expression alternating 20,000 secrets took milliseconds per line).
    """

    def __init__(self) -> None:
        self._values: dict[str, None] = {}
        self._lock = threading.Lock()
        self._index: dict[str, tuple[tuple[int, str], ...]] | None = None

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
            self._index = None

    def _lookup(self) -> dict[str, tuple[tuple[int, str], ...]]:
        index = self._index
        if index is None:
            with self._lock:
                grouped: dict[str, list[tuple[int, str]]] = {}
                for value in self._values:
                    for offset in range(_WINDOW):
                        window = value[offset : offset + _WINDOW]
                        grouped.setdefault(window, []).append((offset, value))
                index = self._index = {k: tuple(v) for k, v in grouped.items()}
        return index

    def hide(self, text: str, marker: str) -> str:
        if not self._values or len(text) < MIN_SECRET_LENGTH:
            return text
        lookup = self._lookup().get
        spans: list[tuple[int, int]] = []
        for q in range(0, len(text) - _WINDOW + 1, _WINDOW):
            hits = lookup(text[q : q + _WINDOW])
            if hits:
                for offset, secret in hits:
                    start = q - offset
                    if start >= 0 and text.startswith(secret, start):
                        spans.append((start, start + len(secret)))
        if not spans:
            return text
        # Overlapping occurrences are hidden as one span.
        spans.sort()
        parts: list[str] = []
        position = 0
        span_start, span_end = spans[0]
        for start, end in spans[1:]:
            if start <= span_end:
                span_end = max(span_end, end)
                continue
            parts += [text[position:span_start], marker]
            position, (span_start, span_end) = span_end, (start, end)
        parts += [text[position:span_start], marker, text[span_end:]]
        return "".join(parts)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._index = None

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
    text = _registry.hide(text, marker)
    low = text.lower()
    for gate, pattern, replace in _SHAPES:
        if gate(text, low):
            text = pattern.sub(_replacer(replace, marker), text)
    return text


def _replacer(
    replace: Callable[[re.Match[str], str], str], marker: str
) -> Callable[[re.Match[str]], str]:
    return lambda match: replace(match, marker)


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
