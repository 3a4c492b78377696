"""The marked Hawkes process of Mishra, Rizoiu and Xie (CIKM 2016), science.md §3.2.

Intensity λ(t) = Σ_{t_i < t} κ m_i^β φ(t − t_i) over the events so far (the original post
included, no background rate), with the power-law kernel φ(s) = (s + c)^-(1+θ) or the
exponential kernel φ(s) = θ e^-θs. Fitted by maximum likelihood on the window [0, T], T the
observation time (the censored likelihood; the R code's T = last event time is not used),
with L-BFGS-B from several seeded starts, n* < 1 enforced as a bound on log n*.

* branching factor n* = κ (α − 1)/(α − β − 1) ∫φ, α = 2.016;
* expected direct reshares still to come A1 = κ Σ_i m_i^β ∫_T^∞ φ(s − t_i) ds;
* final size (reshares) = R_T + A1 / (1 − n*); supercritical when n* ≥ 1.

Near-critical fits (n* ≥ ``near_critical`` or a likelihood so flat in n* that its interval
reaches 1) are flagged, and their interval is widened to the upper end of n*; the default
forecaster (:mod:`rapport.models.forecaster`) then leans on its learned prior instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
from scipy import optimize, stats  # type: ignore[import-untyped, unused-ignore]

from rapport.errors import UsageError
from rapport.models._cascade_core import Cascade, FloatArray
from rapport.models._cascade_inflight import future_quantile
from rapport.models._hawkes_likelihood import (
    ALPHA,
    BETA_MAX,
    C_BOUNDS,
    THETA_BOUNDS,
    EventSet,
    events_of,
    exp_loglik,
    power_loglik,
)
from rapport.models._hawkes_simulate import branching_factor, simulate_hawkes
from rapport.models.base import Estimator, check_is_fitted

__all__ = [
    "HawkesForecast",
    "MarkedHawkes",
    "branching_factor",
    "n_star_prior",
    "select_kernel",
    "simulate_hawkes",
]

KERNELS = ("power", "exponential")
_N_STAR_FLOOR = 1e-4


@dataclass(frozen=True)
class HawkesForecast:
    """One cascade's forecast at one observation time (counts are reshares)."""

    observed: int
    expected_direct: float
    n_star: float
    final: float  # NaN when supercritical
    interval: tuple[float, float] | None  # high = +inf: no finite upper bound
    supercritical: bool
    near_critical: bool


def _horizon(cascade: Cascade, observe: float | None) -> float:
    if observe is not None:
        return float(observe)
    if cascade.horizon is not None:
        return float(cascade.horizon)
    return float(cascade.times[-1]) if cascade.size else 0.0


