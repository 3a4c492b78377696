"""SEISMIC over many cascades and many observation times at once (NumPy, no Python loop over
cascades or events).

Cascades are packed flat (:class:`~rapport.models.cascades.CascadeBatch`); a *query* is one
(cascade, observation time) pair. Per query the engine finds, by a segmented binary search,
the events before and at the observation time and the start of the infectiousness window;
then it expands the (query, event) pairs in chunks, evaluates the closed-form integrals per
pair and sums them per query with ``np.bincount``.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from rapport.models._cascade_core import BoolArray, CascadeBatch, FloatArray, IntArray
from rapport.models._seismic_kernel import (
    SeismicParams,
    lin_antiderivative,
    pow_antiderivative,
)

__all__ = ["SeismicArrays", "finish", "seismic_vectorised"]

PAIRS_PER_CHUNK = 1 << 13
"""Pairs per chunk: 8,192 keeps each temporary array at 64 KiB, below glibc's 128 KiB mmap
threshold, so the chunks reuse heap memory instead of page-faulting fresh mappings (with
131,072 pairs a chunk, the 50 shared cascades at 10 times took 24,000 page faults and 1.8×
the CPU time a call)."""


@dataclass(frozen=True)
class SeismicArrays:
    """SEISMIC's outputs, one entry per query (or per cascade × time, when reshaped).

    ``final`` is NaN where ``supercritical``; ``final_high`` is +inf where the upper bound of
    the infectiousness is supercritical. ``exposure`` is Σ n_i Φ̄(t − t_i) over the events
    so far (original post included), so ``infectiousness * exposure`` is the expected number
    of direct reshares still to come.
    """

    observed: IntArray
    infectiousness: FloatArray
    infectiousness_low: FloatArray
    infectiousness_high: FloatArray
    window_reshares: IntArray
    window: FloatArray
    exposure: FloatArray
    n_star: FloatArray
    r: FloatArray
    final: FloatArray
    final_low: FloatArray
    final_high: FloatArray
    supercritical: BoolArray

    def column(self, j: int) -> SeismicArrays:
        """Observation time ``j`` of arrays shaped (cascades, times)."""
        return SeismicArrays(
            **{name: getattr(self, name)[:, j] for name in self.__dataclass_fields__}
        )

    def reshape(self, shape: tuple[int, ...]) -> SeismicArrays:
        return SeismicArrays(
            **{name: getattr(self, name).reshape(shape) for name in self.__dataclass_fields__}
        )


def _keys(batch: CascadeBatch) -> npt.NDArray[np.complex128]:
    """One sortable key per event: cascade index + 1j · time. NumPy orders complex numbers
    by real part, then imaginary part, so the keys of a batch are sorted and one
    ``np.searchsorted`` finds a time within its own cascade for every query at once."""
    keys = np.empty(batch.times.size, dtype=np.complex128)
    keys.real = np.repeat(np.arange(batch.count, dtype=np.float64), np.diff(batch.offsets))
    keys.imag = batch.times
    return keys


def _search(
    keys: npt.NDArray[np.complex128], cascade: IntArray, values: FloatArray, *, right: bool
) -> IntArray:
    """Per query, the insertion index of ``values`` among the times of its cascade (the
    cascade's end when every time is smaller): side ``right`` or ``left``."""
    probe = np.empty(values.size, dtype=np.complex128)
    probe.real = cascade
    probe.imag = values
    return np.searchsorted(keys, probe, side="right" if right else "left")


def _back_to_first(
    times: FloatArray, start: IntArray, index: IntArray, values: FloatArray
) -> IntArray:
    """Per query, ``index`` moved back over the events just before it whose time equals
    ``values`` (no earlier than ``start``): from a ``right`` insertion index, or from the
    index of an event at that time, the ``left`` insertion index (ties are rare)."""
    out = index.copy()
    rows = np.arange(out.size)
    while rows.size:
        rows = rows[out[rows] > start[rows]]
        rows = rows[times[out[rows] - 1] == values[rows]]
        out[rows] -= 1
    return out


def _expand(start: IntArray, stop: IntArray) -> tuple[IntArray, IntArray]:
    """All (query, event index) pairs with start[q] <= index < stop[q]."""
    lengths = stop - start
    query = np.repeat(np.arange(start.size, dtype=np.int64), lengths)
    first = np.cumsum(lengths) - lengths
    event = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(first - start, lengths)
    return query, event


def _chunks(lengths: IntArray) -> list[tuple[int, int]]:
    """Query ranges whose pairs stay under PAIRS_PER_CHUNK (at least one query each)."""
    bounds = []
    total = np.cumsum(lengths)
    begin = 0
    n = lengths.size
    while begin < n:
        base = total[begin - 1] if begin else 0
        end = int(np.searchsorted(total, base + PAIRS_PER_CHUNK, side="right"))
        end = max(end, begin + 1)
        bounds.append((begin, min(end, n)))
        begin = end
    return bounds


def _near_integral(
    ti: FloatArray,
    t: FloatArray,
    w: FloatArray,
    a: FloatArray,
    u: FloatArray,
    power: FloatArray,
    p: SeismicParams,
) -> FloatArray:
    """:func:`window_integral` for pairs with 0 <= u = t − t_i <= w + s0 (cases 1 to 4), by
    the same expressions (so the same numbers), without evaluating the cases that don't
    apply: F_lin(upper) − F_lin(lower), plus F_pow(t) − F_pow(t_i + s0) beyond the knee.

    Case 1 (u = 0) and case 2 (u <= s0) have upper = t and lower = t_i, and no power part;
    case 3 (u <= w) has upper = t_i + s0, lower = t_i; case 4 upper = t_i + s0, lower = t − w.
    u <= s0 implies u <= w (w < s0 only in the fallback that keeps the original post, where
    w = t >= u). ``power`` is u^-θ where u > s0 (computed once by the caller).
    """
    s0 = p.s0
    knee = ti + s0
    beyond = u > s0
    upper = np.where(beyond, knee, t)
    lower = np.where(u <= w, ti, t - w)
    value = lin_antiderivative(upper, t, a, p) - lin_antiderivative(lower, t, a, p)
    with np.errstate(invalid="ignore", over="ignore"):
        tail = pow_antiderivative(t, ti, t, a, p, power=power) - pow_antiderivative(
            knee, ti, t, a, p
        )
    value += np.where(beyond, tail, 0.0)
    return value


def _sums(
    batch: CascadeBatch,
    p: SeismicParams,
    start: IntArray,
    stop: IntArray,
    t: FloatArray,
    w: FloatArray,
    *,
    threads: int,
) -> tuple[FloatArray, FloatArray]:
    """Per query: the denominator Σ n_i I_i and the exposure Σ n_i Φ̄(t − t_i), over the
    events ``start[q]:stop[q]`` (those at or before t; an event at t adds 0 to the first).

    Most pairs lie beyond the window (case 5 of §3.1); for them
    F_pow(t) − F_pow(t − w) = scale · [(u^-θ − (u − w)^-θ)(1 − θ − a u) − θ a w (u − w)^-θ]
    with u = t − t_i, and u^-θ is shared with Φ̄; (u − w)^-θ is computed for them only.
    The pairs inside the window, or within s0 of it, go through :func:`_near_integral`
    (the other four cases of :func:`window_integral`, u^-θ reused).
    """
    q_total = start.size
    denominator = np.zeros(q_total)
    exposure = np.zeros(q_total)
    th, s0 = p.theta, p.s0
    ccdf_scale = p.c * s0 ** (1.0 + th) / th
    pow_scale = p.c * s0 ** (1.0 + th) / ((th - 1.0) * th)
    a = 1.0 / w
    aw = a * w

    def chunk(bounds: tuple[int, int]) -> None:
        lo, hi = bounds
        query, event = _expand(start[lo:hi], stop[lo:hi])
        lengths = stop[lo:hi] - start[lo:hi]  # per-query values spread by repeat, not gather
        ni = batch.followers[event]
        u = np.repeat(t[lo:hi], lengths)
        u -= batch.times[event]
        power = np.maximum(u, s0)
        np.power(power, -th, out=power)  # u^-θ beyond the knee
        ccdf = ccdf_scale * power
        head = np.flatnonzero(u <= s0)
        ccdf[head] = 1.0 - p.c * u[head]
        exposure[lo:hi] = np.bincount(query, weights=ni * ccdf, minlength=hi - lo)
        wq = np.repeat(w[lo:hi], lengths)
        aq = np.repeat(a[lo:hi], lengths)
        au = aq * u
        far = u > wq + s0
        shifted = u - wq
        np.maximum(shifted, s0, out=shifted)
        np.power(shifted, -th, out=shifted, where=far)  # (u − w)^-θ, far pairs only
        integral = power - shifted
        integral *= (1.0 - th) - au
        integral -= th * np.repeat(aw[lo:hi], lengths) * shifted
        integral *= pow_scale
        near = np.flatnonzero(~far)
        integral[near] = _near_integral(
            batch.times[event[near]],
            t[lo:hi][query[near]],
            wq[near],
            aq[near],
            u[near],
            power[near],
            p,
        )
        denominator[lo:hi] = np.bincount(query, weights=ni * integral, minlength=hi - lo)

    ranges = _chunks(stop - start)
    if threads > 1 and len(ranges) > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(chunk, ranges))
    else:
        for bounds in ranges:
            chunk(bounds)
    return denominator, exposure


