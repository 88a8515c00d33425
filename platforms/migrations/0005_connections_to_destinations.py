"""Destinations (data): every connection gets its place; see 0004_destination for the rules.

Kept apart from the schema changes around it: PostgreSQL refuses to alter a table in the
transaction that has just written rows checked by its foreign keys.
"""

import django.utils.timezone
from django.db import migrations

# Frozen copies of the adapters' facts at the time of this migration.
PLACE_KEYS = {"vk": ("group_id",), "telegram": ("chat_id", "chat_username", "chat_title")}
OWN_KIND = {"vk": "page"}


def _place_of(conn):
    """(kind, external_id, name, place extra, connection changes) for an old connection."""
    extra = dict(conn.extra or {})
    keys = PLACE_KEYS.get(conn.platform, ())
    place_extra = {k: extra[k] for k in keys if k in extra}
    changes = {"extra": {k: v for k, v in extra.items() if k not in keys}}
    if conn.platform == "vk" and place_extra.get("group_id"):
        gid = abs(int(place_extra["group_id"]))
        return "community", f"-{gid}", conn.account_name, {"group_id": gid}, changes
    if conn.platform == "telegram":
        external_id = str(place_extra.get("chat_id") or conn.account_id)
        if extra.get("bot_id"):
            username = extra.get("bot_username") or ""
            changes["account_id"] = str(extra["bot_id"])
            changes["account_name"] = f"@{username}" if username else "Бот Telegram"
        return "channel", external_id, conn.account_name, place_extra, changes
    kind = OWN_KIND.get(conn.platform, "channel")
    return kind, conn.account_id, conn.account_name, place_extra, changes


def connections_to_destinations(apps, schema_editor):
    PlatformConnection = apps.get_model("platforms", "PlatformConnection")
    Destination = apps.get_model("platforms", "Destination")
    now = django.utils.timezone.now()
    for conn in PlatformConnection.objects.order_by("connected_at", "id"):
        kind, external_id, name, place_extra, changes = _place_of(conn)
        Destination.objects.create(
            connection=conn,
            kind=kind,
            external_id=external_id,
            name=name,
            extra=place_extra,
            enabled=True,
            removed_at=now if conn.status == "revoked" else None,
            created_at=conn.connected_at,
            last_checked_at=conn.last_checked_at,
            last_check_ok=conn.last_check_ok,
        )
        for field, value in changes.items():
            setattr(conn, field, value)
        conn.save(update_fields=list(changes))


def destinations_to_connections(apps, schema_editor):
    PlatformConnection = apps.get_model("platforms", "PlatformConnection")
    Destination = apps.get_model("platforms", "Destination")
    kept: dict[tuple, object] = {}
    order = ("user_id", "platform", "-connected_at", "-id")
    for conn in PlatformConnection.objects.order_by(*order):
        key = (conn.user_id, conn.platform)
        best = kept.get(key)
        if best is None or (best.status == "revoked" and conn.status != "revoked"):
            kept[key] = conn
    keep_ids = {conn.pk for conn in kept.values()}
    PlatformConnection.objects.exclude(pk__in=keep_ids).delete()
    for conn in kept.values():
        places = Destination.objects.filter(connection=conn).order_by(
            "removed_at", "created_at", "id"
        )
        place = places.first()
        if place is None:
            continue
        extra = {**(conn.extra or {}), **(place.extra or {})}
        if conn.platform == "telegram":
            conn.account_id = place.external_id
            conn.account_name = place.name
        conn.extra = extra
        conn.save(update_fields=["extra", "account_id", "account_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0004_destination"),
    ]

    operations = [
        migrations.RunPython(connections_to_destinations, destinations_to_connections),
    ]
