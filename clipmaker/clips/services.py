"""Writes for clips: storing an uploaded file through Django's storage API."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from clipmaker.accounts.models import User
from clipmaker.clips.models import Clip, ClipStatus
from clipmaker.clips.probing import clip_probe, clip_probe_enqueue
from clipmaker.logging import log_event


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


def original_name(filename: str) -> str:
    """The last part of a name a browser or a script sent (either slash), for display only."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:500]


def clip_create(
    *,
    owner: User,
    file: BinaryIO | File[bytes],
    filename: str,
    title: str,
    description: str = "",
    size: int | None = None,
) -> Clip:
    """Store the file under a generated name and record the clip as ``processing``; a task
    probes it (``clip_probe``) and makes it ``ready`` or ``rejected``.

    Only what needs no reading of the file is checked here: the request stays cheap whatever
    the file holds.
    """
    name = original_name(filename)
    ext = Path(name).suffix.lower()
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
    file.seek(0)
    clip = Clip(
        owner=owner,
        title=((title or "").strip() or Path(name).stem or "Клип")[:255],
        description=description,
        original_filename=name,
        size_bytes=size,
        status=ClipStatus.PROCESSING,
        probe_sent_at=timezone.now(),
    )
    # Storage I/O happens outside any transaction; only the row write is atomic. The storage
    # name is generated (clip_upload_to): the original name is data, never a path.
    # A Django File that is a temporary file on disk (a finished resumable upload, a large form
    # upload) is moved into place by the file system storage instead of copied.
    content = file if isinstance(file, File) else File(file, name=name)
    clip.file.save(name, content, save=False)
    with transaction.atomic():
        clip.save()
        clip_id = clip.pk
        transaction.on_commit(lambda: clip_probe_enqueue(clip_id=clip_id))
    log_event("clip_uploaded", clip_id=clip.pk, user_id=owner.pk, size_bytes=size)
    return clip


def clip_import_path(
    *, owner: User, path: Path, title: str = "", description: str = "", probe_now: bool = True
) -> Clip:
    """Import a file from disk (management commands, demo data). ``probe_now`` probes it in this
    process, so the command can say at once whether the clip is ready or why it was refused."""
    with path.open("rb") as fh:
        clip = clip_create(
            owner=owner,
            file=fh,
            filename=path.name,
            title=title or path.stem,
            description=description,
            size=path.stat().st_size,
        )
    if probe_now:
        clip_probe(clip_id=clip.pk)
        clip.refresh_from_db()
    return clip


def clip_file_exists(*, clip: Clip) -> bool:
    return bool(clip.file.name) and default_storage.exists(clip.file.name)
