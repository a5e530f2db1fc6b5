"""The 发文字号 counters move to orgs (``DocumentCounter``): plans and every other module
issue numbered documents too, from the same counters. The rows are copied before the
old table goes, so the next number continues where the last left off."""

from django.db import migrations


def copy_counters(apps, schema_editor):
    old = apps.get_model("reports", "IssueCounter")
    new = apps.get_model("orgs", "DocumentCounter")
    new.objects.bulk_create(
        [
            new(bureau_id=row.bureau_id, issuer_code=row.issuer_code, year=row.year, last=row.last)
            for row in old.objects.all()
        ]
    )


def copy_back(apps, schema_editor):
    old = apps.get_model("reports", "IssueCounter")
    new = apps.get_model("orgs", "DocumentCounter")
    old.objects.bulk_create(
        [
            old(bureau_id=row.bureau_id, issuer_code=row.issuer_code, year=row.year, last=row.last)
            for row in new.objects.all()
        ]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("orgs", "0010_document_counter"),
    ]

    operations = [
        migrations.RunPython(copy_counters, copy_back),
        migrations.DeleteModel(name="IssueCounter"),
    ]
