"""The What-if page: the latest stored what-if (strategies side by side), and a new one started
as a background job whose progress the page follows.

Every number is the stored result of :func:`rapport.api.what_if`, as ``rapport whatif`` and
the report show it (:func:`rapport.store.plans.latest_whatif`): the median and the 10th–90th
percentile band of each outcome per strategy, a chart drawn on the server
(:mod:`rapport.charts.render`, no JavaScript) and the table of numbers beside it. The
page ranks those numbers to say which strategy comes out ahead; it simulates nothing itself.

Starting a what-if is a POST (``write``): the form is checked here (1 to :data:`MAX_MONTHS`
months, :data:`MIN_RUNS` to :data:`MAX_RUNS` runs, known strategies), then
:func:`rapport.api.what_if` runs as a job (:mod:`rapport.web.jobs`, kind ``whatif``) that
holds the workspace as its one writer, like an import. One what-if runs per workspace at a
time: a second start points at the running one. The page polls the job's fragment
(``/w/<workspace>/whatif/jobs/<job id>``) every second ("run 37 of 120"); once the job has
ended, the fragment brings the new result into the page (an HTMX out-of-band swap).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import FastAPI, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from rapport.api.strategy import what_if
from rapport.charts import specs
from rapport.charts.render import svg
from rapport.errors import RapportError
from rapport.report.strategy import WHATIF_OUTCOMES
from rapport.session import Session
from rapport.store.plans import latest_whatif
from rapport.strategy.whatif import OUTCOMES, STRATEGY_NAMES
from rapport.strategy.whatif.strategies import STRATEGIES
from rapport.web.guard import Member, access, check_csrf, db_of, member, served_of
from rapport.web.jobs import Job, Jobs, Report, Work
from rapport.web.render import render
from rapport.workspace import Workspace

__all__ = [
    "KIND",
    "MAX_MONTHS",
    "MAX_RUNS",
    "MIN_RUNS",
    "Asked",
    "FormValues",
    "Spread",
    "StrategyShown",
    "WhatIfShown",
    "WhatIfView",
    "check_form",
    "register",
    "whatif_shown",
]

KIND = "whatif"
"""The kind of a what-if job (:class:`~rapport.web.jobs.Job`)."""
MAX_MONTHS = 24
MIN_RUNS, MAX_RUNS = 2, 50
DEFAULT_MONTHS, DEFAULT_RUNS, SEED = 12, 20, 0
"""The form's defaults, as ``rapport whatif`` has them (its seed too)."""
MONTHS_WRONG = f"Months: give a whole number of months from 1 to {MAX_MONTHS}."
RUNS_WRONG = f"Runs: give a whole number of runs from {MIN_RUNS} to {MAX_RUNS}."
NO_DATA = "there is no data in this workspace yet: import an export on the Data page first"
_LABELS: dict[str, str] = {**WHATIF_OUTCOMES, "peak_reach": "Peak reach"}
_MOST = {
    "followers": "the most followers",
    "core_community": "the largest core community",
    "conversions": "the most conversions",
}
"""The outcomes where more is better, and the words for the strategy with the most."""
_RECENT = 20


# -- the page data ---------------------------------------------------------------------------
def _label(name: str) -> str:
    return name.replace("_", " ")


@dataclass(frozen=True)
class Spread:
    """One outcome of one strategy over the runs: the median and the 10th–90th percentile."""

    median: float
    p10: float
    p90: float
    digits: int = 0

    def _text(self, value: float) -> str:
        return f"{value:,.{self.digits}f}"

    @property
    def median_text(self) -> str:
        return self._text(self.median)

    @property
    def range_text(self) -> str:
        return f"{self._text(self.p10)} to {self._text(self.p90)}"


@dataclass(frozen=True)
class StrategyShown:
    name: str
    label: str
    description: str
    outcomes: tuple[Spread | None, ...]
    """In the order of :data:`rapport.strategy.whatif.OUTCOMES` (None when not stored)."""


@dataclass(frozen=True)
class WhatIfView:
    """The latest stored what-if, as the page shows it."""

    run_id: int
    created_at: dt.datetime
    months: int
    runs: int
    seed: int
    columns: tuple[str, ...]
    strategies: tuple[StrategyShown, ...]
    meaning: tuple[str, ...]
    """What the numbers say: the strategy ahead on each outcome, and how clearly."""
    calibration: str
    notes: tuple[str, ...]
    chart: str | None
    """The chart as one inline ``<svg>`` (drawn on the server), or None with one strategy."""


@dataclass(frozen=True)
class WhatIfShown:
    """What the page shows of the store: the latest what-if, or None before the first."""

    latest: WhatIfView | None
    has_data: bool = True
    """False before the first import: there is nothing to calibrate the world to."""


