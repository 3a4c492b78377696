"""Every request's checks: who is signed in, what they may do where, and the CSRF token.

Routes never look at cookies or roles themselves: they ask :func:`signed_in`,
:func:`member` or :func:`check_csrf`, so one place decides. A workspace the user does not
belong to answers 404, exactly as a workspace that does not exist (nothing tells an outsider
which names exist); a member whose role lacks the permission gets 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from fastapi import HTTPException, Request

from rapport.web.appdb import AppDB, Role, SessionRow
from rapport.web.auth import COOKIE, PERMISSIONS, Permission, allowed, same_token
from rapport.web.served import Served

__all__ = [
    "ACCESS",
    "Access",
    "Member",
    "NotSignedIn",
    "access",
    "check_csrf",
    "member",
    "signed_in",
]

Access = Literal["public", "signed_in", "admin", "read", "work", "care", "write", "members"]
ACCESS: tuple[Access, ...] = (
    "public", "signed_in", "admin", "read", "work", "care", "write", "members",
)  # fmt: skip
"""Who may use a route: anyone (``public``), anyone signed in, the owner of the whole
rapport (``admin``), or the members of the route's workspace whose role has the permission.
Every route declares one (:func:`access`); a test enumerates the routes and checks each
against its declaration, for every role and across workspaces."""


def access(level: Access) -> dict[str, Any]:
    """A route's declared access, kept on the route (``openapi_extra``)."""
    return {"x-rapport-access": level}


CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"


class NotSignedIn(Exception):
    """Raised for a page asked without a live session (answered with the login form)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


@dataclass(frozen=True)
class Member:
    """A signed-in user in one workspace, with their role."""

    session: SessionRow
    workspace: str
    role: Role

    def may(self, permission: Permission) -> bool:
        return allowed(self.role, permission)


def db_of(request: Request) -> AppDB:
    db: AppDB = request.app.state.db
    return db


def served_of(request: Request) -> Served:
    served: Served = request.app.state.served
    return served


def current(request: Request) -> SessionRow | None:
    """The request's live session (looked up once per request)."""
    if "rapport_session" in request.scope:
        found: SessionRow | None = request.scope["rapport_session"]
        return found
    token = request.cookies.get(COOKIE)
    found = db_of(request).session(token) if token else None
    request.scope["rapport_session"] = found
    return found


def signed_in(request: Request) -> SessionRow:
    found = current(request)
    if found is None:
        if request.method == "GET":
            raise NotSignedIn(request.url.path)
        raise HTTPException(403, "not signed in")
    return found


def declared(request: Request) -> Access:
    """The access the matched route declares (:func:`access`)."""
    route = request.scope.get("route")
    level = (getattr(route, "openapi_extra", None) or {}).get("x-rapport-access")
    if level not in ACCESS:
        raise HTTPException(500, "this route declares no access")
    found: Access = level
    return found


def member(request: Request, workspace: str) -> Member:
    """The signed-in user's membership of ``workspace``, checked against the permission the
    route declares: 404 unless they belong to it (or it does not exist), 403 when their role
    lacks the permission."""
    level = declared(request)
    if level not in PERMISSIONS["owner"]:
        raise HTTPException(500, f"a workspace route must declare a permission, not {level!r}")
    permission: Permission = level
    session = signed_in(request)
    role = db_of(request).role(session.user.user_id, workspace)
    if role is None or served_of(request).workspace(workspace) is None:
        raise HTTPException(404, "no such workspace")
    if not allowed(role, permission):
        raise HTTPException(403, "your role in this workspace does not allow this")
    return Member(session, workspace, role)


def check_csrf(request: Request, session: SessionRow, form_token: str | None) -> None:
    """403 unless the request carries the session's CSRF token: the form's ``csrf`` field
    (``form_token``) or the ``X-CSRF-Token`` header HTMX sends."""
    given = request.headers.get(CSRF_HEADER) or form_token
    if not same_token(given, session.csrf):
        raise HTTPException(403, "the form is out of date or was not sent by rapport: reload it")
