"""The benchmark as one result: who was compared with whom, over which window, area by area.

Two comparisons share this shape, told apart by :attr:`Benchmark.mode`:

* ``competitors``: the own account(s) against the closest competitors on the same platform
  (:attr:`Benchmark.areas`: values, ranks, leader and gap);
* ``own_past``: with no competitor data, each own account against its own past and the
  workspace's targets (:attr:`Benchmark.past`: now, then, the change and the target;
  :attr:`Benchmark.past_window` is the window before).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from rapport.strategy.benchmark.model import AccountSummary, Area, Value, Window
from rapport.strategy.benchmark.targets import PastArea

__all__ = ["ADD_COMPETITORS", "Benchmark", "Mode"]

Mode = Literal["competitors", "own_past"]

ADD_COMPETITORS = (
    "To compare yourself with your closest competitors, name them in rapport.toml "
    "([[accounts.competitors]] with platform and handle), then pull their public posts and "
    "counts with `rapport pull competitors` (Bluesky, Mastodon), or import them from a CSV "
    "through a mapping with the option competitor=HANDLE (X and other platforms: "
    "docs/sources/mapped.md)."
)
"""How to add competitors, as the own-past benchmark, the plan and the report say it."""


@dataclass(frozen=True)
class Benchmark:
    """The own account(s) against the closest competitors, area by area; or, with no
    competitor data (``mode="own_past"``), against their own past and the targets."""

    window: Window
    accounts: tuple[AccountSummary, ...]
    areas: tuple[Area, ...]
    topic_terms: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()
    mode: Mode = "competitors"
    past: tuple[PastArea, ...] = ()
    """``own_past`` mode: each own account's areas, now against the window before."""
    past_window: Window | None = None
    """``own_past`` mode: the window before :attr:`window`, as long as it."""

    def area(self, area_id: str) -> Area | None:
        """A competitor area by id (``platform:metric``)."""
        return next((a for a in self.areas if a.id == area_id), None)

    def past_area(self, area_id: str) -> PastArea | None:
        """An own-past area by id (``platform:metric``)."""
        return next((a for a in self.past if a.id == area_id), None)

    def account(self, account_id: str) -> AccountSummary | None:
        return next((a for a in self.accounts if a.account_id == account_id), None)

    def own_values(self, metric: str) -> dict[str, Value]:
        """Platform → the own account's computable value of ``metric`` over the window (the
        best-ranked own account's against competitors; the value now against the past)."""
        found: dict[str, Value] = {}
        for area in self.areas:
            if area.spec.metric == metric and area.own is not None and area.own.ok:
                found[area.platform] = area.own
        for past in self.past:
            if past.spec.metric == metric and past.now.ok:
                found.setdefault(past.platform, past.now)
        return found

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "mode": self.mode,
            "window": self.window.to_dict(),
            "topic_terms": list(self.topic_terms),
            "accounts": [a.to_dict() for a in self.accounts],
            "areas": [a.to_dict() for a in self.areas],
            "notices": list(self.notices),
        }
        if self.mode == "own_past":
            data["past_window"] = None if self.past_window is None else self.past_window.to_dict()
            data["past"] = [p.to_dict() for p in self.past]
            data["add_competitors"] = ADD_COMPETITORS
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Benchmark:
        mode: Mode = "own_past" if data.get("mode") == "own_past" else "competitors"
        past_window = data.get("past_window")
        return cls(
            window=Window.from_dict(data["window"]),
            accounts=tuple(AccountSummary.from_dict(a) for a in data.get("accounts", [])),
            areas=tuple(Area.from_dict(a) for a in data.get("areas", [])),
            topic_terms=tuple(data.get("topic_terms", [])),
            notices=tuple(data.get("notices", [])),
            mode=mode,
            past=tuple(PastArea.from_dict(p) for p in data.get("past", [])),
            past_window=Window.from_dict(past_window) if past_window else None,
        )
