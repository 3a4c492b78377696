"""A robust spike detector for a series of counts (feature F20).

The series is anything counted in time order: new followers per day, or the reach or the
engagement of each post in the order they were published. A point is a *spike* when it is far
above its neighbours, judged on a log scale:

1. Each point is compared with its neighbours within ``window`` places on both sides (an
   audit looks back, so both sides are known), leaving out the ``guard`` places next to it
   (a spike's effect spills onto the next day) and, with ``skip_zeros``, zero points (quiet
   days are no baseline for a day with posts). A point needs ``min_neighbours`` of them.
2. On ``log(1 + x)``, the baseline is the neighbours' median and the spread their median
   absolute deviation × 1.4826 (a standard deviation for normal noise), but never less than
   the spread Poisson noise alone would give at that baseline (``√b / (b + 1)``, so a series
   of small counts is not flagged for ordinary chance) nor less than ``floor``.
3. A point is flagged when its robust score ``(log(1 + x) − median) / spread`` reaches
   ``threshold``, it is at least ``min_ratio`` times the baseline, and at least
   ``min_excess`` above it. Consecutive flagged points make one spike.

Why this and not a Poisson test against a local mean: social counts are overdispersed (a
good post, a quiet week, a weekend), so a Poisson test flags every good day; the median and
MAD ignore the spikes they are looking for, and the log scale makes "three times the usual"
mean the same for an account with ten engagements a day and one with ten thousand. The
ratio and excess floors keep a flat series with one slightly higher point from being called a
spike. The default settings are the library's general ones; :mod:`rapport.analyses.spike_audit`
uses its own, measured against the synthetic world's injected spikes (docs/virality.md).

>>> detector = SpikeDetector().fit([10, 12, 9, 11, 10, 10, 11, 9, 95, 12, 10, 11, 9, 10, 12])
>>> [(s.start, s.end, s.size) for s in detector.spikes_]
[(8, 8, 95.0)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np
import numpy.typing as npt

from rapport.errors import InvalidSeries
from rapport.models.base import Estimator, check_is_fitted

__all__ = ["InvalidSeries", "Spike", "SpikeDetector"]

FloatArray = npt.NDArray[np.float64]
MAD_TO_SD = 1.4826


@dataclass(frozen=True)
class Spike:
    """A run of consecutive flagged points (indices into the series, ``end`` included)."""

    start: int
    end: int
    peak: int
    """The run's largest point."""
    size: float
    """The value at the peak."""
    baseline: float
    """What the neighbours of the peak make ordinary (their median)."""
    score: float
    """The peak's robust score: log-scale distance from the baseline in robust spreads."""


