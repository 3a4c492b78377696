"""What to do next, on the web: the plan, the content calendar (with its downloads and a private
feed for calendar apps) and the competitors.

Every value comes from the library calls behind ``rapport plan``, ``rapport calendar`` and
``rapport benchmark`` (and the report's own words for them): the pages compute nothing of
their own. The benchmark and the plan are computed together once per change of the data
(and per day, since a plan not yet stored starts from today), the calendar once per change
and day too, all through :meth:`~rapport.web.served.Served.cached`.

Making a new plan is a POST (``write``): ``rapport.api.make_plan`` opens its own sessions,
so it runs while the server holds the workspace as its one writer
(:meth:`~rapport.web.served.Served.exclusive`). A calendar feed's link carries a secret token
(:mod:`rapport.web.feeds`) and is the only credential a calendar app sends: the route is
public, an unknown or revoked token answers 404, and the server logs no request paths.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from rapport.api.strategy import make_plan
from rapport.charts.figure import Figure, Link
from rapport.errors import RapportError
from rapport.report.benchmark import benchmark_block, past_block
from rapport.report.blocks import Block, number
from rapport.report.strategy import shown_plan
from rapport.session import Session
from rapport.strategy.benchmark import (
    ADD_COMPETITORS,
    Benchmark,
    format_value,
    workspace_benchmark,
)
from rapport.strategy.calendar import MAX_WEEKS, Calendar, content_calendar
from rapport.strategy.plan import Progress, latest_plans, plan_progress, start_words
from rapport.web import feeds
from rapport.web.guard import Member, access, check_csrf, db_of, member, served_of
from rapport.web.render import render

__all__ = [
    "CALENDAR_WEEKS",
    "WINDOW_DAYS",
    "CalendarPage",
    "CompetitorsPage",
    "PlanPage",
    "Strategy",
    "Table",
    "calendar_page",
    "register",
    "strategy_pages",
]

WINDOW_DAYS = 90
"""The benchmark's and the plan's window, as ``rapport benchmark`` and ``rapport plan``
use by default."""
CALENDAR_WEEKS = 4
"""The calendar's weeks, as ``rapport calendar`` plans by default (and the feed serves)."""
_WEEKS = str(CALENDAR_WEEKS)


# -- the page data ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """A table cell: its text, and a link when the library gave an http(s) one."""

    text: str
    href: str | None = None


@dataclass(frozen=True)
class Table:
    """One of the report's tables, as the page shows it."""

    id: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    order: str

    @classmethod
    def of(cls, figure: Figure) -> Table:
        def cell(value: str | Link) -> Cell:
            return Cell(value.text, value.href) if isinstance(value, Link) else Cell(value)

        return cls(
            figure.id,
            figure.title,
            tuple(figure.columns),
            tuple(tuple(cell(c) for c in row) for row in figure.shown_rows),
            figure.order,
        )


@dataclass(frozen=True)
class CompetitorsPage:
    """The benchmark as the report shows it: against the competitors, or without them
    against the own past and the targets; or why it can't be made."""

    mode: str | None
    title: str
    lines: tuple[str, ...]
    tables: tuple[Table, ...]
    notes: tuple[str, ...]
    error: str | None = None
    add_competitors: str = ADD_COMPETITORS

    @classmethod
    def of(cls, bench: Benchmark) -> CompetitorsPage:
        block: Block = past_block(bench) if bench.mode == "own_past" else benchmark_block(bench)
        return cls(
            bench.mode,
            block.title,
            tuple(block.lines),
            tuple(Table.of(f) for f in block.figures),
            tuple(n for n in block.notes if n != ADD_COMPETITORS),
        )


@dataclass(frozen=True)
class PlanStep:
    """A step of the plan: what to do, what it costs, when it starts and why."""

    order: int
    title: str
    action: str
    hours_per_week: float | None
    gets_there: str
    start_week: int
    starts: str
    reason: str


@dataclass(frozen=True)
class PlanArea:
    """An area the plan leaves out: not now (and why), already led, or already on target."""

    title: str
    detail: str
    hours_per_week: float | None = None


@dataclass(frozen=True)
class PlanPage:
    """The latest stored plan (else one made for the page and not stored), with the movement
    since it was made."""

    plan_id: int | None
    created_at: dt.datetime | None
    stored: bool
    mode: str
    objective: str | None
    weekly_hours: float | None
    current_hours_per_week: float | None
    available_hours_per_week: float | None
    planned_hours_per_week: float | None
    steps: tuple[PlanStep, ...]
    not_now: tuple[PlanArea, ...]
    leading: tuple[PlanArea, ...]
    on_target: tuple[PlanArea, ...]
    notices: tuple[str, ...]
    progress: Progress | None
    progress_error: str | None = None


