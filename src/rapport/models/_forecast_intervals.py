"""Intervals of the final size learned from held-out cascades (split-conformal, per band).

For every cascade whose end is known, the forecaster's point forecast is made *out of fold*
(by a forecaster that did not learn from that cascade) at each observation time of a grid,
and the log ratio ``log((final + 1) / (forecast + 1))`` is kept. The + 1 lets a cascade with
no reshares yet, forecast at 0, still have an interval reaching above 0. At each grid time the
ratios are grouped by the band of reshares *seen so far* (what is known when forecasting), and
the 5, 25, 50, 75 and 95 % quantiles of each band give the 90 % and 50 % intervals. A band
with fewer than ``MIN_BAND`` cascades uses all the cascades at that time. Between grid times
the quantiles are interpolated linearly in log time.

The interval never collapses to a point: its low end is at least the reshares seen, its high
end at least one more, since no cascade seen part-way is known to be over.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "BANDS",
    "INTERVAL_GRID",
    "MIN_BAND",
    "IntervalCalibration",
    "band_of",
    "fit_intervals",
]

INTERVAL_GRID: tuple[float, ...] = (300.0, 600.0, 1800.0, 3600.0, 10800.0, 21600.0, 86400.0)
"""Observation times (seconds) the intervals are learned at: 5 min … 1 day."""
BANDS: tuple[int, ...] = (0, 10, 100, 1000)
"""Lower ends of the bands of reshares seen: 0–9, 10–99, 100–999, 1,000 or more."""
MIN_BAND = 19
"""Fewest cascades a band needs for its own quantiles: below 19 the 95 % split-conformal
quantile, the ceil((n + 1) · 0.95)-th smallest of n, does not exist."""
QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)


def band_of(count: float, bands: Sequence[int] = BANDS) -> int:
    """The index of the band ``count`` falls in."""
    index = 0
    for k, low in enumerate(bands):
        if count >= low:
            index = k
    return index


def _quantiles(values: Sequence[float]) -> list[float]:
    """Split-conformal quantiles: the ceil((n + 1) q)-th smallest for q > 0.5 (and its mirror
    below), so that a new cascade is covered at least at the nominal rate."""
    data = np.sort(np.asarray(values, dtype=np.float64))
    n = data.size
    out = []
    for q in QUANTILES:
        rank = min(n, math.ceil((n + 1) * q)) if q >= 0.5 else max(1, math.floor((n + 1) * q))
        out.append(float(data[rank - 1]) if q != 0.5 else float(np.median(data)))
    return out


@dataclass(frozen=True)
class IntervalCalibration:
    """Quantiles of log((final + 1) / (forecast + 1)) per grid time and band of reshares seen."""

    grid: tuple[float, ...]
    bands: tuple[int, ...]
    quantiles: tuple[tuple[tuple[float, ...], ...], ...]  # [time][band][QUANTILES]
    counts: tuple[tuple[int, ...], ...]  # cascades behind each band (0: all cascades used)
    fitted_on: tuple[str, ...] = ()
    sources: tuple[str, ...] = field(default=())
    beats_baseline: tuple[tuple[bool, ...], ...] = ()  # [time][band]; () when not learned

    def beats_no_growth(self, *, observe: float, observed: int) -> bool:
        """Whether, on held-out cascades with this many reshares seen at the grid time nearest
        ``observe`` (in log time), the forecaster's median error was below that of "no
        further growth" (True when that was not learned)."""
        if not self.beats_baseline:
            return True
        grid = np.abs(np.log(self.grid) - math.log(max(observe, 1.0)))
        return self.beats_baseline[int(np.argmin(grid))][band_of(observed, self.bands)]

    def _at(self, observe: float, count: int) -> list[float]:
        band = band_of(count, self.bands)
        at = math.log(max(observe, 1.0))
        grid = np.log(self.grid)
        return [
            float(np.interp(at, grid, [self.quantiles[t][band][k] for t in range(len(self.grid))]))
            for k in range(len(QUANTILES))
        ]

    def intervals(
        self, predicted: float, *, observe: float, observed: int
    ) -> tuple[tuple[float, float], tuple[float, float]]:
        """The (90 %, 50 %) intervals around ``predicted`` for a cascade seen for ``observe``
        seconds with ``observed`` reshares."""
        q05, q25, _, q75, q95 = self._at(observe, observed)
        base = max(predicted, 0.0) + 1.0

        def span(low_q: float, high_q: float) -> tuple[float, float]:
            low = max(float(observed), base * math.exp(low_q) - 1.0)
            high = max(float(observed) + 1.0, base * math.exp(high_q) - 1.0, low)
            return float(low), float(high)

        return span(q05, q95), span(q25, q75)

    def median(self, predicted: float, *, observe: float, observed: int) -> float:
        """The median final size of held-out cascades forecast at ``predicted``."""
        q50 = self._at(observe, observed)[2]
        return max(float(observed), (max(predicted, 0.0) + 1.0) * math.exp(q50) - 1.0)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "rapport-forecast-intervals/1",
            "what": "quantiles of log((final + 1) / (forecast + 1)) of out-of-fold forecasts, "
            "per observation time and band of reshares seen",
            "quantile_levels": list(QUANTILES),
            "grid": list(self.grid),
            "bands": list(self.bands),
            "quantiles": [[list(b) for b in t] for t in self.quantiles],
            "counts": [list(t) for t in self.counts],
            "beats_no_further_growth": [list(t) for t in self.beats_baseline],
            "sources": list(self.sources),
            "fitted_on": list(self.fitted_on),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IntervalCalibration:
        return cls(
            grid=tuple(float(t) for t in data["grid"]),
            bands=tuple(int(b) for b in data["bands"]),
            quantiles=tuple(
                tuple(tuple(float(v) for v in b) for b in t) for t in data["quantiles"]
            ),
            counts=tuple(tuple(int(c) for c in t) for t in data["counts"]),
            fitted_on=tuple(data.get("fitted_on", ())),
            sources=tuple(data.get("sources", ())),
            beats_baseline=tuple(
                tuple(bool(b) for b in t) for t in data.get("beats_no_further_growth", ())
            ),
        )


