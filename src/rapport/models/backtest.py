"""Backtests: forecast many cascades from their first ``observe`` seconds and compare with the
final sizes they reached (science.md §1).

APE = |forecast − final| / final. A cascade the model declines (supercritical) counts as an
error of 1.0 in ``median_ape`` and ``p95_ape``; ``finite_median_ape`` and ``finite_p95_ape``
are over the cascades with a finite forecast only, as science.md §1 reports them. A cascade
with no known final size uses the reshares its file lists; one with a final size of 0 can't
be scored and is listed under ``excluded``.

Besides the errors, a backtest reports the **coverage** of the 50 % and 90 % intervals (the
share of cascades whose final size lies inside; a forecast without such an interval counts
as a miss, and a model that never gives a 50 % interval has ``None``) and the naive
**baselines** scored the same way: "no further growth" (final = reshares seen) and "double
what is seen" (final = 2 × reshares seen). All of it overall and per band of the final size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rapport.models._cascade_core import Cascade
from rapport.models._cascade_forecast import Forecast
from rapport.models._forecast_intervals import IntervalCalibration
from rapport.models.forecast import check_options, hawkes_forecast, seismic_forecasts
from rapport.models.forecaster import Forecaster

__all__ = [
    "BASELINES",
    "FINAL_BANDS",
    "Backtest",
    "BacktestRow",
    "backtest",
    "cross_validate",
    "summarise",
]

FINAL_BANDS: tuple[tuple[str, int, float], ...] = (
    ("1-9", 1, 10),
    ("10-99", 10, 100),
    ("100-999", 100, 1000),
    ("1000-9999", 1000, 10000),
    ("10000+", 10000, math.inf),
)
"""Bands of the final size the scores are split by: (name, lowest, above the highest)."""
BASELINES: tuple[tuple[str, float], ...] = (
    ("no_further_growth", 1.0),
    ("double_what_is_seen", 2.0),
)
"""The naive forecasts: final = factor × reshares seen."""


def _covered(interval: tuple[float, float | None] | None, final: int) -> bool:
    if interval is None:
        return False
    low, high = interval
    return low <= final and (high is None or final <= high)


def _quantile(values: Sequence[float], q: float) -> float | None:
    return float(np.quantile(np.asarray(values, dtype=np.float64), q)) if values else None


def _scores(rows: Sequence[BacktestRow]) -> dict[str, Any]:
    """n, median and p95 APE, interval coverage and the baselines of ``rows``."""
    apes = [r.ape for r in rows]
    with_50 = any(r.forecast.interval_50 is not None for r in rows)
    n = len(rows)
    coverage: dict[str, float | None] = {
        "50": sum(_covered(r.forecast.interval_50, r.final) for r in rows) / n
        if n and with_50
        else None,
        "90": sum(
            _covered(r.forecast.interval, r.final)
            for r in rows
            if math.isclose(r.forecast.interval_level, 0.9)
        )
        / n
        if n
        else None,
    }
    baselines = {}
    for name, factor in BASELINES:
        errors = [abs(factor * r.forecast.observed - r.final) / r.final for r in rows]
        baselines[name] = {"median_ape": _quantile(errors, 0.5), "p95_ape": _quantile(errors, 0.95)}
    return {
        "n": n,
        "median_ape": _quantile(apes, 0.5),
        "p95_ape": _quantile(apes, 0.95),
        "coverage": coverage,
        "baselines": baselines,
    }


@dataclass(frozen=True)
class BacktestRow:
    forecast: Forecast
    final: int
    ape: float  # 1.0 where the model declined

    def to_dict(self) -> dict[str, Any]:
        row = self.forecast.to_dict()
        return {**row, "final": self.final, "ape": self.ape}


@dataclass(frozen=True)
class Backtest:
    """A forecaster measured on cascades whose end is known: each cascade's forecast and
    error, and the median and 95th-percentile absolute percentage error."""

    model: str
    observe: float
    rows: tuple[BacktestRow, ...]
    excluded: tuple[str, ...] = ()
    in_training: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def n(self) -> int:
        return len(self.rows)

    @property
    def supercritical(self) -> int:
        return sum(1 for r in self.rows if r.forecast.supercritical)

    def _errors(self, *, finite_only: bool) -> np.ndarray:
        return np.array(
            [r.ape for r in self.rows if not (finite_only and r.forecast.supercritical)],
            dtype=np.float64,
        )

    def quantile(self, q: float, *, finite_only: bool = False) -> float | None:
        errors = self._errors(finite_only=finite_only)
        return float(np.quantile(errors, q)) if errors.size else None

    @property
    def median_ape(self) -> float | None:
        return self.quantile(0.5)

    @property
    def p95_ape(self) -> float | None:
        return self.quantile(0.95)

    @property
    def coverage(self) -> dict[str, float | None]:
        """Share of finals inside the 50 % and 90 % intervals (keys "50" and "90")."""
        result: dict[str, float | None] = _scores(self.rows)["coverage"]
        return result

    @property
    def baselines(self) -> dict[str, dict[str, float | None]]:
        """Median and p95 APE of the naive forecasts, by name."""
        result: dict[str, dict[str, float | None]] = _scores(self.rows)["baselines"]
        return result

    @property
    def bands(self) -> dict[str, dict[str, Any]]:
        """The scores per band of the final size (bands without a cascade left out)."""
        out = {}
        for name, low, high in FINAL_BANDS:
            rows = [r for r in self.rows if low <= r.final < high]
            if rows:
                out[name] = _scores(rows)
        return out

    def to_dict(self) -> dict[str, Any]:
        overall = _scores(self.rows)
        return {
            "n": self.n,
            "median_ape": self.median_ape,
            "p95_ape": self.p95_ape,
            "coverage": overall["coverage"],
            "baselines": overall["baselines"],
            "bands": self.bands,
            "supercritical": self.supercritical,
            "supercritical_share": self.supercritical / self.n if self.n else None,
            "finite_median_ape": self.quantile(0.5, finite_only=True),
            "finite_p95_ape": self.quantile(0.95, finite_only=True),
            "model": self.model,
            "observe_seconds": float(self.observe),
            "in_training": self.in_training,
            "excluded": list(self.excluded),
            "notes": list(self.notes),
            "rows": [r.to_dict() for r in self.rows],
        }


def summarise(
    forecasts: Sequence[Forecast], cascades: Sequence[Cascade], *, model: str, observe: float
) -> Backtest:
    """Score forecasts against the cascades' final sizes."""
    rows, excluded = [], []
    for result, cascade in zip(forecasts, cascades, strict=True):
        final = cascade.eventual_size
        if final <= 0:
            excluded.append(cascade.id)
            continue
        if result.predicted_final is None or not math.isfinite(result.predicted_final):
            ape = 1.0
        else:
            ape = abs(result.predicted_final - final) / final
        rows.append(BacktestRow(result, final, float(ape)))
    return Backtest(model=model, observe=observe, rows=tuple(rows), excluded=tuple(excluded))


