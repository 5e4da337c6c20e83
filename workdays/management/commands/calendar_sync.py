from django.core.management.base import BaseCommand

from workdays.services import calendar_sync_from_package


class Command(BaseCommand):
    help = (
        "Fill or refresh the working-day calendar from the chinese_calendar package. "
        "Days and years that staff entered or changed by hand are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", dest="years", help="only this year (repeatable)")

    def handle(self, *args, years=None, **options):
        counts = calendar_sync_from_package(years=years)
        missing = counts.pop("years_not_in_package")
        for key, value in counts.items():
            self.stdout.write(f"{key}: {value}")
        if missing:
            self.stderr.write(
                self.style.WARNING(
                    "The chinese_calendar package has no data for "
                    + ", ".join(str(y) for y in missing)
                    + "; enter those years on /calendar/ or upgrade the package."
                )
            )
