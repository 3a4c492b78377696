"""SEISMIC as a plain loop: per cascade, per observation time, per event, in scalar Python.

The same closed forms as the vectorised engine (science.md §3.1), written independently with
:mod:`math` and :mod:`bisect`. It exists as the reference the vectorised path is checked
against (to 1e-9) and timed against (``bench/seismic.py``); it is not used for forecasting.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

import numpy as np

from rapport.models._cascade_core import Cascade
from rapport.models._seismic_kernel import SeismicParams
from rapport.models._seismic_vector import SeismicArrays, finish

__all__ = ["integral_scalar", "seismic_loop"]


def _lin(s: float, t: float, a: float, c: float) -> float:
    return c * (s - a * t * s + a * s * s / 2.0)


def _pow(s: float, ti: float, t: float, a: float, p: SeismicParams) -> float:
    th = p.theta
    scale = p.c * float(p.s0 ** (1.0 + th)) / ((th - 1.0) * th)
    power = float((s - ti) ** (-th))
    return scale * power * (a * ti - th + (th - 1.0) * a * t - th * a * s + 1.0)


def integral_scalar(ti: float, t: float, w: float, a: float, p: SeismicParams) -> float:
    """The five cases of ∫_{max(t_i, t−w)}^{t} K_t(t − s) φ(s − t_i) ds for one event."""
    u = t - ti
    if u <= 0:
        return 0.0
    if u <= p.s0:
        return _lin(t, t, a, p.c) - _lin(ti, t, a, p.c)
    knee = ti + p.s0
    tail = _pow(t, ti, t, a, p) - _pow(knee, ti, t, a, p)
    if u <= w:
        return _lin(knee, t, a, p.c) - _lin(ti, t, a, p.c) + tail
    if u <= w + p.s0:
        return _lin(knee, t, a, p.c) - _lin(t - w, t, a, p.c) + tail
    return _pow(t, ti, t, a, p) - _pow(t - w, ti, t, a, p)


def _ccdf(s: float, p: SeismicParams) -> float:
    if s < 0:
        return 1.0
    if s <= p.s0:
        return 1.0 - p.c * s
    return (p.c * float(p.s0 ** (1.0 + p.theta)) / p.theta) * float(s ** (-p.theta))


def _one(times: list[float], counts: list[float], t: float, p: SeismicParams) -> list[float]:
    """[observed, numerator, denominator, exposure, window, reshares in window]."""
    below = bisect_left(times, t)  # events (original included) strictly before t
    upto = bisect_right(times, t)
    if below == 0:  # nothing before t (t <= 0): p̂ = 0 (pitfall 2)
        exposure = sum(counts[i] * _ccdf(t - times[i], p) for i in range(upto))
        return [float(max(upto - 1, 0)), 0.0, 0.0, exposure, math.nan, 0.0]
    w = min(max(t / 2.0, p.min_window), p.max_window)
    first = bisect_left(times, t - w, 0, below)
    if below - first < p.min_count:
        keep = min(p.min_count + 1, below)
        earliest = times[below - keep]
        w = t - earliest
        # the window is [earliest, t): search for ``earliest`` itself, since t − w can round
        # to just above it when the times are not whole seconds
        first = bisect_left(times, earliest, 0, below)
    a = 1.0 / w
    numerator = 0.0
    reshares = 0
    for i in range(max(first, 1), below):
        numerator += 1.0 - a * (t - times[i])
        reshares += 1
    denominator = 0.0
    exposure = 0.0
    for i in range(upto):
        denominator += counts[i] * integral_scalar(times[i], t, w, a, p)
        exposure += counts[i] * _ccdf(t - times[i], p)
    return [float(upto - 1), numerator, denominator, exposure, w, float(reshares)]


def seismic_loop(
    cascades: Sequence[Cascade], observe: Sequence[float], p: SeismicParams
) -> SeismicArrays:
    """SEISMIC for every cascade at every observation time; arrays shaped (cascades, times)."""
    rows: list[list[float]] = []
    for cascade in cascades:
        if cascade.followers is None or cascade.poster_followers is None:
            raise ValueError(f"cascade {cascade.id!r} has no follower counts")
        times = [0.0, *cascade.times.tolist()]
        counts = [float(cascade.poster_followers), *cascade.followers.tolist()]
        rows.extend(_one(times, counts, float(t), p) for t in observe)
    table = np.asarray(rows, dtype=np.float64).reshape(-1, 6)
    result = finish(
        p,
        observed=table[:, 0].astype(np.int64),
        numerator=table[:, 1],
        denominator=table[:, 2],
        exposure=table[:, 3],
        window=table[:, 4],
        window_reshares=table[:, 5].astype(np.int64),
        n_star=np.full(len(table), p.n_star),
    )
    return result.reshape((len(cascades), len(observe)))
