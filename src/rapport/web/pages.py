"""The workplace's pages: the workspaces, a workspace's overview, the care inbox, the report.

Each page asks :mod:`rapport.web.guard` who may see it, reads through a short read-only
session (cached per workspace until its data changes, :class:`~rapport.web.served.Served`)
and renders a template. Writes (marking a care item done, creating a workspace) are POSTs
with the CSRF token, recorded in the audit log, and answered by a 303 (or, for HTMX, the
changed fragment).
"""

from __future__ import annotations

import datetime as dt
import logging

from fastapi import FastAPI, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from rapport.config import OBJECTIVES, Config, Goal
from rapport.credentials import Connection, Connections
from rapport.errors import RapportError, UsageError
from rapport.report.build import render_report
from rapport.strategy.care_list import care_thread, mark_done
from rapport.web.appdb import SessionRow
from rapport.web.auth import allowed
from rapport.web.care_team import SNOOZE_DAYS, assign, snooze, team_states
from rapport.web.guard import Member, access, check_csrf, db_of, member, served_of, signed_in
from rapport.web.render import render
from rapport.web.reply_view import reply_box
from rapport.web.served import Served
from rapport.web.views import Summary, care_page, overview, summary
from rapport.workspace import Workspace

__all__ = ["care_item_page", "known_item", "register"]

_log = logging.getLogger(__name__)
JOB_WORDS = {"import": "import", "sync": "sync", "whatif": "what-if run", "check": "check"}
"""A job's kind in the words of the home page's alerts."""


def _summary_or_none(request: Request, name: str) -> Summary | None:
    try:
        return served_of(request).cached(name, "summary", lambda s: summary(s, name))
    except RapportError as error:  # a workspace with no data yet, or a broken rapport.toml
        _log.info("workspace %s: %s", name, type(error).__name__)
        return None


def _first(error: ValidationError) -> str:
    problem = error.errors()[0]
    where = ".".join(str(p) for p in problem.get("loc", ()))
    return f"{where}: {problem.get('msg', 'not a valid value')}" if where else str(problem["msg"])


def _connections(served: Served, name: str) -> tuple[Connection, ...]:
    """The workspace's connected accounts, as listed in clear (no key needed)."""
    ws = served.workspace(name)
    try:
        return Connections(ws).all() if ws is not None else ()
    except RapportError as error:  # an unreadable connections file: the Data page says why
        _log.info("workspace %s: connections: %s", name, type(error).__name__)
        return ()


def _home(
    request: Request, session: SessionRow, *, status: int = 200, error: str | None = None
) -> Response:
    """The workspaces the user belongs to, as cards (and the form to create one)."""
    served = served_of(request)
    mine = [
        m for m in db_of(request).memberships(session.user.user_id) if served.exists(m.workspace)
    ]
    cards = [(m, _summary_or_none(request, m.workspace)) for m in mine]
    jobs = request.app.state.jobs
    job_alerts: dict[str, list[str]] = {}
    synced: dict[str, dt.datetime] = {}
    for m in mine:
        connections = _connections(served_of(request), m.workspace)
        failing = [(JOB_WORDS.get(j.kind, j.kind), j.message) for j in jobs.failing(m.workspace)
                   if j.kind != "sync"]  # fmt: skip
        failing += [(f"sync of {c.account or c.platform}", c.last_error or "")
                    for c in connections if c.failing]  # fmt: skip
        job_alerts[m.workspace] = [f"The last {what} failed: {why}" for what, why in failing]
        moments = [c.last_sync_at for c in connections if c.last_sync_at is not None]
        if moments:
            synced[m.workspace] = max(moments)
    return render(request, "home.html.jinja2", status=status, cards=cards, error=error,
                  objectives=OBJECTIVES, can_create=session.user.is_admin,
                  job_alerts=job_alerts, synced=synced)  # fmt: skip


def known_item(request: Request, workspace: str, item_id: str) -> None:
    """404 unless ``item_id`` is on the workspace's care list today (or left over from it)."""
    care = served_of(request).cached(workspace, "care", care_page)
    if item_id not in {i.id for i in [*care.items, *care.left_over]}:
        raise HTTPException(404, f"care item {item_id!r} is not on today's list")


def care_item_page(
    request: Request,
    who: Member,
    item_id: str,
    *,
    status: int = 200,
    reply_text: str = "",
    reply_error: str | None = None,
) -> Response:
    """A care item's page: the item, the exchange it belongs to, what the person did lately,
    and the box to answer them (:mod:`rapport.web.reply_view`); 404 when it is not on the
    list (done meanwhile, from the CLI or another page)."""
    workspace = who.workspace
    known_item(request, workspace, item_id)
    try:
        thread = served_of(request).cached(
            workspace, f"thread {item_id}", lambda s: care_thread(s, item_id)
        )
    except UsageError as error:  # done meanwhile, from the CLI or another page
        raise HTTPException(404, str(error)) from None
    db = db_of(request)
    team = [u.email for u, role in db.members(workspace) if allowed(role, "care")]
    box = reply_box(served_of(request), workspace, thread.item, text=reply_text,
                    error=reply_error)  # fmt: skip
    return render(request, "care_item.html.jinja2", status=status, member=who, item=thread.item,
                  thread=thread, state=team_states(db, workspace).get(item_id), team=team,
                  snooze_days=SNOOZE_DAYS, reply=box)  # fmt: skip


