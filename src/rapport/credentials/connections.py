"""The connections of a workspace: ``connections.enc.json``, metadata in clear, each secret
encrypted with the key (:mod:`rapport.credentials.key`)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import InvalidToken

from rapport.credentials.key import Key, key_location, load_key
from rapport.credentials.secret import (
    PLATFORM_TITLES,
    PLATFORMS,
    BlueskyCredentials,
    Credentials,
    GraphCredentials,
    MastodonCredentials,
    Platform,
    Secret,
    YouTubeCredentials,
)
from rapport.errors import CredentialsError, UsageError, WrongKey
from rapport.workspace import Workspace

if sys.platform != "win32":
    import fcntl

__all__ = [
    "FILE_NAME",
    "LOCK_NAME",
    "SCHEDULES",
    "Connection",
    "Connections",
    "sync_failures",
]

FILE_NAME = "connections.enc.json"
"""The workspace's connections: metadata in clear, secrets encrypted."""
LOCK_NAME = ".connections.lock"
"""Beside :data:`FILE_NAME`: held while one process changes it."""
FORMAT = "rapport connections"
VERSION = 1
ABOUT = (
    "Live connections of this workspace. Each secret is encrypted with a key kept outside "
    "the workspace (see docs/web.md, 'Connected accounts and their credentials')."
)
SCHEDULES: tuple[int | None, ...] = (None, 1, 3, 6, 12, 24)
"""How often a connection may sync by itself: never (None), or every so many hours."""

_ACCOUNT_OPTION: dict[Platform, str] = {
    "mastodon": "instance",
    "bluesky": "handle",
    "instagram": "account",
    "facebook": "page",
    "youtube": "channel",
}
"""The option that names the account, for a connection made twice."""
_UNNAMED: dict[Platform, str] = {
    "mastodon": "a Mastodon account",
    "bluesky": "a Bluesky account",
    "instagram": "an Instagram account",
    "facebook": "a Facebook Page",
    "youtube": "a YouTube channel",
}
"""What a connection is called before its first sync names its account."""
_CHANGING = threading.Lock()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds") if moment else None


def _moment(text: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if isinstance(text, str) and text else None


@dataclass(frozen=True)
class Connection:
    """One connection as the file keeps it in clear: never its secret."""

    connection_id: str
    platform: Platform
    account: str
    """The handle (``shop@mastodon.social``, ``shop.bsky.social``); "" for a Mastodon
    connection whose first sync has not named the token's account yet."""
    address: str
    """The Mastodon instance or the Bluesky service."""
    created_at: dt.datetime
    every_hours: int | None = None
    """Sync by itself every so many hours (:data:`SCHEDULES`), or never (None)."""
    last_sync_at: dt.datetime | None = None
    """When the last sync ended, whatever its outcome."""
    last_ok_at: dt.datetime | None = None
    last_error: str | None = None
    """The last sync's message for people when it failed; None when it went well."""
    last_summary: str = ""
    """What the last sync that went well stored (``12 added, 3 updated, 40 unchanged``)."""

    @property
    def failing(self) -> bool:
        return self.last_error is not None

    @property
    def title(self) -> str:
        """``@shop.bsky.social on Bluesky``, or ``a Mastodon account on mastodon.social``
        before the first sync names it."""
        title = PLATFORM_TITLES[self.platform]
        if not self.account:
            what = _UNNAMED[self.platform]
            return f"{what} on {urlsplit(self.address).netloc}"
        if " " in self.account.strip():  # a Page's or a channel's name, not a handle
            return f"{self.account} on {title}"
        return f"@{self.account.lstrip('@')} on {title}"

    def due(self, now: dt.datetime) -> bool:
        """True when it syncs by itself and its last sync is as old as its schedule."""
        if self.every_hours is None:
            return False
        last = self.last_sync_at
        return last is None or now - last >= dt.timedelta(hours=self.every_hours)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.connection_id,
            "platform": self.platform,
            "account": self.account,
            "address": self.address,
            "created_at": _iso(self.created_at),
            "every_hours": self.every_hours,
            "last_sync_at": _iso(self.last_sync_at),
            "last_ok_at": _iso(self.last_ok_at),
            "last_error": self.last_error,
            "last_summary": self.last_summary,
        }


