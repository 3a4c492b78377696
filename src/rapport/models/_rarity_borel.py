"""Branching arithmetic: how many reshares a post gets when every share triggers Poisson(R).

A post's *direct* reshares are Poisson(A) (A: what the account's own audience gives it); every
reshare is reshared by a Poisson(R) number of people, independently, for ever. The total
number of reshares Y then follows Consul's generalised Poisson distribution (the total
progeny of a Poisson branching process started by Poisson(A) ancestors):

    P(Y = y) = A · (A + R·y)^(y−1) · e^(−A − R·y) / y!        y = 0, 1, 2, …
    E[Y] = A / (1 − R)  for R < 1

With A = R this is the Borel distribution of science.md §3.4 shifted by one: the cascade
S = Y + 1 counts the post itself, P(S = s) = e^(−R·s)·(R·s)^(s−1)/s!. The in-flight version
of §3.4 (J ~ Poisson(A) direct reshares, then Borel–Tanner(J, R)) is the same distribution.

Tails are 1 − the cdf summed over y < k, unless that is below 1e−9; then the terms from k to
:data:`TABLE_SIZE` are summed instead (no cancellation, so a tail of 1e−12 is exact too; a
tail that small decays too fast to leave anything beyond the table). Counts beyond the table
use the large-y form of the pmf, ``(A/R)·e^(A/R − A)·y^(−3/2)·e^(−h·y)/√(2π)`` with
``h = R − 1 − ln R``, integrated in closed form (accurate to 1e−3 there while A ≪ R·y).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import special  # type: ignore[import-untyped, unused-ignore]

__all__ = ["TABLE_SIZE", "borel_tail", "depth_shares", "reshare_logpmf", "reshare_tail"]

TABLE_SIZE = 1 << 17
"""Reshare counts 0 … 131,071 are summed term by term."""

FloatArray = npt.NDArray[np.float64]
_SMALL = 1e-9


def reshare_logpmf(
    reshares: npt.ArrayLike, first: npt.ArrayLike, rate: npt.ArrayLike
) -> FloatArray:
    """log P(Y = y): one row per component (``first`` = A, ``rate`` = R), one column per y."""
    y = np.asarray(reshares, dtype=np.float64).reshape(1, -1)
    a = np.asarray(first, dtype=np.float64).reshape(-1, 1)
    r = np.asarray(rate, dtype=np.float64).reshape(-1, 1)
    safe = np.where(a > 0, a, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (
            np.log(safe) + (y - 1) * np.log(safe + r * y) - safe - r * y - special.gammaln(y + 1)
        )
    nothing = np.where(y == 0, 0.0, -np.inf)  # A = 0: nobody reshares the post
    result: FloatArray = np.where(a > 0, value, nothing)
    return result


def reshare_tail(reshares: npt.ArrayLike, first: npt.ArrayLike, rate: npt.ArrayLike) -> FloatArray:
    """P(Y ≥ k): one row per component, one column per k ≥ 0."""
    k = np.asarray(reshares, dtype=np.int64).reshape(-1)
    if k.size and k.min() < 0:
        raise ValueError(f"reshare counts are ≥ 0; got {int(k.min())}")
    a, r = np.broadcast_arrays(
        np.asarray(first, dtype=np.float64).reshape(-1),
        np.asarray(rate, dtype=np.float64).reshape(-1),
    )
    top = int(min(k.max(initial=0), TABLE_SIZE))
    below = np.cumsum(np.exp(reshare_logpmf(np.arange(top), a, r)), axis=1)  # P(Y ≤ i)
    out = np.zeros((r.size, k.size))
    for j, size in enumerate(k):
        if size == 0:
            out[:, j] = 1.0
        elif size < TABLE_SIZE:
            complement = 1.0 - below[:, size - 1]
            tiny = complement <= _SMALL
            out[:, j] = complement
            if tiny.any():
                out[tiny, j] = _summed(int(size), a[tiny], r[tiny])
        else:
            out[:, j] = _beyond(a, r, int(size))
    result: FloatArray = np.clip(out, 0.0, 1.0)
    return result


def _summed(size: int, a: FloatArray, r: FloatArray, *, chunk: int = 4096) -> FloatArray:
    """Σ_{y ≥ size} P(Y = y), term by term: for tails too small for 1 − cdf.

    Such a tail lies past the mode, so its terms only fall: stop once a chunk's last term is
    negligible, or at the end of the table and add the closed-form rest.
    """
    total = np.zeros(r.size)
    for begin in range(size, TABLE_SIZE, chunk):
        terms = np.exp(reshare_logpmf(np.arange(begin, min(begin + chunk, TABLE_SIZE)), a, r))
        total += terms.sum(axis=1)
        if np.all(terms[:, -1] <= 1e-18 * total):
            return total
    return total + _beyond(a, r, TABLE_SIZE)


def _beyond(first: FloatArray, rate: FloatArray, size: int) -> FloatArray:
    """P(Y ≥ size) for a size beyond the table, from the large-y form of the pmf."""
    out = np.zeros(rate.size)
    live = (first > 0) & (rate > 0)
    a, r, start = first[live], rate[live], size - 0.5
    h = np.maximum(r - 1 - np.log(r), 0.0)
    integral = 2 * np.exp(-h * start) / np.sqrt(start) - 2 * np.sqrt(np.pi * h) * special.erfc(
        np.sqrt(h * start)
    )
    out[live] = (a / r) * np.exp(a / r - a) * integral / np.sqrt(2 * np.pi)
    return out


def borel_tail(sizes: npt.ArrayLike, rates: npt.ArrayLike) -> FloatArray:
    """P(S ≥ s) of a Borel(R) cascade S (the post included), per rate (rows) and size s ≥ 1."""
    s = np.asarray(sizes, dtype=np.int64).reshape(-1)
    if s.size and s.min() < 1:
        raise ValueError(f"cascade sizes start at 1 (the post itself); got {int(s.min())}")
    r = np.asarray(rates, dtype=np.float64).reshape(-1)
    return reshare_tail(s - 1, r, r)


def depth_shares(rates: npt.ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """P(depth 0), P(depth exactly 1) and P(depth ≥ 2) of a Borel(R) cascade tree, per rate.

    Depth 0 is a post nobody reshared (e^(−R)); depth 1 means reshares of the post but no
    reshare of a reshare: P(depth ≤ 1) = E[(e^(−R))^N], N ~ Poisson(R) = exp(R·(e^(−R) − 1)).
    """
    r = np.asarray(rates, dtype=np.float64)
    none = np.exp(-r)
    at_most_one = np.exp(r * (np.exp(-r) - 1))
    return none, at_most_one - none, 1 - at_most_one