def _spread(outcome: Mapping[str, Any] | None, *, digits: int) -> Spread | None:
    if not outcome or outcome.get("median") is None:
        return None
    return Spread(float(outcome["median"]), float(outcome["p10"]), float(outcome["p90"]), digits)


def _ranked(
    strategies: Sequence[StrategyShown], key: str, *, most_first: bool = False
) -> list[tuple[StrategyShown, Spread]]:
    """The strategies with their ``key`` outcome by median (ties in the order compared)."""
    index = OUTCOMES.index(key)
    pairs = [(s, o) for s in strategies if (o := s.outcomes[index]) is not None]
    return sorted(pairs, key=lambda pair: -pair[1].median if most_first else pair[1].median)


def _meaning(strategies: Sequence[StrategyShown]) -> tuple[str, ...]:
    """What the numbers say: which strategy has the highest median of each outcome that
    counts, and whether the runs separate it from the others (its 10th percentile above
    their 90th); then the range of the hours it costs."""
    if len(strategies) < 2:
        return ("Only one strategy was run: there is nothing to compare it with.",)
    lines: list[str] = []
    leaders: list[str | None] = []
    for key, most in _MOST.items():
        pairs = _ranked(strategies, key, most_first=True)
        if len(pairs) < 2:
            leaders.append(None)
            continue
        best, top = pairs[0]
        if top.median == pairs[1][1].median:
            tied = [s.label for s, o in pairs if o.median == top.median]
            lines.append(f"{_LABELS[key]}: {', '.join(tied)} tie at {top.median_text}.")
            leaders.append(None)
            continue
        leaders.append(best.name)
        close = [s.label for s, o in pairs[1:] if o.p90 >= top.p10]
        how = (
            f"but its range overlaps that of {', '.join(close)}: the runs don't tell them "
            "apart clearly"
            if close
            else "clearly: its 10th percentile is above every other strategy's 90th"
        )
        lines.append(f"{best.label[:1].upper()}{best.label[1:]} ends with {most} "
                     f"({top.median_text}), {how}.")  # fmt: skip
    spent = _ranked(strategies, "hours")
    if len(spent) >= 2:
        (least, low), (most_hours, high) = spent[0], spent[-1]
        lines.append(
            f"Hours spent: from {low.median_text} ({least.label}) to {high.median_text} "
            f"({most_hours.label})."
        )
    if leaders and leaders[0] is not None and all(name == leaders[0] for name in leaders):
        winner = _label(leaders[0])
        lines.insert(0, f"{winner[:1].upper()}{winner[1:]} comes out ahead on followers, core "
                        "community and conversions.")  # fmt: skip
    elif any(leaders):
        lines.insert(0, "No strategy comes out ahead on everything: each outcome below.")
    return tuple(lines)


def _calibration(calibration: Mapping[str, Any]) -> str:
    tolerance = f"{float(calibration.get('tolerance', 0.2)):.0%}"
    off = [
        _label(str(q["name"]))
        for q in calibration.get("quantities", [])
        if q.get("checked") and q.get("within_tolerance") is False
    ]
    if off:
        return (
            f"The calibration is off by more than {tolerance} for {', '.join(off)}: read the "
            "differences between strategies, not their absolute numbers."
        )
    return f"The calibrated world reproduces your workspace within ±{tolerance}."


def _chart(strategies: Sequence[StrategyShown]) -> str | None:
    long = pd.DataFrame(
        [
            {"strategy": s.label, "outcome": label,
             "median": o.median, "p10": o.p10, "p90": o.p90}
            for s in strategies
            for key, label in WHATIF_OUTCOMES.items()
            if (o := s.outcomes[OUTCOMES.index(key)]) is not None
        ]
    )  # fmt: skip
    if long.empty:
        return None
    return svg(specs.whatif_chart(long, outcomes=list(WHATIF_OUTCOMES.values())))


def whatif_shown(session: Session) -> WhatIfShown:
    """The latest what-if the store holds (``rapport whatif``'s), as the page shows it."""
    stored = latest_whatif(session.store)
    if stored is None:
        return WhatIfShown(None)
    result = stored.result
    strategies = tuple(
        StrategyShown(
            name=str(x["name"]),
            label=_label(str(x["name"])),
            description=str(x.get("description", "")),
            outcomes=tuple(
                _spread(x.get(key), digits=1 if key == "hours" else 0) for key in OUTCOMES
            ),
        )
        for x in result.get("strategies", [])
    )
    calibration: Mapping[str, Any] = result.get("calibration") or {}
    return WhatIfShown(
        WhatIfView(
            run_id=stored.run_id,
            created_at=stored.created_at,
            months=int(result.get("months", stored.months)),
            runs=int(result.get("runs", stored.runs)),
            seed=stored.seed,
            columns=tuple(_LABELS[key] for key in OUTCOMES),
            strategies=strategies,
            meaning=_meaning(strategies),
            calibration=_calibration(calibration) if calibration else "",
            notes=tuple(str(n) for n in calibration.get("notes", [])),
            chart=_chart(strategies) if len(strategies) > 1 else None,
        )
    )


