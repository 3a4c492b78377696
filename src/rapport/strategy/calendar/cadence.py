"""How many posts a week the content plan schedules: what the latest stored plan says.

One story across outputs: the calendar follows the plan (``rapport plan``), not the bare
rapport.toml target. Per own platform, the cadence is the plan's current posts a week (its
benchmark's value over the window) until a ``posts_per_week`` step starts, and that step's
target from its start week on. A plan without such a step (more posts out of reach, not
planned, already led or on target) keeps the current cadence: the calendar never schedules
more posts than the plan does. Only when no plan is stored, or the plan knows no current
cadence, does the calendar use ``targets.posts_per_week``, and its notes say why.

Plan weeks count from the day the plan was made (:func:`~rapport.strategy.plan.
plan_reference`); calendar week ``i`` (0-based) is plan week ``i + offset``, where ``offset``
is the number of whole weeks from that day to the calendar's start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rapport.config import Config
from rapport.strategy.plan.model import plan_reference, start_date
from rapport.strategy.plan.stored import StoredPlan

__all__ = ["Cadence", "planned_cadence"]

_METRIC = "posts_per_week"


@dataclass(frozen=True)
class Cadence:
    """Posts a week for each calendar week, where they come from, and why."""

    per_week: tuple[float, ...]
    plan_id: int | None
    notes: tuple[str, ...]
    max_promotional_share: float


def _why_no_step(plan: Mapping[str, Any], platform: str) -> str:
    """Why the plan has no posts-per-week step for ``platform``, in words."""
    area = f"{platform}:{_METRIC}"
    if any(e.get("area") == area for e in plan.get("already_leading", [])):
        return "you already post more than every competitor: keep it"
    if any(e.get("area") == area for e in plan.get("on_target", [])):
        return "you already meet your target"
    reason = next((e.get("reason") for e in plan.get("skipped", []) if e.get("area") == area), None)
    return str(reason) if reason else "it plans other areas"


def planned_cadence(
    stored: StoredPlan | None, config: Config, *, start: dt.date, weeks: int
) -> Cadence:
    """The cadence of each of the ``weeks`` calendar weeks from ``start``, from the plan."""
    target = config.targets.posts_per_week
    ceiling = config.targets.max_promotional_share
    if stored is None:
        return Cadence(
            (target,) * weeks, None,
            (f"{target:g} posts a week, your target (targets.posts_per_week): no plan is "
             "stored yet; run `rapport plan` and the calendar follows it.",),
            ceiling,
        )  # fmt: skip
    plan = stored.plan
    stored_ceiling = plan.get("max_promotional_share")
    if isinstance(stored_ceiling, int | float):
        ceiling = float(stored_ceiling)
    now = {
        platform: float(value.value)
        for platform, value in (
            stored.benchmark.own_values(_METRIC) if stored.benchmark is not None else {}
        ).items()
        if value.value is not None
    }
    steps = [s for s in plan.get("steps", []) if s.get("metric") == _METRIC]
    for step in steps:
        now.setdefault(str(step["platform"]), float(step["now"]))
    label = f"plan {stored.plan_id}"
    if not now:
        return Cadence(
            (target,) * weeks, stored.plan_id,
            (f"{target:g} posts a week, your target (targets.posts_per_week): {label} knows "
             "no current posts a week of your own accounts (no posts of theirs in its "
             "window).",),
            ceiling,
        )  # fmt: skip
    reference = plan_reference(stored.created_at, stored.data_end)
    offset = max(0, (start - reference).days // 7)
    by_platform = {str(s["platform"]): s for s in steps}
    per_week = tuple(
        sum(
            float(by_platform[p]["target"])
            if p in by_platform and i + offset >= int(by_platform[p]["start_week"])
            else level
            for p, level in now.items()
        )
        for i in range(weeks)
    )
    notes = []
    for platform, level in sorted(now.items()):
        step = by_platform.get(platform)
        if step is not None:
            week = int(step["start_week"]) - offset
            when = (
                "from the first week"
                if week <= 0
                else f"from week {week + 1} ({start_date(int(step['start_week']), reference)})"
            )
            notes.append(
                f"Cadence follows {label}: its step {step['order']} takes {platform} from "
                f"{level:.1f} to {float(step['target']):.1f} posts a week, {when}."
            )
            continue
        why = _why_no_step(plan, platform)
        note = (
            f"{label.capitalize()} has no step for more posts on {platform} ({why}), so the "
            f"calendar keeps your current {level:.1f} posts a week"
        )
        if target > level:
            note += f" rather than your target of {target:g} (targets.posts_per_week)"
        notes.append(note + ".")
    return Cadence(per_week, stored.plan_id, tuple(notes), ceiling)
