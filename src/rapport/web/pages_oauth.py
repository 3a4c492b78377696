"""Connect Mastodon by signing in on the instance (OAuth), and reconnect a refused account.

"Connect with Mastodon" on the Data page (owners and managers, ``write``):

1. ``POST /w/<ws>/connections/mastodon/authorize`` with the instance's address: rapport
   registers itself there once per workspace, instance and return address
   (:func:`rapport.connectors.mastodon_oauth.register_app`; the client id and secret are kept
   encrypted, :class:`rapport.credentials.MastodonApps`), makes a random ``state`` bound to the
   signed-in session and the workspace (kept in the server's memory for
   :data:`STATE_SECONDS`, used once), and answers a page whose link takes the browser to the
   instance's sign-in page. (A link, not a redirect: the pages' Content-Security-Policy lets a
   form lead only to this server, ``form-action 'self'``, and browsers apply that to the
   redirects after a form too.)
2. The instance sends the browser back to ``GET /w/<ws>/connections/mastodon/callback`` with
   a code and the state. A state that is unknown, expired, used, or bound to another session
   or workspace is refused with a clear message and nothing is asked of the instance; else the
   code is exchanged for a token (:func:`~rapport.connectors.mastodon_oauth.exchange_code`)
   and checked by a first sync, exactly as a pasted token is; only a sync that went well keeps
   it (:func:`rapport.api.sync_new_credentials`), so a refused token is never kept.

Reconnect (``POST /w/<ws>/connections/<id>/reconnect``), for a connection whose token or app
password was refused: a new Bluesky app password, or a new Mastodon token pasted (or the OAuth
flow again, with the connection's id); checked by a sync before
:meth:`~rapport.credentials.Connections.replace` keeps them (same id, schedule and history; the
error goes).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field

from fastapi import FastAPI, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from rapport.connectors import mastodon_oauth
from rapport.connectors.mastodon_oauth import SCOPES, Endpoints
from rapport.credentials import (
    PLATFORM_TITLES,
    BlueskyCredentials,
    Connection,
    Connections,
    Credentials,
    MastodonApp,
    MastodonApps,
    MastodonCredentials,
    Secret,
    renewed,
    service_address,
)
from rapport.errors import RapportError, UsageError
from rapport.web.appdb import SessionRow
from rapport.web.guard import Member, access, check_csrf, db_of, member, served_of
from rapport.web.pages_connections import every_hours
from rapport.web.pages_data import ConnectForm, data_page, syncs_of
from rapport.web.render import render
from rapport.workspace import Workspace

__all__ = ["STATE_SECONDS", "OAuthStates", "Pending", "register", "start_sign_in"]

STATE_SECONDS = 15 * 60
"""How long a started sign-in on an instance may take before its state is forgotten."""
CALLBACK = "mastodon_callback"
"""The callback route's name (its URL is the return address registered on instances)."""


def _session_key(session: SessionRow) -> str:
    """What binds a state to one signed-in browser (its session's CSRF token, hashed)."""
    return hashlib.sha256(session.csrf.encode()).hexdigest()


@dataclass(frozen=True)
class Pending:
    """A sign-in started on an instance, waiting for the browser to come back."""

    session_key: str = field(repr=False)
    user_id: int
    workspace: str
    instance: str
    redirect_uri: str
    endpoints: Endpoints
    replace: str | None
    every_hours: int | None
    expires: float


class OAuthStates:
    """The states of the sign-ins started in this server (in memory: a restart forgets
    them, and the person starts again)."""

    def __init__(self) -> None:
        self._pending: dict[str, Pending] = {}
        self._guard = threading.Lock()

    def begin(self, pending: Pending) -> str:
        state = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._guard:
            for key in [k for k, p in self._pending.items() if p.expires < now]:
                del self._pending[key]
            self._pending[state] = pending
        return state

    def take(self, state: str, *, session: SessionRow, workspace: str) -> Pending | None:
        """The sign-in ``state`` names, once, when it was started by this session in this
        workspace and has not expired; None otherwise (and it stays for its own session)."""
        with self._guard:
            found = self._pending.get(state)
            if found is None or found.expires < time.monotonic():
                self._pending.pop(state, None)
                return None
            if not secrets.compare_digest(found.session_key, _session_key(session)):
                return None
            if found.workspace != workspace:
                return None
            return self._pending.pop(state)


MISMATCH = (
    "this answer from Mastodon does not belong to a connection started here by you (it is "
    "older than 15 minutes, was used already, or was started in another browser): nothing "
    "was connected; start again with Connect with Mastodon"
)


def _states(request: Request) -> OAuthStates:
    states: OAuthStates = request.app.state.oauth_states
    return states


def _app(folder: Workspace, instance: str, redirect_uri: str) -> MastodonApp:
    """rapport's registration on the instance for this return address (made on first need)."""
    apps = MastodonApps(folder)
    found = apps.find(instance, redirect_uri, SCOPES)
    if found is not None:
        return found
    made = mastodon_oauth.register_app(instance, redirect_uri=redirect_uri)
    app = MastodonApp(
        instance, redirect_uri, Secret(made.client_id), Secret(made.client_secret), SCOPES
    )
    apps.save(app)
    return app


def _failed(request: Request, who: Member, error: str, instance: str = "") -> Response:
    form = ConnectForm(platform="mastodon", instance=instance[:200])
    return data_page(request, who, status=400, connect_error=error, form=form)


