"""The report's strategy part: the benchmark (against the competitors, or without them against
the own past and the targets), the plan, today's care list and the latest what-if, each from
the library function the CLI uses. Without competitors the part still shows the comparison
with the own past, the plan toward the targets and how to add competitors. The report never
simulates: the what-if shown is the one ``rapport whatif`` stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from rapport.charts import specs
from rapport.charts.figure import Cell, Figure, Link
from rapport.config import OBJECTIVES
from rapport.errors import RapportError
from rapport.report.benchmark import benchmark_block, past_block
from rapport.report.blocks import Block, Part, count, guarded, number, pct, unavailable
from rapport.store import Store
from rapport.store.plans import latest_whatif
from rapport.strategy.benchmark import (
    ADD_COMPETITORS,
    Benchmark,
    format_value,
    workspace_benchmark,
)
from rapport.strategy.care_list import CareList, care_list
from rapport.strategy.plan import (
    benchmark_history,
    conversions_by_kind,
    latest_plans,
    make_plan,
    plan_reference,
    start_words,
)

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = [
    "WHATIF_OUTCOMES",
    "ShownPlan",
    "Strategy",
    "care_block",
    "shown_plan",
    "strategy",
    "strategy_part",
]

WINDOW_DAYS = 90
TITLE = "What to do next"
"""The part's title (its page and its heading)."""
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


# -- plan ------------------------------------------------------------------------------------
def _area_names(bench: Benchmark | None) -> dict[str, tuple[str, str]]:
    if bench is None:
        return {}
    several = len({a.platform for a in bench.areas}) > 1
    return {
        a.id: (f"{a.spec.title} ({a.platform})" if several else a.spec.title, a.spec.unit)
        for a in bench.areas
    }


@dataclass(frozen=True)
class ShownPlan:
    """The plan the report shows: the latest stored one, else one made for the report."""

    plan: Mapping[str, Any]
    names: Mapping[str, tuple[str, str]]
    reference: dt.date
    """The day its step start weeks count from (see :func:`plan_reference`)."""
    source: str
    stored: bool

    def current_steps(self) -> list[Mapping[str, Any]]:
        """The steps to work on now (starting this week), else the first one."""
        steps: list[Mapping[str, Any]] = list(self.plan.get("steps", []))
        now = [x for x in steps if int(x.get("start_week", 0) or 0) == 0]
        return now or steps[:1]

    def step_title(self, step: Mapping[str, Any]) -> str:
        default = str(step.get("title") or str(step.get("metric", "")).replace("_", " "))
        return self.names.get(str(step.get("area")), (default, ""))[0]


def shown_plan(s: Session, bench: Benchmark | None) -> ShownPlan | None:
    """The latest stored plan, else a plan made now from ``bench`` (not stored), else None."""
    stored = latest_plans(s.store, n=1)
    if stored:
        return ShownPlan(
            stored[0].plan,
            _area_names(stored[0].benchmark or bench),
            plan_reference(stored[0].created_at, stored[0].data_end),
            f"Plan {stored[0].plan_id}, stored on {stored[0].created_at:%Y-%m-%d}: "
            "`rapport plan --progress` shows the movement since; `rapport plan` makes a new one.",
            stored=True,
        )
    if bench is None:
        return None
    history = benchmark_history(s.store)
    made = make_plan(bench, s.config, history=history, conversions=conversions_by_kind(s))
    return ShownPlan(
        made.to_dict(),
        _area_names(bench),
        plan_reference(dt.datetime.now(dt.UTC), made.window.end),
        "Made for this report and not stored: run `rapport plan` to store it and follow "
        "progress (`rapport plan --progress`).",
        stored=False,
    )


