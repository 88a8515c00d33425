"""HTTP plumbing shared by every adapter: one session, timeouts, streamed bodies, scrubbing.

Adapters never call ``requests`` directly: they go through :class:`HttpClient`, which turns
timeouts and connection failures into :class:`TransientError` (with ``body_sent`` set when the
whole upload body had already gone out), and build upload bodies with :func:`multipart_body`
or :func:`raw_body`, which stream from the storage file object in large chunks, report
progress, and never hold the file in memory.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, BinaryIO

import requests
from django.conf import settings
from requests_toolbelt import MultipartEncoder

from clipmaker.redaction import redact

from .errors import ClipFileMissing, ProviderError, TransientError
from .nouns import Noun

__all__ = [
    "DEFAULT_USER_AGENT",
    "HttpClient",
    "ProgressFile",
    "UploadBody",
    "multipart_body",
    "parse_retry_after",
    "raw_body",
    "scrub",
]

DEFAULT_USER_AGENT = "ClipMaker-Autopost/0.1 (+https://clipmaker.ru)"
MIB = 1024 * 1024

# Query parameters that carry a secret in the OAuth and upload URLs platforms echo back; every
# other token shape is the log redaction's (``clipmaker.logging.redact``).
_SECRET_QUERY_PARAMS = re.compile(r"\b((?:token|code)=)[^&\s\"']+", re.I)
_MAX_PLATFORM_MESSAGE = 500


def scrub(text: Any, secrets: Iterable[str | None] = ()) -> str:
    """Return ``text`` with every known secret and anything token-shaped replaced by ``***``."""
    result = str(text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            result = result.replace(secret, "***")
    result = _SECRET_QUERY_PARAMS.sub(lambda m: m.group(1) + "***", result)
    return redact(result, marker="***")[:_MAX_PLATFORM_MESSAGE]


def parse_retry_after(value: str | None, default: float) -> float:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date), else ``default``."""
    if not value:
        return default
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class _UploadDeadlineExceeded(Exception):
    """Raised from inside the body reader to abort an upload that ran past its deadline."""


