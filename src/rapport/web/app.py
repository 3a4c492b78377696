"""The web workplace's application: :func:`create_app` over a folder of workspaces.

A second front door on the library, beside the CLI: pages are rendered on the server from
the typed results of :mod:`rapport.api` and the report's own parts (nothing is computed
here). Every response carries strict security headers (a Content-Security-Policy without
inline script or eval, no framing, no sniffing); every state change is a POST that must
carry the session's CSRF token; access is decided in :mod:`rapport.web.guard`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from rapport.errors import RapportError
from rapport.web import (
    pages,
    pages_connections,
    pages_data,
    pages_oauth,
    pages_publish,
    pages_reply,
    pages_report,
    pages_settings,
    pages_strategy,
    pages_whatif,
    publisher,
)
from rapport.web.appdb import AppDB
from rapport.web.auth import COOKIE, SESSION_LIFETIME, LoginRefused, hash_password, log_in
from rapport.web.guard import NotSignedIn, access, check_csrf, signed_in
from rapport.web.render import render
from rapport.web.served import Served

__all__ = ["SECURITY_HEADERS", "create_app"]

_log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
"""Sent with every response."""

LOGIN_COOKIE = "rapport_login"
"""The login form's own CSRF token (no session exists yet): HttpOnly, compared with the
form's hidden field."""


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _safe_next(target: str | None) -> str:
    """Where to go after logging in: a path of this app only (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def create_app(root: Path) -> FastAPI:
    """The app serving the workspaces under ``root`` (its own data in ``root``'s
    :data:`~rapport.web.appdb.FILE_NAME`)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """While the server runs: the syncs that are due start by themselves."""
        async with pages_connections.scheduled(app), publisher.scheduled(app):
            yield

    app = FastAPI(
        title="rapport", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.served = Served(root)
    app.state.db = AppDB(root)
    static = Path(__file__).parent / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    @app.exception_handler(NotSignedIn)
    async def to_login(request: Request, exc: NotSignedIn) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.path)}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {400: "That can't be done", 403: "Not allowed", 404: "Not found",
                  405: "Not allowed", 413: "Too large"}  # fmt: skip
        return render(
            request,
            "error.html.jinja2",
            status=exc.status_code,
            title=titles.get(exc.status_code, "Something went wrong"),
            message=str(exc.detail) if exc.status_code in (400, 403, 404, 413) else "",
        )

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> Response:
        _log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        page = render(
            request,
            "error.html.jinja2",
            status=500,
            title="Something went wrong",
            message="this is a bug in rapport: the server's log has the details; the data is "
            "as it was before the request",
        )
        page.headers.update(SECURITY_HEADERS)  # answered outside the headers middleware
        return page

    # -- signing in and out ---------------------------------------------------------------------
    @app.get("/login", response_class=HTMLResponse, openapi_extra=access("public"))
    def login_form(request: Request, next: str = "/") -> Response:
        token = secrets.token_urlsafe(32)
        response = render(request, "login.html.jinja2", login_csrf=token, next=_safe_next(next),
                          error=None)  # fmt: skip
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="lax",
                            secure=_secure(request), path="/login", max_age=3600)  # fmt: skip
        return response

    @app.post("/login", response_class=HTMLResponse, openapi_extra=access("public"))
    def login(
        request: Request,
        email: str = Form(""),
        password: str = Form(""),
        csrf: str = Form(""),
        next: str = Form("/"),
    ) -> Response:
        expected = request.cookies.get(LOGIN_COOKIE)
        if not expected or not secrets.compare_digest(expected.encode(), csrf.encode()):
            raise HTTPException(403, "the login form is out of date: reload it")
        address = request.client.host if request.client else "unknown"
        try:
            _user, token, _csrf = log_in(request.app.state.db, email, password, address=address)
        except LoginRefused as refused:
            again = secrets.token_urlsafe(32)
            response = render(request, "login.html.jinja2", status=401, login_csrf=again,
                              next=_safe_next(next), error=str(refused))  # fmt: skip
            response.set_cookie(LOGIN_COOKIE, again, httponly=True, samesite="lax",
                                secure=_secure(request), path="/login", max_age=3600)  # fmt: skip
            return response
        signed = RedirectResponse(_safe_next(next), status_code=303)
        signed.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=_secure(request),
                          path="/", max_age=int(SESSION_LIFETIME.total_seconds()))  # fmt: skip
        signed.delete_cookie(LOGIN_COOKIE, path="/login")
        return signed

    @app.post("/logout", openapi_extra=access("signed_in"))
    def logout(request: Request, csrf: str = Form("")) -> Response:
        session = signed_in(request)
        check_csrf(request, session, csrf)
        token = request.cookies.get(COOKIE)
        if token:
            request.app.state.db.close_session(token)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    # -- the first owner ------------------------------------------------------------------------
    @app.get("/setup", response_class=HTMLResponse, openapi_extra=access("public"))
    def setup_form(request: Request, token: str = "") -> Response:
        db: AppDB = request.app.state.db
        if not db.setup_token_valid(token):
            raise HTTPException(404, "this setup link was used already or is not valid")
        return render(request, "setup.html.jinja2", token=token, error=None)

    @app.post("/setup", response_class=HTMLResponse, openapi_extra=access("public"))
    def setup(
        request: Request,
        token: str = Form(""),
        email: str = Form(""),
        password: str = Form(""),
    ) -> Response:
        db: AppDB = request.app.state.db
        if not db.setup_token_valid(token):
            raise HTTPException(404, "this setup link was used already or is not valid")
        try:
            hashed = hash_password(password)
            if not db.take_setup_token(token):
                raise HTTPException(404, "this setup link was used already or is not valid")
            user = db.add_user(email, hashed, is_admin=True)
        except RapportError as error:
            return render(request, "setup.html.jinja2", status=400, token=token, error=str(error))
        served = request.app.state.served
        served.rescan()
        for name in served.names():
            db.grant(user.user_id, name, "owner")
        db.audit(user_id=user.user_id, workspace=None, action="owner created", detail=user.email)
        return RedirectResponse("/login", status_code=303)

    pages.register(app)
    pages_reply.register(app)
    pages_settings.register(app)
    pages_data.register(app)
    pages_connections.register(app)
    pages_oauth.register(app)
    pages_strategy.register(app)
    pages_whatif.register(app)
    pages_publish.register(app)
    pages_report.register(app)
    return app
