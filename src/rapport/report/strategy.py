"""The report's strategy part: the competitor benchmark, the plan, today's care list and the
latest what-if (issue 6), each from the library function the CLI uses. The report never
simulates: the what-if shown is the one ``rapport whatif`` stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from rapport.charts import specs
from rapport.charts.figure import Cell, Figure, Link
from rapport.config import OBJECTIVES
from rapport.errors import RapportError
from rapport.report.blocks import Block, Part, count, guarded, number, pct, unavailable
from rapport.store import Store
from rapport.store.plans import latest_whatif
from rapport.strategy.benchmark import (
    AccountSummary,
    Benchmark,
    competitor_benchmark,
    format_gap,
    format_value,
)
from rapport.strategy.care_list import care_list
from rapport.strategy.plan import benchmark_history, latest_plans, make_plan

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["WHATIF_OUTCOMES", "care_block", "strategy_part"]

WINDOW_DAYS = 90
PRINCIPLE = (
    "Isolate a few areas where, with manageable effort, you can become number one among your "
    "closest competitors; take care of your people every day."
)
GOAL_MISSING = (
    "No goal set: the plan weighs every area alike. Set [goal] objective in rapport.toml "
    f"({', '.join(OBJECTIVES)}) and it puts first what matters for that goal."
)

WHATIF_OUTCOMES = {
    "followers": "Followers",
    "core_community": "Core community",
    "conversions": "Conversions",
    "hours": "Hours spent",
}
_ACTIONS = {"answer": "Answer", "welcome": "Welcome", "re_engage": "Re-engage", "thank": "Thank"}


# -- benchmark -------------------------------------------------------------------------------
def _rounded(value: float | None) -> float | None:
    """As the benchmark's JSON gives it (six decimals), so the page and --json agree."""
    return None if value is None else round(value, 6)


def _benchmark_block(bench: Benchmark) -> Block:
    accounts = bench.accounts
    several = len({a.platform for a in accounts}) > 1

    def who(a: AccountSummary) -> str:
        name = f"{a.handle} (you)" if a.role == "own" else a.handle
        return f"{name}, {a.platform}" if several else name

    rows: list[list[Cell]] = []
    missing: dict[str, tuple[list[str], list[str]]] = {}  # reason -> (handles, areas)
    for area in bench.areas:
        unit = area.spec.unit
        by_id = {v.account_id: v for v in area.values}
        cells: list[Cell] = []
        for account in accounts:
            v = by_id.get(account.account_id)
            if v is None:
                cells.append("")
            elif v.status == "ok":
                cells.append(f"{format_value(unit, _rounded(v.value))} (#{v.rank})")
            else:
                cells.append("not computable")
                handles, areas = missing.setdefault(str(v.reason), ([], []))
                handles.extend(h for h in [v.handle] if h not in handles)
                areas.extend(a for a in [area.spec.title] if a not in areas)
        leader = area.leader
        title = f"{area.spec.title} ({area.platform})" if several else area.spec.title
        rows.append(
            [
                title,
                *cells,
                f"{leader.handle}: {format_value(unit, _rounded(leader.value))}"
                if leader
                else "nobody",
                f"#{area.own_rank}" if area.own_rank else "not ranked",
                format_gap(unit, _rounded(area.gap)),
                "higher" if area.spec.direction == "higher" else "lower",
                area.spec.denominator,
                area.note or "",
            ]
        )
    window = bench.window
    start, end = (m.astimezone(dt.UTC).date().isoformat() for m in (window.start, window.end))
    notes = [
        f"Not computable for {', '.join(handles)} ({', '.join(areas)}): {why}"
        for why, (handles, areas) in missing.items()
    ]
    return Block(
        "benchmark",
        "You and your closest competitors, area by area",
        lines=[
            f"Observation window: {start} to {end} ({number(round(window.days, 2), 0)} days): "
            f"{window.rule}. Each value is followed by its rank (#1 leads); the gap is how far "
            "you are behind the leader."
        ],
        figures=[
            Figure(
                "benchmark",
                "The competitor benchmark",
                None,
                [
                    "Area",
                    *[who(a) for a in accounts],
                    "Leader",
                    "Your rank",
                    "Gap",
                    "Better",
                    "Denominator",
                    "Note",
                ],
                rows,
            )
        ],
        notes=[*notes, *bench.notices],
    )


# -- plan ------------------------------------------------------------------------------------
def _area_names(bench: Benchmark | None) -> dict[str, tuple[str, str]]:
    if bench is None:
        return {}
    several = len({a.platform for a in bench.areas}) > 1
    return {
        a.id: (f"{a.spec.title} ({a.platform})" if several else a.spec.title, a.spec.unit)
        for a in bench.areas
    }


