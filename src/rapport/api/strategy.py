"""What to do next: the benchmark (against competitors, or without them against the own past
and the targets), the plan, the care list, the content calendar and the what-if simulator.
Readers take a session; the operations that store a result (a plan, a what-if) take the
workspace and open a writing session only to store it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rapport.errors import UsageError
from rapport.store.plans import save_whatif
from rapport.strategy import plan, whatif
from rapport.strategy.benchmark import Benchmark, competitor_benchmark, workspace_benchmark
from rapport.strategy.calendar import Calendar, content_calendar
from rapport.strategy.care_list import (
    CareItem,
    CareList,
    Said,
    Thread,
    care_list,
    care_thread,
    mark_done,
)
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
    "Said",
    "Thread",
    "WhatIf",
    "WhatIfResult",
    "care_list",
    "care_thread",
    "competitor_benchmark",
    "content_calendar",
    "make_plan",
    "mark_done",
    "plan_progress",
    "what_if",
    "workspace_benchmark",
]

Waiting = Callable[[str], None]


@dataclass(frozen=True)
class PlanResult:
    """A plan, the id it was stored under (None when not stored) and when."""

    plan: Plan
    plan_id: int | None
    created_at: dt.datetime | None = None

    @property
    def reference(self) -> dt.date:
        """The day the plan's week 0 begins (see :func:`rapport.strategy.plan.start_words`)."""
        made = self.created_at or dt.datetime.now(dt.UTC)
        return plan.plan_reference(made, self.plan.window.end)

    def to_dict(self) -> dict[str, Any]:
        data = {"plan_id": self.plan_id, **self.plan.to_dict()}
        for step in data["steps"]:
            step["starts"] = plan.start_words(step["start_week"], self.reference)
        return data


def make_plan(
    *,
    workspace: Workspace,
    window_days: int | None = 90,
    save: bool = True,
    on_wait: Waiting | None = None,
    progress: Callable[[str], None] | None = None,
) -> PlanResult:
    """The plan: the industry rule against the competitors, or, without competitor data, the
    targets and practices against the own past; stored (``save``) so that its progress can
    be followed. ``progress(label)`` is called as each stage starts."""
    say = progress or (lambda label: None)
    with workspace.session(on_wait=on_wait) as session:
        say("measuring where you stand")
        benchmark = workspace_benchmark(session, window_days=window_days)
        say("conversions by kind of post")
        conversions = plan.conversions_by_kind(session)
        say("planning")
        made = plan.make_plan(
            benchmark,
            session.config,
            history=plan.benchmark_history(session.store),
            conversions=conversions,
        )
    if not save:
        return PlanResult(made, None)
    say("storing the plan")
    with workspace.session(
        read_only=False, purpose="a plan", on_wait=on_wait, behind_writer=True
    ) as session:
        plan_id = plan.save_plan(session.store, made)
        stored = plan.latest_plans(session.store, n=1)
    created = stored[0].created_at if stored else None
    return PlanResult(made, plan_id, created)


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
    with workspace.session(
        read_only=False, purpose="a what-if", on_wait=on_wait, behind_writer=True
    ) as session:
        run_id = save_whatif(session.store, result.to_dict(), seed=seed)
    return WhatIfResult(result, run_id)