def backtest(cascades: Sequence[Cascade], *, observe: float, model: str = "auto") -> Backtest:
    """Forecast every cascade from its first ``observe`` seconds and score it."""
    check_options(observe, model)
    notes: tuple[str, ...] = ()
    in_training = 0
    if model == "auto":
        forecaster = Forecaster.shipped()
        forecasts = forecaster.forecast_many(cascades, observe=observe)
        trained = set(forecaster.training_ids_)
        intervals: IntervalCalibration | None = getattr(forecaster, "intervals_", None)
        if intervals is not None:
            trained |= set(intervals.fitted_on)
        in_training = sum(1 for c in cascades if c.id in trained)
        if in_training:
            notes = (
                f"{in_training} cascades have the ids of cascades the forecaster or its "
                "intervals were learned from: for them this is an in-sample score (the "
                "held-out figures are in docs/forecasting.md)",
            )
    elif model == "seismic":
        forecasts = seismic_forecasts(cascades, observe=observe)
    else:
        forecasts = [hawkes_forecast(c, observe=observe) for c in cascades]
    result = summarise(forecasts, cascades, model=model, observe=observe)
    return Backtest(
        model=result.model,
        observe=observe,
        rows=result.rows,
        excluded=result.excluded,
        in_training=in_training,
        notes=notes,
    )


def cross_validate(cascades: Sequence[Cascade], *, observe: float) -> Backtest:
    """The default forecaster scored out of sample: each cascade is forecast by a forecaster
    whose calibration was learned, at exactly ``observe``, from all the other cascades
    (leave-one-out). Every cascade needs a known final size."""
    check_options(observe, "auto")
    forecasts = []
    for i, cascade in enumerate(cascades):
        others = [c for k, c in enumerate(cascades) if k != i]
        model = Forecaster(grid=(observe,), loo_intervals=False).fit(others)
        forecasts.append(model.forecast(cascade, observe=observe))
    result = summarise(forecasts, cascades, model="auto (leave-one-out)", observe=observe)
    note = "each cascade forecast by a calibration learned without it (leave-one-out)"
    return Backtest(
        model=result.model,
        observe=observe,
        rows=result.rows,
        excluded=result.excluded,
        notes=(note,),
    )