class MarkedHawkes(Estimator):
    """Marked Hawkes process fitted by maximum likelihood to one or more cascades.

    ``fit`` fits one parameter set to all the cascades given, each observed up to
    ``observe`` seconds (or its horizon). ``n_star_prior`` = (mean, sd) of logit n* adds a
    normal prior (a MAP fit), which the default forecaster learns from training cascades.
    """

    def __init__(
        self,
        *,
        kernel: str = "power",
        alpha: float = ALPHA,
        n_starts: int = 8,
        seed: int = 0,
        subcritical: bool = True,
        near_critical: float = 0.95,
        interval_level: float = 0.90,
        n_star_prior: tuple[float, float] | None = None,
        max_iter: int = 300,
    ) -> None:
        self.kernel = kernel
        self.alpha = alpha
        self.n_starts = n_starts
        self.seed = seed
        self.subcritical = subcritical
        self.near_critical = near_critical
        self.interval_level = interval_level
        self.n_star_prior = n_star_prior
        self.max_iter = max_iter

    # -- fitting ------------------------------------------------------------------------------
    def _bounds(self, marks_known: bool) -> list[tuple[float, float]]:
        top = math.log(1.0 - 1e-6) if self.subcritical else math.log(50.0)
        beta = (0.0, BETA_MAX) if marks_known else (0.0, 0.0)
        bounds = [(math.log(_N_STAR_FLOOR), top), beta]
        if self.kernel == "power":
            bounds.append((math.log(C_BOUNDS[0]), math.log(C_BOUNDS[1])))
        bounds.append((math.log(THETA_BOUNDS[0]), math.log(THETA_BOUNDS[1])))
        return bounds

    def _starts(self, bounds: list[tuple[float, float]]) -> list[FloatArray]:
        fixed = [
            (0.5, 0.5, 10.0, 0.5, 1e-3),
            (0.8, 0.2, 60.0, 0.3, 1e-4),
            (0.3, 0.8, 1.0, 1.0, 1e-2),
        ]
        rng = np.random.default_rng(self.seed)
        points = []
        for k in range(max(self.n_starts, 1)):
            if k < len(fixed):
                n, b, c, th, rate = fixed[k]
            else:
                n, b = rng.uniform(0.05, 0.95), rng.uniform(0.0, 1.0)
                c, th = 10 ** rng.uniform(-1, 3), 10 ** rng.uniform(-1.3, 0.3)
                rate = 10 ** rng.uniform(-5, -1)
            x = [math.log(n), b, math.log(c), math.log(th)]
            if self.kernel == "exponential":
                x = [math.log(n), b, math.log(rate)]
            points.append(np.clip(np.array(x), [lo for lo, _ in bounds], [hi for _, hi in bounds]))
        return points

    def _objective(self, data: Sequence[EventSet]) -> Any:
        prior = self.n_star_prior

        def penalty(x: FloatArray) -> tuple[float, float]:
            if prior is None:
                return 0.0, 0.0
            n = min(math.exp(x[0]), 1.0 - 1e-12)
            logit = math.log(n / (1.0 - n))
            mean, sd = prior
            return -((logit - mean) ** 2) / (2 * sd * sd), -(logit - mean) / (sd * sd * (1 - n))

        if self.kernel == "power":

            def negative(x: FloatArray) -> tuple[float, FloatArray]:
                value, grad = power_loglik(x, data, alpha=self.alpha)
                extra, d_eta = penalty(x)
                grad = grad.copy()
                grad[0] += d_eta
                return -(value + extra), -grad

            return negative

        def negative_exp(x: FloatArray) -> float:
            return -(exp_loglik(x, data, alpha=self.alpha) + penalty(x)[0])

        return negative_exp

    def fit(self, cascades: Sequence[Cascade], *, observe: float | None = None) -> Self:
        """Fit to ``cascades`` observed up to ``observe`` seconds; returns self."""
        if self.kernel not in KERNELS:
            raise UsageError(f"unknown Hawkes kernel {self.kernel!r}; use {' or '.join(KERNELS)}")
        if not cascades:
            raise UsageError("MarkedHawkes.fit needs at least one cascade")
        data = [events_of(c, _horizon(c, observe)) for c in cascades]
        marks_known = all(ev.marks_known for ev in data)
        bounds = self._bounds(marks_known)
        objective = self._objective(data)
        jac = self.kernel == "power"
        results = []
        for start in self._starts(bounds):
            result = optimize.minimize(
                objective, start, jac=jac, method="L-BFGS-B", bounds=bounds,
                options={"maxiter": self.max_iter},
            )  # fmt: skip
            results.append(result)
        best = min(results, key=lambda r: float(r.fun))
        self._store(best.x, data, converged=bool(best.success), starts=results)
        return self

    def _store(
        self, x: FloatArray, data: Sequence[EventSet], *, converged: bool, starts: list[Any]
    ) -> None:
        x = np.asarray(x, dtype=np.float64)
        self.x_ = x
        self.n_star_ = float(math.exp(x[0]))
        self.beta_ = float(x[1])
        if self.kernel == "power":
            self.c_, self.theta_ = float(math.exp(x[2])), float(math.exp(x[3]))
            mass = 1.0 / (self.theta_ * self.c_**self.theta_)
        else:
            self.c_, self.theta_ = float("nan"), float(math.exp(x[2]))
            mass = 1.0
        self.kappa_ = self.n_star_ * (self.alpha - self.beta_ - 1.0) / (self.alpha - 1.0) / mass
        self.log_likelihood_ = self.log_likelihood_of(data)
        self.converged_ = converged
        self.start_log_likelihoods_ = sorted(-float(r.fun) for r in starts)
        self.n_star_interval_ = self._n_star_interval(data)
        self.near_critical_ = bool(
            self.n_star_ >= self.near_critical or self.n_star_interval_[1] >= 1.0
        )

    def log_likelihood_of(self, data: Sequence[EventSet]) -> float:
        if self.kernel == "power":
            return float(power_loglik(self.x_, data, alpha=self.alpha)[0])
        return float(exp_loglik(self.x_, data, alpha=self.alpha))

    def _n_star_interval(self, data: Sequence[EventSet]) -> tuple[float, float]:
        """Wald interval of n* from the curvature of ℓ in log n* (others profiled out)."""
        hessian = _hessian(lambda x: self._loglik_x(x, data), self.x_)
        free = [k for k in range(len(self.x_)) if hessian[k, k] != 0.0]
        sub = -hessian[np.ix_(free, free)]
        try:
            cov = np.linalg.inv(sub)
        except np.linalg.LinAlgError:
            return (0.0, math.inf)
        var = float(cov[0, 0])
        if not np.isfinite(var) or var <= 0 or np.any(np.linalg.eigvalsh((sub + sub.T) / 2) <= 0):
            return (0.0, math.inf)
        z = float(stats.norm.ppf(0.5 + self.interval_level / 2))
        spread = z * math.sqrt(var)
        return (math.exp(self.x_[0] - spread), math.exp(self.x_[0] + spread))

    def _loglik_x(self, x: FloatArray, data: Sequence[EventSet]) -> float:
        if self.kernel == "power":
            return float(power_loglik(x, data, alpha=self.alpha)[0])
        return float(exp_loglik(x, data, alpha=self.alpha))

    # -- prediction ---------------------------------------------------------------------------
    def expected_direct(self, cascade: Cascade, *, observe: float) -> float:
        """A1: the direct reshares still expected from the events up to ``observe``."""
        check_is_fitted(self, "x_")
        ev = events_of(cascade, observe)
        marks = np.exp(self.beta_ * ev.log_marks)
        if self.kernel == "power":
            tail = (observe + self.c_ - ev.times) ** (-self.theta_) / self.theta_
        else:
            tail = np.exp(-self.theta_ * (observe - ev.times))
        return float(self.kappa_ * (marks @ tail))

    def predict(self, cascade: Cascade, *, observe: float) -> HawkesForecast:
        """The final-size forecast for ``cascade`` seen up to ``observe`` seconds."""
        check_is_fitted(self, "x_")
        observed = cascade.observed(observe)
        direct = self.expected_direct(cascade, observe=observe)
        n = self.n_star_
        low_n, high_n = self.n_star_interval_
        if self.near_critical_:
            high_n = max(high_n, 1.0)
        if n >= 1.0:
            return HawkesForecast(observed, direct, n, math.nan, None, True, True)
        tail = (1.0 - self.interval_level) / 2.0
        low = observed + future_quantile(direct, min(low_n, n), tail)
        high = observed + future_quantile(direct, max(high_n, n), 1.0 - tail)
        final = observed + direct / (1.0 - n)
        return HawkesForecast(
            observed, direct, n, final, (low, high), False, bool(self.near_critical_)
        )


