"""The admin's «Сменить тариф…»: before a downgrade is applied, staff see exactly which of the
user's scheduled, queued and failed publications the new plan no longer allows."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from clipmaker.accounts.models import Plan, User
from platforms.constants import Platform
from publishing.models import PublicationStatus
from tests.factories import ClipFactory, PublicationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def support() -> Client:
    client = Client()
    client.force_login(UserFactory(username="support", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def anna():
    user = UserFactory(username="anna", plan=Plan.PRO)
    clip = ClipFactory(owner=user, title="Закат")
    soon = timezone.now() + timedelta(hours=1)
    rows = {
        "vk_scheduled": PublicationFactory(
            clip=clip, platform=Platform.VK, status=PublicationStatus.SCHEDULED, scheduled_at=soon
        ),
        "rutube_scheduled": PublicationFactory(
            clip=clip,
            platform=Platform.RUTUBE,
            status=PublicationStatus.SCHEDULED,
            scheduled_at=soon,
        ),
        "telegram_failed": PublicationFactory(
            clip=clip, platform=Platform.TELEGRAM, status=PublicationStatus.FAILED
        ),
        "dzen_queued": PublicationFactory(
            clip=clip, platform=Platform.DZEN, status=PublicationStatus.QUEUED
        ),
        "dzen_published": PublicationFactory(
            clip=ClipFactory(owner=user), platform=Platform.DZEN, status=PublicationStatus.PUBLISHED
        ),
    }
    return user, rows


def _act(client: Client, user: User, **extra: str):
    return client.post(
        "/admin/accounts/user/",
        {"action": "change_plan", "_selected_action": [user.pk], **extra},
    )


def _shown_ids(html: str) -> set[int]:
    import re

    return {int(x) for x in re.findall(r'data-publication-id="(\d+)"', html)}


def test_the_preview_lists_what_the_new_plan_stops_and_changes_nothing(support, anna):
    user, rows = anna

    start = _act(support, user, plan="start")

    assert start.status_code == 200
    assert _shown_ids(start.content.decode()) == {
        rows["rutube_scheduled"].pk,
        rows["telegram_failed"].pk,
        rows["dzen_queued"].pk,
    }
    assert "Публикация недоступна на вашем тарифе" in start.content.decode()
    free = _act(support, user, plan="free")
    assert _shown_ids(free.content.decode()) == {
        rows["vk_scheduled"].pk,
        rows["rutube_scheduled"].pk,
        rows["telegram_failed"].pk,
        rows["dzen_queued"].pk,
    }
    user.refresh_from_db()
    assert user.plan == Plan.PRO  # only a preview so far


def test_confirming_applies_the_plan_and_logs_it(support, anna, caplog):
    user, _ = anna
    caplog.set_level(logging.INFO, logger="clipmaker.events")

    answer = _act(support, user, plan="free", confirm="1")

    assert answer.status_code == 302
    user.refresh_from_db()
    assert user.plan == Plan.FREE
    event = next(r for r in caplog.records if r.getMessage() == "user_plan_changed")
    assert event.fields["old_plan"] == "pro" and event.fields["new_plan"] == "free"


def test_the_plan_is_not_editable_on_the_change_form(support, anna):
    user, _ = anna
    page = support.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert 'name="plan"' not in page
    # New users still get a plan when they are added.
    assert 'name="plan"' in support.get("/admin/accounts/user/add/").content.decode()


def test_accounts_and_clips_never_import_publishing():
    """Users and clips sit below publishing: the plan preview lives in publishing/admin_users.py.
    (clips/admin.py shows a clip's publications inline: the admin is the top layer.)"""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for folder in ("clipmaker/accounts", "clipmaker/clips"):
        for path in (root / folder).rglob("*.py"):
            if "migrations" in path.parts or (path.name == "admin.py" and "clips" in path.parts):
                continue
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                assert not any(n.startswith("publishing") for n in names), path
