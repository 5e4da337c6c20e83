"""Backup and restore of the whole portal: the database and every uploaded file, with a manifest.

A backup is a directory:

    manifest.json      when, from what (database vendor, migrations), the row count of every table,
                       the SHA-256 of the two archives and of every uploaded file
    database.dump      PostgreSQL: pg_dump's custom format, taken in the same snapshot as the counts
    database.sqlite3   SQLite: a consistent copy made with SQLite's online backup
    media.tar          every file of the file storage (MEDIA_ROOT, or the bucket with FILE_STORAGE=s3)

`restore` loads one into an empty database (and empty storage) and checks every count and checksum
against the manifest; a non-empty target is refused unless forced, which first drops what is there.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

MANIFEST = "manifest.json"
MEDIA_TAR = "media.tar"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


@dataclass
class RestoreReport:
    tables: int = 0
    rows: int = 0
    files: int = 0
    mismatches: list[str] = field(default_factory=list)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _table_counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT count(*) FROM {_quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def table_counts() -> dict[str, int]:
    """Rows in every table of the default database, by table name."""
    with connection.cursor() as cursor:
        return _table_counts(cursor, connection.introspection.table_names(cursor))


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """pg_dump/pg_restore connection arguments for the default database (the password in the environment)."""
    db = connection.settings_dict
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")


def _storage_files(storage=default_storage, directory: str = "") -> list[str]:
    """Every file name in the storage, walking its directories (works for the disk and for S3 alike)."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        return []
    names = [f"{directory}/{name}" if directory else name for name in files]
    for sub in directories:
        names += _storage_files(storage, f"{directory}/{sub}" if directory else sub)
    return sorted(names)


def _migrations() -> dict[str, str]:
    with connection.cursor() as cursor:
        if "django_migrations" not in connection.introspection.table_names(cursor):
            return {}
        cursor.execute("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")
        return dict(cursor.fetchall())


# --- Backup ------------------------------------------------------------------------------------------


def _backup_postgresql(output: Path) -> dict[str, int]:
    """pg_dump in the snapshot the counts are read in, so the manifest describes exactly the dump."""
    args, env = _pg_environment()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _table_counts(cursor, connection.introspection.table_names(cursor))
            _run(["pg_dump", *args, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  "--file", str(output / PG_DUMP)], env)
    return counts


def _backup_sqlite(output: Path) -> dict[str, int]:
    """SQLite's online backup: a consistent copy even while the portal writes."""
    connection.ensure_connection()
    target = sqlite3.connect(output / SQLITE_COPY)
    try:
        connection.connection.backup(target)
        cursor = target.cursor()
        tables = [row[0] for row in cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        counts = {}
        for table in sorted(tables):
            counts[table] = cursor.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    finally:
        target.close()
    return counts


def backup_create(*, output: Path) -> dict:
    """Write a backup of the database and the uploaded files into `output` (new or empty); returns the manifest."""
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise BackupError(f"{output} is not empty")
    output.mkdir(parents=True, exist_ok=True)
    vendor = connection.vendor
    if vendor == "postgresql":
        counts = _backup_postgresql(output)
        database_file = PG_DUMP
    elif vendor == "sqlite":
        counts = _backup_sqlite(output)
        database_file = SQLITE_COPY
    else:
        raise BackupError(f"no backup for the {vendor} database")
    files = {}
    with tarfile.open(output / MEDIA_TAR, "w") as archive:
        for name in _storage_files():
            with default_storage.open(name, "rb") as handle:
                data = handle.read()
            files[name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "django": django.get_version(),
        "database": {"vendor": vendor, "file": database_file, "sha256": sha256_file(output / database_file)},
        "migrations": _migrations(),
        "tables": counts,
        "media": {"file": MEDIA_TAR, "sha256": sha256_file(output / MEDIA_TAR), "files": files},
    }
    (output / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return manifest


# --- Restore -----------------------------------------------------------------------------------------


def backup_read(source: Path) -> dict:
    """The manifest of a backup, after checking both archives against their checksums."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise BackupError(f"{source} holds no {MANIFEST}") from error
    for part in (manifest["database"], manifest["media"]):
        path = source / part["file"]
        if not path.exists() or sha256_file(path) != part["sha256"]:
            raise BackupError(f"{part['file']} is missing or does not match its checksum in the manifest")
    return manifest


def _database_is_empty() -> bool:
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def _drop_everything() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    else:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f'DROP TABLE IF EXISTS "{table}"')


def _restore_postgresql(path: Path) -> None:
    args, env = _pg_environment()
    connection.close()  # pg_restore works on its own connection
    _run(["pg_restore", *args, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          str(path)], env)


def _restore_sqlite(path: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(path)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def backup_restore(*, source: Path, force: bool = False) -> RestoreReport:
    """Load a backup into the default database and the file storage, then check every table's count and
    every file's checksum against the manifest. Refuses a database with tables, or a storage with files,
    unless `force` (which drops them first)."""
    source = Path(source)
    manifest = backup_read(source)
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(f"this backup is of a {vendor} database; the target is {connection.vendor}")
    existing_files = _storage_files()
    if not force and not _database_is_empty():
        raise BackupError("the target database is not empty (use --force to replace what is there)")
    if not force and existing_files:
        raise BackupError("the file storage is not empty (use --force to replace what is there)")
    if force:
        _drop_everything()
        for name in existing_files:
            default_storage.delete(name)
    if vendor == "postgresql":
        _restore_postgresql(source / manifest["database"]["file"])
    else:
        _restore_sqlite(source / manifest["database"]["file"])
    with tempfile.TemporaryDirectory(prefix="liaison-restore-") as scratch, \
            tarfile.open(source / manifest["media"]["file"]) as archive:
        for member in archive.getmembers():
            if not member.isfile():
                continue
            extracted = archive.extractfile(member)
            staged = Path(scratch) / "file"
            with open(staged, "wb") as handle:
                shutil.copyfileobj(extracted, handle)
            with open(staged, "rb") as handle:
                saved = default_storage.save(member.name, File(handle))
            if saved != member.name:
                raise BackupError(f"{member.name} could not be restored under its own name")
    return backup_verify(manifest=manifest)


def backup_verify(*, manifest: dict) -> RestoreReport:
    """Compare the database and the storage with a manifest: every table's rows, every file's bytes."""
    report = RestoreReport()
    counts = table_counts()
    for table, expected in manifest["tables"].items():
        found = counts.get(table)
        if found != expected:
            report.mismatches.append(f"table {table}: {found} rows, {expected} in the backup")
        report.tables += 1
        report.rows += found or 0
    for name, expected in manifest["media"]["files"].items():
        try:
            with default_storage.open(name, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
        except FileNotFoundError:
            digest = None
        if digest != expected["sha256"]:
            report.mismatches.append(f"file {name}: {'missing' if digest is None else 'different'}")
        report.files += 1
    return report
