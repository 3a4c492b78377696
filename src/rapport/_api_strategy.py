"""The strategy operations behind the CLI (issue 6): benchmark, plan, care list, calendar and
what-if. Re-exported by :mod:`rapport.api`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapport.query.context import build_context
from rapport.store import Store
from rapport.workspace import Workspace

if TYPE_CHECKING:
    from rapport.strategy.benchmark import Benchmark
    from rapport.strategy.calendar import Calendar
    from rapport.strategy.care import CareItem, CareList
    from rapport.strategy.planner import Plan, Progress
    from rapport.strategy.whatif import WhatIf

__all__ = [
    "PlanResult",
    "WhatIfResult",
    "care_done",
    "care_today",
    "competitor_benchmark",
    "content_calendar",
    "make_plan",
    "plan_progress",
    "what_if",
]


def _benchmark(store: Store, workspace: Workspace, window_days: int | None) -> Benchmark:
    from rapport.strategy.benchmark import competitor_benchmark as measure

    context = build_context(store.ibis, settings={"config": workspace.config()})
    try:
        return measure(store.ibis, store.tables(), context, window_days=window_days)
    finally:
        context.release()


def competitor_benchmark(*, workspace: Workspace, window_days: int | None = 90) -> Benchmark:
    """The own account against each closest competitor, area by area."""
    with workspace.open_store(create=False) as store:
        return _benchmark(store, workspace, window_days)


@dataclass(frozen=True)
class PlanResult:
    plan: Plan
    plan_id: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"plan_id": self.plan_id, **self.plan.to_dict()}


def make_plan(
    *, workspace: Workspace, window_days: int | None = 90, save: bool = True
) -> PlanResult:
    """The industry-rule plan; stored (``save``) so that ``--progress`` can follow it."""
    from rapport.strategy.planner import benchmark_history, save_plan
    from rapport.strategy.planner import make_plan as plan_for

    config = workspace.config()
    with workspace.open_store(create=False) as store:
        benchmark = _benchmark(store, workspace, window_days)
        plan = plan_for(benchmark, config, history=benchmark_history(store))
        plan_id = save_plan(store, plan) if save else None
    return PlanResult(plan, plan_id)


def plan_progress(*, workspace: Workspace, window_days: int | None = 90) -> Progress:
    """Movement in each planned area since the last stored plan."""
    from rapport.strategy.planner import plan_progress as progress

    with workspace.open_store(create=False) as store:
        benchmark = _benchmark(store, workspace, window_days)
        return progress(store, benchmark, workspace.config())


def care_today(*, workspace: Workspace, today: dt.datetime | None = None) -> CareList:
    """Today's care list: who to answer, welcome, thank and re-engage."""
    from rapport.strategy.care import care_list

    with workspace.open_store(create=False) as store:
        return care_list(store, workspace.config(), today=today)


def care_done(item_id: str, *, workspace: Workspace, today: dt.datetime | None = None) -> CareItem:
    """Record that a care item was handled; it does not come back."""
    from rapport.strategy.care import mark_done

    with workspace.open_store(create=False) as store:
        return mark_done(store, item_id, config=workspace.config(), today=today)


def content_calendar(
    *,
    workspace: Workspace,
    weeks: int = 4,
    start: dt.date | None = None,
    ics: Path | None = None,
    csv: Path | None = None,
) -> Calendar:
    """Dated post slots for the next ``weeks`` weeks; written as ICS and/or CSV on request."""
    from rapport.strategy.calendar import content_calendar as plan_slots
    from rapport.strategy.calendar import to_csv, to_ics

    with workspace.open_store(create=False) as store:
        calendar = plan_slots(store, workspace.config(), weeks=weeks, start=start)
    for path, text in ((ics, to_ics), (csv, to_csv)):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8", newline="") as handle:
                handle.write(text(calendar))
    return calendar


@dataclass(frozen=True)
class WhatIfResult:
    whatif: WhatIf
    run_id: int

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, **self.whatif.to_dict()}


def what_if(
    *,
    workspace: Workspace,
    months: int = 12,
    runs: int = 20,
    strategies: Sequence[str] | None = None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> WhatIfResult:
    """Calibrate the synthetic world to the workspace, run the strategies side by side and
    store the result (the report shows the latest)."""
    from rapport.errors import UsageError
    from rapport.strategy.whatif import STRATEGY_NAMES, calibrate, run_whatif
    from rapport.strategy.whatif_runs import save_whatif

    unknown = [name for name in strategies or () if name not in STRATEGY_NAMES]
    if unknown:
        raise UsageError(
            f"--strategy {unknown[0]!r}: unknown; use one of {', '.join(STRATEGY_NAMES)}"
        )
    with workspace.open_store(create=False) as store:
        calibration = calibrate(store, workspace.config(), seed=seed)
        result = run_whatif(
            calibration,
            months=months,
            runs=runs,
            strategies=strategies,
            seed=seed,
            progress=progress,
        )
        run_id = save_whatif(store, result.to_dict(), seed=seed)
    return WhatIfResult(result, run_id)