@dataclass(frozen=True)
class Strategy:
    """The plan and the competitors pages, made from one benchmark."""

    plan: PlanPage | None
    competitors: CompetitorsPage
    plan_error: str | None = None


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _plan_page(s: Session, bench: Benchmark | None) -> PlanPage | None:
    shown = shown_plan(s, bench)
    if shown is None:
        return None
    plan: Mapping[str, Any] = shown.plan
    names = shown.names

    def name(item: Mapping[str, Any]) -> str:
        return names.get(str(item["area"]), (str(item["metric"]).replace("_", " "), ""))[0]

    def value(item: Mapping[str, Any], key: str) -> str:
        return format_value(names.get(str(item["area"]), ("", ""))[1], item.get(key))

    steps = tuple(
        PlanStep(
            order=int(step["order"]),
            title=shown.step_title(step),
            action=str(step["action"]),
            hours_per_week=_float(step.get("hours_per_week")),
            gets_there=f"{step.get('reaches', 'number one')} after about "
            f"{number(step.get('weeks_to_first'), 0)} weeks",
            start_week=int(step.get("start_week", 0) or 0),
            starts=start_words(int(step.get("start_week", 0) or 0), shown.reference),
            reason=str(step["reason"]),
        )
        for step in plan.get("steps", [])
    )
    not_now = tuple(
        PlanArea(name(x), str(x["reason"]), _float(x.get("hours_per_week")))
        for x in plan.get("skipped", [])
    )

    def runner_up(item: Mapping[str, Any]) -> str:
        if not item.get("runner_up"):
            return "nobody else measured"
        return f"{item['runner_up']}: {value(item, 'runner_up_value')}"

    leading = tuple(
        PlanArea(name(x), f"you: {value(x, 'now')}; {runner_up(x)}")
        for x in plan.get("already_leading", [])
    )
    on_target = tuple(
        PlanArea(name(x), f"you: {value(x, 'now')}; target: {value(x, 'target')} ({x['source']})")
        for x in plan.get("on_target", [])
    )
    stored = latest_plans(s.store, n=1) if shown.stored else []
    progress: Progress | None = None
    progress_error: str | None = None
    if stored:
        try:
            progress = plan_progress(s, benchmark=bench, window_days=WINDOW_DAYS)
        except RapportError as error:
            progress_error = str(error)
    return PlanPage(
        plan_id=stored[0].plan_id if stored else None,
        created_at=stored[0].created_at if stored else None,
        stored=shown.stored,
        mode=str(plan.get("mode", "competitors")),
        objective=plan.get("objective"),
        weekly_hours=_float(plan.get("weekly_hours")),
        current_hours_per_week=_float(plan.get("current_hours_per_week")),
        available_hours_per_week=_float(plan.get("available_hours_per_week")),
        planned_hours_per_week=_float(plan.get("planned_hours_per_week")),
        steps=steps,
        not_now=not_now,
        leading=leading,
        on_target=on_target,
        notices=tuple(str(n) for n in plan.get("notices", [])),
        progress=progress,
        progress_error=progress_error,
    )


def strategy_pages(s: Session) -> Strategy:
    """The benchmark (``rapport benchmark``) and the plan: the latest stored one
    (``rapport plan``), else one made now from the benchmark and not stored, as the report
    shows it; with the movement since the stored plan (``rapport plan --progress``)."""
    bench: Benchmark | None = None
    try:
        bench = workspace_benchmark(s, window_days=WINDOW_DAYS)
        competitors = CompetitorsPage.of(bench)
    except RapportError as error:
        competitors = CompetitorsPage(None, "", (), (), (), error=str(error))
    try:
        plan = _plan_page(s, bench)
    except RapportError as error:
        return Strategy(None, competitors, str(error))
    if plan is None:
        why = f"it needs the benchmark, which is not computable: {competitors.error}"
        return Strategy(None, competitors, why)
    return Strategy(plan, competitors)


@dataclass(frozen=True)
class CalendarSlot:
    """A slot of the content calendar, at its local time."""

    utc: str
    """The start in UTC, as ``rapport calendar --json`` gives it."""
    local: dt.datetime
    kind: str
    title: str
    reason: str
    idea: str
    week: int


@dataclass(frozen=True)
class CalendarPage:
    calendar: Calendar
    slots: tuple[CalendarSlot, ...]