def _plan_block(s: Session, bench: Benchmark | None, bench_error: str | None) -> Block:
    title = "The plan: number one in a few areas, one after another"
    store = s.store
    stored = latest_plans(store, n=1)
    if stored:
        plan: Mapping[str, Any] = stored[0].plan
        names = _area_names(stored[0].benchmark or bench)
        source = (
            f"Plan {stored[0].plan_id}, stored on {stored[0].created_at:%Y-%m-%d}: "
            "`rapport plan --progress` shows the movement since; `rapport plan` makes a new one."
        )
    elif bench is not None:
        history = benchmark_history(store)
        plan = make_plan(bench, s.config, history=history).to_dict()
        names = _area_names(bench)
        source = (
            "Made for this report and not stored: run `rapport plan` to store it and follow "
            "progress (`rapport plan --progress`)."
        )
    else:
        return unavailable("plan", title, f"needs the competitor benchmark, which is {bench_error}")

    def name(area: str, metric: str) -> str:
        return names.get(area, (metric.replace("_", " "), ""))[0]

    def unit_of(area: str) -> str:
        return names.get(area, ("", ""))[1]

    steps: list[list[Cell]] = [
        [
            str(step["order"]),
            step["title"] if not names else name(step["area"], step["metric"]),
            step["action"],
            number(step["hours_per_week"]),
            f"after about {number(step['weeks_to_first'], 0)} weeks",
            "now" if step["start_week"] == 0 else f"week {step['start_week']}",
            step["reason"],
        ]
        for step in plan.get("steps", [])
    ]
    skipped: list[list[Cell]] = [
        [name(x["area"], x["metric"]), x["reason"], number(x.get("hours_per_week"))]
        for x in plan.get("skipped", [])
    ]
    leading: list[list[Cell]] = [
        [
            name(x["area"], x["metric"]),
            format_value(unit_of(x["area"]), x["now"]),
            f"{x['runner_up']}: {format_value(unit_of(x['area']), x['runner_up_value'])}"
            if x.get("runner_up")
            else "nobody",
        ]
        for x in plan.get("already_leading", [])
    ]
    budget = (
        f"Budget: {number(plan['weekly_hours'])} h a week (targets.weekly_hours); your present "
        f"activity takes about {number(plan['current_hours_per_week'])} h, which leaves "
        f"{number(plan['available_hours_per_week'])} h; the plan adds "
        f"{number(plan['planned_hours_per_week'])} h."
    )
    figures = [
        Figure(
            "plan",
            "The steps, in order",
            None,
            [
                "#",
                "Area",
                "What to do",
                "Extra hours a week",
                "Number one",
                "Start",
                "Why this area",
            ],
            steps,
        ),
        Figure(
            "plan-skipped",
            "Areas not planned now, and why",
            None,
            ["Area", "Why not now", "Hours a week it would need"],
            skipped,
        ),
        Figure(
            "plan-leading",
            "Areas you already lead: keep them",
            None,
            ["Area", "You", "Runner-up"],
            leading,
        ),
    ]
    if not steps:
        budget += " No area can be planned now: the areas below say why."
    return Block(
        "plan",
        title,
        lines=[source, budget],
        figures=[f for f in figures if f.rows],
        notes=list(plan.get("notices", [])),
    )


# -- care list -------------------------------------------------------------------------------
def _care_block(session: Session, today: dt.datetime | None) -> Block:
    care = care_list(session, today=today)
    items = care.items
    rows: list[list[Cell]] = [
        [
            i.id,
            _ACTIONS.get(i.action, i.action),
            i.handle or i.person or "",
            i.reason,
            Link.to(i.link, "open") if i.link else "",
            number(i.minutes),
        ]
        for i in items
    ]
    left = care.left_over
    left_minutes = round(sum(item.minutes for item in left), 2)
    later = (
        f"; {count(len(left))} more ({number(left_minutes, 0)} min) wait for another day"
        if left
        else ""
    )
    lines = (
        [  # with nothing to do, the notes say why (nobody waiting, or no data yet)
            f"{len(items)} thing{'' if len(items) == 1 else 's'} to do today, "
            f"{number(care.minutes, 0)} of your {number(care.minutes_per_day, 0)} minutes "
            f"a day ([care] minutes_per_day){later}."
        ]
        if items
        else []
    )
    notes = list(care.notes)
    if items:
        notes.append("Mark an item handled with `rapport care done ID`: it won't come back.")
    return Block(
        "care-list",
        "Today's care list: who to answer, welcome, re-engage and thank",
        lines=lines,
        figures=[
            Figure(
                "care-list",
                "Today's care list",
                None,
                ["ID", "Do", "Who", "Why", "Link", "Minutes"],
                rows,
            )
        ]
        if rows
        else [],
        notes=notes,
    )


