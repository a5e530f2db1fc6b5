"""PostgreSQL row-level security on the notifications and the robots kept to one school
(orgs/wall.py): a row that names a school is seen only by the accounts that read
that school; a bureau's own rows (no school) are left to the door."""

from django.db import migrations

from edubureau.orgs.wall import build_wall


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0016_schooltransfer_to_township"),
        ("notifications", "0003_muted_topics"),
    ]

    operations = [
        build_wall("notifications_notification", "notifications_webhookendpoint", optional=True)
    ]
