"""Backups: taken while the bot writes, restored whole; never restored under a running bot."""

from __future__ import annotations

import asyncio
import sqlite3
import tarfile
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import cli
from bot.backup import (
    BackupError,
    DatabaseInUse,
    archive_name,
    create_backup,
    hold_database,
    prune,
    restore_backup,
)
from bot.nightly import BACKUP_JOB
from storage.db import Database
from storage.migrations import LATEST_VERSION, SchemaTooNew
from tests.conftest import StartFerryman
from tests.e2e.helpers import state_of


def rows(database: Path) -> set[int]:
    with closing(sqlite3.connect(database)) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM scratch")}


def integrity(database: Path) -> str:
    with closing(sqlite3.connect(database)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


async def test_a_backup_taken_while_writing_restores_every_committed_row(tmp_path: Path) -> None:
    live = tmp_path / "live" / "ferryman.sqlite3"
    media = tmp_path / "live" / "media"
    (media / "proof").mkdir(parents=True)
    (media / "proof" / "ab12.jpg").write_bytes(b"\xff\xd8 a proof photo")
    (media / "proof" / "cd34.jpg.part").write_bytes(b"half written")  # skipped
    db = await Database.open(live)
    await db.conn.execute("CREATE TABLE scratch (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    committed: list[int] = []
    stop = asyncio.Event()
    reached: dict[int, asyncio.Event] = {200: asyncio.Event()}

    async def writer() -> None:
        while not stop.is_set():
            async with db.transaction() as conn:
                cursor = await conn.execute("INSERT INTO scratch (body) VALUES (?)", ("x" * 500,))
                row_id = cursor.lastrowid
            assert row_id is not None
            committed.append(row_id)
            for count, event in reached.items():
                if len(committed) >= count:
                    event.set()
            await asyncio.sleep(0)

    task = asyncio.create_task(writer())
    try:
        await reached[200].wait()
        before = set(committed)
        result = await asyncio.to_thread(create_backup, live, media, tmp_path / "backups")
        reached[len(committed) + 50] = later = asyncio.Event()
        await later.wait()  # the bot went on writing all along
    finally:
        stop.set()
        await task
        await db.close()

    assert result.archive.parent == tmp_path / "backups"
    assert result.archive.name.startswith("ferryman-backup-")
    assert result.schema_version == LATEST_VERSION and result.media_files == 1
    with tarfile.open(result.archive) as tar:
        assert set(tar.getnames()) == {"MANIFEST.json", "ferryman.sqlite3", "media/proof/ab12.jpg"}

    target = tmp_path / "restored" / "ferryman.sqlite3"
    restored = restore_backup(result.archive, target, tmp_path / "restored" / "media")
    assert restored.kept_previous is None and restored.media_files == 1
    assert integrity(target) == "ok"
    got = rows(target)
    assert before <= got <= set(committed)  # every row committed before the copy, nothing torn
    assert (
        (tmp_path / "restored" / "media" / "proof" / "ab12.jpg")
        .read_bytes()
        .startswith(b"\xff\xd8")
    )


def make_archive(tmp_path: Path) -> tuple[Path, Path]:
    database = tmp_path / "ferryman.sqlite3"
    with closing(sqlite3.connect(database)) as conn, conn:
        conn.execute("CREATE TABLE schema_migrations (version INTEGER, name TEXT)")
        conn.execute("INSERT INTO schema_migrations VALUES (?, 'x')", (LATEST_VERSION,))
        conn.execute("CREATE TABLE scratch (id INTEGER PRIMARY KEY)")
        conn.execute("INSERT INTO scratch VALUES (1)")
    result = create_backup(database, tmp_path / "media", tmp_path / "backups")
    return database, result.archive


def test_restore_is_refused_while_a_bot_holds_the_database(tmp_path: Path) -> None:
    database, archive = make_archive(tmp_path)
    with hold_database(database), pytest.raises(DatabaseInUse) as caught:
        restore_backup(archive, database, tmp_path / "media")
    message = str(caught.value)
    assert "held by a running Ferryman" in message and "stop it first" in message
    assert rows(database) == {1}  # untouched
    # Once the bot has stopped, the same restore goes through.
    result = restore_backup(archive, database, tmp_path / "media")
    assert result.kept_previous is not None and result.kept_previous.exists()


def test_a_second_bot_on_the_same_database_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "ferryman.sqlite3"
    with hold_database(database), pytest.raises(DatabaseInUse), hold_database(database):
        pass


def test_restore_refuses_damaged_and_newer_archives(tmp_path: Path) -> None:
    database, _ = make_archive(tmp_path)
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    with pytest.raises(BackupError, match="not a readable Ferryman backup"):
        restore_backup(junk, database, tmp_path / "media")

    with closing(sqlite3.connect(database)) as conn, conn:
        conn.execute("INSERT INTO schema_migrations VALUES (?, 'future')", (LATEST_VERSION + 1,))
    newer = create_backup(database, tmp_path / "media", tmp_path / "newer").archive
    with pytest.raises(SchemaTooNew):
        restore_backup(newer, tmp_path / "other.sqlite3", tmp_path / "media")
    assert not (tmp_path / "other.sqlite3").exists()


def test_prune_keeps_the_newest(tmp_path: Path) -> None:
    start = datetime(2026, 5, 1, 19, 0, tzinfo=UTC)
    names = [archive_name(start + timedelta(days=d)) for d in range(5)]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not ours")
    removed = prune(tmp_path, keep=2)
    assert [p.name for p in removed] == names[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names[3:], "notes.txt"])


def test_backup_and_restore_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "_EXTRA_COMMANDS", [])
    database, _ = make_archive(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text('[storage]\ndatabase = "ferryman.sqlite3"\n', encoding="utf-8")
    assert cli.main(["backup", str(tmp_path / "cli-backups"), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    (archive,) = (tmp_path / "cli-backups").iterdir()
    assert str(archive) in out and f"schema version {LATEST_VERSION}" in out

    with hold_database(database):
        assert cli.main(["restore", str(archive), "--config", str(config)]) == 1
        assert "stop it first" in capsys.readouterr().err
    assert cli.main(["restore", str(archive), "--config", str(config)]) == 0
    assert "the database it replaced is kept as" in capsys.readouterr().out


async def test_the_nightly_backup_runs_from_settings(
    tmp_path: Path, start_ferryman: StartFerryman
) -> None:
    folder = tmp_path / "nightly"
    app = await start_ferryman(extra={"backup": {"folder": str(folder), "keep": 2, "at": "02:30"}})
    (job,) = app.job_queue.get_jobs_by_name(BACKUP_JOB)  # type: ignore[union-attr]
    assert job.next_t is not None
    local = job.next_t.astimezone(state_of(app).settings.company.timezone)
    assert (local.hour, local.minute) == (2, 30)
    for old in range(3):
        (folder / archive_name(datetime(2020, 1, 1 + old, tzinfo=UTC))).parent.mkdir(exist_ok=True)
        (folder / archive_name(datetime(2020, 1, 1 + old, tzinfo=UTC))).write_bytes(b"")
    await job.run(app)
    archives = sorted(p.name for p in folder.iterdir())
    assert len(archives) == 2 and archives[0].startswith("ferryman-backup-2020-01-03")
    assert integrity_of_archive(folder / archives[1]) == "ok"


def integrity_of_archive(archive: Path) -> str:
    with tarfile.open(archive) as tar:
        tar.extract("ferryman.sqlite3", archive.parent / "check", filter="data")
    return integrity(archive.parent / "check" / "ferryman.sqlite3")


async def test_keep_zero_turns_the_nightly_backup_off(start_ferryman: StartFerryman) -> None:
    app = await start_ferryman(extra={"backup": {"keep": 0}})
    assert app.job_queue is not None and not app.job_queue.get_jobs_by_name(BACKUP_JOB)
