"""PostgreSQL row-level security on the import jobs (orgs/wall.py): a row that names a
school is seen only by the accounts that read that school; a bureau's own rows (no
school) are left to the door."""

from django.db import migrations

from edubureau.orgs.wall import build_wall


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0016_schooltransfer_to_township"),
        ("imports", "0001_initial"),
    ]

    operations = [build_wall("imports_importjob", optional=True)]