def _window_numerator(
    batch: CascadeBatch, first: IntArray, below: IntArray, t: FloatArray, w: FloatArray
) -> FloatArray:
    """Σ (1 − a (t − t_i)) over the reshares in the window, events ``first[q]:below[q]``."""
    query, event = _expand(first, below)
    kernel = 1.0 - (t[query] - batch.times[event]) / w[query]
    return np.bincount(query, weights=kernel, minlength=first.size).astype(np.float64, copy=False)


def seismic_vectorised(
    batch: CascadeBatch,
    cascade_index: IntArray,
    times: FloatArray,
    p: SeismicParams,
    *,
    n_star: FloatArray | float | None = None,
    threads: int | None = None,
) -> SeismicArrays:
    """SEISMIC for each query (cascade_index[q], times[q]); ``n_star`` per query or shared.

    ``threads`` > 1 evaluates the chunks of (query, event) pairs on that many threads (NumPy
    releases the GIL inside its loops; default: the CPU count, at most 4); the numbers are
    the same either way.
    """
    if threads is None:
        threads = min(4, os.cpu_count() or 1)
    cascade_index = np.asarray(cascade_index, dtype=np.int64).reshape(-1)
    t = np.asarray(times, dtype=np.float64).reshape(-1)
    start = batch.offsets[cascade_index]
    keys = _keys(batch)
    at_or_before = _search(keys, cascade_index, t, right=True)
    below = _back_to_first(batch.times, start, at_or_before, t)
    w = np.clip(t / 2.0, p.min_window, p.max_window)
    window_start = _search(keys, cascade_index, t - w, right=False)  # <= below: t − w <= t
    sparse = (below - window_start < p.min_count) & (below > start)
    if sparse.any():
        keep = np.minimum(p.min_count + 1, below - start)
        earliest = np.where(sparse, below - keep, start)
        first = batch.times[earliest]
        w = np.where(sparse, t - first, w)
        window_start = np.where(
            sparse, _back_to_first(batch.times, start, earliest, first), window_start
        )
    denominator, exposure = _sums(batch, p, start, at_or_before, t, w, threads=threads)
    first_reshare = np.minimum(np.maximum(window_start, start + 1), np.maximum(below, start + 1))
    reshares_in_window = np.maximum(below - first_reshare, 0)
    numerator = _window_numerator(batch, first_reshare, np.maximum(below, first_reshare), t, w)
    return finish(
        p,
        observed=np.maximum(at_or_before - start - 1, 0),
        numerator=numerator,
        denominator=denominator,
        exposure=exposure,
        window=np.where(below > start, w, np.nan),
        window_reshares=reshares_in_window,
        n_star=np.broadcast_to(
            np.asarray(p.n_star if n_star is None else n_star, dtype=np.float64), t.shape
        ).copy(),
    )