# -- the form --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Asked:
    """A what-if to run, as the form asked for it (no strategies: all of them)."""

    months: int
    runs: int
    strategies: tuple[str, ...]
    seed: int = SEED

    @property
    def words(self) -> str:
        which = ", ".join(_label(s) for s in self.strategies) or "all strategies"
        months = f"{self.months} month{'' if self.months == 1 else 's'}"
        return f"{months}, {self.runs} runs, {which}"


@dataclass(frozen=True)
class FormValues:
    """What the form shows: the values given, and a message per field that is wrong."""

    months: str = str(DEFAULT_MONTHS)
    runs: str = str(DEFAULT_RUNS)
    strategies: tuple[str, ...] = ()
    errors: Mapping[str, str] = field(default_factory=dict)


def _whole(given: str, low: int, high: int) -> int | None:
    try:
        value = int(given.strip())
    except ValueError:
        return None
    return value if low <= value <= high else None


def check_form(
    *, months: str, runs: str, strategies: Sequence[str]
) -> tuple[Asked | None, FormValues]:
    """The what-if the form asks for (None when a field is wrong), and the form to show."""
    errors: dict[str, str] = {}
    month_count = _whole(months, 1, MAX_MONTHS)
    if month_count is None:
        errors["months"] = MONTHS_WRONG
    run_count = _whole(runs, MIN_RUNS, MAX_RUNS)
    if run_count is None:
        errors["runs"] = RUNS_WRONG
    unknown = [s for s in strategies if s not in STRATEGY_NAMES]
    if unknown:
        errors["strategies"] = (
            f"Strategies: {unknown[0][:40]!r} is not one of rapport's; choose among "
            f"{', '.join(_label(s) for s in STRATEGY_NAMES)}."
        )
    chosen = tuple(s for s in STRATEGY_NAMES if s in strategies)
    form = FormValues(months, runs, chosen, errors)
    if month_count is None or run_count is None or errors:
        return None, form
    return Asked(month_count, run_count, chosen), form


def _choices() -> tuple[tuple[str, str, str], ...]:
    """The strategies to choose from: name, label, what it does."""
    return tuple((n, _label(n), STRATEGIES[n].description) for n in STRATEGY_NAMES)


# -- the job ---------------------------------------------------------------------------------
def _work(workspace: Workspace, asked: Asked) -> Work:
    def work(report: Report) -> Mapping[str, Any]:
        report("calibrating the synthetic world to the workspace")

        def progress(done: int, total: int) -> None:
            report(f"run {done} of {total}" + (": storing the result" if done == total else ""))

        result = what_if(
            workspace=workspace,
            months=asked.months,
            runs=asked.runs,
            strategies=asked.strategies or None,
            seed=asked.seed,
            progress=progress,
            on_wait=lambda waiting: report(_private(waiting, workspace.root.parent)),
        )
        return {"run_id": result.run_id, "months": asked.months, "runs": asked.runs,
                "strategies": [s.name for s in result.whatif.strategies]}  # fmt: skip

    return work


class _Running:
    """The what-if job of each workspace (jobs run in this process's threads), so that one
    runs per workspace at a time."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}
        self._guard = threading.Lock()

    def latest(self, jobs: Jobs, workspace: str) -> Job | None:
        """The workspace's latest what-if job: the one started here, else the newest one
        recorded (before the server started again)."""
        job_id = self._ids.get(workspace)
        found = jobs.get(workspace, job_id) if job_id else None
        if found is not None:
            return found
        return next((j for j in jobs.recent(workspace, limit=_RECENT) if j.kind == KIND), None)

    def start(self, jobs: Jobs, workspace: str, begin: Callable[[], Job]) -> tuple[Job, bool]:
        """``begin()``'s job, or the what-if job that runs already; whether it was started."""
        with self._guard:
            running = self.latest(jobs, workspace)
            if running is not None and not running.ended:
                return running, False
            job = begin()
            self._ids[workspace] = job.job_id
            return job, True


# -- the routes ------------------------------------------------------------------------------
def _jobs(request: Request) -> Jobs:
    jobs: Jobs = request.app.state.jobs
    return jobs


