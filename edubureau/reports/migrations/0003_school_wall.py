"""PostgreSQL row-level security on the reports (orgs/wall.py): a row that names a
school is seen only by the accounts that read that school; a bureau's own rows (no
school) are left to the door."""

from django.db import migrations

from edubureau.orgs.wall import build_wall


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0016_schooltransfer_to_township"),
        ("reports", "0002_document_counter_moves_to_orgs"),
    ]

    operations = [build_wall("reports_report", optional=True)]
