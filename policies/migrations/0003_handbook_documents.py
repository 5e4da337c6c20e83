from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0002_seed"),
    ]

    operations = [
        migrations.CreateModel(
            name="HandbookCatalogue",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("revision", models.PositiveIntegerField(default=1, verbose_name="revision")),
                ("changed_at", models.DateTimeField(blank=True, null=True, verbose_name="changed at")),
            ],
            options={
                "verbose_name": "handbook catalogue version",
                "verbose_name_plural": "handbook catalogue versions",
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("id", 1)), name="handbook_catalogue_single_row")
                ],
            },
        ),
        migrations.CreateModel(
            name="HandbookDocument",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("revision", models.PositiveIntegerField(unique=True, verbose_name="catalogue revision")),
                (
                    "status",
                    models.CharField(
                        choices=[("pending", "Being made"), ("ready", "Ready"), ("failed", "Failed")],
                        default="pending",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("file", models.FileField(blank=True, max_length=300, upload_to="handbook/", verbose_name="file")),
                ("size", models.PositiveBigIntegerField(default=0, verbose_name="PDF size (bytes)")),
                ("policy_count", models.PositiveIntegerField(default=0, verbose_name="policies")),
                ("error", models.TextField(blank=True, verbose_name="error")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("rendered_at", models.DateTimeField(blank=True, null=True, verbose_name="made at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
            ],
            options={
                "verbose_name": "handbook PDF",
                "verbose_name_plural": "handbook PDFs",
                "ordering": ["-revision"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("rendered_at__isnull", False),
                                ("status", "ready"),
                                models.Q(("file", ""), _negated=True),
                            ),
                            models.Q(("status", "ready"), _negated=True),
                            _connector="OR",
                        ),
                        name="handbook_document_ready_has_file",
                    )
                ],
            },
        ),
    ]
