"""Helpers shared by every provider's tests: fake clips, recorders, request decoding, secret checks.

A provider's test module only states data (what the platform answers) and expectations (what
was sent, what came back or was raised); the plumbing lives here and in ``conftest.py``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from requests_toolbelt.multipart.decoder import MultipartDecoder

from platforms.providers import ClipFile, PlatformHandle, ProviderError, PublishMeta

TEST_URLS = {
    "VK_API_URL": "https://api.vk.test/method",
    "VK_ID_URL": "https://id.vk.test",
    "TELEGRAM_API_URL": "https://api.telegram.test",
    "RUTUBE_API_URL": "https://rutube.test/api",
    "DZEN_API_URL": "https://dzen.test/api",
    "YANDEX_OAUTH_URL": "https://oauth.yandex.test",
}
USER_AGENT = "ClipMaker-Test/1.0"


def clip_bytes(size: int) -> bytes:
    """Deterministic, non-repeating-ish content so a shuffled or truncated upload shows."""
    pattern = bytes(range(251))
    return (pattern * (size // len(pattern) + 1))[:size]


def make_clip(
    size: int = 3000, *, public_url: str | None = None, missing: bool = False
) -> ClipFile:
    content = clip_bytes(size)

    def opener() -> io.BytesIO:
        if missing:
            raise FileNotFoundError("clips/1/clip.mp4")
        return io.BytesIO(content)

    return ClipFile(name="clips/1/clip.mp4", size=size, open=opener, public_url=public_url)


META = PublishMeta(title="Закат над Волгой", description="Снято на телефон #лето")


@dataclass
class Recorder:
    """Collects progress and handle callbacks, plus an ordered event log shared with mocks."""

    progress: list[int] = field(default_factory=list)
    handles: list[PlatformHandle] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    def on_progress(self, sent: int) -> None:
        self.progress.append(sent)

    def on_handle(self, handle: PlatformHandle) -> None:
        # The engine stores the handle as JSON: prove it round-trips.
        assert PlatformHandle.from_json(json.loads(json.dumps(handle.to_json()))) == handle
        self.handles.append(handle)
        self.events.append("handle")

    def kwargs(self) -> dict[str, Any]:
        return {"progress": self.on_progress, "on_handle": self.on_handle}


def body_bytes(request: Any) -> bytes:
    body = request.body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    return bytes(body)


def form(request: Any) -> dict[str, str]:
    """The urlencoded form body of a recorded request."""
    return dict(parse_qsl(body_bytes(request).decode(), keep_blank_values=True))


def query(request: Any) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))


def json_body(request: Any) -> Any:
    return json.loads(body_bytes(request))


@dataclass
class Part:
    content: bytes
    filename: str | None
    content_type: str | None


def multipart(request: Any) -> dict[str, Part]:
    """The multipart/form-data parts of a recorded request, by field name."""
    decoder = MultipartDecoder(body_bytes(request), request.headers["Content-Type"])
    parts: dict[str, Part] = {}
    for part in decoder.parts:
        disposition = part.headers[b"Content-Disposition"].decode()
        params = dict(
            item.strip().split("=", 1) for item in disposition.split(";")[1:] if "=" in item
        )
        name = params["name"].strip('"')
        filename = params.get("filename", "").strip('"') or None
        ctype = part.headers.get(b"Content-Type")
        parts[name] = Part(part.content, filename, ctype.decode() if ctype else None)
    return parts


def assert_no_secret(err: ProviderError, *secrets: str) -> None:
    """No secret anywhere a log line, an error report or a user could see it."""
    visible = " ".join(
        [str(err), repr(err), err.user_message, err.platform_message, *map(str, err.args)]
    )
    for secret in secrets:
        assert secret not in visible, f"secret leaked into {type(err).__name__}"
    # Chained exceptions end up in error reports too.
    assert err.__cause__ is None or all(s not in repr(err.__cause__) for s in secrets)


def assert_russian(message: str) -> None:
    assert any("а" <= ch.lower() <= "я" or ch.lower() == "ё" for ch in message), message


def urls(calls: Iterable[Any]) -> list[str]:
    return [call.request.url for call in calls]
