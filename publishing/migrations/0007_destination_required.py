import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0006_publications_to_destinations"),
    ]

    operations = [
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
