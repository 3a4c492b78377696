"""The own account against its own past and the workspace's targets (no competitors needed).

A :class:`PastArea` is one own account's value in one area over the window ("now", by default
the last 90 days of the data) and over the window before it ("then", the 90 days before),
the change between them, whether it moved the right way, and the :class:`Target` it is held
to: a rapport.toml ``[targets]`` value (posts a week, the promotion ceiling, the reply rate
and time, the longest gap) or one of the practices rapport stands for (ask at least one
question a week; keep the core community at least as large as it was).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from rapport.config import Targets
from rapport.strategy.benchmark.model import AreaSpec, Direction, Value

__all__ = [
    "PRACTICES",
    "TARGET_KEYS",
    "Movement",
    "PastArea",
    "Target",
    "target_for",
]

Movement = Literal["better", "worse", "unchanged", "not known"]
_EPSILON = 1e-9

TARGET_KEYS: Mapping[str, tuple[str, Direction]] = {
    "posts_per_week": ("posts_per_week", "higher"),
    "longest_gap_days": ("max_gap_days", "lower"),
    "reply_rate": ("reply_rate", "higher"),
    "time_to_first_reply": ("reply_time_hours", "lower"),
    "promotional_share": ("max_promotional_share", "lower"),
}
"""Area metric → the rapport.toml ``[targets]`` key it is held to, and which way is better."""

QUESTIONS_PER_WEEK = 1.0
PRACTICES: Mapping[str, str] = {
    "question_posts_per_week": f"ask at least {QUESTIONS_PER_WEEK:g} question a week in your "
    "posts (social means social: ask, then answer)",
    "core_community": "keep your core community at least as large as in the window before "
    "(take care of the first people who care)",
}
"""Area metric → the practice it is held to where rapport.toml sets no target."""


def _num(value: float | None, digits: int = 6) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


@dataclass(frozen=True)
class Target:
    """What the workspace aims for in one area: at least (``higher``) or at most (``lower``)
    ``value``; ``source`` is the rapport.toml key (``targets.posts_per_week``) or
    ``practice``."""

    value: float
    direction: Direction
    source: str
    words: str

    def met(self, value: float) -> bool:
        """Whether ``value`` is at the target or beyond it."""
        if self.direction == "higher":
            return value >= self.value - _EPSILON
        return value <= self.value + _EPSILON

    def gap(self, value: float) -> float:
        """How far ``value`` is from the target, in the area's unit (0 when it is met)."""
        return 0.0 if self.met(value) else abs(self.value - value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": _num(self.value),
            "direction": self.direction,
            "source": self.source,
            "words": self.words,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Target:
        direction: Direction = "lower" if data.get("direction") == "lower" else "higher"
        return cls(float(data["value"]), direction, str(data["source"]), str(data["words"]))


def target_for(metric: str, targets: Targets, then: Value | None) -> Target | None:
    """The target an own area is held to: rapport.toml's, else a practice, else None."""
    if metric in TARGET_KEYS:
        key, direction = TARGET_KEYS[metric]
        value = float(getattr(targets, key))
        bound = "at most" if direction == "lower" else "at least"
        return Target(value, direction, f"targets.{key}", f"{bound} {value:g} (targets.{key})")
    if metric == "question_posts_per_week":
        return Target(QUESTIONS_PER_WEEK, "higher", "practice", PRACTICES[metric])
    if metric == "core_community" and then is not None and then.ok and then.value is not None:
        return Target(
            float(then.value),
            "higher",
            "practice",
            f"{PRACTICES[metric]}: {then.value:,.0f} people",
        )
    return None


@dataclass(frozen=True)
class PastArea:
    """One own account in one area (platform × metric): its value now and in the window
    before, the change, and the target it is held to."""

    platform: str
    spec: AreaSpec
    now: Value
    then: Value
    target: Target | None = None
    note: str | None = None

    @property
    def id(self) -> str:
        return f"{self.platform}:{self.spec.metric}"

    @property
    def change(self) -> float | None:
        """Now minus then, in the area's unit (None unless both are known)."""
        if not (self.now.ok and self.then.ok):
            return None
        return float(self.now.value or 0.0) - float(self.then.value or 0.0)

    @property
    def movement(self) -> Movement:
        """Whether the value moved the right way (the metric's direction) since then."""
        change = self.change
        if change is None:
            return "not known"
        if abs(change) <= _EPSILON:
            return "unchanged"
        better = change > 0 if self.spec.direction == "higher" else change < 0
        return "better" if better else "worse"

    @property
    def on_target(self) -> bool | None:
        if self.target is None or not self.now.ok or self.now.value is None:
            return None
        return self.target.met(float(self.now.value))

    @property
    def gap(self) -> float | None:
        """How far the value now is from the target (0 when met; None without either)."""
        if self.target is None or not self.now.ok or self.now.value is None:
            return None
        return self.target.gap(float(self.now.value))

    def to_dict(self) -> dict[str, Any]:
        return {
            "area": self.id,
            "platform": self.platform,
            "family": self.spec.family,
            "metric": self.spec.metric,
            "title": self.spec.title,
            "unit": self.spec.unit,
            "direction": self.spec.direction,
            "denominator": self.spec.denominator,
            "weight_area": self.spec.weight_area,
            "account_id": self.now.account_id,
            "handle": self.now.handle,
            "now": self.now.to_dict(),
            "then": self.then.to_dict(),
            "change": _num(self.change),
            "movement": self.movement,
            "target": None if self.target is None else self.target.to_dict(),
            "on_target": self.on_target,
            "gap": _num(self.gap),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PastArea:
        spec = AreaSpec.from_dict(data)
        target = data.get("target")
        return cls(
            platform=str(data["platform"]),
            spec=spec,
            now=Value.from_dict(data["now"]),
            then=Value.from_dict(data["then"]),
            target=Target.from_dict(target) if target else None,
            note=data.get("note"),
        )
