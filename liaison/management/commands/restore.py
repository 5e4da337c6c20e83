"""manage.py restore DIR [--force]: load a backup into an empty database and storage, then check it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liaison.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = ("Restore a backup made by `manage.py backup` into an empty database and file storage, and check "
            "every table's row count and every file's checksum against its manifest.")

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, help="the backup's directory")
        parser.add_argument("--force", action="store_true",
                            help="drop every table and file already there first (PostgreSQL: the public schema)")

    def handle(self, *args, source: Path, force: bool, **options):
        try:
            report = backup_restore(source=source, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if report.mismatches:
            raise CommandError("restored, but it differs from the backup:\n" + "\n".join(report.mismatches))
        self.stdout.write(
            f"{source}: {report.tables} tables, {report.rows} rows, {report.files} files, all as backed up"
        )
