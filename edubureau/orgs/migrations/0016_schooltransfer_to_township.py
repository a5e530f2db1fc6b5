import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):
    """A transfer went to the township the next one left, or the school's own."""
    SchoolTransfer = apps.get_model("orgs", "SchoolTransfer")
    rows = list(
        SchoolTransfer.objects.order_by("school_id", "moved_on", "id").values_list(
            "pk", "school_id", "from_township_id", "school__township_id"
        )
    )
    for i, (pk, school_id, _, current) in enumerate(rows):
        later = rows[i + 1] if i + 1 < len(rows) and rows[i + 1][1] == school_id else None
        to = later[2] if later is not None else current
        SchoolTransfer.objects.filter(pk=pk).update(to_township_id=to)


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0015_bureau_has_moved_schools"),
    ]

    operations = [
        migrations.AddField(
            model_name="schooltransfer",
            name="to_township",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgs.township",
                verbose_name="调入乡镇",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