def _hessian(f: Any, x: FloatArray, step: float = 1e-4) -> FloatArray:
    """Central-difference Hessian of a scalar function (a few dozen evaluations)."""
    k = x.size
    h = np.zeros((k, k))
    base = f(x)
    for i in range(k):
        for j in range(i, k):
            ei = np.zeros(k)
            ej = np.zeros(k)
            ei[i] = step
            ej[j] = step
            if i == j:
                value = (f(x + ei) - 2 * base + f(x - ei)) / step**2
            else:
                value = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                    4 * step**2
                )
            h[i, j] = h[j, i] = value
    return h


def select_kernel(
    cascade: Cascade,
    *,
    observe: float,
    holdout_share: float = 0.25,
    **params: Any,
) -> tuple[str, dict[str, float]]:
    """The kernel with the higher held-out log-likelihood: both are fitted on the first
    ``1 − holdout_share`` of the window and scored on the events of the rest (the
    likelihood of [0, T] minus that of [0, T_train], both with the training fit)."""
    split = observe * (1.0 - holdout_share)
    scores = {}
    for kernel in KERNELS:
        model = MarkedHawkes(kernel=kernel, **params).fit([cascade], observe=split)
        full = model.log_likelihood_of([events_of(cascade, observe)])
        head = model.log_likelihood_of([events_of(cascade, split)])
        scores[kernel] = full - head
    return max(scores, key=lambda k: scores[k]), scores


def n_star_prior(
    cascades: Sequence[Cascade], *, observe: float, n_starts: int = 4, seed: int = 0
) -> tuple[float, float, int]:
    """A normal prior on logit n* learned from training cascades: the mean and standard
    deviation of logit n* over their maximum-likelihood power-law fits at ``observe`` that
    are not near-critical, and how many fits that was."""
    logits = []
    for cascade in cascades:
        model = MarkedHawkes(n_starts=n_starts, seed=seed).fit([cascade], observe=observe)
        if not model.near_critical_:
            n = min(max(model.n_star_, 1e-6), 1 - 1e-6)
            logits.append(math.log(n / (1 - n)))
    if len(logits) < 2:
        raise UsageError("too few training fits that are not near-critical to learn a prior")
    return float(np.mean(logits)), float(np.std(logits, ddof=1)), len(logits)
