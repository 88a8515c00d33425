from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_drop_plain_api_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="destination_limit",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="Пусто — по тарифу (Free 0, Start 1, Pro 10, Business 50).",
                null=True,
                verbose_name="лимит мест публикации",
            ),
        ),
    ]
