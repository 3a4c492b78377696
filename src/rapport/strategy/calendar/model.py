"""The content plan's values: what the data says (evidence) and the dated slots planned."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["MIN_KIND_POSTS", "WEEKDAYS", "Evidence", "Example", "KindStat", "Slot", "SlotStat"]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MIN_KIND_POSTS = 5
"""A content kind with fewer posts keeps its base weight in the mix."""


@dataclass(frozen=True)
class SlotStat:
    """Mean engagement rate of the posts of one hour (0–23) or weekday (0 = Monday)."""

    slot: int
    posts: int
    mean_rate: float
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class KindStat:
    kind: str
    posts: int
    mean_rate: float
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Example:
    """A past post that worked: a short excerpt, its engagement rate or its answers."""

    text: str
    rate: float | None = None
    answers: int | None = None


@dataclass(frozen=True)
class Evidence:
    """What the data says about timing and content, or why it says nothing."""

    hours: tuple[SlotStat, ...] = ()
    weekdays: tuple[SlotStat, ...] = ()
    kinds: tuple[KindStat, ...] = ()
    overall_rate: float | None = None
    denominator: str = "followers at posting time"
    examples: Mapping[str, Example] = field(default_factory=dict)
    missing: str | None = None
    """Why there are no engagement rates to compare (None when there are)."""
    data_end: dt.datetime | None = None
    current_posts_per_week: float | None = None

    def lift(self, kind: str) -> tuple[float, KindStat] | None:
        """A kind's mean rate as a multiple of the overall mean, when it rests on enough posts."""
        stat = next((k for k in self.kinds if k.kind == kind), None)
        if stat is None or stat.posts < MIN_KIND_POSTS or not self.overall_rate:
            return None
        return stat.mean_rate / self.overall_rate, stat


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    kind: str
    title: str
    reason: str
    idea: str
    week: int

    @property
    def weekday(self) -> str:
        """The slot's day of the week (Monday …), in its own (the workspace's) time zone."""
        return WEEKDAYS[self.start.weekday()]
