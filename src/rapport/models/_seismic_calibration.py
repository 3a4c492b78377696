"""The learned part of rapport's forecaster: a per-observation-time calibration of SEISMIC.

At each grid time τ the forecast is

    final = R · exp(b0(τ) + b1(τ) · log(S / R)),     S = R + A / (1 − min(r, r_cap))

with R the reshares observed, A = p̂ Σ n_i Φ̄ SEISMIC's expected direct reshares still to
come, r = p̂ n* and S SEISMIC's own final size with r capped below 1 (so a supercritical
SEISMIC still gives a finite feature). b1 = 1, b0 = 0 is plain SEISMIC; b1 = 0 is a pure
growth-ratio prior. The form is scale-free: a cascade k times larger gets a forecast k times
larger, so the calibration cannot simply learn the training cascades' typical final size.

(b0, b1) minimise the mean absolute percentage error over the training cascades at τ; the
interval is the spread of the leave-one-out log errors at τ. Between grid times everything
is interpolated linearly in log τ, and held constant beyond the ends.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import optimize  # type: ignore[import-untyped, unused-ignore]

from rapport.models._cascade_core import FloatArray
from rapport.models._seismic_vector import SeismicArrays

__all__ = ["CalibrationPoint", "fit_point", "growth_feature", "interpolate", "loo_predictions"]


@dataclass(frozen=True)
class CalibrationPoint:
    """What was learned at one observation time (seconds after the post)."""

    observe: float
    intercept: float
    slope: float
    residual_low: float  # quantile of leave-one-out log(final / forecast)
    residual_high: float
    min_observed: int  # the fewest reshares any training cascade had at this time
    cascades: int
    in_sample_median_ape: float
    loo_median_ape: float
    seismic_median_ape: float

    def to_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


def growth_feature(arrays: SeismicArrays, *, r_cap: float) -> tuple[FloatArray, FloatArray]:
    """(R, log(S / R)) with R floored at 1 and r capped at ``r_cap``."""
    observed = np.maximum(arrays.observed.astype(np.float64), 1.0)
    direct = arrays.infectiousness * arrays.exposure
    capped = np.minimum(arrays.r, r_cap)
    seismic = arrays.observed + direct / (1.0 - capped)
    return observed, np.log(np.maximum(seismic, 1.0) / observed)


def _ape(prediction: FloatArray, final: FloatArray) -> FloatArray:
    return np.abs(prediction - final) / final


def fit_point(observed: FloatArray, growth: FloatArray, final: FloatArray) -> tuple[float, float]:
    """(b0, b1) minimising the mean APE of observed · exp(b0 + b1 · growth)."""
    target = np.log(final / observed)
    design = np.column_stack([np.ones_like(growth), growth])
    start = np.linalg.lstsq(design, target, rcond=None)[0]

    def loss(b: FloatArray) -> float:
        return float(np.mean(_ape(observed * np.exp(design @ b), final)))

    best = optimize.minimize(
        loss, start, method="Nelder-Mead", options={"xatol": 1e-7, "fatol": 1e-10, "maxiter": 4000}
    )
    return float(best.x[0]), float(best.x[1])


def loo_predictions(observed: FloatArray, growth: FloatArray, final: FloatArray) -> FloatArray:
    """Each cascade's forecast from the calibration fitted on all the others."""
    out = np.empty_like(final)
    for i in range(final.size):
        keep = np.arange(final.size) != i
        b0, b1 = fit_point(observed[keep], growth[keep], final[keep])
        out[i] = observed[i] * math.exp(b0 + b1 * growth[i])
    return out


def interpolate(points: Sequence[CalibrationPoint], observe: float) -> dict[str, float]:
    """The calibration at ``observe`` seconds: linear in log time between grid points."""
    grid = np.log([p.observe for p in points])
    at = math.log(max(observe, 1.0))
    names = ("intercept", "slope", "residual_low", "residual_high", "min_observed")
    return {name: float(np.interp(at, grid, [getattr(p, name) for p in points])) for name in names}