def calendar_page(s: Session, *, weeks: int) -> CalendarPage:
    """The content calendar of ``rapport calendar --weeks WEEKS``, its times in the
    workspace's zone."""
    found = content_calendar(s, weeks=weeks)
    zone = ZoneInfo(found.timezone)
    slots = tuple(
        CalendarSlot(slot.start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                     slot.start.astimezone(zone), slot.kind, slot.title,
                     slot.reason, slot.idea, slot.week)
        for slot in found.slots
    )  # fmt: skip
    return CalendarPage(found, slots)


# -- the routes ------------------------------------------------------------------------------
def _day() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def _strategy(request: Request, workspace: str) -> Strategy:
    return served_of(request).cached(workspace, f"strategy:{_day()}", strategy_pages)


def _strategy_stale(request: Request, workspace: str) -> bool:
    return served_of(request).stale(workspace, f"strategy:{_day()}")


WEEKS_WRONG = f"Weeks: give a whole number of weeks from 1 to {MAX_WEEKS}."


def _weeks(given: str) -> int | None:
    """The weeks asked for, or None when they are not 1 to :data:`MAX_WEEKS`."""
    try:
        weeks = int(given)
    except ValueError:
        return None
    return weeks if 1 <= weeks <= MAX_WEEKS else None


def _bad_weeks() -> Response:
    return Response(WEEKS_WRONG, status_code=400, media_type="text/plain; charset=utf-8",
                    headers={"Cache-Control": "no-store"})  # fmt: skip


def _calendar(request: Request, workspace: str, weeks: int) -> CalendarPage:
    return served_of(request).cached(
        workspace, f"calendar:{weeks}:{_day()}", lambda s: calendar_page(s, weeks=weeks)
    )


