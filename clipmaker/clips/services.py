"""Writes for clips: storing a file through Django's storage API and checking it."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from clipmaker.accounts.models import User
from clipmaker.clips.media import UnsupportedVideo, probe
from clipmaker.clips.models import Clip, ClipStatus


class ClipError(ValueError):
    """A clip that cannot be accepted; the message is for the user (Russian)."""


ALLOWED_EXTENSIONS = {".mp4", ".m4v", ".mov"}


# Multipart framing and the other fields around the file.
UPLOAD_OVERHEAD_BYTES = 1024 * 1024


def size_label(size: int) -> str:
    """«2 ГБ», «50 МБ»: a file size limit as a user reads it."""
    if size >= 1024**3:
        return f"{size / 1024**3:.0f} ГБ"
    return f"{max(1, round(size / 1024**2))} МБ"


def too_large_message() -> str:
    return f"Файл больше {size_label(settings.CLIP_MAX_UPLOAD_BYTES)}. Сократите или сожмите клип."


def upload_declared_too_large(content_length: str | None) -> bool:
    """True when a request body announces more than a clip may be: refuse it before reading."""
    try:
        declared = int(content_length or 0)
    except ValueError:
        return False
    limit: int = settings.CLIP_MAX_UPLOAD_BYTES
    return declared > limit + UPLOAD_OVERHEAD_BYTES


def clip_create(
    *,
    owner: User,
    file: BinaryIO,
    filename: str,
    title: str,
    description: str = "",
    size: int | None = None,
) -> Clip:
    """Store the file, check that it is a video we can publish, and record the clip as ready."""
    ext = Path(filename).suffix.lower()
    if ext not in ALLOWED_EXTENSIONS:
        raise ClipError("Поддерживаются только видео MP4 и MOV. Сохраните клип в одном из них.")
    if size is None:
        file.seek(0, 2)
        size = file.tell()
        file.seek(0)
    if size <= 0:
        raise ClipError("Файл пустой. Выберите другой файл.")
    if size > settings.CLIP_MAX_UPLOAD_BYTES:
        raise ClipError(too_large_message())
    try:
        info = probe(file, size)
    except UnsupportedVideo as exc:
        raise ClipError(str(exc)) from None
    file.seek(0)
    clip = Clip(
        owner=owner,
        title=(title or Path(filename).stem)[:255],
        description=description,
        size_bytes=size,
        duration_seconds=info.duration_seconds,
        width=info.width,
        height=info.height,
        status=ClipStatus.READY,
    )
    # Storage I/O happens outside any transaction; only the row write is atomic.
    clip.file.save(Path(filename).name, File(file, name=Path(filename).name), save=False)
    with transaction.atomic():
        clip.save()
    return clip


def clip_import_path(*, owner: User, path: Path, title: str = "", description: str = "") -> Clip:
    with path.open("rb") as fh:
        return clip_create(
            owner=owner,
            file=fh,
            filename=path.name,
            title=title or path.stem,
            description=description,
            size=path.stat().st_size,
        )


def clip_file_exists(*, clip: Clip) -> bool:
    return bool(clip.file.name) and default_storage.exists(clip.file.name)
