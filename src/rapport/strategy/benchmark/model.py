"""The benchmark's parts: window, accounts, areas and their values.

Plain frozen dataclasses with ``to_dict()`` (JSON-able) and ``from_dict()`` (so a benchmark
stored beside a plan can be read back as history). Ranking lives here too: it only looks at
numbers already computed. The whole result is :class:`~rapport.strategy.benchmark.result.
Benchmark`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from rapport.metrics.spec import get_metric

__all__ = [
    "AccountSummary",
    "Area",
    "AreaSpec",
    "Direction",
    "Value",
    "Window",
    "rank_area",
]

Direction = Literal["higher", "lower"]
Status = Literal["ok", "not_computable"]


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


def _moment(text: Any) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(str(text))


def _num(value: float | None, digits: int = 6) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


@dataclass(frozen=True)
class AreaSpec:
    """One compared metric: what it is, which way is better, what it is divided by."""

    family: str
    metric: str
    title: str
    unit: str
    direction: Direction
    denominator: str
    weight_area: str
    """The metric area (:func:`rapport.metrics.spec.get_area`) whose weight it takes."""

    @classmethod
    def registered(cls, family: str, metric_id: str) -> AreaSpec:
        """A compared metric that is a registered metric: its title, unit, direction and
        denominator are the spec's (one definition, evaluated per account)."""
        spec = get_metric(metric_id)
        direction: Direction = "lower" if spec.direction == "lower" else "higher"
        return cls(
            family, spec.id, spec.title, spec.unit, direction,
            f"each account's coverage of the window as the period: {spec.denominator}",
            spec.area,
        )  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AreaSpec:
        """The spec stored in an area's ``to_dict()`` (a stored benchmark or plan)."""
        return cls(
            family=str(data["family"]),
            metric=str(data["metric"]),
            title=str(data.get("title", data["metric"])),
            unit=str(data["unit"]),
            direction="lower" if data.get("direction") == "lower" else "higher",
            denominator=str(data["denominator"]),
            weight_area=str(data.get("weight_area", data["family"])),
        )


@dataclass(frozen=True)
class Window:
    """The observation window every value is measured over."""

    start: dt.datetime
    end: dt.datetime
    rule: str

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": _iso(self.start),
            "end": _iso(self.end),
            "days": _num(self.days, 2),
            "rule": self.rule,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Window:
        start, end = _moment(data["start"]), _moment(data["end"])
        if start is None or end is None:
            raise ValueError("a stored benchmark window needs its start and end")
        return cls(start=start, end=end, rule=str(data.get("rule", "")))


