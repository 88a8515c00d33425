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
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0006_one_connection_per_account"),
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
    ]
