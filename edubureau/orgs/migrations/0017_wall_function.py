"""The database wall's set of readable schools becomes a function the planner
costs right (orgs/wall.py): every walled table gets today's policy."""

from django.db import migrations

from edubureau.orgs.wall import rebuild_walls


class Migration(migrations.Migration):
    dependencies = [("orgs", "0016_schooltransfer_to_township")]

    operations = [rebuild_walls()]
