"""Backtests: forecast many cascades from their first ``observe`` seconds and compare with the
final sizes they reached (science.md §1).

APE = |forecast − final| / final. A cascade the model declines (supercritical) counts as an
error of 1.0 in ``median_ape`` and ``p95_ape``; ``finite_median_ape`` and ``finite_p95_ape``
are over the cascades with a finite forecast only, as science.md §1 reports them. A cascade
with no known final size uses the reshares its file lists; one with a final size of 0 can't
be scored and is listed under ``excluded``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rapport.models._cascade_core import Cascade
from rapport.models._cascade_forecast import Forecast
from rapport.models.forecast import check_options, hawkes_forecast, seismic_forecasts
from rapport.models.forecaster import Forecaster

__all__ = ["Backtest", "BacktestRow", "backtest", "cross_validate", "summarise"]


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "median_ape": self.median_ape,
            "p95_ape": self.p95_ape,
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
        in_training = sum(1 for c in cascades if c.id in trained)
        if in_training:
            notes = (
                f"{in_training} cascades have the ids of the forecaster's training cascades "
                "(RT1–RT50): for them this is an in-sample score",
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
