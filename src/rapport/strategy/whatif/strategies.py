"""The strategies a what-if compares: each changes only what the account itself does.

A strategy is a function of the calibrated world's parameters (the account "as now") and
the current plan. It may set only the fields in :data:`LEVERS`: cadence, regularity,
promotional share, content mix, links, how often and how fast the account answers. The
audience (who people are, how they engage, follow, leave and convert), the feed and the
starting point are the calibrated world's and are the same for every strategy, so the
strategies differ only by the account's behaviour.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rapport.config import Config
from rapport.simulate import WorldParams

__all__ = [
    "LEVERS",
    "STRATEGIES",
    "CurrentPlan",
    "Strategy",
    "changed_fields",
    "plan_from_config",
    "plan_from_stored",
    "with_cadence",
]

LEVERS: frozenset[str] = frozenset({
    "brand_posts_per_active_day", "brand_posts_per_lull_day", "brand_weekend_factor",
    "brand_lull_start_prob", "brand_lull_end_prob", "brand_promo_share", "brand_content_mix",
    "brand_link_share", "brand_reply_prob", "brand_question_reply_prob",
    "brand_reply_delay_median_hours", "brand_reply_delay_sigma",
})  # fmt: skip
"""The ``WorldParams`` fields a strategy may change (the account's own behaviour)."""


@dataclass(frozen=True)
class CurrentPlan:
    """What the account means to do: the latest stored plan (``rapport plan``), else the
    rapport.toml targets. ``None`` keeps the calibrated account's own behaviour: a stored
    plan without a cadence step keeps today's posts a week."""

    posts_per_week: float | None
    max_promotional_share: float
    reply_rate: float | None
    reply_time_hours: float | None
    source: str
    plan_id: int | None = None
    """The stored plan's id (None: rapport.toml's targets)."""
    levers: Mapping[str, float] = field(default_factory=dict)
    """What the stored plan sets, by lever (posts_per_week, max_promotional_share,
    reply_rate, reply_time_hours); the others stay as now."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "posts_per_week": self.posts_per_week,
            "max_promotional_share": self.max_promotional_share,
            "reply_rate": self.reply_rate,
            "reply_time_hours": self.reply_time_hours,
            "source": self.source,
            "plan_id": self.plan_id,
            "levers": dict(self.levers),
        }


def plan_from_config(config: Config) -> CurrentPlan:
    t = config.targets
    return CurrentPlan(
        posts_per_week=t.posts_per_week,
        max_promotional_share=t.max_promotional_share,
        reply_rate=t.reply_rate,
        reply_time_hours=t.reply_time_hours,
        source="rapport.toml [targets]",
    )


_PLAN_KEYS = {
    "posts_per_week": "posts_per_week",
    "max_promotional_share": "max_promotional_share",
    "promotional_share": "max_promotional_share",
    "reply_rate": "reply_rate",
    "public_reply_rate": "reply_rate",
    "reply_time_hours": "reply_time_hours",
    "time_to_first_reply": "reply_time_hours",
}


def plan_from_stored(
    plan: Mapping[str, Any], fallback: CurrentPlan, *, label: str, plan_id: int | None = None
) -> CurrentPlan:
    """The levers of a stored plan's JSON; what it does not set stays as in ``fallback``.

    The hook for ``rapport.strategy.plan``: each item of ``plan["steps"]`` may name a
    ``metric`` (or ``area``) with a ``target`` value, or carry the keys directly; the
    metrics read are posts_per_week, promotional_share, reply_rate (or the planner's
    public_reply_rate) and time_to_first_reply (or reply_time_hours).
    ``extra_posts_per_week`` adds to the posts per week. :attr:`CurrentPlan.levers` names
    what the plan set.
    """
    values: dict[str, Any] = {
        "posts_per_week": fallback.posts_per_week,
        "max_promotional_share": fallback.max_promotional_share,
        "reply_rate": fallback.reply_rate,
        "reply_time_hours": fallback.reply_time_hours,
    }
    levers: dict[str, float] = {}
    for step in plan.get("steps", []) or []:
        if not isinstance(step, Mapping):
            continue
        name = str(step.get("metric") or step.get("area") or "")
        if name in _PLAN_KEYS and isinstance(step.get("target"), int | float):
            levers[_PLAN_KEYS[name]] = float(step["target"])
        for key, lever in _PLAN_KEYS.items():
            if isinstance(step.get(key), int | float):
                levers[lever] = float(step[key])
        if isinstance(step.get("extra_posts_per_week"), int | float):
            base = levers.get("posts_per_week", values["posts_per_week"]) or 0.0
            levers["posts_per_week"] = base + float(step["extra_posts_per_week"])
    values.update(levers)
    return CurrentPlan(**values, source=label, plan_id=plan_id, levers=levers)


def with_cadence(params: WorldParams, posts_per_week: float) -> WorldParams:
    """``params`` with both posting rates scaled to ``posts_per_week`` on average."""
    now = params.brand_posts_per_week
    factor = posts_per_week / now if now > 0 else 0.0
    if now <= 0:
        return dataclasses.replace(
            params, brand_posts_per_active_day=min(50.0, posts_per_week / 6.0)
        )
    return dataclasses.replace(
        params,
        brand_posts_per_active_day=min(50.0, params.brand_posts_per_active_day * factor),
        brand_posts_per_lull_day=min(50.0, params.brand_posts_per_lull_day * factor),
    )


def _answering(params: WorldParams, probability: float, hours: float) -> WorldParams:
    return dataclasses.replace(
        params,
        brand_reply_prob=min(1.0, max(0.0, probability)),
        brand_question_reply_prob=min(1.0, max(0.0, probability)),
        brand_reply_delay_median_hours=min(10_000.0, max(0.01, hours)),
    )


def _mix(**weights: float) -> tuple[tuple[str, float], ...]:
    return tuple(weights.items())


def _as_now(p: WorldParams, plan: CurrentPlan) -> WorldParams:
    return p


def _current_plan(p: WorldParams, plan: CurrentPlan) -> WorldParams:
    if plan.posts_per_week is not None:
        p = with_cadence(p, plan.posts_per_week)
    if plan.reply_rate is not None or plan.reply_time_hours is not None:
        rate = p.brand_reply_prob if plan.reply_rate is None else plan.reply_rate
        delay = p.brand_reply_delay_median_hours
        if plan.reply_time_hours is not None:
            delay = min(delay, plan.reply_time_hours / 2)
        p = _answering(p, max(rate, p.brand_reply_prob), delay)
    return dataclasses.replace(
        p, brand_promo_share=min(p.brand_promo_share, plan.max_promotional_share)
    )


def _chase_viral(p: WorldParams, plan: CurrentPlan) -> WorldParams:
    p = with_cadence(p, 3.0 * p.brand_posts_per_week)
    p = _answering(p, 0.1 * p.brand_reply_prob, max(24.0, 4 * p.brand_reply_delay_median_hours))
    mix = _mix(educational=0.35, question=0.0, news=0.25, throwback=0.2, behind_the_scenes=0.2)
    return dataclasses.replace(p, brand_content_mix=mix)


def _promo_heavy(p: WorldParams, plan: CurrentPlan) -> WorldParams:
    return dataclasses.replace(p, brand_promo_share=max(0.6, p.brand_promo_share))


def _inconsistent(p: WorldParams, plan: CurrentPlan) -> WorldParams:
    per_week = p.brand_posts_per_week
    bursty = dataclasses.replace(
        p, brand_lull_start_prob=0.1, brand_lull_end_prob=0.05, brand_posts_per_lull_day=0.0
    )
    if bursty.brand_posts_per_week <= 0:
        return bursty
    return with_cadence(bursty, per_week)


def _relationship_first(p: WorldParams, plan: CurrentPlan) -> WorldParams:
    steady = with_cadence(
        dataclasses.replace(p, brand_lull_start_prob=0.005), p.brand_posts_per_week
    )
    p = _answering(steady, 0.95, min(1.0, p.brand_reply_delay_median_hours))
    mix = _mix(educational=0.35, question=0.25, news=0.05, throwback=0.1, behind_the_scenes=0.25)
    return dataclasses.replace(
        p,
        brand_promo_share=min(p.brand_promo_share, plan.max_promotional_share),
        brand_content_mix=mix,
        brand_link_share=max(0.6, p.brand_link_share),
    )


@dataclass(frozen=True)
class Strategy:
    name: str
    description: str
    apply: Callable[[WorldParams, CurrentPlan], WorldParams]


STRATEGIES: dict[str, Strategy] = {s.name: s for s in (
    Strategy("as_now", "Carry on as the data shows: the calibrated cadence, promotional share, "
             "content mix and answering.", _as_now),
    Strategy("current_plan", "The current plan (the latest `rapport plan`, else rapport.toml's "
             "targets): its posts per week, promotions kept under its ceiling, answers at its "
             "reply rate (never fewer than now) with a median delay of half its reply time; "
             "what it does not set stays as now.", _current_plan),
    Strategy("chase_viral", "Chase reach: three times the posts, attention-grabbing and "
             "shareable kinds (no questions), little time left to answer people (a tenth of "
             "today's answers, a day or more later).", _chase_viral),
    Strategy("promo_heavy", "Sell in every other post: 60 % promotions (or today's share if "
             "higher); everything else as now.", _promo_heavy),
    Strategy("inconsistent", "The same posts per week on average, in bursts: ten-day active "
             "spells, twenty-day silences.", _inconsistent),
    Strategy("relationship_first", "Steady cadence at today's posts per week without quiet "
             "weeks, promotions under the plan's ceiling, more questions, behind-the-scenes "
             "and useful links, and answer 95 % of people within about an hour.",
             _relationship_first),
)}  # fmt: skip
"""Built-in strategies by name, in the order they are shown."""


def changed_fields(base: WorldParams, other: WorldParams) -> set[str]:
    """Names of the ``WorldParams`` fields whose values differ."""
    return {
        f.name
        for f in dataclasses.fields(WorldParams)
        if getattr(base, f.name) != getattr(other, f.name)
    }
