"""Every publication targets a destination; "one active publication per clip and platform"
becomes "per clip and destination".

Forward: a publication goes to the destination of its owner's connection to its platform (the
old schema had one connection per user and platform, so there is exactly one). A publication
whose connection row is gone gets a revoked, token-less connection with a removed destination,
so nothing is lost. Links, handles, stats and history stay on the publication.

Backward: the destination link is dropped. Where a clip has several active publications on one
platform (to several destinations), the old schema allows one: the oldest stays, the others are
cancelled with a message saying why.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.db.models import Q

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
        ("platforms", "0004_destinations"),
        ("publishing", "0004_platform_choices_from_registry"),
    ]

    operations = [
        migrations.AddField(
            model_name="publication",
            name="destination",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="publications",
                to="platforms.destination",
                verbose_name="место публикации",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="publication",
            name="one_active_publication_per_clip_platform",
        ),
        migrations.RunPython(publications_to_destinations, one_active_per_clip_and_platform),
        migrations.AlterField(
            model_name="publication",
            name="destination",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="publications",
                to="platforms.destination",
                verbose_name="место публикации",
            ),
        ),
        migrations.AddConstraint(
            model_name="publication",
            constraint=models.UniqueConstraint(
                condition=Q(("status__in", ["scheduled", "queued", "publishing"])),
                fields=("clip", "destination"),
                name="one_active_publication_per_clip_destination",
            ),
        ),
    ]
