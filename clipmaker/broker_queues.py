"""How many messages wait in each broker queue, read from the broker itself.

The queue names come from the Celery app's configuration (``task_queues``), so a queue added
there (``control``, a new platform) is reported without a change here. Redis keeps a queue as
a list under its name, plus one list per priority step (kombu's ``<name>\\x06\\x16<n>``); the
embedded filesystem broker keeps one file per message (``<...>.<queue>.msg``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

# kombu's Redis transport: a queue's priority lists are "<name>" + sep + str(step).
_PRIORITY_SEP = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)


def broker_queue_names() -> list[str]:
    from clipmaker.celery import app

    names = [queue.name for queue in app.conf.task_queues or ()]
    default = app.conf.task_default_queue
    if default and default not in names:
        names.append(default)
    return names


def _redis_lengths(client: Any, names: list[str]) -> dict[str, int]:
    pipe = client.pipeline(transaction=False)
    keys: list[tuple[str, str]] = []
    for name in names:
        for step in _PRIORITY_STEPS:
            key = name if step == 0 else f"{name}{_PRIORITY_SEP}{step}"
            keys.append((name, key))
            pipe.llen(key)
    lengths = dict.fromkeys(names, 0)
    for (name, _), length in zip(keys, pipe.execute(), strict=True):
        lengths[name] += int(length or 0)
    return lengths


def _filesystem_lengths(folder: Path, names: list[str]) -> dict[str, int]:
    lengths = dict.fromkeys(names, 0)
    if folder.is_dir():
        for entry in folder.iterdir():
            parts = entry.name.rsplit(".", 2)
            if len(parts) == 3 and parts[2] == "msg" and parts[1] in lengths:
                lengths[parts[1]] += 1
    return lengths


def broker_queue_lengths() -> dict[str, int]:
    """Messages waiting per configured queue (not counting those a worker has taken)."""
    from clipmaker.celery import app

    names = broker_queue_names()
    if settings.REDIS_URL:
        with app.connection_for_read() as conn:
            return _redis_lengths(conn.default_channel.client, names)
    options = app.conf.broker_transport_options or {}
    return _filesystem_lengths(Path(options.get("data_folder_in", "")), names)
