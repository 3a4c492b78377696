"""Who may do what: passwords, sessions, CSRF tokens, login limits and roles.

- Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's low-memory
  profile); a hash made with older parameters is upgraded at the next login.
- A session is a random token in an HttpOnly, SameSite=Lax cookie (Secure over https); the
  app database keeps only its SHA-256. Each session has its own CSRF token, carried in the
  pages (a hidden form field and an ``hx-headers`` attribute), never in a cookie a script
  could read; every state-changing request must send it back.
- Failed logins are limited per account and per address (:data:`MAX_FAILURES` within
  :data:`FAILURE_WINDOW`), so that guessing passwords is slow whatever the attacker varies.
- Roles (:data:`rapport.web.appdb.ROLES`) grant permissions (:data:`PERMISSIONS`).
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from rapport.errors import UsageError
from rapport.web.appdb import AppDB, Role, User

__all__ = [
    "COOKIE",
    "FAILURE_WINDOW",
    "MAX_FAILURES",
    "MIN_PASSWORD",
    "PERMISSIONS",
    "SESSION_LIFETIME",
    "LoginRefused",
    "Permission",
    "allowed",
    "check_password_rules",
    "hash_password",
    "log_in",
    "new_token",
    "same_token",
]

COOKIE = "rapport_session"
SESSION_LIFETIME = dt.timedelta(days=14)
MAX_FAILURES = 5
"""Failed logins allowed per account, and per address, within :data:`FAILURE_WINDOW`."""
FAILURE_WINDOW = dt.timedelta(minutes=15)
MIN_PASSWORD = 10

Permission = Literal["read", "work", "care", "write", "members"]
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    "owner": frozenset({"read", "work", "care", "write", "members"}),
    "manager": frozenset({"read", "work", "care", "write"}),
    "analyst": frozenset({"read", "work", "care"}),
    "client": frozenset({"read"}),
}
"""What each role may do in a workspace: ``read`` the overview and the report (a client sees
no more), ``work`` with the plan, calendar, competitors and data pages, mark ``care`` items
done, ``write`` (upload, settings, plans, feeds) and manage ``members``."""

_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("not a password anyone has")
"""Verified against when the email is unknown, so that a login takes as long either way."""


class LoginRefused(UsageError):
    """Wrong email or password, or too many attempts (the message never says which exists)."""


def allowed(role: Role | None, permission: Permission) -> bool:
    return role is not None and permission in PERMISSIONS[role]


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a token sent back with the one issued."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise UsageError("the password must have at most 1,024 characters")


def hash_password(password: str) -> str:
    check_password_rules(password)
    return _HASHER.hash(password)


def log_in(db: AppDB, email: str, password: str, *, address: str) -> tuple[User, str, str]:
    """Check a login; on success a new session: the user, its token and its CSRF token."""
    keys = (f"account:{email.strip().lower()}", f"address:{address}")
    if any(db.failed_attempts(k, within=FAILURE_WINDOW) >= MAX_FAILURES for k in keys):
        minutes = int(FAILURE_WINDOW.total_seconds() // 60)
        raise LoginRefused(f"too many failed logins: wait {minutes} minutes and try again")
    try:
        found = db.user_by_email(email)
    except UsageError:
        found = None
    stored = found[1] if found else _DUMMY
    try:
        _HASHER.verify(stored, password)
        ok = found is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or found is None:
        db.record_failure(*keys)
        raise LoginRefused("wrong email or password")
    user = found[0]
    if _HASHER.check_needs_rehash(stored):
        db.set_password_hash(user.user_id, _HASHER.hash(password))
    db.clear_failures(keys[0])
    token, csrf = new_token(), new_token()
    db.open_session(token, user.user_id, csrf, lifetime=SESSION_LIFETIME)
    return user, token, csrf
