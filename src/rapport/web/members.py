"""A workspace's members, invitations and a person's own password: the data behind the
settings pages (:mod:`rapport.web.pages_settings`), kept in the app database.

- An owner adds an existing user by email with a role, or invites a new one: the invitation
  is a one-time link (:data:`INVITATION_LIFETIME`) whose token is stored as its SHA-256 only;
  the person sets their own password there (passwords are personal: nobody sets one for
  someone else).
- A role change or a removal never leaves a workspace without an owner: the check and the
  change happen in one transaction.
- Changing one's password needs the current one (limited like logins, per account) and ends
  every session of the account.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from rapport.errors import UsageError
from rapport.web.appdb import ROLES, AppDB, Role, User, digest, normal_email
from rapport.web.auth import FAILURE_WINDOW, MAX_FAILURES, hash_password, new_token

__all__ = [
    "INVITATION_LIFETIME",
    "Invitation",
    "Invited",
    "LastOwner",
    "NotAMember",
    "accept_invitation",
    "add_existing",
    "cancel_invitation",
    "change_password",
    "check_role",
    "invitation",
    "invite",
    "pending_invitations",
    "remove_member",
    "set_role",
]

INVITATION_LIFETIME = dt.timedelta(days=7)
"""How long an invitation link works."""

_HASHER = PasswordHasher()


class NotAMember(UsageError):
    """The user named is not a member of the workspace (answered 404)."""


class LastOwner(UsageError):
    """The change would leave the workspace without an owner."""


@dataclass(frozen=True)
class Invitation:
    """A pending invitation: who is invited, where, with which role, until when."""

    invitation_id: int
    email: str
    workspace: str
    role: Role
    expires_at: dt.datetime


@dataclass(frozen=True)
class Invited:
    """A new invitation and its token: the token is shown once, in the link, and never kept."""

    token: str
    invitation: Invitation


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def check_role(role: str) -> Role:
    """``role`` when it is one of :data:`~rapport.web.appdb.ROLES`, else a UsageError."""
    for known in ROLES:
        if role == known:
            return known
    raise UsageError(f"role {role!r}: expected one of {', '.join(ROLES)}")


def _invitation(row: tuple[int, str, str, str, str]) -> Invitation:
    return Invitation(row[0], row[1], row[2], check_role(row[3]), dt.datetime.fromisoformat(row[4]))


_COLUMNS = "invitation_id, email, workspace, role, expires_at"


# -- members ----------------------------------------------------------------------------------
def add_existing(db: AppDB, *, workspace: str, email: str, role: Role) -> User | None:
    """Give the existing user with ``email`` the ``role`` in ``workspace``; None when no user
    has that email (invite them instead). A member already is refused (change their role)."""
    email = normal_email(email)
    with db.connect() as c:
        row = c.execute("SELECT user_id, email, is_admin FROM users WHERE email = ?", (email,))
        found = row.fetchone()
        if found is None:
            return None
        user = User(found[0], found[1], bool(found[2]))
        taken = c.execute(
            "SELECT role FROM memberships WHERE user_id = ? AND workspace = ?",
            (user.user_id, workspace),
        ).fetchone()
        if taken is not None:
            raise UsageError(f"{email} is a member already ({taken[0]}): change their role below")
        c.execute("INSERT INTO memberships VALUES (?, ?, ?)", (user.user_id, workspace, role))
    return user


def _owners(c: sqlite3.Connection, workspace: str) -> int:
    row = c.execute(
        "SELECT count(*) FROM memberships WHERE workspace = ? AND role = 'owner'", (workspace,)
    ).fetchone()
    return int(row[0])


def _role_of(c: sqlite3.Connection, workspace: str, user_id: int) -> tuple[str, Role]:
    row = c.execute(
        "SELECT u.email, m.role FROM memberships m JOIN users u USING (user_id) "
        "WHERE m.workspace = ? AND m.user_id = ?",
        (workspace, user_id),
    ).fetchone()
    if row is None:
        raise NotAMember("no such member of this workspace")
    return str(row[0]), check_role(row[1])


def set_role(db: AppDB, *, workspace: str, user_id: int, role: Role) -> tuple[str, Role]:
    """Change a member's role; the member's email and former role. Refused when it would
    leave the workspace without an owner."""
    with db.connect() as c:
        email, before = _role_of(c, workspace, user_id)
        if before == "owner" and role != "owner" and _owners(c, workspace) <= 1:
            raise LastOwner(
                f"{email} is the last owner of {workspace}: make someone else owner first"
            )
        c.execute(
            "UPDATE memberships SET role = ? WHERE workspace = ? AND user_id = ?",
            (role, workspace, user_id),
        )
    return email, before


def remove_member(db: AppDB, *, workspace: str, user_id: int) -> tuple[str, Role]:
    """Remove a member from the workspace (their account stays); their email and role.
    Refused for the last owner."""
    with db.connect() as c:
        email, role = _role_of(c, workspace, user_id)
        if role == "owner" and _owners(c, workspace) <= 1:
            raise LastOwner(
                f"{email} is the last owner of {workspace}: make someone else owner first"
            )
        c.execute(
            "DELETE FROM memberships WHERE workspace = ? AND user_id = ?", (workspace, user_id)
        )
    return email, role


# -- invitations ------------------------------------------------------------------------------
def invite(db: AppDB, *, workspace: str, email: str, role: Role, by: int) -> Invited:
    """A new one-time invitation for ``email`` to ``workspace`` (replacing an older one for
    the same person and workspace)."""
    email = normal_email(email)
    token = new_token()
    now = _now()
    expires = now + INVITATION_LIFETIME
    with db.connect() as c:
        c.execute("DELETE FROM invitations WHERE expires_at < ?", (_iso(now),))
        c.execute("DELETE FROM invitations WHERE workspace = ? AND email = ?", (workspace, email))
        cursor = c.execute(
            "INSERT INTO invitations (token_hash, email, workspace, role, invited_by, "
            "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (digest(token), email, workspace, role, by, _iso(now), _iso(expires)),
        )
        made = Invitation(int(cursor.lastrowid or 0), email, workspace, role,
                          dt.datetime.fromisoformat(_iso(expires)))  # fmt: skip
    return Invited(token, made)


def pending_invitations(db: AppDB, workspace: str) -> list[Invitation]:
    """The workspace's invitations not yet used and not expired, by email."""
    with db.connect(write=False) as c:
        rows = c.execute(
            f"SELECT {_COLUMNS} FROM invitations WHERE workspace = ? AND expires_at >= ? "
            "ORDER BY email",
            (workspace, _iso(_now())),
        ).fetchall()
    return [_invitation(r) for r in rows]


