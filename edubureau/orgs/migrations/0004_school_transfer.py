import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0003_bureau_tree"),
    ]

    operations = [
        migrations.CreateModel(
            name="SchoolTransfer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("moved_on", models.DateField(verbose_name="调整日期")),
                (
                    "reason",
                    models.CharField(blank=True, max_length=200, verbose_name="调整原因"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="记录时间")),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="操作人",
                    ),
                ),
                (
                    "from_bureau",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="orgs.bureau",
                        verbose_name="原属教育局",
                    ),
                ),
                (
                    "from_township",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="orgs.township",
                        verbose_name="原属乡镇",
                    ),
                ),
                (
                    "school",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="transfers",
                        to="orgs.school",
                        verbose_name="学校",
                    ),
                ),
                (
                    "to_bureau",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="orgs.bureau",
                        verbose_name="调入教育局",
                    ),
                ),
            ],
            options={
                "verbose_name": "学校隶属调整",
                "verbose_name_plural": "学校隶属调整",
                "ordering": ["school", "moved_on", "id"],
                "indexes": [
                    models.Index(
                        fields=["from_bureau", "moved_on"], name="school_transfer_from_idx"
                    )
                ],
            },
        ),
    ]
