"""The sandbox's shared state: a small SQLite file every process opens (``SANDBOX_STATE_PATH``).

Videos, their processing status, used codes and refresh tokens, fault rules, the journal,
Telegram channels and a few knobs live here, so the web process serving the sandbox, a test
process, a Celery worker and a management command all see the same thing. The project's
database is never used. Connections are pooled per file (the threaded dev server starts a
thread per connection), WAL mode with a busy timeout; every transaction is short.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS videos (
    platform TEXT NOT NULL,
    id TEXT NOT NULL,
    account TEXT NOT NULL,
    owner_id INTEGER,
    title TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    uploaded_at REAL,
    ready_at REAL,
    bytes INTEGER NOT NULL DEFAULT 0,
    uploads INTEGER NOT NULL DEFAULT 0,
    source_url TEXT,
    extra TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (platform, id)
);
CREATE TABLE IF NOT EXISTS grants (
    digest TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    used_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS faults (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL,
    method TEXT,
    kind TEXT NOT NULL,
    remaining INTEGER NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS faults_platform ON faults (platform, remaining);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    platform TEXT NOT NULL,
    method TEXT NOT NULL,
    http_method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    bytes_in INTEGER NOT NULL,
    duration_ms REAL NOT NULL,
    fault TEXT
);
CREATE INDEX IF NOT EXISTS journal_platform ON journal (platform, id);
CREATE TABLE IF NOT EXISTS channels (
    chat_id INTEGER PRIMARY KEY,
    username TEXT UNIQUE,
    title TEXT NOT NULL,
    type TEXT NOT NULL,
    bot_id INTEGER NOT NULL,
    member_status TEXT NOT NULL,
    can_post INTEGER NOT NULL,
    next_message_id INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS seq (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""

TABLES = ("videos", "grants", "faults", "journal", "channels", "kv", "seq")

_POOL_SIZE = 16


class Store:
    """One state file, with a small pool of connections shared by the threads of a process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pool: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.connection() as conn:
            conn.executescript(SCHEMA)

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode: each statement is its own short transaction."""
        with self._lock:
            conn = self._pool.pop() if self._pool else None
        if conn is None:
            conn = self._open()
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        with self._lock:
            if len(self._pool) < _POOL_SIZE:
                self._pool.append(conn)
                conn = None
        if conn is not None:
            conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A short write transaction taken at once (BEGIN IMMEDIATE), so read-then-write is atomic."""
        with self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    # --- knobs -------------------------------------------------------------------------------

    def get_value(self, key: str, default: Any = None) -> Any:
        with self.connection() as conn:
            row = conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row["value"])

    def set_value(self, key: str, value: Any) -> None:
        with self.connection() as conn:
            conn.execute(
                "INSERT INTO kv (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    def values(self) -> dict[str, Any]:
        with self.connection() as conn:
            rows = conn.execute("SELECT key, value FROM kv").fetchall()
        return {row["key"]: json.loads(row["value"]) for row in rows}

    def next_value(self, name: str, start: int) -> int:
        """Next number of a named sequence (VK video ids, Telegram message ids...)."""
        with self.write() as conn:
            row = conn.execute("SELECT value FROM seq WHERE name = ?", (name,)).fetchone()
            value = start if row is None else row["value"] + 1
            conn.execute(
                "INSERT INTO seq (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (name, value),
            )
        return value

    def now(self) -> float:
        """The sandbox clock: wall time plus an offset tests can advance (expiry, stats)."""
        return time.time() + float(self.get_value("clock_offset", 0.0))

    def reset(self) -> None:
        with self.write() as conn:
            for table in TABLES:
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            conn.execute("DELETE FROM sqlite_sequence")

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, []
        for conn in pool:
            conn.close()


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def state_path() -> Path:
    return Path(settings.SANDBOX_STATE_PATH)


def get_store() -> Store:
    """The store of the state file the settings point at now (tests switch it per test)."""
    path = state_path()
    key = str(path.resolve())
    store = _stores.get(key)
    if store is None or not path.exists():
        with _stores_lock:
            store = _stores.get(key)
            if store is None or not path.exists():
                if store is not None:
                    store.close()
                store = Store(path)
                _stores[key] = store
    return store


def forget(path: Path) -> None:
    """Close and drop the pooled connections of a state file (tests call it on teardown)."""
    key = str(Path(path).resolve())
    with _stores_lock:
        store = _stores.pop(key, None)
    if store is not None:
        store.close()
