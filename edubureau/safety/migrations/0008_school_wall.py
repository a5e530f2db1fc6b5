"""PostgreSQL row-level security on the tables of school safety records (orgs/wall.py)."""

from django.db import migrations

from edubureau.orgs.wall import build_wall


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0015_bureau_has_moved_schools"),
        ("safety", "0007_ledger_list_indexes"),
    ]

    operations = [
        build_wall(
            "safety_inspection",
            "safety_inspectionphoto",
            "safety_hazard",
            "safety_hazardphoto",
            "safety_responsibilityletter",
            "safety_emergencyplan",
            "safety_drill",
            "safety_educationactivity",
            "safety_vehicle",
            "safety_canteen",
            "safety_securityresources",
        ),
    ]
