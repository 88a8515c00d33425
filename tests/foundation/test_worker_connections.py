"""A worker keeps its database connection between tasks, as long as Django would keep it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from celery.signals import task_postrun, task_prerun
from django.db import connection

from clipmaker.celery import app


class TASK:
    """What the signals and the fixup read of a task: it did not run eagerly."""

    request = SimpleNamespace(is_eager=False)


def _run_task(fixup: DjangoWorkerFixup) -> None:
    """The signals a worker sends around one task, with Celery's own Django fixup attached."""
    fixup.on_task_prerun(sender=TASK)
    task_prerun.send(sender=TASK)
    connection.ensure_connection()
    task_postrun.send(sender=TASK)
    fixup.on_task_postrun(sender=TASK)


@pytest.mark.django_db(transaction=True)
def test_consecutive_tasks_share_one_database_connection(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    fixup = DjangoWorkerFixup(app)
    connection.close()  # reconnect under the age set above
    connection.ensure_connection()
    first = connection.connection

    _run_task(fixup)
    _run_task(fixup)

    assert connection.connection is first


@pytest.mark.django_db(transaction=True)
def test_a_connection_older_than_conn_max_age_is_replaced_after_a_task(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    fixup = DjangoWorkerFixup(app)
    connection.close()  # reconnect under the age set above
    connection.ensure_connection()
    first = connection.connection

    _run_task(fixup)

    assert connection.connection is not first