def _shown(request: Request, name: str) -> tuple[WhatIfShown | None, str | None]:
    """The stored what-if (None while a job writes and nothing was read before), or why it
    can't be read (no data yet, a broken rapport.toml)."""
    served = served_of(request)
    if served.arriving(name):
        return served.peek(name, KIND, WhatIfShown), None
    if not Workspace(served.root / name).has_store():
        return WhatIfShown(None, has_data=False), None
    try:
        return served.cached(name, KIND, whatif_shown), None
    except RapportError as error:  # a broken rapport.toml
        return None, _private(str(error), served.root)


def _private(message: str, root: Path) -> str:
    """``message`` without the served folder (a path on the server, no business of people's)."""
    return message.replace(f"{root}{os.sep}", "").replace(str(root), "")


def _page(
    request: Request,
    who: Member,
    running: _Running,
    *,
    status: int = 200,
    form: FormValues | None = None,
    refusal: str | None = None,
) -> Response:
    shown, problem = _shown(request, who.workspace)
    job = running.latest(_jobs(request), who.workspace)
    show_job = job if job is not None and job.status != "done" else None
    return render(request, "whatif.html.jinja2", status=status, member=who, shown=shown,
                  problem=problem, job=show_job, form=form or FormValues(), refusal=refusal,
                  choices=_choices(), max_months=MAX_MONTHS, min_runs=MIN_RUNS,
                  max_runs=MAX_RUNS)  # fmt: skip


def register(app: FastAPI) -> None:
    """Add the What-if page, its start form and its job fragment to ``app`` (after the Data
    page, whose :class:`~rapport.web.jobs.Jobs` it shares)."""
    running = _Running()

    @app.get("/w/{workspace}/whatif", response_class=HTMLResponse, openapi_extra=access("work"))
    def whatif(request: Request, workspace: str) -> Response:
        return _page(request, member(request, workspace), running)

    @app.post("/w/{workspace}/whatif", response_class=HTMLResponse, openapi_extra=access("write"))
    def start(
        request: Request,
        workspace: str,
        csrf: str = Form(""),
        months: str = Form(""),
        runs: str = Form(""),
        strategies: list[str] = Form([]),  # noqa: B008 (FastAPI's way to read a form field)
    ) -> Response:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        asked, form = check_form(months=months, runs=runs, strategies=strategies)
        if asked is None:
            return _page(request, who, running, status=400, form=form,
                         refusal="no what-if was started: correct the fields below")  # fmt: skip
        root = served_of(request).root
        ws = Workspace(root / workspace)
        if not ws.has_store():
            return _page(request, who, running, status=400, form=form, refusal=NO_DATA)
        db = db_of(request)
        user_id = who.session.user.user_id

        def then(job: Job) -> None:
            outcome = (
                f"what-if {job.result.get('run_id')} stored"
                if job.status == "done" and job.result
                else job.message or job.status
            )
            db.audit(user_id=user_id, workspace=workspace, action=f"what-if {job.status}",
                     detail=f"{asked.words}: {outcome}")  # fmt: skip

        def begin() -> Job:
            return _jobs(request).start(
                workspace=workspace, kind=KIND, title=f"What-if: {asked.words}",
                created_by=user_id, work=_work(ws, asked), then=then,
                hide=(f"{root}{os.sep}", str(root)),
            )  # fmt: skip

        job, started = running.start(_jobs(request), workspace, begin)
        if not started:
            by = f" by {job.created_by}" if job.created_by else ""
            return _page(request, who, running, status=409, form=form, refusal=(
                f"a what-if runs already on this workspace (started "
                f"{job.created_at:%Y-%m-%d %H:%M} UTC{by}): its progress is below; start "
                "another once it has ended"
            ))  # fmt: skip
        db.audit(user_id=user_id, workspace=workspace, action="what-if started",
                 detail=f"{asked.words}, job {job.job_id}")  # fmt: skip
        return RedirectResponse(f"/w/{workspace}/whatif#job-{job.job_id}", status_code=303)

    @app.get(
        "/w/{workspace}/whatif/jobs/{job_id}",
        response_class=HTMLResponse,
        openapi_extra=access("work"),
    )
    def progress(request: Request, workspace: str, job_id: str) -> Response:
        who = member(request, workspace)
        found = _jobs(request).get(workspace, job_id)
        if found is None:
            raise HTTPException(404, "no such job")
        done = found.kind == KIND and found.status == "done"
        shown, problem = _shown(request, workspace) if done else (None, None)
        return render(request, "whatif_job.html.jinja2", member=who, job=found, shown=shown,
                      problem=problem, swap=done)  # fmt: skip
