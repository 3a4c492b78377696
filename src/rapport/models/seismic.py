"""SEISMIC (Zhao et al., KDD 2015), exactly as science.md §3.1 gives it.

For a cascade observed up to time t:

* the memory kernel φ (constant c up to s0 = 5 min, then a power law with exponent 1 + θ)
  says when the followers exposed by an event reshare, if they do;
* the infectiousness p̂_t is the reshares in a triangular window before t divided by the
  exposure that window saw, Σ_i n_i ∫ K_t φ (the five-case closed form);
* the final size is R̂_∞ = R_t + p̂_t Σ_i n_i Φ̄(t − t_i) / (1 − p̂_t n*), and the post is
  **supercritical** (no finite forecast) when R = p̂_t n* ≥ 1.

The interval is the two-sided ``interval_level`` (default 90 %: each end a one-sided 95 %
bound) chi-square interval of p̂_t carried through the final-size formula. Everything runs
vectorised over many cascades and many observation times (:func:`seismic_predict`);
:func:`seismic_predict_loop` is the plain per-cascade loop of the same closed forms.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np

from rapport.models._cascade_core import Cascade, CascadeBatch, FloatArray
from rapport.models._seismic_kernel import (
    SeismicParams,
    memory_ccdf,
    memory_kernel,
    window_integral,
)
from rapport.models._seismic_loop import seismic_loop
from rapport.models._seismic_vector import SeismicArrays, seismic_vectorised
from rapport.models.base import Estimator, check_is_fitted

__all__ = [
    "Seismic",
    "SeismicArrays",
    "SeismicParams",
    "memory_ccdf",
    "memory_kernel",
    "seismic_predict",
    "seismic_predict_loop",
    "window_integral",
]

_DEFAULTS = SeismicParams()


def _times(observe: float | Sequence[float] | FloatArray) -> FloatArray:
    return np.atleast_1d(np.asarray(observe, dtype=np.float64)).reshape(-1)


def seismic_predict(
    cascades: Sequence[Cascade] | CascadeBatch,
    observe: float | Sequence[float] | FloatArray,
    *,
    params: SeismicParams = _DEFAULTS,
    threads: int | None = None,
) -> SeismicArrays:
    """SEISMIC for every cascade at every observation time (seconds after the post).

    Returns arrays shaped (cascades, times). Vectorised: no Python loop over cascades or
    events; ``threads`` (default: CPU count, at most 4) share the chunks of work.
    """
    batch = cascades if isinstance(cascades, CascadeBatch) else CascadeBatch.from_cascades(cascades)
    times = _times(observe)
    index = np.repeat(np.arange(batch.count, dtype=np.int64), times.size)
    result = seismic_vectorised(
        batch, index, np.tile(times, batch.count), params.validate(), threads=threads
    )
    return result.reshape((batch.count, times.size))


def seismic_predict_loop(
    cascades: Sequence[Cascade],
    observe: float | Sequence[float] | FloatArray,
    *,
    params: SeismicParams = _DEFAULTS,
) -> SeismicArrays:
    """The same numbers as :func:`seismic_predict`, by a plain per-cascade, per-event loop."""
    return seismic_loop(cascades, _times(observe).tolist(), params.validate())


class Seismic(Estimator):
    """SEISMIC as an estimator: its constants are hyper-parameters; nothing is learned from
    data (``fit`` validates them). ``n_star`` is the average number of followers a reshare
    reaches (100 in the R package)."""

    def __init__(
        self,
        *,
        theta: float = _DEFAULTS.theta,
        s0: float = _DEFAULTS.s0,
        c: float = _DEFAULTS.c,
        n_star: float = _DEFAULTS.n_star,
        max_window: float = _DEFAULTS.max_window,
        min_window: float = _DEFAULTS.min_window,
        min_count: int = _DEFAULTS.min_count,
        interval_level: float = _DEFAULTS.interval_level,
    ) -> None:
        self.theta = theta
        self.s0 = s0
        self.c = c
        self.n_star = n_star
        self.max_window = max_window
        self.min_window = min_window
        self.min_count = min_count
        self.interval_level = interval_level

    def fit(self, cascades: Sequence[Cascade] | None = None) -> Self:
        """Validate the constants (no cascades are needed); returns self."""
        params = SeismicParams(**self.get_params()).validate()
        if cascades is not None:
            CascadeBatch.from_cascades(cascades)  # every cascade must know its followers
        self.params_ = params
        self.kernel_mass_ = params.kernel_mass
        return self

    def predict(
        self,
        cascades: Sequence[Cascade],
        *,
        observe: float | Sequence[float] | FloatArray,
    ) -> SeismicArrays:
        """Final-size forecasts, arrays shaped (cascades, observation times)."""
        check_is_fitted(self, "params_")
        return seismic_predict(cascades, observe, params=self.params_)
