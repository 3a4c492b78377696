"""Log-likelihoods of the marked Hawkes process (science.md §3.2) for one or more cascades.

Events: the original post at t = 0 (an immigrant: no log-intensity term, no background
rate) and the reshares up to the window end T. Marks m = max(followers, 1) everywhere
(pitfall 3). Events excite only strictly later events (pitfall 4), so a reshare at t = 0 has
no intensity and is left out of Σ log λ like the original post.

Parameters are optimised as x = (log n*, β, log c, log θ) for the power-law kernel and
x = (log n*, β, log θ) for the exponential one: κ follows from n*, so the bound n* < 1 is a
box bound (science.md §3.2 suggests a reparametrisation or a nonlinear constraint).

Power-law kernel in O(N·K): (x + c)^-(1+θ) = Γ(1+θ)^-1 ∫ z^θ e^-(x+c)z dz is evaluated by the
trapezoid rule in v = log z on a fixed grid of K nodes (exponentially accurate for this
analytic integrand; checked against the direct O(N²) sum in the tests), so
λ(t_j) = κ Σ_k W_k(θ, c) G_k(t_j) with G_k(t_j) = Σ_{t_i < t_j} m_i^β e^-z_k (t_j − t_i),
a running sum computed in log space with ``np.logaddexp.accumulate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import special  # type: ignore[import-untyped, unused-ignore]

from rapport.models._cascade_core import BoolArray, Cascade, FloatArray

__all__ = [
    "ALPHA",
    "BETA_MAX",
    "C_BOUNDS",
    "THETA_BOUNDS",
    "EventSet",
    "events_of",
    "exp_loglik",
    "power_loglik",
    "power_loglik_direct",
]

ALPHA = 2.016
"""Exponent of the power law of follower counts (Mishra et al.)."""
BETA_MAX = ALPHA - 1.0 - 1e-3
C_BOUNDS = (1e-2, 1e4)
THETA_BOUNDS = (1e-3, 3.0)
_STEP = 0.4  # trapezoid step in log z: kernel error below 3e-7 for θ <= 3 (see tests)


@dataclass(frozen=True)
class EventSet:
    """One cascade's events up to ``end`` for the likelihood, grouped by distinct time."""

    times: FloatArray  # original (0) then reshares, sorted
    log_marks: FloatArray  # log max(followers, 1); zeros where unknown
    end: float
    unique_times: FloatArray
    group: np.ndarray  # index into unique_times per event
    target: BoolArray  # events with a log-intensity term (reshares strictly after 0)
    target_rows: np.ndarray  # distinct times holding targets
    target_counts: FloatArray  # how many targets at each of those times
    marks_known: bool
    log_z: FloatArray = field(repr=False)

    @property
    def reshares(self) -> int:
        return int(self.times.size - 1)


def _nodes(unique_times: FloatArray, end: float) -> FloatArray:
    """log z grid covering every lag (x + c) the bounds allow: the integrand is below e^-40
    of its peak beyond the top node, and the part below the bottom node is < 1e-7."""
    gaps = np.diff(unique_times)
    smallest = float(gaps.min()) if gaps.size else 1.0
    low = np.log(1e-7 / (end + C_BOUNDS[1]))
    high = np.log(40.0 / (smallest + C_BOUNDS[0]))
    count = int(np.ceil((high - low) / _STEP)) + 1
    return np.linspace(low, high, count)


def events_of(cascade: Cascade, end: float) -> EventSet:
    """The events of ``cascade`` at or before ``end`` seconds after the post."""
    keep = cascade.observed(end)
    times = np.concatenate([[0.0], cascade.times[:keep]])
    if cascade.followers is None or cascade.poster_followers is None:
        log_marks = np.zeros(times.size)
        known = False
    else:
        marks = np.concatenate([[cascade.poster_followers], cascade.followers[:keep]])
        log_marks = np.log(np.maximum(marks, 1.0))
        known = True
    unique_times, group = np.unique(times, return_inverse=True)
    target = times > 0
    counts = np.bincount(group[target], minlength=unique_times.size).astype(np.float64)
    rows = np.flatnonzero(counts)
    return EventSet(
        times=times,
        log_marks=log_marks,
        end=float(end),
        unique_times=unique_times,
        group=group.astype(np.int64),
        target=target,
        target_rows=rows,
        target_counts=counts[rows],
        marks_known=known,
        log_z=_nodes(unique_times, float(end)),
    )


def _exclusive_sums(
    unique_times: FloatArray, group: np.ndarray, log_weights: FloatArray, log_z: FloatArray
) -> FloatArray:
    """log Σ_{t_i < u_l} w_i e^{-z_k (u_l − t_i)} per distinct time l and node k."""
    per_time = np.full(unique_times.size, -np.inf)
    np.logaddexp.at(per_time, group, log_weights)
    z = np.exp(log_z)
    shifted = per_time[:, None] + unique_times[:, None] * z[None, :]
    with np.errstate(invalid="ignore"):
        running = np.logaddexp.accumulate(shifted, axis=0)
    exclusive = np.vstack([np.full((1, z.size), -np.inf), running[:-1]])
    return exclusive - unique_times[:, None] * z[None, :]


