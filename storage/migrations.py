"""Ordered, recorded schema migrations, each applied in its own transaction."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True, slots=True)
class TableRebuild:
    """Rewrite part of a table's CREATE statement, e.g. to widen a CHECK constraint.

    SQLite cannot alter a constraint in place; its documented way is to create the new table,
    copy the rows, drop the old one and rename (https://sqlite.org/lang_altertable.html, §7).
    The statement is read from the database at migration time, so columns and indexes that
    earlier migrations added survive; ``old`` must occur exactly once in it.
    """

    table: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str
    rebuild: TableRebuild | None = None


class RebuildMismatch(Exception):
    """The table's CREATE statement is not the one the rebuild was written for."""


class SchemaTooNew(Exception):
    """The database was migrated by a newer Ferryman; running older code could corrupt it."""

    def __init__(self, database_version: int, code_version: int) -> None:
        self.database_version = database_version
        self.code_version = code_version
        super().__init__(
            f"database schema is version {database_version}, this Ferryman knows up to "
            f"{code_version}: upgrade Ferryman before using this database"
        )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "core schema",
        """
        CREATE TABLE drivers (
            id INTEGER PRIMARY KEY,
            telegram_id INTEGER UNIQUE,
            name TEXT NOT NULL,
            phone TEXT NOT NULL DEFAULT '',
            passport_number TEXT NOT NULL DEFAULT '',
            passport_expiry TEXT,
            language TEXT NOT NULL DEFAULT 'zh',
            status TEXT NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'suspended', 'left')),
            created_at TEXT NOT NULL
        );
        CREATE TABLE places (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('yard', 'lot', 'checkpoint')),
            latitude REAL NOT NULL,
            longitude REAL NOT NULL,
            address TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE vehicles (
            id INTEGER PRIMARY KEY,
            vin TEXT NOT NULL UNIQUE CHECK (length(vin) = 17),
            model TEXT NOT NULL DEFAULT '',
            colour TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE assignments (
            id INTEGER PRIMARY KEY,
            service_date TEXT NOT NULL,
            driver_id INTEGER REFERENCES drivers(id),
            vehicle_id INTEGER NOT NULL REFERENCES vehicles(id),
            pickup_place_id INTEGER NOT NULL REFERENCES places(id),
            destination_place_id INTEGER NOT NULL REFERENCES places(id),
            pickup_at TEXT NOT NULL,
            deliver_by TEXT NOT NULL,
            receiver_name TEXT NOT NULL DEFAULT '',
            receiver_phone TEXT NOT NULL DEFAULT '',
            clearance_code TEXT NOT NULL DEFAULT '',
            clearance_kind TEXT NOT NULL DEFAULT 'generated'
                CHECK (clearance_kind IN ('imported', 'generated')),
            status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN
                ('planned', 'sent', 'accepted', 'picked_up', 'crossed', 'delivered',
                 'declined', 'cancelled')),
            version INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        -- One live assignment per car and day; cancelled ones do not block a new one.
        CREATE UNIQUE INDEX assignments_vehicle_day
            ON assignments (vehicle_id, service_date) WHERE status != 'cancelled';
        CREATE INDEX assignments_board ON assignments (service_date, status);
        CREATE INDEX assignments_driver_history ON assignments (driver_id, service_date);
        CREATE TABLE sent_messages (
            id INTEGER PRIMARY KEY,
            assignment_id INTEGER NOT NULL REFERENCES assignments(id),
            chat_id INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            purpose TEXT NOT NULL,
            sent_at TEXT NOT NULL
        );
        CREATE INDEX sent_messages_assignment ON sent_messages (assignment_id, purpose);
        CREATE TABLE proofs (
            id INTEGER PRIMARY KEY,
            assignment_id INTEGER NOT NULL REFERENCES assignments(id),
            kind TEXT NOT NULL CHECK (kind IN ('photo', 'location')),
            checklist_item TEXT,
            file_id TEXT,
            file_unique_id TEXT,
            sha256 TEXT,
            media_path TEXT,
            latitude REAL,
            longitude REAL,
            horizontal_accuracy REAL,
            distance_m REAL,
            flagged INTEGER NOT NULL DEFAULT 0,
            live INTEGER NOT NULL DEFAULT 0,
            telegram_at TEXT NOT NULL,
            received_at TEXT NOT NULL
        );
        CREATE INDEX proofs_assignment ON proofs (assignment_id, kind);
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            actor_telegram_id INTEGER,
            assignment_id INTEGER REFERENCES assignments(id),
            driver_id INTEGER REFERENCES drivers(id),
            telegram_at TEXT,
            recorded_at TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX events_assignment ON events (assignment_id, id);
        CREATE INDEX events_driver ON events (driver_id, kind, recorded_at);
        -- The audit trail is append-only.
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
        CREATE TABLE admins (
            telegram_id INTEGER PRIMARY KEY,
            added_by INTEGER,
            added_at TEXT NOT NULL
        );
        """,
    ),
    Migration(
        2,
        "invitations, registrations and pending driver input",
        """
        CREATE TABLE invitations (
            token TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            created_by INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_by INTEGER,
            used_at TEXT
        );
        -- Registration survives a restart: one row per user mid-way through onboarding.
        CREATE TABLE registrations (
            telegram_id INTEGER PRIMARY KEY,
            invitation_token TEXT NOT NULL REFERENCES invitations(token),
            step TEXT NOT NULL,
            data TEXT NOT NULL DEFAULT '{}',
            updated_at TEXT NOT NULL
        );
        -- What the bot is waiting for from a driver (a problem description, proof photos).
        CREATE TABLE pending_inputs (
            telegram_id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            assignment_id INTEGER REFERENCES assignments(id),
            created_at TEXT NOT NULL
        );
        """,
    ),
    Migration(
        3,
        "clearance image file ids and code lookup",
        """
        -- Telegram's file id for a code's rendered image: the QR is re-sent without upload.
        CREATE TABLE clearance_images (
            code TEXT PRIMARY KEY,
            file_id TEXT NOT NULL,
            render_version INTEGER NOT NULL,
            recorded_at TEXT NOT NULL
        );
        -- /verify looks imported codes up by their text.
        CREATE INDEX assignments_clearance_code ON assignments (clearance_code)
            WHERE clearance_code != '';
        """,
    ),
    Migration(
        4,
        "digest cursors",
        """
        -- How far each digest has read the events table; the next digest starts after it.
        CREATE TABLE digest_cursors (
            name TEXT PRIMARY KEY,
            last_event_id INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        );
        """,
    ),
    Migration(
        5,
        "events refuse INSERT OR REPLACE",
        """
        -- INSERT OR REPLACE / REPLACE INTO delete the old row without firing DELETE triggers
        -- (recursive_triggers is off): refuse any insert that reuses an existing id.
        CREATE TRIGGER events_no_replace BEFORE INSERT ON events
            WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM events WHERE id = NEW.id)
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
        """,
    ),
    Migration(
        6,
        "assignment status returning (to the yard)",
        "",
        rebuild=TableRebuild(
            "assignments",
            "'crossed', 'delivered',",
            "'crossed', 'returning', 'delivered',",
        ),
    ),
    Migration(
        7,
        "roles, pending input data and stack, repeats, chat overrides",
        """
        -- A dialog's own data, and the input it interrupted (resumed when it is done).
        ALTER TABLE pending_inputs ADD COLUMN data TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE pending_inputs ADD COLUMN resume TEXT;
        ALTER TABLE admins ADD COLUMN name TEXT NOT NULL DEFAULT '';
        -- Checkpoint staff added by owners (settings' checkpoint_users count as well).
        CREATE TABLE checkpoint_staff (
            telegram_id INTEGER PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            added_by INTEGER,
            added_at TEXT NOT NULL
        );
        -- The language each owner, admin and gatekeeper reads (alerts, menus, answers).
        CREATE TABLE staff_languages (
            telegram_id INTEGER PRIMARY KEY,
            language TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        -- One-time links that make their user an admin or checkpoint staff.
        CREATE TABLE staff_invitations (
            token TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('admin', 'checkpoint')),
            created_by INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_by INTEGER,
            used_at TEXT
        );
        -- Values the bot learnt at run time that override settings (a migrated group's id).
        CREATE TABLE setting_overrides (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        -- The last answer each person gave to a pending question: a repeat is not an answer.
        CREATE TABLE last_answers (
            telegram_id INTEGER PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            received_at TEXT NOT NULL
        );
        """,
    ),
    Migration(
        8,
        "invitations tied to their invitee",
        """
        -- The phone number given at /invite, if any: the contact shared must match it.
        ALTER TABLE invitations ADD COLUMN phone TEXT NOT NULL DEFAULT '';
        -- The first person to open the link; a link is one person's from then on.
        ALTER TABLE invitations ADD COLUMN claimed_by INTEGER;
        """,
    ),
    Migration(
        9,
        "place time zones and translated names",
        """
        -- Times at a place are shown in its own zone (a Kazakh lot in UTC+5).
        ALTER TABLE places ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
        -- Translations of the name by language code, as a JSON object.
        ALTER TABLE places ADD COLUMN names TEXT NOT NULL DEFAULT '{}';
        """,
    ),
    Migration(
        10,
        "outbox and unreachable drivers",
        """
        -- Everything the bot sends on its own initiative, written in the transaction of the
        -- change that causes it; one sender drains it in (priority, id) order.
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            chat_id INTEGER NOT NULL,
            method TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}',
            priority INTEGER NOT NULL,
            purpose TEXT NOT NULL DEFAULT '',
            assignment_id INTEGER REFERENCES assignments(id),
            driver_id INTEGER REFERENCES drivers(id),
            not_before TEXT,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
            attempts INTEGER NOT NULL DEFAULT 0,
            message_id INTEGER,
            error TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            done_at TEXT
        );
        CREATE INDEX outbox_queue ON outbox (priority, id) WHERE status IN ('pending', 'sending');
        CREATE INDEX outbox_assignment ON outbox (assignment_id, purpose);
        -- Set when Telegram refuses the driver's chat (blocked bot, chat gone); cleared when
        -- the driver writes to the bot again.
        ALTER TABLE drivers ADD COLUMN unreachable_at TEXT;
        """,
    ),
    Migration(
        11,
        "proof photo fingerprints and pickup photos",
        """
        -- A photo already used as proof is found by its bytes or Telegram's file id...
        CREATE INDEX proofs_sha256 ON proofs (sha256) WHERE sha256 IS NOT NULL;
        CREATE INDEX proofs_file_unique_id ON proofs (file_unique_id)
            WHERE file_unique_id IS NOT NULL;
        -- ...and a near copy (cropped, recompressed) by its perceptual hash (hex).
        ALTER TABLE proofs ADD COLUMN phash TEXT;
        CREATE INDEX proofs_received ON proofs (received_at) WHERE phash IS NOT NULL;
        -- Photos taken at the yard before "Picked up", or at the lot before the location.
        ALTER TABLE proofs ADD COLUMN stage TEXT NOT NULL DEFAULT 'delivery'
            CHECK (stage IN ('pickup', 'delivery'));
        """,
    ),
    Migration(
        12,
        "receiver handovers",
        """
        -- One-time links the driver shows the receiver at the lot after the proof: the
        -- receiver confirms the car or reports a problem with it, without registering.
        CREATE TABLE handovers (
            token TEXT PRIMARY KEY,
            assignment_id INTEGER NOT NULL REFERENCES assignments(id),
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            answered_by INTEGER,
            answered_name TEXT NOT NULL DEFAULT '',
            answered_at TEXT,
            outcome TEXT CHECK (outcome IN ('received', 'problem'))
        );
        CREATE INDEX handovers_assignment ON handovers (assignment_id);
        CREATE INDEX handovers_open ON handovers (created_at) WHERE answered_at IS NULL;
        """,
    ),
    Migration(
        13,
        "flagged proofs index for the board",
        """
        -- The board asks, for each of a day's trips, whether a delivery proof was flagged.
        -- Only a few proofs are, so this index holds only those: each probe finds nothing in
        -- a small tree instead of reading every proof row of the trip to look at the flag.
        CREATE INDEX proofs_flagged ON proofs (assignment_id) WHERE flagged = 1;
        """,
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)
"""


async def current_version(conn: aiosqlite.Connection) -> int:
    await conn.execute(_BOOKKEEPING)
    async with conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def migrate(
    conn: aiosqlite.Connection, migrations: tuple[Migration, ...] = MIGRATIONS
) -> list[int]:
    """Apply pending migrations in order; returns the versions applied (empty: up to date)."""
    known = migrations[-1].version if migrations else 0
    version = await current_version(conn)
    if version > known:
        raise SchemaTooNew(version, known)
    applied: list[int] = []
    for migration in migrations:
        if migration.version <= version:
            continue
        try:
            await _apply(conn, migration)
        except Exception:
            if conn.in_transaction:
                await conn.rollback()
            # Another connection (a second process, a concurrent open) applied it while this
            # one waited for the write lock: that is not a failure.
            if await current_version(conn) >= migration.version:
                continue
            raise
        applied.append(migration.version)
    return applied


async def _apply(conn: aiosqlite.Connection, migration: Migration) -> None:
    """One migration in one transaction; a failure leaves it open for the caller to roll back."""
    rebuild = "" if migration.rebuild is None else await _rebuild_sql(conn, migration.rebuild)
    # executescript runs our explicit BEGIN; COMMIT comes after the checks below, so a
    # migration is all or nothing.
    script = (
        f"BEGIN IMMEDIATE;\n{rebuild}\n{migration.sql}\n"
        f"INSERT INTO schema_migrations (version, name) "
        f"VALUES ({migration.version}, '{migration.name.replace(chr(39), '')}');\n"
    )
    if not rebuild:
        await conn.executescript(script)
        await conn.execute("COMMIT")
        return
    # Dropping the old table must not cascade into (or trip over) the rows that refer to it;
    # the pragma only takes effect outside a transaction.
    async with conn.execute("PRAGMA foreign_keys") as cur:
        row = await cur.fetchone()
    foreign_keys = bool(row and row[0])
    await conn.execute("PRAGMA foreign_keys=OFF")
    try:
        await conn.executescript(script)
        async with conn.execute("PRAGMA foreign_key_check") as cur:
            broken = list(await cur.fetchall())
        if broken:
            raise sqlite3.IntegrityError(f"rebuild left {len(broken)} dangling references")
        await conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            await conn.rollback()
        if foreign_keys:
            await conn.execute("PRAGMA foreign_keys=ON")


async def _rebuild_sql(conn: aiosqlite.Connection, rebuild: TableRebuild) -> str:
    table = rebuild.table
    async with conn.execute(
        "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL",
        (table,),
    ) as cur:
        rows = list(await cur.fetchall())
    creates = [sql for kind, sql in rows if kind == "table"]
    if len(creates) != 1 or creates[0].count(rebuild.old) != 1:
        raise RebuildMismatch(f"table {table}: its schema does not contain the text to replace")
    temporary = f"{table}__rebuild"
    create, found = re.subn(
        rf'^CREATE TABLE\s+"?{re.escape(table)}"?', f'CREATE TABLE "{temporary}"', creates[0]
    )
    if found != 1:
        raise RebuildMismatch(f"table {table}: unexpected CREATE statement")
    create = create.replace(rebuild.old, rebuild.new)
    # Indexes and triggers go with the dropped table; they are made again on the new one.
    others = [sql for kind, sql in rows if kind in ("index", "trigger")]
    return (
        ";\n".join(
            [
                create,
                f'INSERT INTO "{temporary}" SELECT * FROM "{table}"',
                f'DROP TABLE "{table}"',
                f'ALTER TABLE "{temporary}" RENAME TO "{table}"',
                *others,
            ]
        )
        + ";"
    )
