"""The web workplace's own data: users, memberships, sessions, login attempts and the audit log.

It lives in one SQLite file at the root of the served folder (:data:`FILE_NAME`), apart
from the workspaces' DuckDB stores, so that the app can answer who someone is without
opening any workspace. Its schema grows by named migrations, applied once each and recorded
in ``migrations``, like the store's. Secrets are never stored as given: passwords as argon2
hashes (:mod:`rapport.web.auth`), session and one-time tokens as SHA-256 digests.

Every connection is short: opened for one operation and closed (SQLite's own locking keeps
concurrent requests of the server's threads consistent).

Calendar feed tokens (``calendar_feeds``) are kept as digests too; the queries on them live
in :mod:`rapport.web.feeds`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rapport.errors import UsageError

__all__ = [
    "FILE_NAME",
    "MIGRATIONS",
    "ROLES",
    "AppDB",
    "AuditEntry",
    "Membership",
    "Role",
    "SessionRow",
    "User",
    "digest",
]

FILE_NAME = "rapport-web.sqlite"
"""The app's database, at the root of the served folder (back it up with the workspaces)."""

Role = Literal["owner", "manager", "analyst", "client"]
ROLES: tuple[Role, ...] = ("owner", "manager", "analyst", "client")
"""From most to least: owners do everything (members too); managers everything but members;
analysts read and mark care items done; clients only read the overview and the report."""

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_users_sessions_memberships",
        """
        CREATE TABLE users (
            user_id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            is_admin INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE TABLE memberships (
            user_id INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            workspace TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('owner', 'manager', 'analyst', 'client')),
            PRIMARY KEY (user_id, workspace)
        );
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
            csrf TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        CREATE TABLE login_attempts (
            key TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX login_attempts_key ON login_attempts (key, at);
        CREATE TABLE setup_tokens (
            token_hash TEXT PRIMARY KEY,
            created_at TEXT NOT NULL
        );
        CREATE TABLE audit (
            audit_id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user_id INTEGER,
            workspace TEXT,
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );
        """,
    ),
    (
        "0002_invitations",
        """
        CREATE TABLE invitations (
            invitation_id INTEGER PRIMARY KEY,
            token_hash TEXT NOT NULL UNIQUE,
            email TEXT NOT NULL,
            workspace TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('owner', 'manager', 'analyst', 'client')),
            invited_by INTEGER REFERENCES users(user_id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        CREATE INDEX invitations_workspace ON invitations (workspace)
        """,
    ),
    (
        "0003_jobs",
        """
        CREATE TABLE jobs (
            job_id TEXT PRIMARY KEY,
            workspace TEXT NOT NULL,
            kind TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
            progress TEXT NOT NULL DEFAULT '',
            message TEXT NOT NULL DEFAULT '',
            result TEXT,
            created_by INTEGER REFERENCES users(user_id) ON DELETE SET NULL,
            created_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT
        );
        CREATE INDEX jobs_workspace ON jobs (workspace, created_at);
        """,
    ),
    (
        "0004_calendar_feeds",
        """
        CREATE TABLE calendar_feeds (
            feed_id INTEGER PRIMARY KEY,
            workspace TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            created_by INTEGER REFERENCES users(user_id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        );
        CREATE INDEX calendar_feeds_workspace ON calendar_feeds (workspace, revoked_at);
        """,
    ),
    (
        "0005_care_team",
        """
        CREATE TABLE care_team (
            workspace TEXT NOT NULL,
            item_id TEXT NOT NULL,
            assigned_to INTEGER REFERENCES users(user_id) ON DELETE SET NULL,
            snoozed_until TEXT,
            updated_by INTEGER REFERENCES users(user_id) ON DELETE SET NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (workspace, item_id)
        );
        """,
    ),
)
"""Named migrations, in order; each runs once, in a transaction, and is recorded."""


