"""rapport's default forecaster: SEISMIC calibrated on RT1–RT50, with a fallback for what the
calibration has not seen.

* Cascades with follower counts and at least as many reshares as the smallest training
  cascade had at that time: calibrated SEISMIC (:mod:`rapport.models._seismic_calibration`),
  final = R exp(b0 + b1 log(S/R)); SEISMIC's own supercritical cases get a finite forecast
  (r capped at ``r_cap`` inside the feature) with no finite upper end to the interval.
* Fewer reshares than that: plain SEISMIC, said so in the notes (the calibration was learned
  on cascades that all reached at least 2,000 reshares).
* No follower counts (CasFlow paths): the growth-ratio prior final = R exp(g(τ)) learned
  from the same cascades.

The interval is the 5–95 % spread of the leave-one-out errors at that observation time;
the shipped forecaster replaces it with the 90 % and 50 % intervals learned from held-out
cascades (:mod:`rapport.models.forecast_intervals`), and below the calibration its forecast
is the held-out median.
What is learned ships in ``rapport/models/data/forecaster.json``; :meth:`Forecaster.shipped`
loads it. Regenerate it with ``python -m rapport.models.forecaster FOLDER``.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Self

import numpy as np
from scipy import optimize  # type: ignore[import-untyped, unused-ignore]

from rapport.errors import UsageError
from rapport.models._cascade_core import Cascade, FloatArray
from rapport.models._cascade_forecast import Forecast
from rapport.models._forecast_intervals import IntervalCalibration
from rapport.models._seismic_calibration import (
    CalibrationPoint,
    fit_point,
    growth_feature,
    interpolate,
    loo_predictions,
)
from rapport.models.base import Estimator, check_is_fitted
from rapport.models.hawkes import n_star_prior
from rapport.models.seismic import SeismicArrays, SeismicParams, seismic_predict

__all__ = ["GRID", "Forecaster"]

GRID: tuple[float, ...] = (
    300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0, 43200.0, 86400.0, 172800.0,
)  # fmt: skip
"""Observation times (seconds) the calibration is learned at: 5 min … 2 days."""
MODEL_NAME = "rapport"
WEAK_PRIOR = (0.0, 1.5)
"""logit n* ~ N(0, 1.5²) when no prior was learned."""


def _median_ape(predicted: FloatArray | float, final: FloatArray) -> float:
    return float(np.median(np.abs(predicted - final) / final))


def _duration(seconds: float) -> str:
    """``3600`` → ``1 h``, ``211178`` → ``2.4 days``: an observation time people can read."""
    for unit, size in (("days", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:g} s"


def _growth_prior(observed: FloatArray, final: FloatArray) -> float:
    """log growth g minimising the mean APE of observed · e^g."""
    result = optimize.minimize_scalar(
        lambda g: float(np.mean(np.abs(observed * math.exp(g) - final) / final)),
        bounds=(-1.0, 8.0),
        method="bounded",
        options={"xatol": 1e-9},
    )
    return float(result.x)


class Forecaster(Estimator):
    """The default forecaster; ``fit`` learns the calibration from cascades whose final size
    is known (RT1–RT50 for the shipped parameters).

    ``loo_intervals``: the interval from leave-one-out errors (else in-sample ones, faster).
    ``hawkes_prior_observe``: also learn the prior on the Hawkes n* from maximum-likelihood
    fits at this observation time (minutes of fitting); None keeps a weak prior,
    logit n* ~ N(0, 1.5²).
    """

    def __init__(
        self,
        *,
        grid: tuple[float, ...] = GRID,
        r_cap: float = 0.95,
        interval_level: float = 0.90,
        n_star: float = 100.0,
        loo_intervals: bool = True,
        hawkes_prior_observe: float | None = None,
    ) -> None:
        self.grid = grid
        self.r_cap = r_cap
        self.interval_level = interval_level
        self.n_star = n_star
        self.loo_intervals = loo_intervals
        self.hawkes_prior_observe = hawkes_prior_observe

    @property
    def _seismic(self) -> SeismicParams:
        return SeismicParams(n_star=self.n_star, interval_level=self.interval_level)

    def fit(self, cascades: Sequence[Cascade]) -> Self:
        """Learn the calibration and the growth prior at every grid time."""
        if len(cascades) < 5:
            raise UsageError("the forecaster needs at least 5 training cascades")
        for cascade in cascades:
            if cascade.final_size is None or cascade.final_size == 0:
                raise UsageError(f"training cascade {cascade.id!r} has no known final size > 0")
        final = np.array([c.eventual_size for c in cascades], dtype=np.float64)
        arrays = seismic_predict(cascades, self.grid, params=self._seismic)
        tail = (1.0 - self.interval_level) / 2.0
        points, priors = [], []
        for j, observe in enumerate(self.grid):
            column = arrays.column(j)
            observed, growth = growth_feature(column, r_cap=self.r_cap)
            b0, b1 = fit_point(observed, growth, final)
            in_sample = observed * np.exp(b0 + b1 * growth)
            loo = loo_predictions(observed, growth, final) if self.loo_intervals else in_sample
            residuals = np.log(final / loo)
            seismic_ape = np.where(column.supercritical, 1.0, np.abs(column.final - final) / final)
            points.append(
                CalibrationPoint(
                    observe=observe,
                    intercept=b0,
                    slope=b1,
                    residual_low=float(np.quantile(residuals, tail)),
                    residual_high=float(np.quantile(residuals, 1.0 - tail)),
                    min_observed=int(column.observed.min()),
                    cascades=len(cascades),
                    in_sample_median_ape=float(np.median(np.abs(in_sample - final) / final)),
                    loo_median_ape=float(np.median(np.abs(loo - final) / final)),
                    seismic_median_ape=float(np.median(seismic_ape)),
                )
            )
            g = _growth_prior(observed, final)
            loo_g = np.full(final.size, g)
            if self.loo_intervals:
                loo_g = np.array(
                    [
                        _growth_prior(np.delete(observed, i), np.delete(final, i))
                        for i in range(final.size)
                    ]
                )
            spread = np.log(final / (observed * np.exp(loo_g)))
            priors.append(
                CalibrationPoint(
                    observe=observe,
                    intercept=g,
                    slope=0.0,
                    residual_low=float(np.quantile(spread, tail)),
                    residual_high=float(np.quantile(spread, 1.0 - tail)),
                    min_observed=int(column.observed.min()),
                    cascades=len(cascades),
                    in_sample_median_ape=_median_ape(observed * math.exp(g), final),
                    loo_median_ape=_median_ape(observed * np.exp(loo_g), final),
                    seismic_median_ape=float(np.median(seismic_ape)),
                )
            )
        self.points_ = tuple(points)
        self.growth_prior_ = tuple(priors)
        self.training_ids_ = tuple(c.id for c in cascades)
        self.hawkes_prior_ = WEAK_PRIOR
        self.hawkes_prior_fits_ = 0
        if self.hawkes_prior_observe is not None:
            mean, sd, count = n_star_prior(cascades, observe=self.hawkes_prior_observe)
            self.hawkes_prior_ = (mean, sd)
            self.hawkes_prior_fits_ = count
        return self

    # -- forecasting --------------------------------------------------------------------------
    def forecast_many(self, cascades: Sequence[Cascade], *, observe: float) -> list[Forecast]:
        """Forecasts for many cascades at one observation time (SEISMIC vectorised)."""
        check_is_fitted(self, "points_")
        seen = [c.until(observe) for c in cascades]
        with_counts = [
            i
            for i, c in enumerate(seen)
            if c.followers is not None and c.poster_followers is not None
        ]
        results: list[Forecast | None] = [None] * len(seen)
        if with_counts:
            arrays = seismic_predict(
                [seen[i] for i in with_counts], [observe], params=self._seismic
            )
            flat = arrays.reshape((len(with_counts),))
            observed, growth = growth_feature(flat, r_cap=self.r_cap)
            at = interpolate(self.points_, observe)
            for k, i in enumerate(with_counts):
                results[i] = self._calibrated(seen[i], observe, at, flat, k, observed[k], growth[k])
        for i, cascade in enumerate(seen):
            if results[i] is None:
                results[i] = self._growth_only(cascade, observe)
        done = [r for r in results if r is not None]
        intervals: IntervalCalibration | None = getattr(self, "intervals_", None)
        if intervals is None:
            return done
        return [self._with_intervals(r, intervals) for r in done]

    @staticmethod
    def _with_intervals(result: Forecast, intervals: IntervalCalibration) -> Forecast:
        """The 90 % and 50 % intervals learned from held-out cascades; an open upper end
        (near-critical) stays open."""
        if result.predicted_final is None:
            return result
        wide, middle = intervals.intervals(
            result.predicted_final, observe=result.observe, observed=result.observed
        )
        open_above = result.interval is not None and result.interval[1] is None
        note = (
            f"intervals learned from {len(intervals.fitted_on)} cascades whose end is known, "
            "forecast without them"
        )
        predicted = result.predicted_final
        notes = [*result.notes, note]
        if result.model == "seismic":  # below the calibration: plain SEISMIC is biased low
            predicted = intervals.median(
                predicted, observe=result.observe, observed=result.observed
            )
            notes.append(
                "forecast: the median final of held-out cascades that plain SEISMIC forecast alike"
            )
        if not intervals.beats_no_growth(observe=result.observe, observed=result.observed):
            predicted = float(result.observed)
            notes.append(
                "on held-out cascades with this many reshares at this time the forecaster did "
                'not beat "no further growth", so the forecast is that baseline: the reshares '
                "so far (the interval still comes from the forecaster)"
            )
        return replace(
            result,
            predicted_final=predicted,
            interval=(wide[0], None if open_above else wide[1]),
            interval_50=middle,
            notes=tuple(notes),
        )

    def with_intervals(self, intervals: IntervalCalibration | None) -> Self:
        """Use ``intervals`` (learned from held-out cascades) for every forecast's 90 % and
        50 % intervals; None keeps the models' own intervals."""
        self.intervals_ = intervals
        return self

    def forecast(self, cascade: Cascade, *, observe: float) -> Forecast:
        return self.forecast_many([cascade], observe=observe)[0]

    def _calibrated(
        self,
        cascade: Cascade,
        observe: float,
        at: dict[str, float],
        flat: SeismicArrays,
        k: int,
        observed: float,
        growth: float,
    ) -> Forecast:
        count = int(flat.observed[k])
        r = float(flat.r[k])
        seismic_super = bool(flat.supercritical[k])
        if count < max(at["min_observed"], 1):
            plain = (float(flat.final_low[k]), float(flat.final_high[k]))
            return Forecast(
                id=cascade.id,
                observe=observe,
                observed=count,
                predicted_final=None if seismic_super else float(flat.final[k]),
                interval=None if seismic_super else plain,
                interval_level=self.interval_level,
                supercritical=seismic_super,
                r=r,
                model="seismic",
                notes=(
                    f"{count} reshares in {_duration(observe)}: fewer than any training "
                    "cascade had "
                    f"({at['min_observed']:.0f}), so plain SEISMIC, uncalibrated",
                ),
            )
        predicted = observed * math.exp(at["intercept"] + at["slope"] * growth)
        low = max(float(count), predicted * math.exp(at["residual_low"]))
        high: float | None = predicted * math.exp(at["residual_high"])
        notes = [f"calibrated SEISMIC (b0 = {at['intercept']:.3f}, b1 = {at['slope']:.3f})"]
        if seismic_super or r >= self.r_cap:
            high = None
            notes.append(
                f"SEISMIC alone is supercritical or nearly (R = {r:.2f}); R capped at "
                f"{self.r_cap} in the calibration, no finite upper end"
            )
        return Forecast(
            id=cascade.id,
            observe=observe,
            observed=count,
            predicted_final=predicted,
            interval=(low, high),
            interval_level=self.interval_level,
            supercritical=False,
            r=r,
            model=MODEL_NAME,
            near_critical=r >= self.r_cap,
            notes=tuple(notes),
        )

    def _growth_only(self, cascade: Cascade, observe: float) -> Forecast:
        at = interpolate(self.growth_prior_, observe)
        count = cascade.observed(observe)
        predicted = count * math.exp(at["intercept"])
        low = max(float(count), predicted * math.exp(at["residual_low"]))
        return Forecast(
            id=cascade.id,
            observe=observe,
            observed=count,
            predicted_final=predicted,
            interval=(low, predicted * math.exp(at["residual_high"])),
            interval_level=self.interval_level,
            supercritical=False,
            r=None,
            model=f"{MODEL_NAME}-growth-prior",
            notes=("no follower counts: the growth ratio learned from the training cascades",),
        )

    # -- shipping -----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        check_is_fitted(self, "points_")
        return {
            "format": "rapport-forecaster/1",
            "params": {**self.get_params(), "grid": list(self.grid)},
            "training": list(self.training_ids_),
            "calibration": [p.to_dict() for p in self.points_],
            "growth_prior": [p.to_dict() for p in self.growth_prior_],
            "hawkes_prior": {
                "mean_logit_n_star": self.hawkes_prior_[0],
                "sd_logit_n_star": self.hawkes_prior_[1],
                "fits": self.hawkes_prior_fits_,
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Forecaster:
        params = dict(data["params"])
        params["grid"] = tuple(params["grid"])
        model = cls(**params)
        model.points_ = tuple(_point(p) for p in data["calibration"])
        model.growth_prior_ = tuple(_point(p) for p in data["growth_prior"])
        model.training_ids_ = tuple(data["training"])
        prior = data["hawkes_prior"]
        model.hawkes_prior_ = (float(prior["mean_logit_n_star"]), float(prior["sd_logit_n_star"]))
        model.hawkes_prior_fits_ = int(prior["fits"])
        return model

    @classmethod
    def shipped(cls) -> Forecaster:
        """The forecaster learned from RT1–RT50, as shipped in the package."""
        return _shipped()


def _point(data: dict[str, Any]) -> CalibrationPoint:
    counts = {"min_observed", "cascades"}
    values = {k: float(v) for k, v in data.items() if k not in counts}
    return CalibrationPoint(
        **values, min_observed=int(data["min_observed"]), cascades=int(data["cascades"])
    )


@cache
def _shipped() -> Forecaster:
    data = resources.files("rapport.models").joinpath("data")
    model = Forecaster.from_json(json.loads(data.joinpath("forecaster.json").read_text("utf-8")))
    intervals = json.loads(data.joinpath("forecast_intervals.json").read_text("utf-8"))
    return model.with_intervals(IntervalCalibration.from_json(intervals))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m rapport.models.forecaster FOLDER [OUT] [--hawkes-prior]``: learn the
    parameters (with ``--hawkes-prior`` also the n* prior, from Hawkes fits at 1 h)."""
    from rapport.models.cascades import read_cascades

    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print(
            "usage: python -m rapport.models.forecaster TRAINING_FOLDER [OUT.json] [--hawkes-prior]"
        )
        return 2
    learn_prior = "--hawkes-prior" in args
    args = [a for a in args if a != "--hawkes-prior"]
    model = Forecaster(hawkes_prior_observe=3600.0 if learn_prior else None)
    model.fit(read_cascades(Path(args[0])))
    text = json.dumps(model.to_json(), indent=1) + "\n"
    if len(args) > 1:
        Path(args[1]).write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