def _download(text: str, *, media_type: str, filename: str) -> Response:
    return Response(
        text,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


class _Fresh:
    """Feed tokens just made, shown once on the next calendar page of whoever made them (the
    app database keeps only their digest)."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[int, str], str] = {}
        self._guard = threading.Lock()

    def put(self, user_id: int, workspace: str, token: str) -> None:
        with self._guard:
            self._tokens[(user_id, workspace)] = token

    def take(self, user_id: int, workspace: str) -> str | None:
        with self._guard:
            return self._tokens.pop((user_id, workspace), None)


def _feed_url(request: Request, token: str) -> str:
    return f"{request.base_url}feeds/{token}.ics"


def _empty(request: Request, who: Member, error: RapportError, *, status: int = 200) -> Response:
    return render(request, "empty.html.jinja2", status=status, member=who, message=str(error))


def _not_computable(error: RapportError) -> Response:
    return Response(f"The calendar is not computable: {error}", status_code=400,
                    media_type="text/plain; charset=utf-8",
                    headers={"Cache-Control": "no-store"})  # fmt: skip


def _plan_response(
    request: Request, who: Member, *, status: int = 200, error: str | None = None
) -> Response:
    workspace = who.workspace
    try:
        shown = _strategy(request, workspace)
    except RapportError as unreadable:  # no store yet, or a broken rapport.toml
        return _empty(request, who, unreadable, status=status)
    return render(request, "plan.html.jinja2", status=status, member=who, page=shown.plan,
                  reason=shown.plan_error, error=error,
                  arriving=_strategy_stale(request, workspace))  # fmt: skip


def register(app: FastAPI) -> None:
    """Add the plan, calendar and competitors pages (and the calendar feed) to ``app``."""
    fresh = _Fresh()

    @app.get("/w/{workspace}/plan", response_class=HTMLResponse, openapi_extra=access("work"))
    def plan(request: Request, workspace: str) -> Response:
        return _plan_response(request, member(request, workspace))

    @app.post("/w/{workspace}/plan", response_class=HTMLResponse, openapi_extra=access("write"))
    def new_plan(request: Request, workspace: str, csrf: str = Form("")) -> Response:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        try:
            with served_of(request).exclusive(workspace) as ws:
                result = make_plan(workspace=ws, window_days=WINDOW_DAYS)
        except RapportError as error:
            return _plan_response(request, who, status=400, error=str(error))
        db_of(request).audit(user_id=who.session.user.user_id, workspace=workspace,
                             action="plan made", detail=f"plan {result.plan_id}")  # fmt: skip
        return RedirectResponse(f"/w/{workspace}/plan", status_code=303)

    @app.get(
        "/w/{workspace}/competitors", response_class=HTMLResponse, openapi_extra=access("work")
    )
    def competitors(request: Request, workspace: str) -> Response:
        who = member(request, workspace)
        try:
            shown = _strategy(request, workspace)
        except RapportError as error:
            return _empty(request, who, error)
        return render(request, "competitors.html.jinja2", member=who, page=shown.competitors,
                      arriving=_strategy_stale(request, workspace))  # fmt: skip

    @app.get("/w/{workspace}/calendar", response_class=HTMLResponse, openapi_extra=access("work"))
    def calendar(request: Request, workspace: str, weeks: str = _WEEKS) -> Response:
        who = member(request, workspace)
        count = _weeks(weeks)
        if count is None:
            return render(request, "calendar.html.jinja2", status=400, member=who, page=None,
                          reason=WEEKS_WRONG, arriving=False, weeks=weeks, max_weeks=MAX_WEEKS,
                          feed=None, feed_url=None, feed_weeks=CALENDAR_WEEKS)  # fmt: skip
        feed = feeds.live_feed(db_of(request), workspace) if who.may("write") else None
        token = fresh.take(who.session.user.user_id, workspace) if who.may("write") else None
        values: dict[str, Any] = {
            "member": who, "weeks": count, "max_weeks": MAX_WEEKS, "feed": feed,
            "feed_weeks": CALENDAR_WEEKS,
            "feed_url": _feed_url(request, token) if token and feed else None,
        }  # fmt: skip
        try:
            shown = _calendar(request, workspace, count)
        except RapportError as error:
            return render(request, "calendar.html.jinja2", page=None,
                          reason=f"The calendar is not computable: {error}",
                          arriving=False, **values)  # fmt: skip
        stale = served_of(request).stale(workspace, f"calendar:{count}:{_day()}")
        return render(request, "calendar.html.jinja2", page=shown, reason=None, arriving=stale,
                      **values)  # fmt: skip

    def calendar_file(request: Request, workspace: str, weeks: str, *, kind: str) -> Response:
        """The calendar as the CLI writes it: ``ics`` or ``csv``."""
        member(request, workspace)
        count = _weeks(weeks)
        if count is None:
            return _bad_weeks()
        try:
            shown = _calendar(request, workspace, count)
        except RapportError as error:
            return _not_computable(error)
        if kind == "ics":
            body, media = shown.calendar.to_ics(), "text/calendar; charset=utf-8"
        else:
            body, media = shown.calendar.to_csv(), "text/csv; charset=utf-8"
        return _download(body, media_type=media, filename=f"{workspace}-calendar.{kind}")

    @app.get("/w/{workspace}/calendar.ics", openapi_extra=access("work"))
    def calendar_ics(request: Request, workspace: str, weeks: str = _WEEKS) -> Response:
        return calendar_file(request, workspace, weeks, kind="ics")

    @app.get("/w/{workspace}/calendar.csv", openapi_extra=access("work"))
    def calendar_csv(request: Request, workspace: str, weeks: str = _WEEKS) -> Response:
        return calendar_file(request, workspace, weeks, kind="csv")

    @app.post("/w/{workspace}/calendar/feed", openapi_extra=access("write"))
    def make_feed(request: Request, workspace: str, csrf: str = Form("")) -> Response:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        user_id = who.session.user.user_id
        token = feeds.make_feed(db_of(request), workspace, user_id=user_id)
        fresh.put(user_id, workspace, token)
        db_of(request).audit(user_id=user_id, workspace=workspace,
                             action="calendar feed made")  # fmt: skip
        return RedirectResponse(f"/w/{workspace}/calendar#feed", status_code=303)

    @app.post("/w/{workspace}/calendar/feed/revoke", openapi_extra=access("write"))
    def revoke_feed(request: Request, workspace: str, csrf: str = Form("")) -> Response:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        if feeds.revoke_feeds(db_of(request), workspace):
            db_of(request).audit(user_id=who.session.user.user_id, workspace=workspace,
                                 action="calendar feed revoked")  # fmt: skip
        return RedirectResponse(f"/w/{workspace}/calendar#feed", status_code=303)

    @app.get("/feeds/{token}.ics", openapi_extra=access("public"))
    def feed(request: Request, token: str) -> Response:
        found = feeds.feed_of(db_of(request), token)
        if found is None or served_of(request).workspace(found.workspace) is None:
            raise HTTPException(404, "no such calendar feed")
        try:
            shown = _calendar(request, found.workspace, CALENDAR_WEEKS)
        except RapportError:
            raise HTTPException(404, "no such calendar feed") from None
        return Response(
            shown.calendar.to_ics(),
            media_type="text/calendar; charset=utf-8",
            headers={"Cache-Control": "no-store"},
        )
