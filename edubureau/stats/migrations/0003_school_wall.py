"""PostgreSQL row-level security on the tables of school statistical returns (orgs/wall.py)."""

from django.db import migrations

from edubureau.orgs.wall import build_wall


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0015_bureau_has_moved_schools"),
        ("stats", "0002_imports_and_targets"),
    ]

    operations = [build_wall("stats_statreturn", "stats_returnround")]