def digest(token: str) -> str:
    """How a secret token is kept: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class User:
    user_id: int
    email: str
    is_admin: bool


@dataclass(frozen=True)
class Membership:
    workspace: str
    role: Role


@dataclass(frozen=True)
class SessionRow:
    """A signed-in browser: who, and the CSRF token its pages carry."""

    user: User
    csrf: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    email: str | None
    workspace: str | None
    action: str
    detail: str


class AppDB:
    """The app database of one served folder."""

    def __init__(self, root: Path) -> None:
        self.path = root / FILE_NAME
        self._local = threading.local()
        self.path.touch(mode=0o600, exist_ok=True)
        self.path.chmod(0o600)  # users, password hashes and sessions: its owner's only
        db = sqlite3.connect(self.path, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode = WAL")  # kept in the file
        finally:
            db.close()
        with self.connect() as db:
            self._migrate(db)

    @contextmanager
    def connect(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One short connection in one transaction: committed on success, rolled back on
        error, closed. ``write=False`` for a lookup: readers don't queue behind each other
        (the file is in WAL mode, so they don't wait for a writer either)."""
        if not write:
            with self._reading() as db:
                yield db
            return
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA foreign_keys = ON")
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A lookup in its own transaction on this thread's reading connection, opened once
        per thread (every request does two lookups: opening a connection for each cost more
        than the rest of a cached page)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA query_only = ON")  # this connection never writes
            self._local.db = db
        if db.in_transaction:  # a lookup within a lookup on this thread: the same snapshot
            yield db
            return
        db.execute("BEGIN")  # a snapshot of what is committed now
        try:
            yield db
        finally:
            db.execute("COMMIT")

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        done = {row[0] for row in db.execute("SELECT name FROM migrations")}
        for name, sql in MIGRATIONS:
            if name in done:
                continue
            for statement in (s.strip() for s in sql.split(";")):
                if statement:
                    db.execute(statement)
            db.execute("INSERT INTO migrations VALUES (?, ?)", (name, _iso(_now())))

    # -- users --------------------------------------------------------------------------------
    def user_count(self) -> int:
        with self.connect(write=False) as db:
            return int(db.execute("SELECT count(*) FROM users").fetchone()[0])

    def add_user(self, email: str, password_hash: str, *, is_admin: bool = False) -> User:
        email = normal_email(email)
        with self.connect() as db:
            if db.execute("SELECT 1 FROM users WHERE email = ?", (email,)).fetchone():
                raise UsageError(f"a user with the email {email} exists already")
            cursor = db.execute(
                "INSERT INTO users (email, password_hash, is_admin, created_at) VALUES (?,?,?,?)",
                (email, password_hash, int(is_admin), _iso(_now())),
            )
            return User(int(cursor.lastrowid or 0), email, is_admin)

    def user_by_email(self, email: str) -> tuple[User, str] | None:
        """The user and their password hash."""
        with self.connect(write=False) as db:
            row = db.execute(
                "SELECT user_id, email, is_admin, password_hash FROM users WHERE email = ?",
                (normal_email(email),),
            ).fetchone()
        return (User(row[0], row[1], bool(row[2])), str(row[3])) if row else None

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        with self.connect() as db:
            db.execute(
                "UPDATE users SET password_hash = ? WHERE user_id = ?", (password_hash, user_id)
            )

    def users(self) -> list[User]:
        with self.connect(write=False) as db:
            rows = db.execute("SELECT user_id, email, is_admin FROM users ORDER BY email")
            return [User(r[0], r[1], bool(r[2])) for r in rows]

    # -- memberships --------------------------------------------------------------------------
    def grant(self, user_id: int, workspace: str, role: Role) -> None:
        if role not in ROLES:
            raise UsageError(f"role {role!r}: expected one of {', '.join(ROLES)}")
        with self.connect() as db:
            db.execute(
                "INSERT INTO memberships VALUES (?, ?, ?) "
                "ON CONFLICT (user_id, workspace) DO UPDATE SET role = excluded.role",
                (user_id, workspace, role),
            )

    def memberships(self, user_id: int) -> list[Membership]:
        with self.connect(write=False) as db:
            rows = db.execute(
                "SELECT workspace, role FROM memberships WHERE user_id = ? ORDER BY workspace",
                (user_id,),
            )
            return [Membership(r[0], r[1]) for r in rows]

    def role(self, user_id: int, workspace: str) -> Role | None:
        with self.connect(write=False) as db:
            row = db.execute(
                "SELECT role FROM memberships WHERE user_id = ? AND workspace = ?",
                (user_id, workspace),
            ).fetchone()
        return row[0] if row else None

    def members(self, workspace: str) -> list[tuple[User, Role]]:
        with self.connect(write=False) as db:
            rows = db.execute(
                "SELECT u.user_id, u.email, u.is_admin, m.role FROM memberships m "
                "JOIN users u USING (user_id) WHERE m.workspace = ? ORDER BY u.email",
                (workspace,),
            )
            return [(User(r[0], r[1], bool(r[2])), r[3]) for r in rows]

    # -- sessions -----------------------------------------------------------------------------
    def open_session(self, token: str, user_id: int, csrf: str, *, lifetime: dt.timedelta) -> None:
        now = _now()
        with self.connect() as db:
            db.execute("DELETE FROM sessions WHERE expires_at < ?", (_iso(now),))
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
                (digest(token), user_id, csrf, _iso(now), _iso(now + lifetime)),
            )

    def session(self, token: str) -> SessionRow | None:
        """The live session of a cookie's token (None when unknown or expired)."""
        with self.connect(write=False) as db:
            row = db.execute(
                "SELECT u.user_id, u.email, u.is_admin, s.csrf, s.expires_at FROM sessions s "
                "JOIN users u USING (user_id) WHERE s.token_hash = ?",
                (digest(token),),
            ).fetchone()
        if row is None:
            return None
        expires = dt.datetime.fromisoformat(row[4])
        if expires < _now():
            return None
        return SessionRow(User(row[0], row[1], bool(row[2])), row[3], expires)

    def close_session(self, token: str) -> None:
        with self.connect() as db:
            db.execute("DELETE FROM sessions WHERE token_hash = ?", (digest(token),))

    def close_sessions_of(self, user_id: int) -> None:
        """Revoke every session of a user (a password change)."""
        with self.connect() as db:
            db.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))

    # -- login attempts (rate limiting) -------------------------------------------------------
    def failed_attempts(self, key: str, *, within: dt.timedelta) -> int:
        since = _iso(_now() - within)
        with self.connect() as db:
            db.execute("DELETE FROM login_attempts WHERE at < ?", (since,))
            row = db.execute(
                "SELECT count(*) FROM login_attempts WHERE key = ? AND at >= ?", (key, since)
            ).fetchone()
        return int(row[0])

    def record_failure(self, *keys: str) -> None:
        with self.connect() as db:
            db.executemany(
                "INSERT INTO login_attempts VALUES (?, ?)", [(k, _iso(_now())) for k in keys]
            )

    def clear_failures(self, key: str) -> None:
        with self.connect() as db:
            db.execute("DELETE FROM login_attempts WHERE key = ?", (key,))

    # -- setup tokens (the first owner) -------------------------------------------------------
    def add_setup_token(self, token: str) -> None:
        with self.connect() as db:
            db.execute("DELETE FROM setup_tokens")
            db.execute("INSERT INTO setup_tokens VALUES (?, ?)", (digest(token), _iso(_now())))

    def take_setup_token(self, token: str) -> bool:
        """True once for the token printed at start (and only while no user exists)."""
        with self.connect() as db:
            if db.execute("SELECT count(*) FROM users").fetchone()[0]:
                return False
            gone = db.execute("DELETE FROM setup_tokens WHERE token_hash = ?", (digest(token),))
            return gone.rowcount == 1

    def setup_token_valid(self, token: str) -> bool:
        with self.connect(write=False) as db:
            if db.execute("SELECT count(*) FROM users").fetchone()[0]:
                return False
            row = db.execute(
                "SELECT 1 FROM setup_tokens WHERE token_hash = ?", (digest(token),)
            ).fetchone()
            return row is not None

    # -- audit --------------------------------------------------------------------------------
    def audit(
        self, *, user_id: int | None, workspace: str | None, action: str, detail: str = ""
    ) -> None:
        with self.connect() as db:
            db.execute(
                "INSERT INTO audit (at, user_id, workspace, action, detail) VALUES (?,?,?,?,?)",
                (_iso(_now()), user_id, workspace, action, detail),
            )

    def audit_log(self, workspace: str, *, limit: int = 50) -> list[AuditEntry]:
        with self.connect(write=False) as db:
            rows = db.execute(
                "SELECT a.at, u.email, a.workspace, a.action, a.detail FROM audit a "
                "LEFT JOIN users u USING (user_id) WHERE a.workspace = ? "
                "ORDER BY a.audit_id DESC LIMIT ?",
                (workspace, limit),
            )
            return [
                AuditEntry(dt.datetime.fromisoformat(r[0]), r[1], r[2], r[3], r[4]) for r in rows
            ]


def normal_email(email: str) -> str:
    """An email as stored and compared: trimmed and lower-cased; refused when it isn't one."""
    cleaned = email.strip().lower()
    local, at, domain = cleaned.partition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in cleaned):
        raise UsageError(f"{email!r} is not an email address (one like ana@example.com)")
    if len(cleaned) > 254:
        raise UsageError("the email address is longer than 254 characters")
    return cleaned
