import edubureau.core.crypto
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    # The columns now read plain values as they are and write them encrypted.
    for name in ("Bureau", "School"):
        model = apps.get_model("orgs", name)
        rows = model.objects.exclude(phone="").values_list("pk", "phone")
        for pk, phone in rows.iterator():
            model.objects.filter(pk=pk).update(phone=phone)


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0012_two_factor"),
    ]

    operations = [
        migrations.AlterField(
            model_name="bureau",
            name="phone",
            field=edubureau.core.crypto.EncryptedTextField(blank=True, verbose_name="电话"),
        ),
        migrations.AlterField(
            model_name="school",
            name="phone",
            field=edubureau.core.crypto.EncryptedTextField(blank=True, verbose_name="联系电话"),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
    ]
