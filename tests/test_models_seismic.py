"""SEISMIC (science.md §3.1): hand-computed numbers, quadrature, the five pitfalls, the
supercritical result, and the vectorised path against the plain loop."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats

from rapport.models.cascades import Cascade, read_cascades
from rapport.models.seismic import (
    Seismic,
    SeismicParams,
    memory_ccdf,
    memory_kernel,
    seismic_predict,
    seismic_predict_loop,
    window_integral,
)

P = SeismicParams()
DATA = Path(__file__).parent / "data" / "cascades"


def _one(cascade: Cascade, t: float, **params: float) -> dict[str, float]:
    result = seismic_predict([cascade], [t], params=SeismicParams(**params))  # type: ignore[arg-type]
    return {name: getattr(result, name)[0, 0] for name in result.__dataclass_fields__}


# -- the kernel -------------------------------------------------------------------------------
def test_kernel_is_a_density_and_its_ccdf_is_continuous() -> None:
    head = P.c * P.s0  # ∫ over [0, s0]
    tail, _ = integrate.quad(lambda s: float(memory_kernel(np.array(s), P)), P.s0, np.inf)
    assert head + tail == pytest.approx(1.0, abs=1e-6)  # c = 6.265725e-4 is rounded
    assert P.kernel_mass == pytest.approx(1.0, abs=1e-6)
    below, above = memory_ccdf(np.array([P.s0 - 1e-9, P.s0 + 1e-9]), P)
    assert below == pytest.approx(0.81203, abs=1e-5)
    assert above == pytest.approx(below, abs=1e-6)  # exact for c = θ/(s0(1+θ)); R rounds c
    grid = np.linspace(0, 1e6, 10_001)
    assert np.all(np.diff(memory_ccdf(grid, P)) < 0)
    # beyond the knee Φ̄(s) is the kernel's tail mass ∫_s^∞ φ
    beyond, _ = integrate.quad(lambda s: float(memory_kernel(np.array(s), P)), 5000.0, np.inf)
    assert float(memory_ccdf(np.array(5000.0), P)) == pytest.approx(beyond, rel=1e-9)


def _integral_by_quad(ti: float, t: float, w: float) -> float:
    a = 1.0 / w

    def integrand(s: float) -> float:
        return (1.0 - a * (t - s)) * float(memory_kernel(np.array(s - ti), P))

    lower = max(ti, t - w)
    if lower >= t:
        return 0.0
    points = [p for p in (ti + P.s0,) if lower < p < t]
    value, _ = integrate.quad(integrand, lower, t, points=points or None, epsabs=0, epsrel=1e-13)
    return float(value)


@pytest.mark.parametrize(
    ("ti", "t", "w", "case"),
    [
        (700.0, 600.0, 300.0, 1),  # the event is after t
        (600.0, 600.0, 300.0, 1),  # u = 0
        (450.0, 600.0, 300.0, 2),  # u <= s0
        (0.0, 1800.0, 900.0, 3),  # s0 < u <= w
        (100.0, 7000.0, 7200.0, 3),
        (1000.0, 2000.0, 900.0, 4),  # w < u <= w + s0
        (0.0, 1000.0, 900.0, 4),
        (0.0, 20_000.0, 7200.0, 5),  # u > w + s0
        (5.0, 600_000.0, 7200.0, 5),
        (10.0, 600.0, 600.0, 3),  # the fallback window w = t (original kept)
    ],
)
def test_closed_form_equals_quadrature(ti: float, t: float, w: float, case: int) -> None:
    a = 1.0 / w
    closed = float(
        window_integral(np.array([ti]), np.array([t]), np.array([w]), np.array([a]), P)[0]
    )
    expected = _integral_by_quad(ti, t, w)
    assert closed == pytest.approx(expected, rel=1e-9, abs=1e-15)
    assert (closed == 0.0) == (case == 1)


# -- hand computation on tiny_seismic.txt -----------------------------------------------------
def _hand_integral(u: float, w: float) -> float:
    """∫_{max(0, u − w)}^{u} (1 − a(u − v)) φ(v) dv through the CDF and first moment of φ."""
    c, s0, th = P.c, P.s0, P.theta
    a = 1.0 / w

    def cdf(v: float) -> float:  # ∫_0^v φ
        return c * v if v <= s0 else c * s0 + c * s0 ** (1 + th) * (s0**-th - v**-th) / th

    def moment(v: float) -> float:
        if v <= s0:
            return c * v * v / 2
        return c * s0 * s0 / 2 + c * s0 ** (1 + th) * (v ** (1 - th) - s0 ** (1 - th)) / (1 - th)

    low = max(0.0, u - w)
    return (1 - a * u) * (cdf(u) - cdf(low)) + a * (moment(u) - moment(low))


def test_tiny_cascade_by_hand() -> None:
    """tiny_seismic.txt: the original (1000 followers) and reshares at 60 s (10), 120 s (0),
    120 s (50), 400 s (5) and 1800 s (20), observed at t = 600 s.

    w = min(max(300, 300), 7200) = 300, but [300, 600) holds one event (< 5): the fallback
    keeps the last min(6, 5) events before t, the first of them the original at 0, so
    w = 600 and a = 1/600. Numerator: the four reshares, (1 − 540/600) + 2 (1 − 480/600) +
    (1 − 200/600) = 7/6.
    """
    (cascade,) = read_cascades(DATA / "tiny_seismic.txt")
    got = _one(cascade, 600.0)
    assert got["window"] == 600.0 and got["window_reshares"] == 4
    numerator = 0.1 + 2 * 0.2 + (1 - 200 / 600)
    assert numerator == pytest.approx(7 / 6)
    events = [(0.0, 1000.0), (60.0, 10.0), (120.0, 0.0), (120.0, 50.0), (400.0, 5.0)]
    denominator = sum(n * _hand_integral(600.0 - ti, 600.0) for ti, n in events)
    p_hat = numerator / denominator
    assert got["infectiousness"] == pytest.approx(p_hat, rel=1e-12)
    exposure = sum(n * float(memory_ccdf(np.array(600.0 - ti), P)) for ti, n in events)
    assert got["exposure"] == pytest.approx(exposure, rel=1e-12)
    assert got["observed"] == 4
    assert got["final"] == pytest.approx(4 + p_hat * exposure / (1 - 100 * p_hat), rel=1e-12)
    assert got["r"] == pytest.approx(100 * p_hat)
    # the interval: 5 % and 95 % chi-square quantiles with 2m = 8 degrees of freedom
    low = p_hat * stats.chi2.ppf(0.05, 8) / 8
    high = p_hat * stats.chi2.ppf(0.95, 8) / 8
    assert (got["infectiousness_low"], got["infectiousness_high"]) == pytest.approx((low, high))
    assert got["final_low"] == pytest.approx(4 + low * exposure / (1 - 100 * low))
    assert 100 * high >= 1 and math.isinf(got["final_high"])  # the upper end is supercritical
    assert not got["supercritical"]
    # a wider interval asked for is wider; a narrower one can end finite
    wide = _one(cascade, 600.0, interval_level=0.95)
    assert wide["final_low"] < got["final_low"]
    narrow = _one(cascade, 600.0, interval_level=0.2)
    high = p_hat * stats.chi2.ppf(0.6, 8) / 8
    assert narrow["final_high"] == pytest.approx(4 + high * exposure / (1 - 100 * high))


# -- the pitfalls -----------------------------------------------------------------------------
def test_pitfall_1_row_order_does_not_matter() -> None:
    rng = np.random.default_rng(3)
    times = np.sort(rng.exponential(900.0, 300))
    followers = rng.integers(0, 5000, 300).astype(float)
    order = rng.permutation(300)
    sorted_cascade = Cascade.from_events("a", times, followers, poster_followers=800)
    shuffled = Cascade.from_events("b", times[order], followers[order], poster_followers=800)
    observe = [60.0, 600.0, 3600.0, 7200.0]
    one, two = seismic_predict([sorted_cascade], observe), seismic_predict([shuffled], observe)
    np.testing.assert_array_equal(one.final, two.final)


def test_pitfall_2_no_event_before_t() -> None:
    cascade = Cascade.from_events("c", [30.0, 90.0], [5.0, 7.0], poster_followers=100)
    at_zero = _one(cascade, 0.0)
    assert at_zero["infectiousness"] == 0.0 and at_zero["final"] == 0.0
    assert not at_zero["supercritical"]
    # only the original before t: p̂ = 0 (no reshare in the numerator), so R̂ = R_t
    early = _one(cascade, 20.0)
    assert early["infectiousness"] == 0.0 and early["final"] == early["observed"] == 0.0


def test_pitfall_3_supercritical_is_explicit() -> None:
    burst = Cascade.from_events("burst", np.arange(1.0, 41.0), np.ones(40), poster_followers=10)
    got = _one(burst, 60.0)
    assert got["r"] >= 1.0 and got["supercritical"]
    assert math.isnan(got["final"]) and math.isinf(got["final_high"])
    # exactly at p̂ n* = 1 the formula divides by zero: that is supercritical too
    from rapport.models._seismic_vector import finish

    edge = finish(
        P,
        observed=np.array([3]),
        numerator=np.array([1.0]),
        denominator=np.array([4.0]),
        exposure=np.array([10.0]),
        window=np.array([300.0]),
        window_reshares=np.array([3]),
        n_star=np.array([4.0]),
    )
    assert edge.r[0] == 1.0 and edge.supercritical[0] and math.isnan(edge.final[0])


def test_pitfall_4_min_count_counts_the_original() -> None:
    """At t = 200 s the window [−100, 200) holds the original and 4 reshares: 5 events, so no
    fallback (w stays 300), but the numerator and m count the 4 reshares only."""
    cascade = Cascade.from_events("c", [10.0, 20.0, 30.0, 40.0], np.ones(4), poster_followers=50)
    got = _one(cascade, 200.0)
    assert got["window"] == 300.0 and got["window_reshares"] == 4
    expected = sum(1 - (200 - ti) / 300 for ti in (10, 20, 30, 40))
    tail = (1 - P.interval_level) / 2
    assert got["infectiousness_low"] / got["infectiousness"] == pytest.approx(
        stats.chi2.ppf(tail, 8) / 8
    )
    reference = seismic_predict_loop([cascade], [200.0])
    assert reference.window[0, 0] == 300.0
    assert expected > 0
    # one reshare fewer: 4 events in the window, the fallback takes w = t − t_first = 200
    fewer = Cascade.from_events("d", [10.0, 20.0, 30.0], np.ones(3), poster_followers=50)
    assert _one(fewer, 200.0)["window"] == 200.0


def test_pitfall_5_half_open_window() -> None:
    """A reshare exactly at t counts in R_t and the exposure, not in p̂."""
    base = Cascade.from_events("c", [100.0, 250.0, 400.0, 500.0, 550.0, 580.0], np.full(6, 20.0),
                               poster_followers=300)  # fmt: skip
    with_tie = Cascade.from_events(
        "d", [*base.times, 600.0], np.full(7, 20.0), poster_followers=300
    )
    one, two = _one(base, 600.0), _one(with_tie, 600.0)
    assert two["infectiousness"] == one["infectiousness"]
    assert two["observed"] == one["observed"] + 1
    assert two["exposure"] == pytest.approx(one["exposure"] + 20.0)


def test_window_rules() -> None:
    cascade = Cascade.from_events("c", np.linspace(1, 30_000, 3000), np.ones(3000),
                                  poster_followers=10)  # fmt: skip
    for t, w in [(400.0, 300.0), (1200.0, 600.0), (9000.0, 4500.0), (20_000.0, 7200.0)]:
        got = _one(cascade, t)
        assert got["window"] == w  # a_t w_t = 1 by construction (a = 1/w)


def test_final_size_grows_with_infectiousness_and_equals_observed_at_zero() -> None:
    from rapport.models._seismic_vector import finish

    p_hat = np.array([0.0, 0.001, 0.005, 0.009, 0.0099, 0.01, 0.02])
    result = finish(
        P,
        observed=np.full(7, 40),
        numerator=p_hat * 1000.0,
        denominator=np.full(7, 1000.0),
        exposure=np.full(7, 5000.0),
        window=np.full(7, 300.0),
        window_reshares=np.full(7, 10),
        n_star=np.full(7, 100.0),
    )
    assert result.final[0] == 40.0
    finite = result.final[:5]
    assert np.all(np.diff(finite) > 0)
    assert result.supercritical.tolist() == [False] * 5 + [True, True]


# -- vectorised = loop, on the shared cascades and on awkward synthetic ones ------------------
def test_vectorised_equals_loop_on_the_seismic_subset(shared: Path) -> None:
    cascades = read_cascades(shared / "samples/reshare_cascades/seismic_subset/training")
    chosen = cascades[::5]  # 10 cascades: the loop is slow on purpose
    observe = [0.0, 60.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, 21600.0, 86400.0, 604800.0]
    fast, slow = seismic_predict(chosen, observe), seismic_predict_loop(chosen, observe)
    for name in ("infectiousness", "exposure", "final_low", "r"):
        np.testing.assert_allclose(getattr(fast, name), getattr(slow, name), rtol=1e-9)
    np.testing.assert_array_equal(fast.supercritical, slow.supercritical)
    np.testing.assert_allclose(fast.final, slow.final, rtol=1e-9)  # NaN where supercritical
    np.testing.assert_array_equal(fast.observed, slow.observed)
    np.testing.assert_array_equal(fast.window_reshares, slow.window_reshares)


def test_vectorised_equals_loop_on_random_cascades() -> None:
    rng = np.random.default_rng(11)
    cascades = []
    for k in range(40):
        size = int(rng.integers(0, 60))
        times = np.round(rng.exponential(rng.choice([60.0, 600.0, 5000.0]), size))  # ties
        cascades.append(
            Cascade.from_events(
                f"r{k}", times, rng.integers(0, 3000, size), poster_followers=rng.integers(0, 9e5)
            )
        )
    observe = [0.0, 1.0, 45.0, 300.0, 301.0, 900.0, 3600.0, 1e5]
    fast, slow = (
        seismic_predict(cascades, observe, threads=1),
        seismic_predict_loop(cascades, observe),
    )
    np.testing.assert_allclose(fast.infectiousness, slow.infectiousness, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(fast.final, slow.final, rtol=1e-9)
    np.testing.assert_allclose(fast.final_high, slow.final_high, rtol=1e-9)
    threaded = seismic_predict(cascades, observe, threads=3)
    np.testing.assert_array_equal(threaded.final, fast.final)


def test_vectorised_equals_loop_with_fractional_times() -> None:
    """In the fallback the window starts exactly at the earliest kept event; with times that
    are not whole seconds t − (t − t_first) can round past it, and neither path may lose it
    from m (a regression: the loop once did, and its interval differed)."""
    rng = np.random.default_rng(5)
    cascades = [
        Cascade.from_events(
            f"f{k}",
            rng.exponential(rng.choice([60.0, 900.0, 4000.0]), size := int(rng.integers(1, 40))),
            np.floor(rng.pareto(1.016, size) + 1),
            poster_followers=float(rng.integers(1, 5e4)),
        )
        for k in range(300)
    ]
    observe = [600.0, 3600.0, 7777.7]
    fast = seismic_predict(cascades, observe, threads=1)
    slow = seismic_predict_loop(cascades, observe)
    np.testing.assert_array_equal(fast.window_reshares, slow.window_reshares)
    for name in ("infectiousness_low", "infectiousness_high", "final", "final_low", "final_high"):
        np.testing.assert_allclose(getattr(fast, name), getattr(slow, name), rtol=1e-9)


def test_estimator_needs_follower_counts() -> None:
    from rapport.models.cascades import InvalidCascade

    blind = Cascade("b", np.array([1.0, 2.0]), None, None)
    with pytest.raises(InvalidCascade, match="follower count"):
        Seismic().fit([blind])
    model = Seismic(n_star=50.0).fit()
    (cascade,) = read_cascades(DATA / "tiny_seismic.txt")
    assert model.predict([cascade], observe=[600.0, 1200.0]).final.shape == (1, 2)
    assert model.kernel_mass_ == pytest.approx(1.0, abs=1e-6)
