from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0005_connections_to_destinations"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="platformconnection",
            constraint=models.UniqueConstraint(
                fields=("user", "platform", "account_id"), name="one_connection_per_account"
            ),
        ),
    ]
