"""Publication.vk_mode: the VK mode chosen per publication; existing VK rows get the mode they
were published in (their handle's, else their place's setting, else Клип)."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    Publication = apps.get_model("publishing", "Publication")
    rows = Publication.objects.filter(platform="vk").select_related(
        "destination", "destination__connection"
    )
    for pub in rows.iterator():
        handle = (pub.platform_handle or {}).get("data") or {}
        settings = {**pub.destination.connection.extra, **pub.destination.extra}
        mode = handle.get("mode") or settings.get("vk_mode") or "clip"
        pub.vk_mode = mode if mode in ("clip", "video") else "clip"
        pub.save(update_fields=["vk_mode"])


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0007_destination_required"),
    ]

    operations = [
        migrations.AddField(
            model_name="publication",
            name="vk_mode",
            field=models.CharField(
                blank=True,
                choices=[("clip", "Клип"), ("video", "Видео")],
                default="",
                max_length=8,
                verbose_name="режим VK",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