def start_sign_in(
    request: Request, who: Member, *, instance: str, replace: Connection | None, every: str
) -> Response:
    """Register on the instance when needed, remember a state, and answer the page that
    sends the browser there."""
    folder = Workspace(served_of(request).root / who.workspace)
    address = service_address(
        instance, what="Mastodon instance", example="https://mastodon.social", option="instance"
    )
    hours = every_hours(every) if replace is None else replace.every_hours
    redirect_uri = str(request.url_for(CALLBACK, workspace=who.workspace))
    app = _app(folder, address, redirect_uri)
    endpoints = mastodon_oauth.server_info(address)
    pending = Pending(
        _session_key(who.session), who.session.user.user_id, who.workspace, address,
        redirect_uri, endpoints, replace.connection_id if replace else None, hours,
        time.monotonic() + STATE_SECONDS,
    )  # fmt: skip
    state = _states(request).begin(pending)
    url = mastodon_oauth.authorize_url(
        endpoints, client_id=app.client_id.reveal(), redirect_uri=redirect_uri, state=state
    )
    db_of(request).audit(user_id=who.session.user.user_id, workspace=who.workspace,
                         action="mastodon sign-in started", detail=address)  # fmt: skip
    return render(request, "oauth_continue.html.jinja2", member=who, instance=address,
                  authorize=url, reconnect=replace)  # fmt: skip


def register(app: FastAPI) -> None:
    """Add the OAuth and reconnect routes to ``app``."""
    app.state.oauth_states = OAuthStates()

    @app.post(
        "/w/{workspace}/connections/mastodon/authorize",
        response_class=HTMLResponse,
        openapi_extra=access("write"),
    )
    def mastodon_authorize(
        request: Request,
        workspace: str,
        instance: str = Form(""),
        connection_id: str = Form(""),
        every: str = Form(""),
        csrf: str = Form(""),
    ) -> Response:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        try:
            replace = None
            if connection_id:
                folder = Workspace(served_of(request).root / workspace)
                replace = Connections(folder).get(connection_id)
                if replace.platform != "mastodon":
                    raise UsageError(f"{replace.title} is not a Mastodon account")
                instance = replace.address
            return start_sign_in(request, who, instance=instance, replace=replace, every=every)
        except RapportError as error:
            return _failed(request, who, str(error), instance)

    @app.get(
        "/w/{workspace}/connections/mastodon/callback",
        response_class=HTMLResponse,
        openapi_extra=access("write"),
        name=CALLBACK,
    )
    def mastodon_callback(
        request: Request, workspace: str, code: str = "", state: str = "", error: str = ""
    ) -> Response:
        who = member(request, workspace)
        pending = _states(request).take(state[:200], session=who.session, workspace=workspace)
        if pending is None:
            return _failed(request, who, MISMATCH)
        if error or not code:
            return _failed(
                request, who,
                f"you did not allow rapport on {pending.instance}: nothing was connected",
                pending.instance,
            )  # fmt: skip
        folder = Workspace(served_of(request).root / workspace)
        try:
            registered = MastodonApps(folder).find(pending.instance, pending.redirect_uri, SCOPES)
            if registered is None:
                raise UsageError(
                    f"rapport's registration on {pending.instance} is gone: start again"
                )
            token = mastodon_oauth.exchange_code(
                pending.instance, pending.endpoints, code=code,
                client_id=registered.client_id.reveal(),
                client_secret=registered.client_secret.reveal(),
                redirect_uri=pending.redirect_uri,
            )  # fmt: skip
            credentials = MastodonCredentials(pending.instance, Secret(token))
            replace = Connections(folder).get(pending.replace) if pending.replace else None
        except RapportError as failed:
            return _failed(request, who, str(failed), pending.instance)
        return _check(request, who, credentials, replace=replace, every_hours=pending.every_hours)

    @app.post(
        "/w/{workspace}/connections/{connection_id}/reconnect",
        response_class=HTMLResponse,
        openapi_extra=access("write"),
    )
    def reconnect(
        request: Request,
        workspace: str,
        connection_id: str,
        app_password: str = Form(""),
        token: str = Form(""),
        api_key: str = Form(""),
        csrf: str = Form(""),
    ) -> Response:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        folder = Workspace(served_of(request).root / workspace)
        try:
            current = Connections(folder).get(connection_id)
            credentials: Credentials
            if current.platform in ("instagram", "facebook", "youtube"):
                credentials = renewed(
                    Connections(folder).credentials(connection_id), token=token, api_key=api_key
                )
            elif current.platform == "bluesky":
                credentials = BlueskyCredentials.of(
                    handle=current.account, app_password=app_password, service=current.address
                )
            elif token.strip():
                credentials = MastodonCredentials.of(instance=current.address, token=token)
            else:  # no token pasted: sign in on the instance again
                return start_sign_in(
                    request, who, instance=current.address, replace=current, every=""
                )
        except RapportError as error:
            return data_page(request, who, status=400, error=str(error))
        return _check(request, who, credentials, replace=current,
                      every_hours=current.every_hours)  # fmt: skip


def _check(
    request: Request,
    who: Member,
    credentials: Credentials,
    *,
    replace: Connection | None,
    every_hours: int | None,
) -> Response:
    """Start the sync that checks new credentials before they are kept; to the Data page."""
    user_id = who.session.user.user_id
    if replace is not None:
        title = f"Reconnecting {replace.title}"
    else:
        title = f"Connecting {PLATFORM_TITLES[credentials.platform]} ({credentials.address})"
    syncs = syncs_of(request)
    job = syncs.check(who.workspace, credentials, replace=replace, every_hours=every_hours,
                      user_id=user_id, title=title)  # fmt: skip
    db_of(request).audit(user_id=user_id, workspace=who.workspace,
                         action="reconnect" if replace else "connect",
                         detail=f"{title} ({credentials.address})")  # fmt: skip
    return RedirectResponse(f"/w/{who.workspace}/data#job-{job.job_id}", status_code=303)