class ProgressFile:
    """A read-only view of the clip file that counts bytes and reports progress.

    ``len`` is what is left to read (the multipart encoder sizes the body from it). Reads are
    at least ``chunk_size`` bytes so a 500 MB upload takes hundreds of reads, not tens of
    thousands; ``progress`` is called with the total bytes read so far, at most about every
    ``progress_step`` bytes and always once at the end.
    """

    def __init__(
        self,
        fileobj: BinaryIO,
        size: int,
        *,
        progress: Callable[[int], None] | None = None,
        chunk_size: int = MIB,
        progress_step: int | None = None,
        deadline: float | None = None,
    ) -> None:
        self._file = fileobj
        self.size = size
        self.bytes_read = 0
        self._progress = progress
        self._chunk_size = max(1, chunk_size)
        self._step = (
            progress_step if progress_step is not None else max(self._chunk_size, size // 100)
        )
        self._reported = 0
        self._deadline = deadline

    @property
    def len(self) -> int:
        return self.size - self.bytes_read

    def _read_chunk(self, amount: int) -> bytes:
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise _UploadDeadlineExceeded
        amount = min(amount, self.size - self.bytes_read)
        if amount <= 0:
            return b""
        try:
            data = self._file.read(amount)
        except OSError:
            raise ClipFileMissing(
                "Не удалось прочитать файл клипа. Загрузите клип заново."
            ) from None
        if not data:
            # The file is shorter than it claimed; stopping here avoids sending a body that
            # contradicts its Content-Length (and the encoder looping forever).
            raise ClipFileMissing("Файл клипа повреждён или обрезан. Загрузите клип заново.")
        self.bytes_read += len(data)
        self._report()
        return data

    def _report(self) -> None:
        if self._progress is None:
            return
        done = self.bytes_read >= self.size
        if done or self.bytes_read - self._reported >= self._step:
            self._reported = self.bytes_read
            self._progress(self.bytes_read)

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            parts = []
            while chunk := self._read_chunk(self._chunk_size):
                parts.append(chunk)
            return b"".join(parts)
        return self._read_chunk(max(size, self._chunk_size))


class UploadBody:
    """A request body requests/urllib3 stream with ``read()``; knows whether it was all sent.

    urllib3 asks for 16 KiB at a time; reading ``chunk_size`` instead cuts the per-read Python
    overhead that otherwise caps throughput well below curl's. ``finished`` becomes True when
    urllib3 asks for more after the last byte, i.e. once every byte was handed to the socket.
    """

    def __init__(
        self,
        source: _Concat | ProgressFile,
        length: int,
        content_type: str,
        *,
        chunk_size: int = MIB,
    ) -> None:
        self._source = source
        self.length = length
        self.content_type = content_type
        self._chunk_size = chunk_size
        self.bytes_out = 0
        self.finished = False

    def __len__(self) -> int:
        return self.length

    def __bool__(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            chunks = []
            while chunk := self._source.read(self._chunk_size):
                chunks.append(chunk)
            self.bytes_out += sum(map(len, chunks))
            self.finished = True
            return b"".join(chunks)
        data = self._source.read(max(size, self._chunk_size))
        if data:
            self.bytes_out += len(data)
        else:
            self.finished = True
        return data


def _file_size(fileobj: BinaryIO, fallback: int) -> int:
    """The real size of an open file (storage files may differ from the recorded size)."""
    try:
        position = fileobj.tell()
        end = fileobj.seek(0, 2)
        fileobj.seek(position)
        return int(end) - int(position)
    except (AttributeError, OSError, ValueError):
        return fallback


class _Concat:
    """Reads ``head``, then the file reader, then ``tail``, as one stream."""

    def __init__(self, head: bytes, reader: ProgressFile, tail: bytes) -> None:
        self._parts: list[bytes | ProgressFile] = [head, reader, tail]

    def read(self, size: int = -1) -> bytes:
        while self._parts:
            part = self._parts[0]
            if isinstance(part, bytes):
                self._parts.pop(0)
                if part:
                    return part
                continue
            data = part.read(size)
            if data:
                return data
            self._parts.pop(0)
        return b""


def multipart_body(
    *,
    fields: Mapping[str, Any],
    file_field: str,
    fileobj: BinaryIO,
    size: int,
    filename: str,
    content_type: str,
    progress: Callable[[int], None] | None,
    chunk_size: int = MIB,
    deadline: float | None = None,
) -> UploadBody:
    """A streamed multipart/form-data body: ``fields`` as text parts, then the file part.

    ``MultipartEncoder`` renders the framing (boundary, part headers, escaping) around an empty
    file part; the file's bytes are then streamed between that head and the closing boundary
    straight from the file object. Feeding the file through the encoder itself works too, but
    its internal buffer copies every byte several times and halves throughput (bench/upload.py).
    """
    size = _file_size(fileobj, size)
    reader = ProgressFile(
        fileobj, size, progress=progress, chunk_size=chunk_size, deadline=deadline
    )
    parts: list[tuple[str, Any]] = [
        (name, str(value)) for name, value in fields.items() if value is not None
    ]
    parts.append((file_field, (filename, b"", content_type)))
    encoder = MultipartEncoder(fields=parts)
    framing = encoder.to_string()
    tail = f"\r\n--{encoder.boundary_value}--\r\n".encode()
    if not framing.endswith(tail):  # pragma: no cover - guards a toolbelt format change
        raise RuntimeError("unexpected multipart framing")
    head = framing[: -len(tail)]
    return UploadBody(
        _Concat(head, reader, tail),
        len(head) + size + len(tail),
        encoder.content_type,
        chunk_size=chunk_size,
    )


def raw_body(
    *,
    fileobj: BinaryIO,
    size: int,
    content_type: str,
    progress: Callable[[int], None] | None,
    chunk_size: int = MIB,
    deadline: float | None = None,
) -> UploadBody:
    """A streamed raw body (the whole request body is the file), e.g. for an upload ``PUT``."""
    size = _file_size(fileobj, size)
    reader = ProgressFile(
        fileobj, size, progress=progress, chunk_size=chunk_size, deadline=deadline
    )
    return UploadBody(reader, size, content_type, chunk_size=chunk_size)


class HttpClient:
    """One ``requests.Session`` per provider with its User-Agent and (connect, read) timeouts.

    Every network failure becomes a :class:`TransientError` whose messages never contain a
    secret; the caller maps HTTP statuses (platform-specific) itself.
    """

    def __init__(
        self,
        *,
        platform: str,
        noun: Noun,
        timeout: tuple[float, float],
        session: requests.Session | None = None,
    ) -> None:
        self.platform = platform
        self.noun = noun
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = (
            getattr(settings, "PLATFORM_USER_AGENT", "") or DEFAULT_USER_AGENT
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        secrets: Iterable[str | None] = (),
        timeout: tuple[float, float] | None = None,
        body: UploadBody | None = None,
        headers: Mapping[str, str] | None = None,
        upload_timeout: float | None = None,
        creates: bool = False,
        **kwargs: Any,
    ) -> requests.Response:
        """``creates``: a small, non-idempotent request (it creates something on the platform).
        When it reached the server and the answer was lost, the error says ``body_sent`` so the
        caller knows the outcome is unknown and must not blindly send it again."""
        secrets = tuple(secrets)
        all_headers = dict(headers or {})
        if body is not None:
            all_headers.setdefault("Content-Type", body.content_type)
            kwargs["data"] = body
        try:
            return self.session.request(
                method,
                url,
                headers=all_headers,
                timeout=timeout or self.timeout,
                allow_redirects=False,
                **kwargs,
            )
        except ProviderError as exc:
            exc.platform = exc.platform or self.platform
            raise
        except _UploadDeadlineExceeded:
            minutes = round((upload_timeout or 0) / 60) or 1
            raise TransientError(
                f"Загрузка в {self.noun.accusative} не уложилась в {minutes} мин. "
                "Публикация повторится автоматически.",
                platform=self.platform,
                platform_message="upload deadline exceeded",
            ) from None
        except requests.ConnectTimeout as exc:
            raise TransientError(
                f"{self.noun} не отвечает. Публикация повторится автоматически.",
                platform=self.platform,
                platform_message=scrub(f"{type(exc).__name__}: {exc}", secrets),
            ) from None
        except requests.Timeout as exc:
            sent = body.finished if body is not None else creates
            raise TransientError(
                f"{self.noun} {self.noun.agree('не ответил', 'не ответила', 'не ответило')} "
                "вовремя. "
                + (
                    "Проверим, дошёл ли файл, и повторим при необходимости."
                    if sent
                    else "Публикация повторится автоматически."
                ),
                platform=self.platform,
                platform_message=scrub(f"{type(exc).__name__}: {exc}", secrets),
                body_sent=sent,
            ) from None
        except requests.RequestException as exc:
            # "Connection aborted" is urllib3's word for a connection that failed after it was
            # established: a small request was already written whole.
            sent = (
                body.finished if body is not None else creates and "Connection aborted" in str(exc)
            )
            raise TransientError(
                f"Соединение с {self.noun.instrumental} прервалось. "
                "Публикация повторится автоматически.",
                platform=self.platform,
                platform_message=scrub(f"{type(exc).__name__}: {exc}", secrets),
                body_sent=sent,
            ) from None