# -- what-if ---------------------------------------------------------------------------------
def _band(outcome: Mapping[str, Any] | None, *, digits: int = 0) -> str:
    if not outcome:
        return ""
    median, p10, p90 = (number(outcome[k], digits) for k in ("median", "p10", "p90"))
    return f"{median} ({p10} to {p90})"


def _calibration(calibration: Mapping[str, Any] | None) -> str:
    if not calibration:
        return ""
    off = [
        q["name"].replace("_", " ")
        for q in calibration.get("quantities", [])
        if q.get("checked") and q.get("within_tolerance") is False
    ]
    tolerance = pct(calibration.get("tolerance", 0.2))
    if off:
        return (
            f"Calibration is off by more than {tolerance} for {', '.join(off)}: read the "
            "comparison with care."
        )
    return f"The calibrated world reproduces your workspace within ±{tolerance}."


def _whatif_block(store: Store) -> Block:
    title = "What if: strategies side by side"
    stored = latest_whatif(store)
    if stored is None:
        return unavailable(
            "whatif",
            title,
            "no what-if yet: run `rapport whatif` to compare strategies (it simulates for a "
            "while; the report shows the latest result and never simulates)",
        )
    strategies: Sequence[Mapping[str, Any]] = stored.result.get("strategies", [])
    if not strategies:
        return unavailable("whatif", title, "the stored what-if holds no strategy")
    long = pd.DataFrame(
        [
            {
                "strategy": str(x["name"]).replace("_", " "),
                "outcome": label,
                **{k: float(x[key][k]) for k in ("median", "p10", "p90")},
            }
            for x in strategies
            for key, label in WHATIF_OUTCOMES.items()
            if x.get(key)
        ]
    )
    rows: list[list[Cell]] = [
        [
            str(x["name"]).replace("_", " "),
            str(x.get("description", "")),
            *[
                _band(x.get(key), digits=1 if key == "hours" else 0)
                for key in (*WHATIF_OUTCOMES, "peak_reach")
            ],
        ]
        for x in strategies
    ]
    months, runs = (
        stored.result.get("months", stored.months),
        stored.result.get("runs", stored.runs),
    )
    lines = [
        f"Simulated on {stored.created_at:%Y-%m-%d} (what-if {stored.run_id}): {runs} runs of "
        f"{months} months per strategy, in a synthetic world calibrated to this workspace. "
        "Strategies change only your own behaviour, never the audience or its conversion "
        "rates.",
    ]
    calibration = _calibration(stored.result.get("calibration"))
    if calibration:
        lines.append(calibration)
    return Block(
        "whatif",
        title,
        lines=lines,
        figures=[
            Figure(
                "whatif",
                "Strategies: median (10th to 90th percentile) over the runs",
                specs.whatif_chart(long, outcomes=list(WHATIF_OUTCOMES.values()))
                if not long.empty
                else None,
                ["Strategy", "What it does", *WHATIF_OUTCOMES.values(), "Peak reach"],
                rows,
                newest_first=False,
                stacked=True,
            )
        ],
        notes=["`rapport whatif` runs it again on fresh data."],
    )


def care_block(session: Session, *, today: dt.datetime | None) -> Block:
    """Today's care list, or why not."""
    return guarded("care-list", "Today's care list", lambda: _care_block(session, today))


def strategy_part(s: Session, *, care: Block) -> Part:
    """The strategy section: each block on its own, with its reason when it fails; ``care``
    is :func:`care_block`'s."""
    bench: Benchmark | None = None
    bench_error: str | None = None
    try:
        bench = competitor_benchmark(s, window_days=WINDOW_DAYS)
        benchmark = _benchmark_block(bench)
    except RapportError as error:
        bench_error = f"not computable: {error}"
        if "accounts.competitors" not in bench_error:
            bench_error += (
                "; the benchmark needs your closest competitors: name them in rapport.toml "
                "([[accounts.competitors]] with platform and handle), then rapport pull "
                "competitors or import their posts and counts"
            )
        benchmark = unavailable("benchmark", "You and your closest competitors", bench_error)
    title = "The plan"
    plan = guarded("plan", title, lambda: _plan_block(s, bench, bench_error))
    whatif_title = "What if: strategies side by side"
    whatif = guarded("whatif", whatif_title, lambda: _whatif_block(s.store))
    return Part(
        "strategy",
        "What to do next",
        PRINCIPLE,
        [benchmark, plan, care, whatif],
        lines=[] if s.config.goal.objective else [GOAL_MISSING],
    )
