"""Resumable clip uploads (the tus 1.0.0 protocol's core, creation, termination and
expiration): a partial file on the upload directory grows by appends at the stored offset; the
last byte hands it to ``clip_create`` (generated name, size limit, storage, probe).

The offset in the database is the truth. Bytes are flushed to the partial file before the
offset that covers them is saved, so a request cut anywhere loses at most the bytes after the
last saved offset, and the next append truncates the file back to that offset. One request at a
time writes an upload (an exclusive lock on its partial file); another gets ``UploadBusy``.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from clipmaker.accounts.models import User
from clipmaker.clips.models import Clip, ClipUpload
from clipmaker.clips.services import (
    ALLOWED_EXTENSIONS,
    ClipError,
    clip_create,
    original_name,
    too_large_message,
)
from clipmaker.logging import log_event

# Bytes read from the request at a time, and how often the offset is saved while writing.
READ_BYTES = 1024 * 1024
SAVE_EVERY_BYTES = 32 * 1024 * 1024


class UploadOffsetMismatch(ClipError):
    """The client's Upload-Offset is not where the upload stands (HTTP 409)."""


class UploadBusy(ClipError):
    """Another request is writing this upload right now (HTTP 423)."""


class UploadLimit(ClipError):
    """Too many unfinished uploads (HTTP 429)."""


def partial_path(upload: ClipUpload) -> Path:
    return Path(settings.CLIP_UPLOAD_DIR) / f"{upload.pk.hex}.part"


def upload_expires_at(upload: ClipUpload) -> datetime:
    return upload.updated_at + timedelta(seconds=settings.CLIP_UPLOAD_EXPIRE_SECONDS)


def upload_get(*, owner: User, upload_id: str) -> ClipUpload | None:
    """The caller's upload, or None (another user's answers exactly like a missing one)."""
    try:
        pk = uuid.UUID(str(upload_id))
    except ValueError:
        return None
    return ClipUpload.objects.filter(pk=pk, owner=owner).select_related("clip").first()


def uploads_unfinished(*, owner: User) -> list[ClipUpload]:
    return list(ClipUpload.objects.filter(owner=owner, clip__isnull=True).order_by("-updated_at"))


def upload_create(
    *, owner: User, length: int, filename: str, title: str = "", description: str = ""
) -> ClipUpload:
    """Check what can be checked before any byte (type, size, the user's open uploads) and
    create the upload with an empty partial file."""
    name = original_name(filename)
    if Path(name).suffix.lower() not in ALLOWED_EXTENSIONS:
        raise ClipError("Поддерживаются только видео MP4 и MOV. Сохраните клип в одном из них.")
    if length <= 0:
        raise ClipError("Файл пустой. Выберите другой файл.")
    if length > settings.CLIP_MAX_UPLOAD_BYTES:
        raise ClipError(too_large_message())
    if (
        ClipUpload.objects.filter(owner=owner, clip__isnull=True).count()
        >= settings.CLIP_UPLOAD_OPEN_LIMIT
    ):
        raise UploadLimit(
            f"Незавершённых загрузок уже {settings.CLIP_UPLOAD_OPEN_LIMIT}. Завершите или "
            "удалите одну из них на странице «Клипы»."
        )
    upload = ClipUpload.objects.create(
        owner=owner,
        filename=name,
        title=(title or "").strip()[:255],
        description=description or "",
        length=length,
    )
    path = partial_path(upload)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    log_event("clip_upload_started", upload_id=str(upload.pk), user_id=owner.pk, length=length)
    return upload


if TYPE_CHECKING:
    _BinaryFile = File[bytes]
else:  # File is generic only in the type stubs
    _BinaryFile = File


class _PartialFile(_BinaryFile):
    """The finished partial file, offered to storage as a temporary file: the file system
    storage moves it into place (no copy of gigabytes); any other storage (S3) reads it."""

    def __init__(self, fh: BinaryIO, *, name: str, path: Path) -> None:
        super().__init__(fh, name=name)
        self._path = path

    def temporary_file_path(self) -> str:
        return str(self._path)


