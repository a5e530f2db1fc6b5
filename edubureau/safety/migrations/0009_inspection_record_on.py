import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):
    """A stored column computed by the database, so every writer (the page, the demo's
    bulk inserts, imports) gets it without setting it."""

    dependencies = [
        ("safety", "0008_school_wall"),
    ]

    operations = [
        migrations.AddField(
            model_name="inspection",
            name="record_on",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.comparison.Coalesce(
                    "period", "inspected_on"
                ),
                output_field=models.DateField(),
                verbose_name="记录所属日期",
            ),
        ),
    ]