def fit_intervals(
    residuals: Sequence[Sequence[tuple[int, float]]],
    *,
    grid: tuple[float, ...] = INTERVAL_GRID,
    bands: tuple[int, ...] = BANDS,
    fitted_on: Sequence[str] = (),
    sources: Sequence[str] = (),
    errors: Sequence[Sequence[tuple[int, float, float]]] = (),
) -> IntervalCalibration:
    """``residuals[t]``: (reshares seen, log((final + 1) / (forecast + 1))) of every cascade
    at grid time t, from out-of-fold forecasts; ``errors[t]``: (reshares seen, the forecast's
    APE, the APE of "no further growth"), to learn per band whether the forecaster beats that
    baseline (a band with fewer than ``MIN_BAND`` cascades uses all of them)."""
    beats = []
    for at_time_errors in errors:
        row_beats = []
        for k in range(len(bands)):
            pairs = [(a, b) for c, a, b in at_time_errors if band_of(c, bands) == k]
            if len(pairs) < MIN_BAND:  # as for the quantiles: too few to judge the band
                pairs = [(a, b) for _, a, b in at_time_errors]
            row_beats.append(
                bool(np.median([a for a, _ in pairs]) < np.median([b for _, b in pairs]))
            )
        beats.append(tuple(row_beats))
    quantiles, counts = [], []
    for at_time in residuals:
        pooled = [r for _, r in at_time]
        if not pooled:
            raise ValueError("no cascade to learn the intervals from at a grid time")
        row, sizes = [], []
        for k in range(len(bands)):
            members = [r for c, r in at_time if band_of(c, bands) == k]
            if len(members) >= MIN_BAND:
                row.append(tuple(_quantiles(members)))
                sizes.append(len(members))
            else:
                row.append(tuple(_quantiles(pooled)))
                sizes.append(0)
        quantiles.append(tuple(row))
        counts.append(tuple(sizes))
    return IntervalCalibration(
        grid=grid,
        bands=bands,
        quantiles=tuple(quantiles),
        counts=tuple(counts),
        fitted_on=tuple(fitted_on),
        sources=tuple(sources),
        beats_baseline=tuple(beats),
    )
