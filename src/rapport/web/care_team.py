"""The care inbox as a team shares it: who looks after an item, and items put off for later.

Marking an item done is the library's own record (``rapport care done``), the same from the
CLI and the web. Assigning and snoozing are about the people who use the workplace, so they
live in the app database (``care_team``), never in the workspace's store: a snoozed item comes
back on its day, and an assignment names a member of the workspace.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from rapport.errors import UsageError
from rapport.web.appdb import AppDB
from rapport.web.auth import allowed

__all__ = ["SNOOZE_DAYS", "TeamState", "assign", "snooze", "team_states"]

SNOOZE_DAYS = (1, 3, 7)
"""How long an item can be put off: a day, three days, a week."""


@dataclass(frozen=True)
class TeamState:
    """What the team said of one care item."""

    assigned_to: str | None
    """The member's email."""
    snoozed_until: dt.datetime | None

    def snoozed(self, now: dt.datetime) -> bool:
        return self.snoozed_until is not None and self.snoozed_until > now


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def team_states(db: AppDB, workspace: str) -> Mapping[str, TeamState]:
    """Item id → what the team said of it, for the workspace."""
    with db.connect(write=False) as con:
        rows = con.execute(
            "SELECT c.item_id, u.email, c.snoozed_until FROM care_team c "
            "LEFT JOIN users u ON u.user_id = c.assigned_to WHERE c.workspace = ?",
            (workspace,),
        ).fetchall()
    return {r[0]: TeamState(r[1], dt.datetime.fromisoformat(r[2]) if r[2] else None) for r in rows}


def _save(
    db: AppDB,
    workspace: str,
    item_id: str,
    *,
    by: int,
    column: Literal["assigned_to", "snoozed_until"],
    value: object,
) -> None:
    if column not in ("assigned_to", "snoozed_until"):  # a name in SQL: only these two
        raise ValueError(column)
    with db.connect() as con:
        con.execute(
            f"INSERT INTO care_team (workspace, item_id, {column}, updated_by, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace, item_id) DO UPDATE SET "
            f"{column} = excluded.{column}, updated_by = excluded.updated_by, "
            "updated_at = excluded.updated_at",
            (workspace, item_id, value, by, _now().isoformat(timespec="seconds")),
        )


def snooze(db: AppDB, workspace: str, item_id: str, *, days: str, by: int) -> dt.datetime:
    """Put the item off for ``days`` (one of :data:`SNOOZE_DAYS`); when it comes back."""
    if not days.isdigit() or int(days) not in SNOOZE_DAYS:
        raise UsageError(f"snooze for {', '.join(map(str, SNOOZE_DAYS))} days")
    until = _now() + dt.timedelta(days=int(days))
    _save(db, workspace, item_id, by=by, column="snoozed_until",
          value=until.isoformat(timespec="seconds"))  # fmt: skip
    return until


def assign(db: AppDB, workspace: str, item_id: str, *, email: str, by: int) -> str | None:
    """Give the item to a member who may look after people (``email``; empty: nobody)."""
    if not email.strip():
        _save(db, workspace, item_id, by=by, column="assigned_to", value=None)
        return None
    for user, role in db.members(workspace):
        if user.email == email.strip().lower() and allowed(role, "care"):
            _save(db, workspace, item_id, by=by, column="assigned_to", value=user.user_id)
            return user.email
    raise UsageError(f"{email.strip()} is not a member of {workspace} who looks after people")