def register(app: FastAPI) -> None:
    """Add the pages to ``app``."""

    @app.get("/", response_class=HTMLResponse, openapi_extra=access("signed_in"))
    def home(request: Request) -> Response:
        return _home(request, signed_in(request))

    @app.post("/workspaces", response_class=HTMLResponse, openapi_extra=access("admin"))
    def create_workspace(
        request: Request,
        name: str = Form(""),
        objective: str = Form(""),
        audience: str = Form(""),
        csrf: str = Form(""),
    ) -> Response:
        session = signed_in(request)
        check_csrf(request, session, csrf)
        if not session.user.is_admin:
            raise HTTPException(403, "only the owner of this rapport can create workspaces")
        try:
            path = served_of(request).new_workspace_path(name.strip())
            goal = Goal.model_validate(
                {"objective": objective or None, "target_audience": audience}
            )
        except UsageError as error:
            return _home(request, session, status=400, error=str(error))
        except ValidationError as error:
            return _home(request, session, status=400, error=_first(error))
        Workspace(path).create(config=Config(goal=goal))
        served_of(request).rescan()
        db = db_of(request)
        db.grant(session.user.user_id, path.name, "owner")
        db.audit(user_id=session.user.user_id, workspace=path.name, action="workspace created")
        return RedirectResponse(f"/w/{path.name}/", status_code=303)

    @app.get("/w/{workspace}/", response_class=HTMLResponse, openapi_extra=access("read"))
    def workspace_overview(request: Request, workspace: str) -> Response:
        who = member(request, workspace)
        try:
            shown = served_of(request).cached(workspace, "overview", overview)
        except RapportError as error:
            return render(request, "empty.html.jinja2", member=who, message=str(error))
        return render(request, "overview.html.jinja2", member=who, o=shown,
                      arriving=served_of(request).stale(workspace, "overview"))  # fmt: skip

    @app.get("/w/{workspace}/care", response_class=HTMLResponse, openapi_extra=access("care"))
    def care(request: Request, workspace: str) -> Response:
        who = member(request, workspace)
        try:
            care = served_of(request).cached(workspace, "care", care_page)
        except RapportError as error:
            return render(request, "empty.html.jinja2", member=who, message=str(error))
        db = db_of(request)
        log = db.audit_log(workspace, limit=20)
        states = team_states(db, workspace)
        now = dt.datetime.now(dt.UTC)
        shown = [i for i in care.items if not (i.id in states and states[i.id].snoozed(now))]
        snoozed = len(care.items) - len(shown)
        team = [u.email for u, role in db.members(workspace) if allowed(role, "care")]
        return render(request, "care.html.jinja2", member=who, care=care, items=shown,
                      snoozed=snoozed, states=states, team=team, snooze_days=SNOOZE_DAYS,
                      log=log, error=None)  # fmt: skip

    @app.get(
        "/w/{workspace}/care/{item_id}", response_class=HTMLResponse, openapi_extra=access("care")
    )
    def care_item(request: Request, workspace: str, item_id: str) -> Response:
        return care_item_page(request, member(request, workspace), item_id)

    @app.post(
        "/w/{workspace}/care/{item_id}/snooze",
        response_class=HTMLResponse,
        openapi_extra=access("care"),
    )
    def care_snooze(
        request: Request, workspace: str, item_id: str, days: str = Form(""), csrf: str = Form("")
    ) -> Response:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        known_item(request, workspace, item_id)
        try:
            until = snooze(db_of(request), workspace, item_id, days=days,
                           by=who.session.user.user_id)  # fmt: skip
        except UsageError as error:
            raise HTTPException(400, str(error)) from None
        db_of(request).audit(user_id=who.session.user.user_id, workspace=workspace,
                             action="care snoozed",
                             detail=f"{item_id} until {until:%Y-%m-%d %H:%M} UTC")  # fmt: skip
        return RedirectResponse(f"/w/{workspace}/care", status_code=303)

    @app.post(
        "/w/{workspace}/care/{item_id}/assign",
        response_class=HTMLResponse,
        openapi_extra=access("care"),
    )
    def care_assign(
        request: Request, workspace: str, item_id: str, email: str = Form(""), csrf: str = Form("")
    ) -> Response:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        known_item(request, workspace, item_id)
        try:
            given = assign(db_of(request), workspace, item_id, email=email,
                           by=who.session.user.user_id)  # fmt: skip
        except UsageError as error:
            raise HTTPException(400, str(error)) from None
        db_of(request).audit(user_id=who.session.user.user_id, workspace=workspace,
                             action="care assigned",
                             detail=f"{item_id} to {given or 'nobody'}")  # fmt: skip
        return RedirectResponse(f"/w/{workspace}/care", status_code=303)

    @app.post(
        "/w/{workspace}/care/{item_id}/done",
        response_class=HTMLResponse,
        openapi_extra=access("care"),
    )
    def care_done(request: Request, workspace: str, item_id: str, csrf: str = Form("")) -> Response:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        try:
            with served_of(request).writing(workspace, purpose="marking a care item done") as s:
                item = mark_done(s, item_id, today=dt.datetime.now(dt.UTC))
        except UsageError as error:
            raise HTTPException(404, str(error)) from None
        db_of(request).audit(user_id=who.session.user.user_id, workspace=workspace,
                             action="care done",
                             detail=f"{item.action} {item.id}")  # fmt: skip
        if request.headers.get("HX-Request"):
            return render(request, "care_done.html.jinja2", item=item)
        return RedirectResponse(f"/w/{workspace}/care", status_code=303)

    @app.get("/w/{workspace}/report", openapi_extra=access("read"))
    def report(request: Request, workspace: str) -> Response:
        member(request, workspace)
        page = served_of(request).cached(workspace, "report", lambda s: render_report(s).page)
        return Response(
            page,
            media_type="text/html; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{workspace}-report.html"',
                "Cache-Control": "no-store",
            },
        )
