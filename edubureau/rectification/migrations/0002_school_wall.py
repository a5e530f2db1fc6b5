"""PostgreSQL row-level security on the rectification history (orgs/wall.py)."""

from django.db import migrations

from edubureau.orgs.wall import build_wall


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0015_bureau_has_moved_schools"),
        ("rectification", "0001_initial"),
    ]

    operations = [build_wall("rectification_rectificationstep")]
