"""Portable backups: every row of every model in one gzip'd JSON-lines file.

The file restores into an empty, migrated database on SQLite or PostgreSQL, whichever made
it. Rows keep their primary keys, so foreign keys (including simple-history's, which have no
database constraint) stay right. Content types and permissions are not copied: `migrate`
creates them, with ids that may differ between databases, so rows that point at them name
them by natural key instead. Users are referred to by id, not by username, because history
rows may still hold the id of a user deleted since.

Line 1 is a header (format, migrations applied, row count per model); every further line is
one object in Django's "jsonl" serialization.
"""

import datetime
import gzip
import json
import os
from contextlib import contextmanager
from pathlib import Path

import django
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers import jsonl
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "ovp-assess-backup"
FORMAT_VERSION = 1
# Recreated by `migrate`; referenced by natural key.
RECREATED = {"contenttypes.contenttype", "auth.permission"}
# Live login sessions are not worth keeping and are secrets: everyone logs in again. The
# cache generation and the scorecard render claims are the state of caches.
SKIPPED = {"sessions.session", "reports.cachegeneration", "reports.scorecardrender"}


class BackupError(Exception):
    """A backup that cannot be restored here; the message says why and what to do."""


class _Encoder(DjangoJSONEncoder):
    """Keeps microseconds, which DjangoJSONEncoder cuts to milliseconds."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class _Serializer(jsonl.Serializer):
    """jsonl, with natural keys only for the rows `migrate` recreates."""

    def _model_supports_natural_key(self, model):
        return model in (ContentType, Permission)


def backed_up_models(using=DEFAULT_DB_ALIAS):
    """Concrete models whose rows go into a backup, parents before children."""
    models = [
        model
        for model in apps.get_models()
        if model._meta.label_lower not in RECREATED | SKIPPED
        and not model._meta.proxy
        and model._meta.managed
        and router.allow_migrate_model(using, model)
    ]
    app_list = {}
    for model in models:
        app_list.setdefault(model._meta.app_config, []).append(model)
    return serializers.sort_dependencies(app_list.items())


def _applied_migrations(connection):
    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())


@contextmanager
def _snapshot(connection):
    """Read every table as of one moment, without blocking the app's writers."""
    if connection.in_atomic_block:
        yield  # The caller's transaction is the snapshot.
    elif connection.vendor == "sqlite":
        # A deferred transaction reads from one WAL snapshot and takes no write lock
        # (Django's atomic() would BEGIN IMMEDIATE and hold writers off for the whole dump).
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
    else:
        with transaction.atomic(using=connection.alias):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield


def default_path():
    from django.conf import settings

    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.VAR_DIR) / "backups" / f"ovp-assess-{stamp}.jsonl.gz"


def write_backup(path, *, using=DEFAULT_DB_ALIAS):
    """Write a backup of database `using` to `path`; return {model label: rows written}."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = connections[using]
    partial = path.with_name(path.name + ".partial")
    counts = {}
    # Password hashes and unpublished drafts: readable by the owner only.
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with (
            _snapshot(connection),
            os.fdopen(fd, "wb") as raw,
            gzip.open(raw, "wt", encoding="utf-8") as fh,
        ):
            models = backed_up_models(using)
            for model in models:
                counts[model._meta.label_lower] = model._base_manager.using(using).count()
            header = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
                "django": django.get_version(),
                "database": connection.vendor,
                "migrations": _applied_migrations(connection),
                "counts": counts,
            }
            fh.write(json.dumps(header, sort_keys=True) + "\n")
            serializer = _Serializer()
            for model in models:
                rows = model._base_manager.using(using).order_by(model._meta.pk.name)
                serializer.serialize(
                    rows.iterator(chunk_size=2000),
                    stream=fh,
                    use_natural_foreign_keys=True,
                    cls=_Encoder,
                )
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return counts


def read_header(path):
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            header = json.loads(fh.readline())
    except (OSError, EOFError, ValueError) as exc:
        raise BackupError(f"{path} is not an OVP Assess backup: {exc}") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(f"{path} is not an OVP Assess backup.")
    if header.get("version") != FORMAT_VERSION:
        raise BackupError(
            f"{path} is a version {header.get('version')} backup; this code reads version "
            f"{FORMAT_VERSION}."
        )
    return header


def _check_target(header, connection, models):
    applied = {tuple(m) for m in _applied_migrations(connection)}
    wanted = {tuple(m) for m in header["migrations"]}
    if wanted != applied:
        missing = sorted(wanted - applied)
        extra = sorted(applied - wanted)
        lines = ["The database schema is not the one the backup was made with."]
        if missing:
            lines.append(
                "Not applied here (run this code's `migrate`, or upgrade the code): "
                + ", ".join(f"{a}.{n}" for a, n in missing)
            )
        if extra:
            lines.append(
                "Applied here but not in the backup (migrate the empty database back to the "
                "backup's state, restore, then migrate forward): "
                + ", ".join(f"{a}.{n}" for a, n in extra)
            )
        raise BackupError("\n".join(lines))
    unknown = set(header["counts"]) - {m._meta.label_lower for m in models}
    if unknown:
        raise BackupError(f"The backup holds models this code does not know: {sorted(unknown)}")
    not_empty = [m._meta.label_lower for m in models if m._base_manager.exists()]
    if not_empty:
        raise BackupError(
            "Restore only into an empty, migrated database; these tables hold rows: "
            + ", ".join(not_empty)
            + ". Use a new database (`migrate` only), or empty this one with `manage.py flush`."
        )


def restore_backup(path, *, using=DEFAULT_DB_ALIAS):
    """Load backup `path` into the empty database `using`; return {model label: rows}."""
    header = read_header(path)
    connection = connections[using]
    models = backed_up_models(using)
    _check_target(header, connection, models)
    try:
        return _load(path, connection, models, header, using)
    except (OSError, EOFError, DeserializationError) as exc:
        # Nothing was written: the transaction rolled back.
        raise BackupError(f"{path} is damaged or truncated: {exc}") from exc


def _load(path, connection, models, header, using):
    counts = {}
    loaded = set()
    with transaction.atomic(using=using):
        deferred = []
        # Foreign keys are checked at commit (both backends create them DEFERRABLE
        # INITIALLY DEFERRED), so the order of the rows does not matter.
        with connection.constraint_checks_disabled(), gzip.open(path, "rt", encoding="utf-8") as fh:
            fh.readline()  # header
            objects = serializers.deserialize(
                "jsonl", fh, using=using, handle_forward_references=True
            )
            for obj in objects:
                # raw save: no signals that act (simple-history writes no new record),
                # auto_now timestamps kept as they were.
                obj.save(using=using)
                model = type(obj.object)
                loaded.add(model)
                label = model._meta.label_lower
                counts[label] = counts.get(label, 0) + 1
                if obj.deferred_fields:
                    deferred.append(obj)
            for obj in deferred:
                obj.save_deferred_fields(using=using)
        connection.check_constraints(table_names=[m._meta.db_table for m in loaded])
        expected = {label: n for label, n in header["counts"].items() if n}
        if counts != expected:
            raise BackupError(
                f"The backup is incomplete: header says {expected}, file holds {counts}."
            )
        # Rows came with their ids: move PostgreSQL's sequences past them.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
    return counts
