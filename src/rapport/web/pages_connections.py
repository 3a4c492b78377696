"""Connected accounts on the Data page: connect Mastodon, Bluesky, Instagram, Facebook or
YouTube, sync now or every few hours, remove.

Members who may ``work`` see the connections (account, instance or service, last sync and
its result, schedule), never a secret, not even part of one; owners and managers
(``write``) connect, sync, schedule and remove, by POST forms with the CSRF token. A new
connection's credentials are saved encrypted (:mod:`rapport.credentials`) and checked by a
first sync, a background job whose progress the page follows like an import's
(:mod:`rapport.web.syncs`). Every change is in the audit log.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from rapport.credentials import (
    SCHEDULES,
    BlueskyCredentials,
    Connection,
    Connections,
    Credentials,
    GraphCredentials,
    MastodonCredentials,
    YouTubeCredentials,
)
from rapport.errors import RapportError, UsageError
from rapport.web.guard import Member, access, check_csrf, db_of, member, served_of
from rapport.web.pages_data import ConnectForm, data_page, syncs_of
from rapport.web.syncs import Syncs, check_seconds
from rapport.workspace import Workspace

__all__ = ["every_hours", "register", "scheduled"]


def every_hours(text: str) -> int | None:
    """A schedule from the form: ``off`` (or nothing) is never, else one of the hours of
    :data:`~rapport.credentials.SCHEDULES`."""
    value = text.strip().lower()
    if value in ("", "off"):
        return None
    if value.isdigit() and int(value) in SCHEDULES:
        return int(value)
    raise UsageError(
        f"sync by itself {text.strip()[:20]!r}: choose off, or every 1, 3, 6, 12 or 24 hours",
    )


@dataclass(frozen=True)
class _Target:
    who: Member
    connections: Connections
    connection: Connection


@dataclass(frozen=True)
class _Typed:
    """What a connect form sent (secrets included: never shown again, never logged)."""

    platform: str
    instance: str = ""
    token: str = ""
    handle: str = ""
    app_password: str = ""
    service: str = ""
    account_id: str = ""
    channel: str = ""
    api_key: str = ""
    api_url: str = ""


def _credentials(typed: _Typed) -> Credentials:
    if typed.platform == "mastodon":
        return MastodonCredentials.of(instance=typed.instance, token=typed.token)
    if typed.platform == "bluesky":
        return BlueskyCredentials.of(
            handle=typed.handle, app_password=typed.app_password, service=typed.service
        )
    if typed.platform in ("instagram", "facebook"):
        return GraphCredentials.of(
            platform="instagram" if typed.platform == "instagram" else "facebook",
            token=typed.token,
            account_id=typed.account_id,
            api_url=typed.api_url,
        )
    if typed.platform == "youtube":
        return YouTubeCredentials.of(
            channel=typed.channel, api_key=typed.api_key, api_url=typed.api_url
        )
    raise UsageError(
        "choose Mastodon, Bluesky, Instagram, Facebook or YouTube to connect", option="platform"
    )


def register(app: FastAPI) -> None:
    """Add the connection forms' routes to ``app``, and the syncs (started now or on
    schedule; the schedule runs in the server's lifespan, :func:`scheduled`)."""
    check_seconds()  # a wrong $RAPPORT_SYNC_CHECK_SECONDS stops the server at start
    app.state.syncs = Syncs(jobs=app.state.jobs, db=app.state.db, served=app.state.served)

    def target(request: Request, workspace: str, connection_id: str, csrf: str) -> _Target:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        connections = Connections(Workspace(served_of(request).root / workspace))
        return _Target(who, connections, connections.get(connection_id))

    def refused(request: Request, workspace: str, error: RapportError) -> Response:
        return data_page(request, member(request, workspace), status=400, error=str(error))

    @app.post(
        "/w/{workspace}/connections", response_class=HTMLResponse, openapi_extra=access("write")
    )
    def connect(
        request: Request,
        workspace: str,
        platform: str = Form(""),
        instance: str = Form(""),
        token: str = Form(""),
        handle: str = Form(""),
        app_password: str = Form(""),
        service: str = Form(""),
        account_id: str = Form(""),
        channel: str = Form(""),
        api_key: str = Form(""),
        api_url: str = Form(""),
        every: str = Form(""),
        csrf: str = Form(""),
    ) -> Response:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        form = ConnectForm(
            platform=platform, instance=instance.strip()[:200], handle=handle.strip()[:200],
            service=service.strip()[:200], every=every.strip()[:8],
            account_id=account_id.strip()[:200], channel=channel.strip()[:200],
            api_url=api_url.strip()[:300],
        )  # fmt: skip
        try:
            hours = every_hours(every)
            credentials = _credentials(_Typed(
                platform, instance=instance, token=token, handle=handle,
                app_password=app_password, service=service, account_id=account_id,
                channel=channel, api_key=api_key, api_url=api_url,
            ))  # fmt: skip
            folder = Workspace(served_of(request).root / workspace)
            connection = Connections(folder).add(credentials, every_hours=hours)
        except RapportError as error:
            return data_page(request, who, status=400, connect_error=str(error), form=form)
        user_id = who.session.user.user_id
        db_of(request).audit(user_id=user_id, workspace=workspace, action="connect",
                             detail=f"{connection.title} ({connection.address})")  # fmt: skip
        job = syncs_of(request).start(workspace, connection, user_id=user_id)
        return RedirectResponse(f"/w/{workspace}/data#job-{job.job_id}", status_code=303)

    @app.post(
        "/w/{workspace}/connections/{connection_id}/sync",
        response_class=HTMLResponse,
        openapi_extra=access("write"),
    )
    def sync_now(
        request: Request, workspace: str, connection_id: str, csrf: str = Form("")
    ) -> Response:
        try:
            found = target(request, workspace, connection_id, csrf)
        except RapportError as error:
            return refused(request, workspace, error)
        user_id = found.who.session.user.user_id
        job = syncs_of(request).start(workspace, found.connection, user_id=user_id)
        return RedirectResponse(f"/w/{workspace}/data#job-{job.job_id}", status_code=303)

    @app.post(
        "/w/{workspace}/connections/{connection_id}/schedule",
        response_class=HTMLResponse,
        openapi_extra=access("write"),
    )
    def schedule(
        request: Request,
        workspace: str,
        connection_id: str,
        every: str = Form(""),
        csrf: str = Form(""),
    ) -> Response:
        try:
            found = target(request, workspace, connection_id, csrf)
            hours = every_hours(every)
            changed = found.connections.schedule(connection_id, every_hours=hours)
        except RapportError as error:
            return refused(request, workspace, error)
        said = "off" if hours is None else f"every {hours} hour{'s' if hours > 1 else ''}"
        db_of(request).audit(user_id=found.who.session.user.user_id, workspace=workspace,
                             action="sync schedule", detail=f"{changed.title}: {said}")  # fmt: skip
        return RedirectResponse(f"/w/{workspace}/data#connection-{connection_id}", status_code=303)

    @app.post(
        "/w/{workspace}/connections/{connection_id}/remove",
        response_class=HTMLResponse,
        openapi_extra=access("write"),
    )
    def remove(
        request: Request, workspace: str, connection_id: str, csrf: str = Form("")
    ) -> Response:
        try:
            found = target(request, workspace, connection_id, csrf)
            gone = found.connections.remove(connection_id)
        except RapportError as error:
            return refused(request, workspace, error)
        user_id = found.who.session.user.user_id
        db_of(request).audit(user_id=user_id, workspace=workspace, action="disconnect",
                             detail=f"{gone.title} ({gone.address})")  # fmt: skip
        return RedirectResponse(f"/w/{workspace}/data#connections", status_code=303)


@asynccontextmanager
async def scheduled(app: FastAPI) -> AsyncIterator[None]:
    """While the server runs: look for due syncs every
    :func:`~rapport.web.syncs.check_seconds` (the server's lifespan)."""
    syncs: Syncs = app.state.syncs
    task = asyncio.create_task(syncs.run(check_seconds()), name="rapport-sync-schedule")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
