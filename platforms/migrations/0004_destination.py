"""Destinations (schema; the data is 0005, the new constraint 0006): every connection becomes
one connection with one destination (the place it posted to), and a user may hold several
connections per platform (one per account).

Forward: a VK connection gives its page, or the community its ``group_id`` named; a Telegram
connection becomes the bot (account = the bot) with its channel as the destination; Rutube,
Дзен and any other platform give the account's channel. The keys that name a place move from
the connection's ``extra`` to the destination's. A revoked connection's destination is created
removed, so the publications made to it keep a place.

Backward: each destination's settings go back into its connection, and a user left with
several connections to a platform keeps one (a live one, the newest), as the old schema allows.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0003_platform_choices_from_registry"),
    ]

    operations = [
        migrations.CreateModel(
            name="Destination",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("page", "Страница"),
                            ("community", "Сообщество"),
                            ("channel", "Канал"),
                        ],
                        max_length=16,
                        verbose_name="вид",
                    ),
                ),
                (
                    "external_id",
                    models.CharField(blank=True, max_length=128, verbose_name="ID на платформе"),
                ),
                (
                    "name",
                    models.CharField(
                        blank=True, max_length=255, verbose_name="название на платформе"
                    ),
                ),
                (
                    "custom_name",
                    models.CharField(blank=True, max_length=255, verbose_name="своё название"),
                ),
                (
                    "extra",
                    models.JSONField(blank=True, default=dict, verbose_name="настройки места"),
                ),
                ("enabled", models.BooleanField(default=True, verbose_name="включено")),
                (
                    "removed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="удалено"),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="добавлено"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="изменено")),
                (
                    "last_checked_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="последняя проверка"),
                ),
                (
                    "last_check_ok",
                    models.BooleanField(blank=True, null=True, verbose_name="проверка прошла"),
                ),
                ("last_error", models.TextField(blank=True, verbose_name="последняя ошибка")),
                (
                    "connection",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="destinations",
                        to="platforms.platformconnection",
                        verbose_name="подключение",
                    ),
                ),
            ],
            options={
                "verbose_name": "место публикации",
                "verbose_name_plural": "места публикации",
                "ordering": ("connection__platform", "created_at", "id"),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("connection", "external_id"), name="one_destination_per_place"
                    )
                ],
            },
        ),
        migrations.RemoveConstraint(
            model_name="platformconnection",
            name="one_connection_per_platform",
        ),
    ]
