"""The plan: the few areas where becoming number one among the competitors (or, without
them, reaching the targets) takes manageable effort, sequenced within the weekly budget; the
plans stored to follow progress; and the words for when a step starts.
"""

from rapport.strategy.plan.conversions import KindConversions, KindRate, conversions_by_kind
from rapport.strategy.plan.model import OnTarget, plan_reference, start_date, start_words
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
    "KindConversions",
    "KindRate",
    "Leading",
    "OnTarget",
    "Plan",
    "Progress",
    "Skipped",
    "Step",
    "StoredPlan",
    "benchmark_history",
    "conversions_by_kind",
    "current_hours",
    "latest_plans",
    "make_plan",
    "plan_progress",
    "plan_reference",
    "save_plan",
    "start_date",
    "start_words",
]
