"""How an adapter talks to its platform: the HTTP client, one request as JSON with every
failure mapped to the error hierarchy (the hooks an adapter refines: ``error_details``,
``error_for_response``, ``map_error``, the Russian messages), and the streamed-upload helpers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO

import requests

from .errors import (
    AuthExpired,
    ClipFileMissing,
    PermanentError,
    ProviderError,
    RateLimited,
    TransientError,
)
from .facts import ProviderFacts
from .http import HttpClient, UploadBody, multipart_body, parse_retry_after, raw_body, scrub
from .types import (
    ClipFile,
    ProgressCallback,
)


class ProviderCalls(ProviderFacts):
    """The calls half of ``PlatformProvider``: requests, error mapping, uploads."""

    def __init__(self, *, session: requests.Session | None = None) -> None:
        self.http = HttpClient(
            platform=str(self.platform),
            noun=self.noun,
            timeout=(self.connect_timeout, self.read_timeout),
            session=session,
        )

    # Messages ----------------------------------------------------------------------------

    def auth_expired_message(self) -> str:
        return (
            f"Доступ к {self.noun.dative} истёк или отозван. "
            f"Переподключите {self.noun.accusative} в разделе «Платформы»."
        )

    def file_too_big_message(self) -> str:
        return (
            f"Файл слишком большой для {self.noun.genitive} "
            f"(максимум {self.max_file_size_label()}). Сократите или пережмите клип."
        )

    # Error mapping hooks -----------------------------------------------------------------

    def error_details(self, payload: Any) -> tuple[str | int | None, str]:
        """The platform's own (code, message) from an error answer's JSON. Override per platform."""
        if isinstance(payload, Mapping):
            for key in ("detail", "description", "message", "error_description", "error"):
                if isinstance(payload.get(key), str):
                    return payload.get("code"), payload[key]
        return None, ""

    def error_for_response(
        self, response: requests.Response, *, secrets: Iterable[str | None] = (), body_sent: bool
    ) -> ProviderError:
        """Map an HTTP error answer to our hierarchy; adapters refine it by code."""
        payload = _json_or_none(response)
        code, message = self.error_details(payload)
        if not message:
            message = response.text[:300] if response.text else response.reason or ""
        common: dict[str, Any] = {
            "platform": str(self.platform),
            "status": response.status_code,
            "code": code,
            "platform_message": scrub(message, secrets),
            "body_sent": body_sent,
        }
        return self.map_error(response.status_code, code, common, response)

    def map_error(
        self,
        status: int,
        code: str | int | None,
        common: dict[str, Any],
        response: requests.Response | None = None,
    ) -> ProviderError:
        if status == 401:
            return AuthExpired(self.auth_expired_message(), **common)
        if status == 429:
            header = response.headers.get("Retry-After") if response is not None else None
            return RateLimited(
                f"{self.noun} {self.noun.agree('ограничил', 'ограничила', 'ограничило')} "
                "частоту запросов. Публикация повторится автоматически.",
                retry_after=parse_retry_after(header, self.default_retry_after),
                **common,
            )
        if status == 413:
            return PermanentError(self.file_too_big_message(), **common)
        if status >= 500 or status == 408:
            return TransientError(
                f"{self.noun} временно {self.noun.agree('недоступен', 'недоступна', 'недоступно')} "
                f"(ошибка {status}). "
                "Публикация повторится автоматически.",
                **common,
            )
        if status == 403:
            return PermanentError(
                f"{self.noun} {self.noun.agree('запретил', 'запретила', 'запретило')} это "
                "действие. Проверьте права аккаунта и подключите "
                f"{self.noun.accusative} заново. ({common['platform_message']})",
                **common,
            )
        if status == 404:
            return PermanentError(
                f"{self.noun} {self.noun.agree('не нашёл', 'не нашла', 'не нашло')} видео или "
                "адрес API. Опубликуйте клип заново. "
                f"({common['platform_message']})",
                **common,
            )
        return PermanentError(
            f"{self.noun} {self.noun.agree('отклонил', 'отклонила', 'отклонило')} запрос: "
            f"{common['platform_message'] or status}. "
            "Исправьте данные клипа и повторите.",
            **common,
        )

    # Calls -------------------------------------------------------------------------------

    def request_json(
        self,
        method: str,
        url: str,
        *,
        secrets: Iterable[str | None] = (),
        body: UploadBody | None = None,
        timeout: tuple[float, float] | None = None,
        upload_timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        """Send one request and return its JSON, raising our errors for any failure."""
        secrets = tuple(secrets)
        response = self.http.request(
            method,
            url,
            secrets=secrets,
            body=body,
            timeout=timeout,
            upload_timeout=upload_timeout,
            **kwargs,
        )
        body_sent = body is not None and body.finished
        if kwargs.get("creates") and (
            response.status_code >= 500 or response.status_code in (408, 409) or response.ok
        ):
            # A call that creates the post got through and had an answer: a gateway error (or
            # an answer we cannot read) may come after the platform acted, so sending it again
            # could post twice. 4xx answers (400, 401, 403, 429) mean it refused.
            body_sent = True
        if response.status_code >= 400 or response.status_code in (204, 205):
            if response.status_code < 400:
                return None
            raise self.error_for_response(response, secrets=secrets, body_sent=body_sent)
        if 300 <= response.status_code < 400:
            raise TransientError(
                f"{self.noun} {self.noun.agree('ответил', 'ответила', 'ответило')} "
                "перенаправлением. Публикация повторится автоматически.",
                platform=str(self.platform),
                status=response.status_code,
                platform_message=scrub(response.headers.get("Location", ""), secrets),
                body_sent=body_sent,
            )
        try:
            return response.json()
        except (ValueError, json.JSONDecodeError):
            raise TransientError(
                f"{self.noun} {self.noun.agree('вернул', 'вернула', 'вернуло')} непонятный "
                "ответ. Публикация повторится автоматически.",
                platform=str(self.platform),
                status=response.status_code,
                platform_message=scrub(response.text[:300], secrets),
                body_sent=body_sent,
            ) from None

    def open_clip(self, clip: ClipFile) -> BinaryIO:
        """Open the clip's file, turning any storage failure into ``ClipFileMissing``."""
        try:
            return clip.open()
        except (OSError, ValueError):
            raise ClipFileMissing(platform=str(self.platform), platform_message=clip.name) from None

    def upload_deadline(self) -> float:
        return time.monotonic() + self.upload_timeout

    def upload_timeouts(self) -> tuple[float, float]:
        # Read timeout = how long the platform may think after the last byte before answering.
        return (self.connect_timeout, max(self.read_timeout, self.upload_timeout / 4))

    def multipart_upload_body(
        self,
        *,
        fileobj: BinaryIO,
        clip: ClipFile,
        fields: Mapping[str, Any],
        file_field: str,
        progress: ProgressCallback | None,
    ) -> UploadBody:
        return multipart_body(
            fields=fields,
            file_field=file_field,
            fileobj=fileobj,
            size=clip.size,
            filename=clip.filename,
            content_type=clip.content_type,
            progress=progress,
            chunk_size=self.upload_chunk_size,
            deadline=self.upload_deadline(),
        )

    def raw_upload_body(
        self, *, fileobj: BinaryIO, clip: ClipFile, progress: ProgressCallback | None
    ) -> UploadBody:
        return raw_body(
            fileobj=fileobj,
            size=clip.size,
            content_type=clip.content_type,
            progress=progress,
            chunk_size=self.upload_chunk_size,
            deadline=self.upload_deadline(),
        )


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