def power_loglik(
    x: FloatArray, data: Sequence[EventSet], *, alpha: float = ALPHA
) -> tuple[float, FloatArray]:
    """Log-likelihood and its gradient in x = (log n*, β, log c, log θ), summed over cascades."""
    eta, beta, log_c, log_theta = (float(v) for v in x)
    c, theta = np.exp(log_c), np.exp(log_theta)
    log_kappa = eta + log_theta + theta * log_c + np.log(alpha - beta - 1.0) - np.log(alpha - 1.0)
    kappa = np.exp(log_kappa)
    total = 0.0
    g_kappa = g_beta = g_c = g_theta = 0.0  # derivatives in (log κ, β, c, θ)
    digamma = special.digamma(1.0 + theta)
    for ev in data:
        z = np.exp(ev.log_z)
        step = float(ev.log_z[1] - ev.log_z[0])
        log_w = np.log(step) + (1.0 + theta) * ev.log_z - c * z - special.gammaln(1.0 + theta)
        top = float(log_w.max())
        w = np.exp(log_w - top)
        if ev.target_rows.size:
            n = ev.target_counts
            n_target = float(n.sum())
            log_g = _exclusive_sums(ev.unique_times, ev.group, beta * ev.log_marks, ev.log_z)
            g_mat = np.exp(log_g[ev.target_rows])
            level = g_mat @ w
            total += float(n @ np.log(level)) + n_target * (log_kappa + top)
            g_kappa += n_target
            g_c += float(n @ ((g_mat @ (-z * w)) / level))
            g_theta += float(n @ ((g_mat @ ((ev.log_z - digamma) * w)) / level))
            if ev.marks_known:
                with np.errstate(divide="ignore"):
                    log_dm = beta * ev.log_marks + np.log(ev.log_marks)
                log_gd = _exclusive_sums(ev.unique_times, ev.group, log_dm, ev.log_z)
                g_beta += float(n @ ((np.exp(log_gd[ev.target_rows]) @ w) / level))
        marks = np.exp(beta * ev.log_marks)
        span = ev.end - ev.times + c
        d = (c**-theta - span**-theta) / theta
        comp = float(marks @ d)
        total -= kappa * comp
        g_kappa -= kappa * comp
        g_beta -= kappa * float((marks * ev.log_marks) @ d)
        g_c -= kappa * float(marks @ (-(c ** (-theta - 1.0)) + span ** (-theta - 1.0)))
        dd_theta = (-np.log(c) * c**-theta + np.log(span) * span**-theta) / theta - d / theta
        g_theta -= kappa * float(marks @ dd_theta)
    # chain rule to (log n*, β, log c, log θ): log κ = η + log θ + θ log c + log(α−β−1) − ...
    grad = np.array(
        [
            g_kappa,
            g_beta - g_kappa / (alpha - beta - 1.0),
            c * g_c + g_kappa * theta,
            theta * g_theta + g_kappa * (1.0 + theta * log_c),
        ]
    )
    return total, grad


def power_loglik_direct(params: tuple[float, float, float, float], ev: EventSet) -> float:
    """The same log-likelihood in (κ, β, c, θ) by the direct O(N²) sum (for tests)."""
    kappa, beta, c, theta = params
    marks = np.exp(beta * ev.log_marks)
    lags = ev.times[:, None] - ev.times[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        kernel = np.where(lags > 0, (np.maximum(lags, 0.0) + c) ** (-1.0 - theta), 0.0)
    level = kappa * (kernel @ marks)
    span = ev.end - ev.times + c
    comp = kappa * float(marks @ ((c**-theta - span**-theta) / theta))
    return float(np.sum(np.log(level[ev.target]))) - comp


def exp_loglik(x: FloatArray, data: Sequence[EventSet], *, alpha: float = ALPHA) -> float:
    """Log-likelihood of the exponential kernel κ m^β θ e^-θ(t − t_i), x = (log n*, β, log θ)."""
    eta, beta, log_theta = (float(v) for v in x)
    theta = np.exp(log_theta)
    log_kappa = eta + np.log(alpha - beta - 1.0) - np.log(alpha - 1.0)
    kappa = np.exp(log_kappa)
    total = 0.0
    for ev in data:
        if ev.target_rows.size:
            log_g = _exclusive_sums(
                ev.unique_times, ev.group, beta * ev.log_marks, np.array([log_theta])
            )[:, 0]
            n = ev.target_counts
            total += float(n @ log_g[ev.target_rows]) + float(n.sum()) * (log_kappa + log_theta)
        marks = np.exp(beta * ev.log_marks)
        total -= kappa * float(marks @ -np.expm1(-theta * (ev.end - ev.times)))
    return total
