"""No plain token anywhere in the database after each kind of connect.

Given a connection made through each path (VK and Дзен OAuth, Rutube and Telegram tokens, and
a refresh), when the whole database is dumped (``dumpdata``) and every text column of every
table is read with raw SQL, then no token appears, in any form a grep would find.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from platforms import connect, services
from platforms.models import PlatformConnection

pytestmark = pytest.mark.live


def every_text_value() -> list[str]:
    values: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            description = connection.introspection.get_table_description(cursor, table)
            columns = [c.name for c in description]
            cursor.execute(
                f"SELECT * FROM {connection.ops.quote_name(table)}"  # noqa: S608 - names from introspection
            )
            for row in cursor.fetchall():
                values.extend(str(v) for v, _ in zip(row, columns, strict=True) if v is not None)
    return values


def dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


def assert_nowhere(secrets: list[str]) -> None:
    dumped = dump()
    raw = "\n".join(every_text_value())
    for secret in secrets:
        assert len(secret) >= 16
        assert secret not in dumped, "token in dumpdata output"
        assert secret not in raw, "token in a database column"
        # Not even a recognisable part of it.
        assert secret[-16:] not in raw


def test_no_plain_token_after_every_kind_of_connect(sandbox, user, live_server):
    control = sandbox.control
    vk = control.issue_credentials("vk")
    dz = control.issue_credentials("dzen")
    rt = control.issue_credentials("rutube")
    tg = control.issue_credentials("telegram")
    secrets: list[str] = []

    # OAuth connections are stored by the same service the callback uses.
    for platform, creds in (("vk", vk), ("dzen", dz)):
        services.connection_store(
            user=user,
            platform=platform,
            access_token=creds["access_token"],
            refresh_token=creds["refresh_token"],
            account_id=creds["account_id"],
            account_name=creds["account_name"],
            extra={"device_id": creds["device_id"]} if platform == "vk" else {},
        )
        secrets += [creds["access_token"], creds["refresh_token"]]
    connect.connection_connect_token(user=user, platform="rutube", values={"token": rt["token"]})
    connect.connection_connect_token(
        user=user, platform="telegram", values={"token": tg["token"], "chat_id": tg["chat_id"]}
    )
    secrets += [rt["token"], tg["token"]]
    assert_nowhere(secrets)

    refreshed = services.connection_refresh(
        connection=PlatformConnection.objects.get(user=user, platform="vk")
    )
    assert_nowhere([refreshed.get_token("access_token"), refreshed.get_token("refresh_token")])
    assert PlatformConnection.objects.filter(user=user).count() == 4


def test_no_plain_token_after_an_oauth_callback(sandbox, user, live_server):
    import requests
    from django.test import Client

    from .test_sandbox_flows import answer_approve_page, press_connect

    client = Client()
    client.force_login(user)
    with requests.Session() as session:
        session.cookies.set("sessionid", client.cookies["sessionid"].value)
        answer_approve_page(
            session, press_connect(session, live_server.url, "vk"), "allow", "Анна Клипова"
        )
    conn = PlatformConnection.objects.get(user=user, platform="vk")

    assert_nowhere([conn.get_token("access_token"), conn.get_token("refresh_token")])


@pytest.fixture
def user(sandbox: Any) -> Any:
    from clipmaker.accounts.models import Plan
    from tests.factories import UserFactory

    return UserFactory(plan=Plan.PRO)