def finish(
    p: SeismicParams,
    *,
    observed: IntArray,
    numerator: FloatArray,
    denominator: FloatArray,
    exposure: FloatArray,
    window: FloatArray,
    window_reshares: IntArray,
    n_star: FloatArray,
) -> SeismicArrays:
    """Infectiousness, its interval, R and the final size from the per-query sums (shared by
    the vectorised engine and the per-cascade loop)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p_hat = np.where((numerator > 0) & (denominator > 0), numerator / denominator, 0.0)
    m = np.asarray(window_reshares, dtype=np.int64)
    dof = 2.0 * np.maximum(m, 1)
    tail = (1.0 - p.interval_level) / 2.0
    # few distinct degrees of freedom: evaluate the quantiles once each (the same numbers)
    levels, where = np.unique(dof, return_inverse=True)
    where = where.reshape(dof.shape)
    low_factor = stats.chi2.ppf(tail, levels)[where] / dof
    high_factor = stats.chi2.ppf(1.0 - tail, levels)[where] / dof
    p_low = np.where(m > 0, p_hat * low_factor, 0.0)
    p_high = np.where(m > 0, p_hat * high_factor, 0.0)

    def final_size(infectiousness: FloatArray) -> FloatArray:
        branching = infectiousness * n_star
        with np.errstate(divide="ignore", invalid="ignore"):
            value = observed + infectiousness * exposure / (1.0 - branching)
        return np.where(branching >= 1.0, np.inf, value)

    final = final_size(p_hat)
    supercritical = np.isinf(final)
    return SeismicArrays(
        observed=np.asarray(observed, dtype=np.int64),
        infectiousness=p_hat,
        infectiousness_low=p_low,
        infectiousness_high=p_high,
        window_reshares=m,
        window=np.asarray(window, dtype=np.float64),
        exposure=np.asarray(exposure, dtype=np.float64),
        n_star=n_star,
        r=p_hat * n_star,
        final=np.where(supercritical, np.nan, final),
        final_low=final_size(p_low),
        final_high=final_size(p_high),
        supercritical=supercritical,
    )
