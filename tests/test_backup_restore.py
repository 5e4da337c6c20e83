"""`manage.py backup` and `manage.py restore`: a backup restored into an empty database and an empty
file storage has every record (the same rows in every table) and every uploaded file (the same bytes)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command

from liaison import backups, services
from tests import factories
from tests.api_support import pdf, png

ROOT = Path(__file__).resolve().parent.parent
RESTORE_DB = "liaison_h2_restore"


def _admin_dsn() -> dict:
    db = settings.DATABASES["default"]
    return {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "password": db["PASSWORD"] or None,
            "dbname": "postgres"}


@pytest.fixture
def empty_database():
    """A new, empty PostgreSQL database beside the test database; dropped afterwards."""
    admin = psycopg2.connect(**_admin_dsn())
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{RESTORE_DB}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{RESTORE_DB}"')
    yield RESTORE_DB
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{RESTORE_DB}" WITH (FORCE)')
    admin.close()


def restore(source: Path, database: str, media: Path, *extra: str) -> subprocess.CompletedProcess:
    """manage.py restore in its own process, pointed at `database` and `media` (production settings)."""
    db = settings.DATABASES["default"]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "liaison.settings", "SECRET_KEY": "restore-test-" + "r" * 50,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{database}",
        "MEDIA_ROOT": str(media),
    }
    return subprocess.run([sys.executable, "manage.py", "restore", str(source), *extra], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def counts_in(database: str) -> dict[str, int]:
    with psycopg2.connect(**(_admin_dsn() | {"dbname": database})) as restored, restored.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = sorted(row[0] for row in cursor.fetchall())
        found = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            found[table] = cursor.fetchone()[0]
    restored.close()
    return found


def checksums(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*")) if path.is_file()
    }


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_has_every_record_and_file(tmp_path, empty_database):
    # given a district with visits and an appeal carrying uploaded photos and documents
    pairing = factories.make_pairing_with_login()
    other = factories.make_pairing_with_login()
    visit = services.visit_create(
        acting_user=pairing.cadre.user, enterprise=pairing.enterprise, date=date.today(), method="on_site",
        summary="了解生产经营情况", files=[png("现场.png"), pdf("纪要.pdf")],
    )
    services.visit_create(acting_user=other.cadre.user, enterprise=other.enterprise, date=date.today(),
                          method="phone", summary="电话回访", files=[png()])
    appeal = factories.make_appeal(pairing=pairing, files=[png("厂房.png"), pdf()])
    source_counts = backups.table_counts()
    source_files = checksums(Path(settings.MEDIA_ROOT))
    assert visit.attachments.count() == 2 and appeal.attachments.count() == 2
    assert len(source_files) >= 5
    # when it is backed up
    output = tmp_path / "backup"
    call_command("backup", output=output)
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    # and restored into an empty database and an empty MEDIA_ROOT
    media = tmp_path / "restored-media"
    result = restore(output, empty_database, media)
    # then the restore says all is as backed up
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all as backed up" in result.stdout
    # and every table has the rows it had, every file the bytes it had
    assert manifest["tables"] == source_counts
    assert counts_in(empty_database) == source_counts
    assert source_counts["liaison_visitattachment"] == 3 and source_counts["appeals_appealattachment"] == 2
    assert checksums(media) == source_files
    assert {name: entry["sha256"] for name, entry in manifest["media"]["files"].items()} == source_files
    # and each attachment row points at a restored file
    for attachment in [*visit.attachments.all(), *appeal.attachments.all()]:
        assert (media / attachment.file.name).is_file()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty_unless_forced(tmp_path, empty_database):
    # given a backup, restored once
    factories.make_pairing_with_login()
    output = tmp_path / "backup"
    call_command("backup", output=output)
    media = tmp_path / "media"
    assert restore(output, empty_database, media).returncode == 0
    # when it is restored again over what is there
    again = restore(output, empty_database, media)
    # then it is refused, and with --force it replaces it
    assert again.returncode != 0 and "not empty" in again.stderr
    forced = restore(output, empty_database, media, "--force")
    assert forced.returncode == 0, forced.stderr
    assert counts_in(empty_database) == backups.table_counts()


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused(tmp_path, empty_database):
    # given a backup whose dump was changed after it was made
    output = tmp_path / "backup"
    call_command("backup", output=output)
    with open(output / "database.dump", "ab") as dump:
        dump.write(b"x")
    # when it is restored, then the checksum stops it before anything is written
    result = restore(output, empty_database, tmp_path / "media")
    assert result.returncode != 0 and "checksum" in result.stderr
    assert counts_in(empty_database) == {}


def test_backup_needs_an_empty_output_directory(tmp_path):
    (tmp_path / "something").write_text("x")
    with pytest.raises(backups.BackupError, match="not empty"):
        backups.backup_create(output=tmp_path)