def upload_append(
    *,
    upload: ClipUpload,
    offset: int,
    read: Callable[[int], bytes],
    declared_length: int | None = None,
) -> ClipUpload:
    """Append the request body (``read(n)`` until it returns nothing) at ``offset``.

    When the body stops early (a dropped connection) what arrived is kept and the offset says
    so. When the last byte arrives the clip is created. Returns the refreshed upload.
    """
    if upload.clip_id is not None or upload.is_complete:
        raise UploadOffsetMismatch("Эта загрузка уже завершена.")
    if declared_length is not None and offset + declared_length > upload.length:
        raise ClipError("Данных больше, чем размер файла, объявленный при начале загрузки.")
    path = partial_path(upload)
    if not path.exists():
        raise UploadOffsetMismatch("Загрузка устарела: начните её заново.")
    with path.open("r+b") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadBusy("Этот файл уже загружается в другой вкладке.") from None
        stored = ClipUpload.objects.values_list("offset", flat=True).get(pk=upload.pk)
        if offset != stored:
            raise UploadOffsetMismatch(
                f"Сервер получил {stored} байт, а не {offset}: продолжите с {stored}."
            )
        # Bytes written after the last saved offset (a cut request) are dropped.
        fh.truncate(stored)
        fh.seek(stored)
        position = _write_body(upload, fh, read, stored)
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    upload.refresh_from_db()
    if position >= upload.length:
        _finish(upload, path)
        upload.refresh_from_db()
    return upload


def _write_body(upload: ClipUpload, fh: BinaryIO, read: Callable[[int], bytes], start: int) -> int:
    position = saved = start
    try:
        while position < upload.length:
            try:
                chunk = read(min(READ_BYTES, upload.length - position))
            except OSError:  # the connection broke (reset, time-out, the server's NoMoreData)
                log_event("clip_upload_cut", upload_id=str(upload.pk), offset=position)
                break
            if not chunk:
                break
            fh.write(chunk)
            position += len(chunk)
            if position - saved >= SAVE_EVERY_BYTES:
                saved = _save_offset(upload, fh, position)
    finally:
        # Also when writing failed: keep what arrived.
        if position != saved:
            _save_offset(upload, fh, position)
    return position


def _save_offset(upload: ClipUpload, fh: BinaryIO, position: int) -> int:
    fh.flush()
    os.fsync(fh.fileno())
    ClipUpload.objects.filter(pk=upload.pk).update(offset=position, updated_at=timezone.now())
    return position


def _finish(upload: ClipUpload, path: Path) -> Clip:
    with path.open("rb") as fh:
        clip = clip_create(
            owner=upload.owner,
            file=_PartialFile(fh, name=upload.filename, path=path),
            filename=upload.filename,
            title=upload.title,
            description=upload.description,
            size=upload.length,
        )
    path.unlink(missing_ok=True)  # moved by the file system storage, or copied to S3
    ClipUpload.objects.filter(pk=upload.pk).update(clip=clip)
    log_event("clip_upload_finished", upload_id=str(upload.pk), clip_id=clip.pk)
    return clip


def upload_terminate(*, upload: ClipUpload) -> None:
    """The user gave up on an upload: its bytes and its row go."""
    path = partial_path(upload)
    with transaction.atomic():
        upload.delete()
    path.unlink(missing_ok=True)


def uploads_clean_abandoned(*, now: datetime | None = None) -> int:
    """Remove unfinished uploads with no new bytes for ``CLIP_UPLOAD_EXPIRE_SECONDS`` and their
    partial files, finished uploads' rows after the same time, and partial files that no upload
    owns. Returns how many unfinished uploads were removed."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.CLIP_UPLOAD_EXPIRE_SECONDS)
    removed = 0
    for upload in ClipUpload.objects.filter(clip__isnull=True, updated_at__lt=cutoff)[:500]:
        upload_terminate(upload=upload)
        removed += 1
    ClipUpload.objects.filter(clip__isnull=False, updated_at__lt=cutoff).delete()
    directory = Path(settings.CLIP_UPLOAD_DIR)
    if directory.is_dir():
        known = {pk.hex for pk in ClipUpload.objects.values_list("pk", flat=True)}
        for path in directory.glob("*.part"):
            if path.stem in known:
                continue
            if datetime.fromtimestamp(path.stat().st_mtime, tz=now.tzinfo) < cutoff:
                path.unlink(missing_ok=True)
    if removed:
        log_event("clip_uploads_cleaned", removed=removed)
    return removed
