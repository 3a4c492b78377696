"""The industry-rule planner: the few areas where becoming number one takes manageable effort,
sequenced within the weekly budget, and the plans stored to follow progress.
"""

from rapport.strategy.plan.planner import (
    DEFAULT_WEIGHT,
    AreaProgress,
    Leading,
    Plan,
    Progress,
    Skipped,
    Step,
    StoredPlan,
    benchmark_history,
    current_hours,
    latest_plans,
    make_plan,
    plan_progress,
    save_plan,
)

__all__ = [
    "DEFAULT_WEIGHT",
    "AreaProgress",
    "Leading",
    "Plan",
    "Progress",
    "Skipped",
    "Step",
    "StoredPlan",
    "benchmark_history",
    "current_hours",
    "latest_plans",
    "make_plan",
    "plan_progress",
    "save_plan",
]
