from django.db import migrations

WEIGHTS = [("unit_function", 30), ("category", 25), ("rank", 20), ("street", 15), ("load", 10)]
CATEGORY_FIT = [
    ("economy", "J", "CDFGKL"),
    ("industry", "CI", "DM"),
    ("construction", "EK", "CDN"),
    ("commerce", "F", "GHL"),
    ("law", "", "FHLMQ"),
    ("culture", "HR", "P"),
    ("social", "OPQ", "L"),
    ("administration", "", ""),
]


def seed(apps, schema_editor):
    FactorWeight = apps.get_model("matching", "FactorWeight")
    CategoryIndustry = apps.get_model("matching", "CategoryIndustry")
    for factor, weight in WEIGHTS:
        FactorWeight.objects.get_or_create(factor=factor, defaults={"weight": weight})
    for category, strong, some in CATEGORY_FIT:
        CategoryIndustry.objects.get_or_create(category=category, defaults={"strong": strong, "some": some})


class Migration(migrations.Migration):
    dependencies = [("matching", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