_ID = re.compile(r"^[0-9a-f]{12}$")


class Connections:
    """The connections of one workspace, kept in its :data:`FILE_NAME`.

    Listing and reading metadata need no key; saving a connection needs one (made on first
    need) and opening its credentials needs the same one. Every change rewrites the file in
    one step (a new file renamed over the old), one writer at a time.
    """

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.path = workspace.root / FILE_NAME

    # -- reading ------------------------------------------------------------------------------
    def _broken(self, problem: str) -> CredentialsError:
        return CredentialsError(
            str(self.path),
            problem=f"is not a connections file rapport wrote ({problem})",
            fix="restore it from a backup, or delete it and connect the accounts again",
        )

    def _entries(self) -> list[dict[str, Any]]:
        try:
            text = self.path.read_text("utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeError) as error:
            raise self._broken(f"it can't be read: {error}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise self._broken(f"not JSON: {error.msg} at line {error.lineno}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise self._broken(f'no "format": "{FORMAT}"')
        if data.get("version") != VERSION:
            raise self._broken(f"version {data.get('version')!r}, this rapport reads {VERSION}")
        entries = data.get("connections")
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise self._broken('"connections" is not a list of objects')
        return entries

    def _connection(self, entry: dict[str, Any]) -> Connection:
        try:
            platform = entry["platform"]
            if platform not in PLATFORMS or not _ID.match(str(entry["id"])):
                raise ValueError(f"connection {entry.get('id')!r}: platform {platform!r}")
            every = entry.get("every_hours")
            if every not in SCHEDULES:
                raise ValueError(f"every_hours {every!r}")
            created = _moment(entry["created_at"])
            if created is None:
                raise ValueError("no created_at")
            return Connection(
                connection_id=str(entry["id"]),
                platform=platform,
                account=str(entry["account"]),
                address=str(entry["address"]),
                created_at=created,
                every_hours=every,
                last_sync_at=_moment(entry.get("last_sync_at")),
                last_ok_at=_moment(entry.get("last_ok_at")),
                last_error=entry.get("last_error"),
                last_summary=str(entry.get("last_summary") or ""),
            )
        except (KeyError, ValueError, TypeError) as error:
            raise self._broken(str(error)) from None

    def all(self) -> tuple[Connection, ...]:
        """Every connection, oldest first (no key needed)."""
        return tuple(self._connection(e) for e in self._entries())

    def find(self, connection_id: str) -> Connection | None:
        return next((c for c in self.all() if c.connection_id == connection_id), None)

    def get(self, connection_id: str) -> Connection:
        found = self.find(connection_id)
        if found is None:
            raise UsageError(
                f"there is no connection {connection_id!r} in this workspace (removed?)"
            )
        return found

    def credentials(self, connection_id: str) -> Credentials:
        """The connection's credentials, decrypted with the key."""
        entry = next((e for e in self._entries() if e.get("id") == connection_id), None)
        if entry is None:
            self.get(connection_id)  # raises the message for an unknown id
            raise AssertionError("unreachable")
        connection = self._connection(entry)
        key = load_key()
        if key is None:
            raise WrongKey(key_location(), path=self.path, detail="there is no key there")
        fields = self._open(key, entry, connection)
        return _credentials_of(connection, fields)

    def _sealed(self, key: Key, connection_id: str, credentials: Credentials) -> str:
        secret = {"id": connection_id, "platform": credentials.platform}
        secret |= credentials.secrets()
        if isinstance(credentials, GraphCredentials | YouTubeCredentials):
            secret |= credentials.settings()
        return key.fernet.encrypt(json.dumps(secret).encode("utf-8")).decode("ascii")

    def _open(self, key: Key, entry: dict[str, Any], connection: Connection) -> dict[str, str]:
        try:
            plain = key.fernet.decrypt(str(entry.get("secret", "")).encode("ascii"))
        except (InvalidToken, UnicodeError):
            raise WrongKey(
                key.where, path=self.path,
                detail=f"connection {connection.connection_id}: it was saved with another key",
            ) from None  # fmt: skip
        fields = json.loads(plain)
        if fields.get("id") != connection.connection_id or fields.get("platform") != (
            connection.platform
        ):
            raise self._broken(
                f"connection {connection.connection_id}: its secret belongs to another connection"
            )
        return {k: str(v) for k, v in fields.items() if k not in ("id", "platform")}

    # -- changing -----------------------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        with _CHANGING:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if sys.platform == "win32":
                yield
                return
            descriptor = os.open(self.path.with_name(LOCK_NAME), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
                yield
            finally:
                os.close(descriptor)

    def _write(self, entries: list[dict[str, Any]]) -> None:
        if not entries:
            self.path.unlink(missing_ok=True)
            return
        data = {"format": FORMAT, "version": VERSION, "about": ABOUT, "connections": entries}
        draft = self.path.with_name(f".{FILE_NAME}.{secrets.token_hex(6)}.new")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=2, ensure_ascii=False)
                out.write("\n")
                out.flush()
                os.fsync(out.fileno())
            draft.replace(self.path)
        finally:
            draft.unlink(missing_ok=True)

    def _change(
        self, connection_id: str, change: Callable[[dict[str, Any]], dict[str, Any] | None]
    ) -> Connection | None:
        """Apply ``change`` to the connection's entry (None removes it); the connection as
        it was before a removal, or as it is after a change; None when there is none."""
        with self._locked():
            entries = self._entries()
            for index, entry in enumerate(entries):
                if entry.get("id") != connection_id:
                    continue
                before = self._connection(entry)
                changed = change(dict(entry))
                if changed is None:
                    del entries[index]
                    self._write(entries)
                    return before
                entries[index] = changed
                self._write(entries)
                return self._connection(changed)
        return None

    def add(self, credentials: Credentials, *, every_hours: int | None = None) -> Connection:
        """Save a new connection (the key is made on first need); refused when the same
        account is connected already, or when the key does not open the connections saved
        before (so that one file never mixes keys)."""
        if every_hours not in SCHEDULES:
            raise UsageError(
                f"sync every {every_hours!r} hours: choose from 1, 3, 6, 12 or 24, or never",
            )
        key = load_key(create=True)
        if key is None:
            raise RuntimeError("no key was made")
        with self._locked():
            entries = self._entries()
            existing = [self._connection(e) for e in entries]
            if entries:
                self._open(key, entries[0], existing[0])
            for other in existing:
                same = (other.platform, other.address, other.account.lower())
                mine = (credentials.platform, credentials.address, credentials.account)
                if credentials.account and same == mine:
                    raise UsageError(
                        f"{other.title} ({other.address}) is connected already, as "
                        f"{other.connection_id}; to give it new credentials, reconnect that "
                        "connection (Reconnect on the Data page, or from the command line)",
                        option=_ACCOUNT_OPTION[credentials.platform],
                    )
            taken = {c.connection_id for c in existing}
            connection_id = secrets.token_hex(6)
            while connection_id in taken:
                connection_id = secrets.token_hex(6)
            sealed = self._sealed(key, connection_id, credentials)
            connection = Connection(
                connection_id, credentials.platform, credentials.account, credentials.address,
                _now(), every_hours,
            )  # fmt: skip
            entry = connection.to_dict() | {"secret": sealed}
            self._write([*entries, entry])
        return connection

    def replace(self, connection_id: str, credentials: Credentials) -> Connection:
        """Give the connection new credentials (a new token or app password after the old
        one was revoked, or a Bluesky session to reuse): its id, schedule and history stay,
        its last error goes. Refused for another platform's or another account's
        credentials."""
        key = load_key()
        if key is None:
            raise WrongKey(key_location(), path=self.path, detail="there is no key there")
        current = self.get(connection_id)
        if credentials.platform != current.platform or current.address != credentials.address:
            raise UsageError(
                f"connection {connection_id} is {current.title} on {current.address}: new "
                "credentials must be for the same account; connect another one instead",
                option=_ACCOUNT_OPTION[credentials.platform],
            )
        if credentials.account and current.account.lower() != credentials.account:
            raise UsageError(
                f"connection {connection_id} is {current.title}, not {credentials.account}",
                option=_ACCOUNT_OPTION[credentials.platform],
            )

        def seal(entry: dict[str, Any]) -> dict[str, Any]:
            sealed = self._sealed(key, connection_id, credentials)
            return entry | {"secret": sealed, "last_error": None}

        changed = self._change(connection_id, seal)
        return changed if changed is not None else self.get(connection_id)

    def keep_session(self, connection_id: str, session: str) -> None:
        """Keep a Bluesky session (encrypted with the app password) to reuse next time,
        instead of logging in again; nothing when the connection was removed meanwhile."""
        if self.find(connection_id) is None:
            return
        credentials = self.credentials(connection_id)
        if not isinstance(credentials, BlueskyCredentials):
            raise UsageError(f"connection {connection_id} is not a Bluesky account")
        if credentials.session is not None and credentials.session.reveal() == session:
            return
        key = load_key()
        assert key is not None
        kept = BlueskyCredentials(
            credentials.handle, credentials.app_password, credentials.service, Secret(session)
        )

        def seal(entry: dict[str, Any]) -> dict[str, Any]:
            secret = {"id": connection_id, "platform": "bluesky"} | kept.secrets()
            sealed = key.fernet.encrypt(json.dumps(secret).encode("utf-8")).decode("ascii")
            return entry | {"secret": sealed}

        self._change(connection_id, seal)

    def remove(self, connection_id: str) -> Connection:
        """Forget the connection and its secret (the file goes with the last one)."""
        gone = self._change(connection_id, lambda entry: None)
        if gone is None:
            return self.get(connection_id)  # raises the message for an unknown id
        return gone

    def schedule(self, connection_id: str, *, every_hours: int | None) -> Connection:
        """Sync by itself every ``every_hours`` hours (one of :data:`SCHEDULES`), or never."""
        if every_hours not in SCHEDULES:
            raise UsageError(
                f"sync every {every_hours!r} hours: choose from 1, 3, 6, 12 or 24, or never",
            )
        changed = self._change(connection_id, lambda e: e | {"every_hours": every_hours})
        return changed if changed is not None else self.get(connection_id)

    def record_sync(
        self,
        connection_id: str,
        *,
        error: str | None,
        summary: str = "",
        account: str | None = None,
        at: dt.datetime | None = None,
    ) -> Connection | None:
        """Note a sync's outcome: its message for people when it failed (``error``), or
        what it stored (``summary``) and the account's name as the service gave it. None
        when the connection was removed meanwhile."""
        moment = _iso(at or _now())

        def note(entry: dict[str, Any]) -> dict[str, Any]:
            entry |= {"last_sync_at": moment, "last_error": error}
            if error is None:
                entry |= {"last_ok_at": moment, "last_summary": summary}
                if account:
                    entry["account"] = account
            return entry

        return self._change(connection_id, note)


def _credentials_of(connection: Connection, fields: dict[str, str]) -> Credentials:
    """A connection's credentials from its decrypted fields."""
    platform = connection.platform
    if platform == "mastodon":
        return MastodonCredentials(connection.address, Secret(fields["token"]))
    if platform in ("instagram", "facebook"):
        return GraphCredentials(
            "instagram" if platform == "instagram" else "facebook",
            Secret(fields["token"]),
            fields.get("account_id", ""),
            connection.address,
            fields.get("api_version") or GraphCredentials.api_version,
        )
    if platform == "youtube":
        key, oauth = fields.get("api_key"), fields.get("oauth_token")
        return YouTubeCredentials(
            fields["channel"],
            Secret(key) if key else None,
            Secret(oauth) if oauth else None,
            connection.address,
        )
    session = fields.get("session")
    return BlueskyCredentials(
        connection.account, Secret(fields["app_password"]), connection.address,
        Secret(session) if session else None,
    )  # fmt: skip


def sync_failures(workspace: Workspace) -> tuple[Connection, ...]:
    """The workspace's connections whose last sync failed, each with its message
    (``last_error``); for an alert such as "sync failing" on the workspace's card."""
    return tuple(c for c in Connections(workspace).all() if c.failing)