class SpikeDetector(Estimator):
    """Rolling median and MAD on log counts, with a Poisson floor (see the module docs).

    Learned: ``baseline_``, ``spread_``, ``score_`` (one per point; NaN where not judged),
    ``judged_`` and ``flags_`` (booleans), ``spikes_`` (runs of flagged points) and
    ``reason_``: None, or why nothing could be judged (a series too short or too sparse).
    """

    def __init__(
        self,
        *,
        window: int = 14,
        guard: int = 1,
        min_ratio: float = 3.0,
        threshold: float = 3.0,
        min_excess: float = 5.0,
        min_neighbours: int = 7,
        skip_zeros: bool = False,
        floor: float = 0.1,
    ) -> None:
        self.window = window
        self.guard = guard
        self.min_ratio = min_ratio
        self.threshold = threshold
        self.min_excess = min_excess
        self.min_neighbours = min_neighbours
        self.skip_zeros = skip_zeros
        self.floor = floor

    def fit(self, values: npt.ArrayLike) -> Self:
        """Judge every point of ``values`` (counts ≥ 0 in time order; NaN = not observed)."""
        x = self._validated(values)
        n = x.size
        offsets = np.array(
            [k for k in range(-self.window, self.window + 1) if abs(k) > self.guard],
            dtype=np.int64,
        )
        index = np.arange(n)[:, None] + offsets[None, :]
        inside = (index >= 0) & (index < n)
        neighbour = np.where(inside, x[np.clip(index, 0, max(n - 1, 0))], np.nan)
        if self.skip_zeros:
            neighbour = np.where(neighbour > 0, neighbour, np.nan)
        logs = np.log1p(neighbour)
        usable = np.sum(~np.isnan(logs), axis=1)
        judged = (usable >= self.min_neighbours) & ~np.isnan(x)
        median = np.full(n, np.nan)
        mad = np.full(n, np.nan)
        if judged.any():
            rows = logs[judged]
            median[judged] = np.nanmedian(rows, axis=1)
            mad[judged] = MAD_TO_SD * np.nanmedian(np.abs(rows - median[judged, None]), axis=1)
        baseline = np.expm1(median)
        poisson = np.sqrt(np.maximum(baseline, 0.0)) / (baseline + 1)
        spread = np.fmax(np.fmax(mad, poisson), float(self.floor))
        spread = np.where(judged, spread, np.nan)
        with np.errstate(invalid="ignore"):
            score = (np.log1p(x) - median) / spread
            flags = (
                judged
                & (score >= self.threshold)
                & (x >= self.min_ratio * baseline)
                & (x - baseline >= self.min_excess)
            )
        self.n_ = int(n)
        self.baseline_: FloatArray = baseline
        self.spread_: FloatArray = spread
        self.score_: FloatArray = np.where(judged, score, np.nan)
        self.judged_: npt.NDArray[np.bool_] = judged
        self.flags_: npt.NDArray[np.bool_] = flags
        self.spikes_: tuple[Spike, ...] = self._runs(x, flags)
        self.reason_ = self._reason(n, judged)
        return self

    def _validated(self, values: npt.ArrayLike) -> FloatArray:
        for name in ("window", "guard", "min_neighbours"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 0:
                raise InvalidSeries(name, value, "a whole number ≥ 0")
        if self.guard >= self.window:
            raise InvalidSeries("guard", self.guard, f"less than window ({self.window})")
        if self.min_neighbours < 1:
            raise InvalidSeries("min_neighbours", self.min_neighbours, "at least 1")
        try:
            x = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidSeries("values", values, "numbers (counts in time order)") from None
        if x.ndim != 1:
            raise InvalidSeries("values", f"an array of shape {x.shape}", "one value a point")
        bad = np.isinf(x) | (x < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidSeries(f"values[{i}]", float(x[i]), "a count ≥ 0 (NaN: not observed)")
        return x

    def _runs(self, x: FloatArray, flags: npt.NDArray[np.bool_]) -> tuple[Spike, ...]:
        spikes = []
        edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
        for start, stop in zip(
            np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True
        ):
            peak = int(start + np.argmax(x[start:stop]))
            spikes.append(
                Spike(
                    start=int(start),
                    end=int(stop - 1),
                    peak=peak,
                    size=float(x[peak]),
                    baseline=float(self.baseline_[peak]),
                    score=float(self.score_[peak]),
                )
            )
        return tuple(spikes)

    def _reason(self, n: int, judged: npt.NDArray[np.bool_]) -> str | None:
        needed = self.min_neighbours + self.guard + 1
        if n < needed:
            return (
                f"the series has {n} points: too short to judge a point against "
                f"{self.min_neighbours} neighbours (give at least {needed})"
            )
        if not judged.any():
            kind = " non-zero" if self.skip_zeros else ""
            return (
                f"no point has {self.min_neighbours}{kind} neighbours within ±{self.window}: "
                "the series is too sparse to tell a spike from ordinary variation"
            )
        return None

    def summary(self) -> dict[str, object]:
        """How many points were judged and flagged, and the spikes (for reports and tests)."""
        check_is_fitted(self, "spikes_")
        return {
            "points": self.n_,
            "judged": int(self.judged_.sum()),
            "flagged": int(self.flags_.sum()),
            "spikes": [vars(s) for s in self.spikes_],
            "reason": self.reason_,
        }
