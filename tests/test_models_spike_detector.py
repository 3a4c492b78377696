"""The spike detector on hand-built series: flat, one obvious spike, too short, noise."""

from __future__ import annotations

import numpy as np
import pytest

from rapport.errors import NotFittedError, UsageError
from rapport.models.spike_detector import InvalidSeries, SpikeDetector


def test_a_flat_series_has_no_spike() -> None:
    detector = SpikeDetector().fit([12] * 60)
    assert detector.spikes_ == ()
    assert detector.reason_ is None
    assert detector.judged_.all() and not detector.flags_.any()
    assert detector.baseline_ == pytest.approx(np.full(60, 12.0))
    # the spread is never below Poisson noise at the baseline: √12 / 13 on the log scale
    assert detector.spread_ == pytest.approx(np.full(60, np.sqrt(12) / 13))


def test_one_obvious_spike_is_found_where_it_is() -> None:
    values = [10, 12, 9, 11, 10, 10, 11, 9, 10, 12] * 4
    values[23] = 95
    detector = SpikeDetector().fit(values)
    [spike] = detector.spikes_
    assert (spike.start, spike.end, spike.peak, spike.size) == (23, 23, 23, 95.0)
    assert spike.baseline == pytest.approx(10.0)  # the median of its neighbours
    # log(96 / 11) / max(MAD, √10 / 11): the neighbours' MAD on the log scale is 0.133
    assert spike.score == pytest.approx(np.log(96 / 11) / (np.sqrt(10) / 11), rel=1e-9)


def test_consecutive_flagged_points_are_one_spike_with_its_peak() -> None:
    values = [20.0] * 40
    values[15:18] = [150.0, 400.0, 120.0]
    detector = SpikeDetector(guard=2).fit(values)
    [spike] = detector.spikes_
    assert (spike.start, spike.end, spike.peak, spike.size) == (15, 17, 16, 400.0)


def test_a_series_too_short_says_so() -> None:
    detector = SpikeDetector().fit([3, 4, 50])
    assert detector.spikes_ == ()
    assert not detector.judged_.any()
    assert detector.reason_ == (
        "the series has 3 points: too short to judge a point against 7 neighbours (give at least 9)"
    )
    assert np.isnan(detector.score_).all()


def test_a_sparse_series_says_so() -> None:
    values = np.zeros(60)
    values[[5, 30, 55]] = [4, 40, 3]
    detector = SpikeDetector(skip_zeros=True).fit(values)
    assert detector.spikes_ == ()
    assert detector.reason_ is not None and "too sparse" in detector.reason_


def test_small_counts_need_more_than_chance() -> None:
    # a quiet account: 0–2 follows a day, one day with 5: not a spike (excess below 5)
    values = [1, 0, 2, 1, 1, 0, 1, 2, 1, 0] * 4
    values[20] = 5
    assert SpikeDetector().fit(values).spikes_ == ()
    values[20] = 12
    assert [s.peak for s in SpikeDetector().fit(values).spikes_] == [20]


def test_noise_alone_is_rarely_flagged() -> None:
    rng = np.random.default_rng(11)
    poisson = SpikeDetector().fit(rng.poisson(20, 3650))
    assert poisson.flags_.sum() == 0
    # overdispersed counts (negative binomial, mean 20, variance 220): measured 9 of 3,650
    overdispersed = SpikeDetector().fit(rng.negative_binomial(2, 2 / 22, 3650))
    assert overdispersed.flags_.mean() < 0.005


def test_spikes_are_judged_on_a_log_scale() -> None:
    rng = np.random.default_rng(4)
    base = rng.lognormal(0, 0.3, 200)
    base[[50, 120]] *= [6, 9]
    small = SpikeDetector().fit(base * 1_000)
    large = SpikeDetector().fit(base * 100_000)
    assert [s.peak for s in small.spikes_] == [s.peak for s in large.spikes_] == [50, 120]
    assert small.score_ == pytest.approx(large.score_, rel=1e-3, nan_ok=True)


def test_missing_points_are_neither_judged_nor_used() -> None:
    values = np.full(40, 10.0)
    values[10] = np.nan
    values[25] = 80.0
    detector = SpikeDetector().fit(values)
    assert not detector.judged_[10] and np.isnan(detector.score_[10])
    assert [s.peak for s in detector.spikes_] == [25]


def test_follows_the_estimator_contract() -> None:
    detector = SpikeDetector(window=10, threshold=4.0)
    assert detector.get_params()["window"] == 10
    with pytest.raises(NotFittedError, match="SpikeDetector is not fitted yet"):
        detector.summary()
    assert detector.fit([1.0] * 30) is detector
    assert detector.summary() == {
        "points": 30, "judged": 30, "flagged": 0, "spikes": [], "reason": None,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("options", "values", "field", "message"),
    [
        ({}, [1, 2, -3], "values[2]", "values[2] = -3.0: expected a count ≥ 0"),
        ({}, [1, np.inf], "values[1]", "expected a count ≥ 0"),
        ({}, [[1, 2], [3, 4]], "values", "expected one value a point"),
        ({}, ["a", "b"], "values", "expected numbers"),
        ({"guard": 14}, [1] * 40, "guard", "expected less than window (14)"),
        ({"window": -1}, [1] * 40, "window", "expected a whole number ≥ 0"),
    ],
)
def test_bad_input_names_the_field(
    options: dict[str, object], values: object, field: str, message: str
) -> None:
    escaped = (
        message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(").replace(")", r"\)")
    )
    with pytest.raises(InvalidSeries, match=escaped) as err:
        SpikeDetector(**options).fit(values)  # type: ignore[arg-type]
    assert err.value.field == field
    assert isinstance(err.value, UsageError) and isinstance(err.value, ValueError)
