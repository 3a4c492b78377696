"""The in-flight distribution of the reshares still to come (science.md §3.4).

With J ~ Poisson(A) direct reshares still to come and Poisson(R) offspring per reshare, the
future total Y (those J and all their descendants) follows the generalised (Lagrangian)
Poisson distribution:

    P(Y = y) = A (A + R y)^(y−1) e^(−A − R y) / y!,   y ≥ 0,   E[Y] = A / (1 − R)

(the Borel–Tanner mixture of §3.4 summed over J). Its tails ignore the uncertainty in A and R,
so they are optimistic about precision; callers widen them with the parameter interval.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats  # type: ignore[import-untyped, unused-ignore]

__all__ = ["future_quantile"]

_GRID_LIMIT = 2_000_000


def future_quantile(expected_direct: float, r: float, q: float) -> float:
    """The q-quantile of Y; +inf when R ≥ 1 (supercritical)."""
    a = float(expected_direct)
    if r >= 1.0:
        return math.inf
    if a <= 0.0:
        return 0.0
    r = max(r, 0.0)
    mean = a / (1.0 - r)
    sd = math.sqrt(a / (1.0 - r) ** 3)
    top = int(mean + 12.0 * sd + 20.0)
    if top > _GRID_LIMIT:
        return max(0.0, float(mean + stats.norm.ppf(q) * sd))
    y = np.arange(top + 1, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_pmf = math.log(a) + (y - 1.0) * np.log(a + r * y) - a - r * y - special.gammaln(y + 1)
    log_pmf[0] = -a
    cdf = np.cumsum(np.exp(log_pmf - log_pmf.max()))
    cdf /= cdf[-1]
    return float(np.searchsorted(cdf, q, side="left"))
