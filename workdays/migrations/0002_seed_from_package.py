"""Seed every year the chinese_calendar package covers, so that deadlines work right after migrate."""

from django.db import migrations


def seed(apps, schema_editor):
    from workdays.services import calendar_cache_clear, sync_years_from_package

    sync_years_from_package(
        year_model=apps.get_model("workdays", "CalendarYear"),
        day_model=apps.get_model("workdays", "CalendarDay"),
    )
    calendar_cache_clear()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
