"""Marked Hawkes (science.md §3.2): the likelihood against direct sums and quadrature, the
gradient, recovery of simulated parameters, supercritical and near-critical fits."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate

from rapport.models._hawkes_likelihood import (
    ALPHA,
    events_of,
    exp_loglik,
    power_loglik,
    power_loglik_direct,
)
from rapport.models.cascades import Cascade, read_cascades
from rapport.models.forecast import hawkes_forecast
from rapport.models.hawkes import MarkedHawkes, branching_factor, select_kernel, simulate_hawkes

DATA = Path(__file__).parent / "data" / "cascades"


def _x(n_star: float, beta: float, c: float, theta: float) -> np.ndarray:
    return np.array([math.log(n_star), beta, math.log(c), math.log(theta)])


def _kappa(n_star: float, beta: float, c: float, theta: float) -> float:
    return n_star * theta * c**theta * (ALPHA - beta - 1) / (ALPHA - 1)


@pytest.fixture(scope="module")
def example(shared: Path) -> Cascade:
    path = shared / "samples/reshare_cascades/featuredriven_hawkes/example.csv"
    return read_cascades(path)[0]


@pytest.mark.parametrize(
    "params",
    [(0.8, 0.5, 30.0, 0.6), (0.3, 0.0, 0.02, 2.9), (0.99, 1.0, 5000.0, 0.01), (0.5, 0.9, 1.0, 1.0)],
)
def test_exponential_mixture_equals_the_direct_sum(
    example: Cascade, params: tuple[float, float, float, float]
) -> None:
    """The O(N·K) likelihood matches the O(N²) one (with its 9 tied timestamps)."""
    for end in (600.0, 6 * 3600.0, float(example.times[-1])):
        events = events_of(example, end)
        fast, _ = power_loglik(_x(*params), [events])
        direct = power_loglik_direct((_kappa(*params), *params[1:]), events)  # type: ignore[arg-type]
        assert fast == pytest.approx(direct, rel=1e-7)


def test_gradient_matches_finite_differences(example: Cascade) -> None:
    events = events_of(example, 3 * 3600.0)
    x = _x(0.7, 0.4, 40.0, 0.5)
    _, grad = power_loglik(x, [events])
    for k in range(4):
        step = np.zeros(4)
        step[k] = 1e-6
        numeric = (power_loglik(x + step, [events])[0] - power_loglik(x - step, [events])[0]) / 2e-6
        assert grad[k] == pytest.approx(numeric, rel=1e-5, abs=1e-4)


def test_exponential_kernel_likelihood_equals_the_direct_sum(example: Cascade) -> None:
    """exp_loglik against Σ log λ(t_i) − Λ(T) written out pairwise (ties do not excite)."""
    n_star, beta, theta = 0.6, 0.4, 1 / 900
    kappa = n_star * (ALPHA - beta - 1) / (ALPHA - 1)
    events = events_of(example, 2 * 3600.0)
    marks = np.exp(beta * events.log_marks)
    lags = events.times[:, None] - events.times[None, :]
    kernel = np.where(lags > 0, theta * np.exp(-theta * np.maximum(lags, 0.0)), 0.0)
    level = kappa * (kernel @ marks)
    compensator = kappa * marks @ (1 - np.exp(-theta * (events.end - events.times)))
    direct = float(np.sum(np.log(level[events.target])) - compensator)
    x = np.array([math.log(n_star), beta, math.log(theta)])
    assert exp_loglik(x, [events]) == pytest.approx(direct, rel=1e-9)


def test_compensator_is_the_integral_of_the_intensity() -> None:
    """ℓ = Σ log λ(t_i) − ∫_0^T λ: recover ∫ λ by quadrature between the events."""
    (cascade,) = read_cascades(DATA / "tiny_seismic.txt")
    kappa, beta, c, theta = 0.05, 0.6, 20.0, 0.7
    end = 2400.0
    events = events_of(cascade, end)
    marks = np.exp(beta * events.log_marks)

    def intensity(t: float) -> float:
        past = events.times < t
        return float(kappa * marks[past] @ (t - events.times[past] + c) ** (-1 - theta))

    cuts = [0.0, *sorted(set(events.times[1:].tolist())), end]
    area = sum(
        integrate.quad(intensity, a, b, epsrel=1e-12)[0] for a, b in itertools.pairwise(cuts)
    )
    log_sum = sum(math.log(intensity(t)) for t in events.times[events.target])
    direct = power_loglik_direct((kappa, beta, c, theta), events)
    assert direct == pytest.approx(log_sum - area, rel=1e-9)
    n_star = kappa * (ALPHA - 1) / (ALPHA - beta - 1) / (theta * c**theta)
    assert power_loglik(_x(n_star, beta, c, theta), [events])[0] == pytest.approx(direct, rel=1e-7)


def test_a_reshare_at_time_zero_has_no_intensity_and_ties_do_not_excite() -> None:
    cascade = Cascade.from_events("t", [0.0, 5.0, 5.0, 9.0], [3, 4, 5, 6], poster_followers=10)
    events = events_of(cascade, 20.0)
    assert events.target.tolist() == [False, False, True, True, True]
    value = power_loglik_direct((0.1, 0.5, 2.0, 0.5), events)
    assert math.isfinite(value)
    # λ(5) counts the original and the reshare at 0, not the other reshare at 5
    marks = np.exp(0.5 * events.log_marks)
    at_five = 0.1 * (marks[0] + marks[1]) * (5 + 2.0) ** -1.5
    at_nine = 0.1 * (
        (marks[0] + marks[1]) * (9 + 2.0) ** -1.5 + (marks[2] + marks[3]) * (4 + 2.0) ** -1.5
    )
    span = 20.0 - events.times + 2.0
    compensator = 0.1 * marks @ ((2.0**-0.5 - span**-0.5) / 0.5)
    assert value == pytest.approx(2 * math.log(at_five) + math.log(at_nine) - compensator)


# -- recovery of simulated parameters ---------------------------------------------------------
def test_power_law_fit_recovers_simulated_parameters() -> None:
    """30 cascades (seed 1) from κ = 0.974, β = 0.5, c = 30 s, θ = 0.5, so n* = 0.700.
    Tolerances: n* ± 0.1, β ± 0.1, θ within 20 %, c within 50 %."""
    rng = np.random.default_rng(1)
    truth = {"kappa": 0.974, "beta": 0.5, "c": 30.0, "theta": 0.5}
    n_star = branching_factor(**truth, kernel="power")
    assert n_star == pytest.approx(0.70028, abs=1e-5)
    cascades = [
        simulate_hawkes(rng, **truth, poster_followers=1000, horizon=1e6, cascade_id=f"s{i}")
        for i in range(30)
    ]
    model = MarkedHawkes(n_starts=3).fit(cascades, observe=1e6)
    assert model.n_star_ == pytest.approx(n_star, abs=0.1)
    assert model.beta_ == pytest.approx(0.5, abs=0.1)
    assert model.theta_ == pytest.approx(0.5, rel=0.2)
    assert model.c_ == pytest.approx(30.0, rel=0.5)
    assert model.converged_ and not model.near_critical_
    low, high = model.n_star_interval_
    assert low < model.n_star_ < high < 1


def test_exponential_fit_recovers_simulated_parameters() -> None:
    """40 cascades from n* = 0.6, β = 0.3, mean delay 600 s: n* ± 0.12, β ± 0.12, delay ± 30 %."""
    rng = np.random.default_rng(2)
    kappa = 0.6 * (ALPHA - 0.3 - 1) / (ALPHA - 1)
    cascades = [
        simulate_hawkes(rng, kappa=kappa, beta=0.3, c=0.0, theta=1 / 600, kernel="exponential",
                        poster_followers=1e5, horizon=86400.0, cascade_id=f"e{i}")
        for i in range(40)
    ]  # fmt: skip
    model = MarkedHawkes(kernel="exponential", n_starts=3).fit(cascades, observe=86400.0)
    assert model.n_star_ == pytest.approx(0.6, abs=0.12)
    assert model.beta_ == pytest.approx(0.3, abs=0.12)
    assert 1 / model.theta_ == pytest.approx(600.0, rel=0.3)


def test_held_out_likelihood_prefers_the_kernel_that_made_the_data() -> None:
    rng = np.random.default_rng(4)
    kappa = 0.5 * (ALPHA - 0.3 - 1) / (ALPHA - 1)
    fast = simulate_hawkes(rng, kappa=kappa, beta=0.3, c=0.0, theta=1 / 300,
                           kernel="exponential", poster_followers=3e6, horizon=7200.0)  # fmt: skip
    kernel, scores = select_kernel(fast, observe=7200.0, n_starts=2)
    assert fast.size > 100
    assert kernel == "exponential" and scores["exponential"] > scores["power"]


# -- supercritical and near-critical ----------------------------------------------------------
def test_supercritical_fit_is_declined() -> None:
    """A cascade drawn with n* = 1.26 and fitted without the n* < 1 bound."""
    rng = np.random.default_rng(8)
    truth = {"kappa": 1.753, "beta": 0.5, "c": 30.0, "theta": 0.5}
    assert branching_factor(**truth, kernel="power") > 1.2
    cascade = simulate_hawkes(rng, **truth, poster_followers=1e4, horizon=7200.0, max_events=1500)
    assert cascade.size >= 1000
    model = MarkedHawkes(n_starts=2, subcritical=False).fit([cascade], observe=7200.0)
    result = model.predict(cascade, observe=7200.0)
    assert model.n_star_ >= 1.0
    assert result.supercritical and math.isnan(result.final) and result.interval is None


def test_near_critical_fit_is_flagged_and_its_interval_widened() -> None:
    """Four reshares in ten minutes can't pin n* down: the fit says so."""
    (cascade,) = read_cascades(DATA / "tiny_seismic.txt")
    model = MarkedHawkes(n_starts=2).fit([cascade], observe=600.0)
    result = model.predict(cascade, observe=600.0)
    assert model.near_critical_ and result.near_critical
    assert model.n_star_interval_[1] >= 1.0
    assert result.interval is not None and math.isinf(result.interval[1])
    assert result.interval[0] >= result.observed == 4


def test_hawkes_forecast_on_the_example_cascade(example: Cascade) -> None:
    result = hawkes_forecast(example, observe=3600.0, n_starts=2)
    assert result.observed == example.observed(3600.0) == 169
    assert result.model in {"hawkes-power", "hawkes-exponential"}
    assert result.r is not None and 0 < result.r < 1
    assert result.predicted_final is not None and result.predicted_final >= 169
    data = result.to_dict()
    assert data["observed"] == 169 and data["model"] == result.model