def cancel_invitation(db: AppDB, *, workspace: str, invitation_id: int) -> Invitation:
    """Withdraw a pending invitation of the workspace (its link stops working)."""
    with db.connect() as c:
        row = c.execute(
            f"SELECT {_COLUMNS} FROM invitations WHERE workspace = ? AND invitation_id = ?",
            (workspace, invitation_id),
        ).fetchone()
        if row is None:
            raise NotAMember("no such invitation in this workspace")
        c.execute("DELETE FROM invitations WHERE invitation_id = ?", (invitation_id,))
    return _invitation(row)


def invitation(db: AppDB, token: str) -> tuple[Invitation, bool] | None:
    """The live invitation of a link's token, and whether its email has an account already
    (None when the token is unknown, used or expired)."""
    with db.connect(write=False) as c:
        row = c.execute(
            f"SELECT {_COLUMNS} FROM invitations WHERE token_hash = ? AND expires_at >= ?",
            (digest(token), _iso(_now())),
        ).fetchone()
        if row is None:
            return None
        known = c.execute("SELECT 1 FROM users WHERE email = ?", (row[1],)).fetchone()
    return _invitation(row), known is not None


def accept_invitation(db: AppDB, token: str, *, password: str) -> tuple[User, Invitation] | None:
    """Use an invitation once: create the account with ``password`` (the person's own) and
    grant the role; None when the link is unknown, used or expired.

    When the email has an account already (made since the invitation), its password is left
    alone (``password`` is ignored) and the account joins the workspace; a role it has there
    already is kept."""
    found = invitation(db, token)
    if found is None:
        return None
    hashed = hash_password(password) if not found[1] else ""  # a bad password uses nothing up
    with db.connect() as c:
        row = c.execute(
            f"SELECT {_COLUMNS} FROM invitations WHERE token_hash = ? AND expires_at >= ?",
            (digest(token), _iso(_now())),
        ).fetchone()
        if row is None:
            return None  # used meanwhile
        invited = _invitation(row)
        c.execute("DELETE FROM invitations WHERE invitation_id = ?", (invited.invitation_id,))
        user_row = c.execute(
            "SELECT user_id, email, is_admin FROM users WHERE email = ?", (invited.email,)
        ).fetchone()
        if user_row is None:
            if not hashed:
                hashed = hash_password(password)
            cursor = c.execute(
                "INSERT INTO users (email, password_hash, is_admin, created_at) "
                "VALUES (?, ?, 0, ?)",
                (invited.email, hashed, _iso(_now())),
            )
            user = User(int(cursor.lastrowid or 0), invited.email, False)
        else:
            user = User(user_row[0], user_row[1], bool(user_row[2]))
        c.execute(
            "INSERT INTO memberships VALUES (?, ?, ?) ON CONFLICT (user_id, workspace) DO NOTHING",
            (user.user_id, invited.workspace, invited.role),
        )
    return user, invited


# -- one's own password -----------------------------------------------------------------------
def change_password(db: AppDB, user: User, *, current: str, new: str) -> None:
    """Replace the user's password after checking the current one, then end every session of
    the account (they log in again). Wrong current passwords count as failed logins."""
    key = f"account:{user.email}"
    if db.failed_attempts(key, within=FAILURE_WINDOW) >= MAX_FAILURES:
        minutes = int(FAILURE_WINDOW.total_seconds() // 60)
        raise UsageError(f"too many wrong passwords: wait {minutes} minutes and try again")
    found = db.user_by_email(user.email)
    if found is None:
        raise UsageError("this account no longer exists")
    try:
        _HASHER.verify(found[1], current)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        db.record_failure(key)
        raise UsageError("the current password is wrong") from None
    if new == current:
        raise UsageError("the new password is the current one: choose another")
    db.set_password_hash(user.user_id, hash_password(new))
    db.clear_failures(key)
    db.close_sessions_of(user.user_id)
