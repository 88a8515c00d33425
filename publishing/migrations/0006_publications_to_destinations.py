"""Publications to destinations (data); see 0005_publication_destination for the rules.

Kept apart from the schema changes around it: PostgreSQL refuses to alter a table in the
transaction that has just written rows checked by its foreign keys.
"""

import django.utils.timezone
from django.db import migrations

ACTIVE = ("scheduled", "queued", "publishing")
KIND = {"vk": "page"}
CANCELLED_MESSAGE = (
    "Отменено при переходе на версию КлипМейкера без мест публикации: клип уже публикуется "
    "на этой платформе в другое место."
)


def publications_to_destinations(apps, schema_editor):
    Publication = apps.get_model("publishing", "Publication")
    PlatformConnection = apps.get_model("platforms", "PlatformConnection")
    Destination = apps.get_model("platforms", "Destination")
    pairs = (
        Publication.objects.filter(destination__isnull=True)
        .values_list("clip__owner_id", "platform")
        .distinct()
    )
    for owner_id, platform in list(pairs):
        conn = PlatformConnection.objects.filter(user_id=owner_id, platform=platform).first()
        if conn is None:
            conn = PlatformConnection.objects.create(
                user_id=owner_id, platform=platform, status="revoked", account_id="", extra={}
            )
        place = Destination.objects.filter(connection=conn).order_by("created_at", "id").first()
        if place is None:
            place = Destination.objects.create(
                connection=conn,
                kind=KIND.get(platform, "channel"),
                external_id=conn.account_id,
                name=conn.account_name,
                removed_at=django.utils.timezone.now(),
            )
        Publication.objects.filter(
            destination__isnull=True, clip__owner_id=owner_id, platform=platform
        ).update(destination=place)


def one_active_per_clip_and_platform(apps, schema_editor):
    Publication = apps.get_model("publishing", "Publication")
    seen: set[tuple[int, str]] = set()
    now = django.utils.timezone.now()
    active = Publication.objects.filter(status__in=ACTIVE).order_by("created_at", "id")
    for pub in active.only("id", "clip_id", "platform"):
        key = (pub.clip_id, pub.platform)
        if key in seen:
            Publication.objects.filter(pk=pub.pk).update(
                status="cancelled",
                error_message=CANCELLED_MESSAGE,
                error_code="downgrade",
                finished_at=now,
                claim_token=None,
                lease_expires_at=None,
                next_attempt_at=None,
                updated_at=now,
            )
        seen.add(key)


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0005_publication_destination"),
    ]

    operations = [
        migrations.RunPython(publications_to_destinations, one_active_per_clip_and_platform),
    ]
