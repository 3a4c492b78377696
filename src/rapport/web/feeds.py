"""Private calendar feeds: a secret link per workspace that calendar apps subscribe to.

The link's token is its only credential (calendar apps send no cookie), so it is kept like a
password: the app database holds its SHA-256 (:func:`~rapport.web.appdb.digest`), the token
itself is shown once, to the member who made it, and never logged. A workspace has at most
one live feed: making a new one revokes the old, and revoking it makes the link answer "Not
found". A feed also stops when the member who made it no longer belongs to the workspace.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rapport.web.appdb import AppDB, digest
from rapport.web.auth import new_token

__all__ = ["Feed", "feed_of", "live_feed", "make_feed", "revoke_feeds"]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Feed:
    """A live feed of a workspace (never its token)."""

    feed_id: int
    workspace: str
    created_by: int | None
    email: str | None
    created_at: dt.datetime


def make_feed(db: AppDB, workspace: str, *, user_id: int) -> str:
    """A new feed token for ``workspace`` (the previous live one is revoked); only its
    digest is kept, so this is the one time it can be shown."""
    token = new_token()
    now = _now()
    with db.connect() as con:
        con.execute(
            "UPDATE calendar_feeds SET revoked_at = ? WHERE workspace = ? AND revoked_at IS NULL",
            (now, workspace),
        )
        con.execute(
            "INSERT INTO calendar_feeds (workspace, token_hash, created_by, created_at) "
            "VALUES (?, ?, ?, ?)",
            (workspace, digest(token), user_id, now),
        )
    return token


def revoke_feeds(db: AppDB, workspace: str) -> int:
    """Revoke the workspace's live feed; how many were revoked (0 or 1)."""
    with db.connect() as con:
        done = con.execute(
            "UPDATE calendar_feeds SET revoked_at = ? WHERE workspace = ? AND revoked_at IS NULL",
            (_now(), workspace),
        )
        return int(done.rowcount)


def _feed(row: tuple[int, str, int | None, str | None, str]) -> Feed:
    return Feed(row[0], row[1], row[2], row[3], dt.datetime.fromisoformat(row[4]))


_SELECT = (
    "SELECT f.feed_id, f.workspace, f.created_by, u.email, f.created_at FROM calendar_feeds f "
    "JOIN users u ON u.user_id = f.created_by "
    "JOIN memberships m ON m.user_id = f.created_by AND m.workspace = f.workspace "
)
"""Live feeds only count while whoever made them still belongs to the workspace."""


def live_feed(db: AppDB, workspace: str) -> Feed | None:
    """The workspace's live feed, if it has one (one whose maker still belongs to it)."""
    with db.connect(write=False) as con:
        row = con.execute(
            _SELECT + "WHERE f.workspace = ? AND f.revoked_at IS NULL ORDER BY f.feed_id DESC",
            (workspace,),
        ).fetchone()
    return _feed(row) if row else None


def feed_of(db: AppDB, token: str) -> Feed | None:
    """The live feed a token opens: None when it is unknown or revoked, or when whoever made
    it no longer belongs to the workspace."""
    with db.connect(write=False) as con:
        row = con.execute(
            _SELECT + "WHERE f.token_hash = ? AND f.revoked_at IS NULL",
            (digest(token),),
        ).fetchone()
    return _feed(row) if row else None
