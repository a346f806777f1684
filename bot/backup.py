"""Backups: the live database (SQLite's online backup API) and the media folder, one archive.

``ferryman backup PATH`` and the nightly job write ``ferryman-backup-<UTC time>.tar.gz``:

    MANIFEST.json             when, schema version, what is inside
    ferryman.sqlite3          a consistent copy, checked with PRAGMA integrity_check
    media/...                 proof photos and QR images as they are on disk

The copy is taken with ``sqlite3.Connection.backup`` in one step, on its own connection and
in a worker thread: it reads one consistent snapshot while the bot goes on writing (WAL), and
no handler waits behind it.

``ferryman restore ARCHIVE`` refuses while a running bot holds the database (the lock file
``ferryman run`` keeps for its whole life, released by the kernel even on SIGKILL), checks the
archive, and keeps the database it replaces next to it instead of deleting it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from storage.migrations import LATEST_VERSION, SchemaTooNew

ARCHIVE_PREFIX = "ferryman-backup-"
ARCHIVE_SUFFIX = ".tar.gz"
DB_NAME = "ferryman.sqlite3"
MEDIA_NAME = "media"
MANIFEST_NAME = "MANIFEST.json"
# Files a writer is still filling (the photo archive renames them into place when done).
_UNFINISHED = (".part", ".tmp")


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


class DatabaseInUse(BackupError):
    pass


@dataclass(frozen=True, slots=True)
class BackupResult:
    archive: Path
    schema_version: int
    media_files: int
    size_bytes: int


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextlib.contextmanager
def hold_database(database: Path) -> Iterator[None]:
    """Held by ``ferryman run`` while it serves: one bot per database, and no restore under it.

    An advisory ``flock`` on a file next to the database: the kernel drops it when the process
    ends however it ends, so a crashed bot never leaves a stale lock behind.
    """
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(_in_use_message(database, handle)) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _in_use_message(database: Path, handle: IO[str]) -> str:
    handle.seek(0)
    pid = handle.read().strip() or "?"
    return f"{database} is held by a running Ferryman (pid {pid}); stop it first"


def archive_name(now: datetime) -> str:
    return f"{ARCHIVE_PREFIX}{now.astimezone(UTC):%Y-%m-%dT%H%M%SZ}{ARCHIVE_SUFFIX}"


def _target(path: Path, now: datetime) -> Path:
    """A folder gets a dated archive inside; a path ending in .tar.gz is used as it is."""
    if path.name.endswith(ARCHIVE_SUFFIX):
        return path
    return path / archive_name(now)


def _copy_database(database: Path, copy: Path) -> int:
    """One-step online backup from a read-only connection; returns the schema version."""
    if not database.exists():
        raise BackupError(f"{database} does not exist: nothing to back up")
    source = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)  # pages=-1: all at once, one consistent snapshot
        (result,) = target.execute("PRAGMA integrity_check").fetchone()
        if result != "ok":
            raise BackupError(f"the copy of {database} failed its integrity check: {result}")
        row = target.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    finally:
        target.close()
        source.close()
    return int(row[0]) if row and row[0] is not None else 0


def _media_files(media_dir: Path) -> list[Path]:
    if not media_dir.is_dir():
        return []
    return sorted(
        path
        for path in media_dir.rglob("*")
        if path.is_file() and not path.name.endswith(_UNFINISHED)
    )


def create_backup(
    database: Path, media_dir: Path, destination: Path, now: datetime | None = None
) -> BackupResult:
    """Blocking: run it in a thread from async code (``asyncio.to_thread``)."""
    now = now or datetime.now(UTC)
    archive = _target(destination, now)
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ferryman-backup-", dir=archive.parent) as tmp:
        copy = Path(tmp) / DB_NAME
        version = _copy_database(database, copy)
        files = _media_files(media_dir)
        manifest = {
            "created_at": now.astimezone(UTC).isoformat(),
            "schema_version": version,
            "database": DB_NAME,
            "media_files": len(files),
        }
        partial = Path(tmp) / archive.name
        # Level 1: photos are JPEG already, and a fast backup matters more than a few percent.
        with tarfile.open(partial, "w:gz", compresslevel=1) as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size = len(data)
            info.mtime = int(now.timestamp())
            tar.addfile(info, _bytes(data))
            tar.add(copy, arcname=DB_NAME)
            for path in files:
                with contextlib.suppress(FileNotFoundError):  # removed while we were packing
                    tar.add(path, arcname=f"{MEDIA_NAME}/{path.relative_to(media_dir)}")
        partial.replace(archive)  # a reader never finds half an archive under the final name
    return BackupResult(archive, version, len(files), archive.stat().st_size)


def _bytes(data: bytes) -> IO[bytes]:
    import io

    return io.BytesIO(data)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` archives in ``folder``; returns what was deleted."""
    archives = sorted(
        p for p in folder.glob(f"{ARCHIVE_PREFIX}*{ARCHIVE_SUFFIX}") if p.is_file()
    )  # the names sort by time
    doomed = archives[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


@dataclass(frozen=True, slots=True)
class RestoreResult:
    database: Path
    kept_previous: Path | None
    media_files: int
    schema_version: int


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    allowed = []
    for member in tar.getmembers():
        media = member.name.startswith(f"{MEDIA_NAME}/") and member.isfile()
        if member.name in (MANIFEST_NAME, DB_NAME) or media:
            allowed.append(member)
    return allowed


def restore_backup(
    archive: Path, database: Path, media_dir: Path, now: datetime | None = None
) -> RestoreResult:
    """Blocking. Refuses while a running bot holds ``database``."""
    now = now or datetime.now(UTC)
    if not archive.is_file():
        raise BackupError(f"{archive}: no such archive")
    with (
        hold_database(database),
        tempfile.TemporaryDirectory(prefix="ferryman-restore-", dir=database.parent) as tmp,
    ):
        folder = Path(tmp)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                members = _safe_members(tar)
                # filter="data": no absolute paths, links or devices, whatever the archive says.
                tar.extractall(folder, members=members, filter="data")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"{archive}: not a readable Ferryman backup ({exc})") from None
        copy = folder / DB_NAME
        if not (folder / MANIFEST_NAME).is_file() or not copy.is_file():
            raise BackupError(
                f"{archive}: not a Ferryman backup (no {MANIFEST_NAME} or {DB_NAME})"
            )
        version = _check_copy(copy, archive)
        kept: Path | None = None
        if database.exists():
            kept = database.with_name(f"{database.name}.before-restore-{now:%Y%m%dT%H%M%SZ}")
            database.replace(kept)
        for suffix in ("-wal", "-shm"):
            # The old database's journal must not be replayed into the restored one.
            stale = database.with_name(database.name + suffix)
            if stale.exists():
                if kept is not None:
                    stale.replace(kept.with_name(kept.name + suffix))
                else:
                    stale.unlink()
        copy.replace(database)
        restored = 0
        media_src = folder / MEDIA_NAME
        if media_src.is_dir():
            for path in sorted(p for p in media_src.rglob("*") if p.is_file()):
                target = media_dir / path.relative_to(media_src)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(path, target)
                restored += 1
    return RestoreResult(database, kept, restored, version)


def _check_copy(copy: Path, archive: Path) -> int:
    conn = sqlite3.connect(copy)
    try:
        (result,) = conn.execute("PRAGMA integrity_check").fetchone()
        row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{archive}: the database in it is damaged ({exc})") from None
    finally:
        conn.close()
    if result != "ok":
        raise BackupError(f"{archive}: the database in it fails its integrity check: {result}")
    version = int(row[0]) if row and row[0] is not None else 0
    if version > LATEST_VERSION:
        raise SchemaTooNew(version, LATEST_VERSION)
    return version
