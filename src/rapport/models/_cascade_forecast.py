"""The forecast value type every model's output is turned into."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["Forecast"]


def _number(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


@dataclass(frozen=True)
class Forecast:
    """One cascade's forecast of its final number of reshares (the original post never
    counted).

    ``predicted_final`` is None when the model declines (``supercritical``: no finite
    forecast). ``interval`` is (low, high) at ``interval_level``; high is None when it has
    no finite upper end. ``r`` is the expected number of further reshares per reshare.
    """

    id: str
    observe: float
    observed: int
    predicted_final: float | None
    interval: tuple[float, float | None] | None
    interval_level: float
    supercritical: bool
    r: float | None
    model: str
    near_critical: bool = False
    notes: tuple[str, ...] = ()
    interval_50: tuple[float, float | None] | None = None

    def to_dict(self) -> dict[str, Any]:
        interval = None
        if self.interval is not None:
            interval = [_number(self.interval[0]), _number(self.interval[1])]
        interval_50 = None
        if self.interval_50 is not None:
            interval_50 = [_number(self.interval_50[0]), _number(self.interval_50[1])]
        return {
            "id": self.id,
            "observed": self.observed,
            "predicted_final": _number(self.predicted_final),
            "interval": interval,
            "interval_50": interval_50,
            "supercritical": self.supercritical,
            "r": _number(self.r),
            "model": self.model,
            "observe_seconds": self.observe,
            "interval_level": self.interval_level,
            "near_critical": self.near_critical,
            "notes": list(self.notes),
        }