def _plan_block(shown: ShownPlan | None, bench_error: str | None) -> Block:
    if shown is None:
        return unavailable("plan", "The plan", f"needs the benchmark, which is {bench_error}")
    plan, names, reference, source = shown.plan, shown.names, shown.reference, shown.source
    own_past = plan.get("mode") == "own_past"
    title = (
        "The plan: your targets, one step after another"
        if own_past
        else "The plan: number one in a few areas, one after another"
    )

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
            f"{step.get('reaches', 'number one')} after about "
            f"{number(step['weeks_to_first'], 0)} weeks",
            start_words(int(step["start_week"]), reference),
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
    kept: list[list[Cell]] = [
        [
            name(x["area"], x["metric"]),
            format_value(unit_of(x["area"]), x["now"]),
            f"{format_value(unit_of(x['area']), x['target'])} ({x['source']})",
        ]
        for x in plan.get("on_target", [])
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
                "Gets there",
                "Starts",
                "Why this area",
            ],
            steps,
            order="in the order to do them",
        ),
        Figure(
            "plan-skipped",
            "Areas not planned now, and why",
            None,
            ["Area", "Why not now", "Hours a week it would need"],
            skipped,
            order="in the planner's order",
        ),
        Figure(
            "plan-leading",
            "Areas you already lead: keep them",
            None,
            ["Area", "You", "Runner-up"],
            leading,
            order="in the order of your areas",
        ),
        Figure(
            "plan-on-target",
            "Areas already on target: keep them",
            None,
            ["Area", "You", "Target"],
            kept,
            order="in the order of your areas",
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
def _care_block(care: CareList) -> Block:
    items = care.items
    rows: list[list[Cell]] = [
        [
            i.id,
            _ACTIONS.get(i.action, i.action),
            i.handle or i.person or "",
            i.reason,
            f"{care.local(i.at):%a %d %b %H:%M}",
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
                ["ID", "Do", "Who", "Why", f"When ({care.timezone})", "Link", "Minutes"],
                rows,
                order="most urgent first",
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
                order="in the order the strategies are compared",
            )
        ],
        notes=["`rapport whatif` runs it again on fresh data."],
    )


def care_block(session: Session, *, today: dt.datetime | None) -> Block:
    """Today's care list, or why not."""
    return guarded(
        "care-list", "Today's care list", lambda: _care_block(care_list(session, today=today))
    )


@dataclass(frozen=True)
class Strategy:
    """The strategy part and what it was made from, for the report's "This week"."""

    part: Part
    plan: ShownPlan | None
    care: CareList | None


def strategy_part(s: Session, *, care: Block) -> Part:
    """The strategy section: each block on its own, with its reason when it fails; ``care``
    is :func:`care_block`'s. Without competitors, the benchmark block compares the own
    accounts with their past and the targets, and says how to add competitors."""
    return _strategy(s, care).part


def strategy(s: Session, *, today: dt.datetime | None = None) -> Strategy:
    """The strategy section with the care list and the plan it shows (one story: the
    report's "This week" is made from the same plan and care list)."""
    care: CareList | None = None
    try:
        care = care_list(s, today=today)
        block = _care_block(care)
    except RapportError as error:
        block = unavailable("care-list", "Today's care list", f"not computable: {error}")
    found = _strategy(s, block)
    return Strategy(found.part, found.plan, care)


def _strategy(s: Session, care: Block) -> Strategy:
    bench: Benchmark | None = None
    bench_error: str | None = None
    try:
        bench = workspace_benchmark(s, window_days=WINDOW_DAYS)
        benchmark = past_block(bench) if bench.mode == "own_past" else benchmark_block(bench)
    except RapportError as error:
        bench_error = f"not computable: {error}"
        benchmark = unavailable(
            "benchmark", "You and your closest competitors", f"{bench_error}. {ADD_COMPETITORS}"
        )
    shown: ShownPlan | None = None
    try:
        shown = shown_plan(s, bench)
        plan = _plan_block(shown, bench_error)
    except RapportError as error:
        plan = unavailable("plan", "The plan", f"not computable: {error}")
    whatif_title = "What if: strategies side by side"
    whatif = guarded("whatif", whatif_title, lambda: _whatif_block(s.store))
    part = Part(
        "strategy",
        TITLE,
        PRINCIPLE,
        [benchmark, plan, care, whatif],
        lines=[] if s.config.goal.objective else [GOAL_MISSING],
    )
    return Strategy(part, shown, None)
