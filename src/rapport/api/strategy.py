"""What to do next: the competitor benchmark, the plan, the care list, the content calendar
and the what-if simulator. Readers take a session; the operations that store a result (a
plan, a what-if) take the workspace and open a writing session only to store it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rapport.errors import UsageError
from rapport.store.plans import save_whatif
from rapport.strategy import plan, whatif
from rapport.strategy.benchmark import Benchmark, competitor_benchmark
from rapport.strategy.calendar import Calendar, content_calendar
from rapport.strategy.care_list import CareItem, CareList, care_list, mark_done
from rapport.strategy.plan import Plan, Progress, plan_progress
from rapport.strategy.whatif import WhatIf
from rapport.workspace import Workspace

__all__ = [
    "Benchmark",
    "Calendar",
    "CareItem",
    "CareList",
    "Plan",
    "PlanResult",
    "Progress",
    "WhatIf",
    "WhatIfResult",
    "care_list",
    "competitor_benchmark",
    "content_calendar",
    "make_plan",
    "mark_done",
    "plan_progress",
    "what_if",
]

Waiting = Callable[[str], None]


@dataclass(frozen=True)
class PlanResult:
    """A plan and the id it was stored under (None when not stored)."""

    plan: Plan
    plan_id: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"plan_id": self.plan_id, **self.plan.to_dict()}


def make_plan(
    *,
    workspace: Workspace,
    window_days: int | None = 90,
    save: bool = True,
    on_wait: Waiting | None = None,
) -> PlanResult:
    """The industry-rule plan; stored (``save``) so that its progress can be followed."""
    with workspace.session(on_wait=on_wait) as session:
        benchmark = competitor_benchmark(session, window_days=window_days)
        made = plan.make_plan(
            benchmark, session.config, history=plan.benchmark_history(session.store)
        )
    if not save:
        return PlanResult(made, None)
    with workspace.session(read_only=False, purpose="a plan", on_wait=on_wait) as session:
        plan_id = plan.save_plan(session.store, made)
    return PlanResult(made, plan_id)


@dataclass(frozen=True)
class WhatIfResult:
    """A what-if comparison and the id it was stored under."""

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
    on_wait: Waiting | None = None,
) -> WhatIfResult:
    """Calibrate the synthetic world to the workspace, run the strategies side by side and
    store the result (the report shows the latest).

    The workspace is read in one short session; the simulation runs with the store closed.
    """
    unknown = [name for name in strategies or () if name not in whatif.STRATEGY_NAMES]
    if unknown:
        raise UsageError(
            f"strategy {unknown[0]!r}: unknown; use one of {', '.join(whatif.STRATEGY_NAMES)}",
            option="strategies",
        )
    with workspace.session(on_wait=on_wait) as session:
        inputs = whatif.read_inputs(session)
    calibration = whatif.calibrate(inputs, seed=seed)
    result = whatif.run_whatif(
        calibration, months=months, runs=runs, strategies=strategies, seed=seed, progress=progress
    )
    with workspace.session(read_only=False, purpose="a what-if", on_wait=on_wait) as session:
        run_id = save_whatif(session.store, result.to_dict(), seed=seed)
    return WhatIfResult(result, run_id)
