"""manage.py backup --output DIR: the database and every uploaded file, with a manifest (liaison.backups)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liaison.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into a new directory, with counts and checksums."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path, help="a new or empty directory")

    def handle(self, *args, output: Path, **options):
        try:
            manifest = backup_create(output=output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"{output}: {len(manifest['tables'])} tables, {rows} rows, {len(manifest['media']['files'])} files"
        )
