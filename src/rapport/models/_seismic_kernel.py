"""SEISMIC's memory kernel, its complementary CDF and the windowed integral (science.md §3.1).

Everything here is elementwise NumPy on arrays of any shape; the scalar twins used by the
per-cascade loop live in :mod:`rapport.models._seismic_loop`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rapport.errors import UsageError
from rapport.models._cascade_core import FloatArray

__all__ = [
    "SeismicParams",
    "lin_antiderivative",
    "memory_ccdf",
    "memory_kernel",
    "pow_antiderivative",
    "window_integral",
]


@dataclass(frozen=True)
class SeismicParams:
    """SEISMIC's constants (science.md §3.1; defaults from the R package ``seismic`` 1.1).

    ``interval_level`` is the two-sided level of the interval for the infectiousness (0.90:
    the 5 % and 95 % chi-square quantiles, each end a one-sided 95 % bound).
    """

    theta: float = 0.2314843
    s0: float = 300.0
    c: float = 6.265725e-4
    n_star: float = 100.0
    max_window: float = 7200.0
    min_window: float = 300.0
    min_count: int = 5
    interval_level: float = 0.90

    def validate(self) -> SeismicParams:
        problems = []
        if not self.theta > 0 or self.theta == 1:
            problems.append(f"theta must be > 0 and != 1, got {self.theta}")
        if not self.s0 > 0:
            problems.append(f"s0 must be > 0, got {self.s0}")
        if not self.c > 0:
            problems.append(f"c must be > 0, got {self.c}")
        if not self.n_star > 0:
            problems.append(f"n_star must be > 0, got {self.n_star}")
        if not 0 < self.min_window <= self.max_window:
            problems.append("windows must satisfy 0 < min_window <= max_window")
        if self.min_count < 1:
            problems.append(f"min_count must be >= 1, got {self.min_count}")
        if not 0 < self.interval_level < 1:
            problems.append(f"interval_level must be in (0, 1), got {self.interval_level}")
        if problems:
            raise UsageError("SEISMIC parameters: " + "; ".join(problems))
        return self

    @property
    def kernel_mass(self) -> float:
        """∫φ over [0, ∞): 1 for a normalised kernel (c = θ / (s0 (1 + θ)))."""
        return self.c * self.s0 * (1.0 + 1.0 / self.theta)


def memory_kernel(s: FloatArray, p: SeismicParams) -> FloatArray:
    """φ(s): c on [0, s0], c (s/s0)^-(1+θ) beyond, 0 before 0."""
    s = np.asarray(s, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        tail = p.c * np.power(np.maximum(s, p.s0) / p.s0, -(1.0 + p.theta))
    return np.where(s < 0, 0.0, np.where(s <= p.s0, p.c, tail))


def memory_ccdf(s: FloatArray, p: SeismicParams) -> FloatArray:
    """Φ̄(s) = 1 − ∫_0^s φ: 1 before 0, 1 − c s on [0, s0], (c s0^(1+θ)/θ) s^-θ beyond."""
    s = np.asarray(s, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        tail = (p.c * p.s0 ** (1.0 + p.theta) / p.theta) * np.power(np.maximum(s, p.s0), -p.theta)
    return np.where(s < 0, 1.0, np.where(s <= p.s0, 1.0 - p.c * s, tail))


def lin_antiderivative(s: FloatArray, t: FloatArray, a: FloatArray, p: SeismicParams) -> FloatArray:
    """∫ c (a (s − t) + 1) ds."""
    result: FloatArray = p.c * (s - a * t * s + a * s * s / 2.0)
    return result


_f_lin = lin_antiderivative


def pow_antiderivative(
    s: FloatArray,
    ti: FloatArray,
    t: FloatArray,
    a: FloatArray,
    p: SeismicParams,
    *,
    power: FloatArray | None = None,
) -> FloatArray:
    """∫ c ((s − t_i)/s0)^-(1+θ) (a (s − t) + 1) ds, for s > t_i.

    ``power`` is (s − t_i)^-θ where the caller already has it (the same number, not
    recomputed)."""
    th = p.theta
    scale = p.c * p.s0 ** (1.0 + th) / ((th - 1.0) * th)
    if power is None:
        with np.errstate(divide="ignore", invalid="ignore"):
            power = np.power(s - ti, -th)
    result: FloatArray = scale * power * (a * ti - th + (th - 1.0) * a * t - th * a * s + 1.0)
    return result


def window_integral(
    ti: FloatArray, t: FloatArray, w: FloatArray, a: FloatArray, p: SeismicParams
) -> FloatArray:
    """I_i(t) = ∫_{max(t_i, t − w)}^{t} K_t(t − s) φ(s − t_i) ds, the five cases of §3.1.

    Assumes w ≥ s0 or t_i ≥ t − w (the window rules guarantee it).
    """
    u = t - ti
    s0 = p.s0
    knee = ti + s0
    lo = t - w
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lin_full = _f_lin(t, t, a, p) - _f_lin(ti, t, a, p)  # case 2
        lin_head = _f_lin(knee, t, a, p) - _f_lin(ti, t, a, p)  # case 3
        lin_cut = _f_lin(knee, t, a, p) - _f_lin(lo, t, a, p)  # case 4
        pow_tail = pow_antiderivative(t, ti, t, a, p) - pow_antiderivative(
            knee, ti, t, a, p
        )  # cases 3 and 4
        pow_cut = pow_antiderivative(t, ti, t, a, p) - pow_antiderivative(lo, ti, t, a, p)  # case 5
    return np.select(
        [u <= 0, u <= s0, u <= w, u <= w + s0],
        [np.zeros_like(u), lin_full, lin_head + pow_tail, lin_cut + pow_tail],
        default=pow_cut,
    )