@dataclass(frozen=True)
class AccountSummary:
    """One benchmarked account: who, which data covers it, what it does per week."""

    account_id: str
    handle: str
    platform: str
    role: str
    coverage_start: dt.datetime | None
    coverage_end: dt.datetime | None
    activity: Mapping[str, float | None] = field(default_factory=dict)
    """Per week over its coverage: original posts, question posts, promotions, reply posts,
    replies received (estimated), topic posts."""
    content_mix: Mapping[str, float] = field(default_factory=dict)
    """Share of its original posts per content kind (``unknown`` where nothing says)."""

    @property
    def coverage_days(self) -> float | None:
        if self.coverage_start is None or self.coverage_end is None:
            return None
        return (self.coverage_end - self.coverage_start).total_seconds() / 86400.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "handle": self.handle,
            "platform": self.platform,
            "role": self.role,
            "coverage": {
                "start": _iso(self.coverage_start),
                "end": _iso(self.coverage_end),
                "days": _num(self.coverage_days, 2),
            },
            "activity": {k: _num(v, 4) for k, v in self.activity.items()},
            "content_mix": {k: _num(v, 4) for k, v in self.content_mix.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AccountSummary:
        coverage = data.get("coverage", {})
        return cls(
            account_id=str(data["account_id"]),
            handle=str(data["handle"]),
            platform=str(data["platform"]),
            role=str(data["role"]),
            coverage_start=_moment(coverage.get("start")),
            coverage_end=_moment(coverage.get("end")),
            activity=dict(data.get("activity", {})),
            content_mix=dict(data.get("content_mix", {})),
        )


@dataclass(frozen=True)
class Value:
    """One account's value in one area, or why it can't be known."""

    account_id: str
    handle: str
    role: str
    value: float | None
    status: Status
    reason: str | None = None
    rank: int | None = None
    n: int | None = None
    """What the value rests on (posts, observations, answered replies …; see the area)."""
    trend_per_week: float | None = None
    """Change of the value per week: later half of the window against the earlier half."""
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.value is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "handle": self.handle,
            "role": self.role,
            "value": _num(self.value),
            "status": self.status,
            "reason": self.reason,
            "rank": self.rank,
            "n": self.n,
            "trend_per_week": _num(self.trend_per_week),
            "details": {k: _num(v) if isinstance(v, float) else v for k, v in self.details.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Value:
        status: Status = "ok" if data.get("status") == "ok" else "not_computable"
        return cls(
            account_id=str(data["account_id"]),
            handle=str(data["handle"]),
            role=str(data["role"]),
            value=data.get("value"),
            status=status,
            reason=data.get("reason"),
            rank=data.get("rank"),
            n=data.get("n"),
            trend_per_week=data.get("trend_per_week"),
            details=dict(data.get("details") or {}),
        )


@dataclass(frozen=True)
class Area:
    """One platform × metric: every account's value, the ranks, the leader and the gap."""

    platform: str
    spec: AreaSpec
    values: tuple[Value, ...]
    leader: Value | None = None
    own: Value | None = None
    """The best-ranked own account's value (the one compared with the leader)."""
    own_rank: int | None = None
    gap: float | None = None
    """How far the own account is behind the leader, in the metric's unit (0 when it leads)."""
    note: str | None = None

    @property
    def id(self) -> str:
        return f"{self.platform}:{self.spec.metric}"

    def to_dict(self) -> dict[str, Any]:
        leader = None
        if self.leader is not None:
            leader = {
                "account_id": self.leader.account_id,
                "handle": self.leader.handle,
                "role": self.leader.role,
                "value": _num(self.leader.value),
            }
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
            "values": [v.to_dict() for v in self.values],
            "leader": leader,
            "own_rank": self.own_rank,
            "gap": _num(self.gap),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Area:
        spec = AreaSpec.from_dict(data)
        values = tuple(Value.from_dict(v) for v in data.get("values", []))
        return rank_area(str(data["platform"]), spec, values, note=data.get("note"))


def _ranked(values: Sequence[Value], direction: Direction) -> tuple[Value, ...]:
    """Competition ranks (1, 2, 2, 4) among the computable values; others get None."""
    sign = -1.0 if direction == "higher" else 1.0
    keyed = sorted(
        (round(sign * float(v.value), 9), i)
        for i, v in enumerate(values)
        if v.ok and v.value is not None
    )
    ranks: dict[int, int] = {}
    for position, (key, index) in enumerate(keyed):
        previous = keyed[position - 1] if position else None
        same = previous is not None and previous[0] == key
        ranks[index] = ranks[previous[1]] if same and previous is not None else position + 1
    return tuple(replace(v, rank=ranks.get(i)) for i, v in enumerate(values))


def rank_area(
    platform: str, spec: AreaSpec, values: Sequence[Value], *, note: str | None = None
) -> Area:
    """Rank the values, find the leader and the own account's gap to it.

    The leader is the first account ranked 1 (an own account when it shares first place).
    Without a computable competitor value there is nothing to compare: no leader, no gap.
    """
    ranked = _ranked(values, spec.direction)
    competitors_ok = [v for v in ranked if v.ok and v.role != "own"]
    own_ok = sorted((v for v in ranked if v.ok and v.role == "own"), key=lambda v: v.rank or 0)
    if not competitors_ok:
        why = note or "no competitor value can be known here, so there is nothing to compare"
        return Area(platform, spec, ranked, note=why)
    firsts = sorted((v for v in ranked if v.rank == 1), key=lambda v: v.role != "own")
    leader = firsts[0]
    if not own_ok:
        own_values = [v for v in ranked if v.role == "own"]
        reason = own_values[0].reason if own_values else "no own account on this platform"
        why = note or f"your own value is not computable ({reason})"
        return Area(platform, spec, ranked, leader=leader, note=why)
    own = own_ok[0]
    if own.rank == 1:
        return Area(platform, spec, ranked, leader, own, 1, 0.0, note)
    gap = abs(float(leader.value or 0.0) - float(own.value or 0.0))  # both ok: never None
    return Area(platform, spec, ranked, leader, own, own.rank, gap, note)
