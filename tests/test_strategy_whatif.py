"""The what-if simulator: calibration on the demo world, strategies, bands, determinism.

The demo world (20,000 people, 365 days, seed 7) is imported into a real store once per
module. The CLI default is 20 runs over 12 months for six strategies; to stay well under
90 s the tests run 10 runs over 6 months for three strategies (the claims are checked on
those), and two runs over two months where only determinism matters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from rapport.canonical import Batch
from rapport.config import Config, EffortCosts, Targets
from rapport.errors import UsageError
from rapport.metrics.run import run_metrics
from rapport.session import Session
from rapport.simulate import WorldParams
from rapport.simulate.run import run_world
from rapport.store import Store
from rapport.strategy.whatif import (
    LEVERS,
    OUTCOMES,
    STRATEGY_NAMES,
    Calibration,
    WhatIf,
    calibrate,
    run_whatif,
    strategies,
    strategy_params,
)
from rapport.strategy.whatif.measure import measure_run
from rapport.strategy.whatif.runs import run_seed
from rapport.strategy.whatif.strategies import changed_fields, plan_from_stored
from rapport.strategy.whatif.workspace import measure_workspace
from tests.worlds import SMALL_WORLD, simulated

DEMO = WorldParams(people=20_000, days=365, seed=7)
SMALL = SMALL_WORLD
CONFIG = Config(
    targets=Targets(posts_per_week=6.0, max_promotional_share=0.2, reply_rate=0.9),
    costs=EffortCosts(minutes_per_post=25.0, minutes_per_reply=3.0),
)
CHECKED = ("posts_per_week", "engagement_per_post", "reply_rate", "promotional_share",
           "follower_growth")  # fmt: skip
TEST_RUNS, TEST_MONTHS = 10, 6
COMPARED = ["as_now", "chase_viral", "relationship_first"]


def _store(path: Path, params: WorldParams, *, keep: tuple[str, ...] | None = None) -> Store:
    tables = simulated(params).tables
    if keep is not None:
        tables = {name: table for name, table in tables.items() if name in keep}
    store = Store(path)
    store.apply(Batch.from_tables(tables, source="synthetic", origin="test"))
    return store


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = _store(tmp_path_factory.mktemp("whatif") / "rapport.duckdb", DEMO)
    yield store
    store.close()


@pytest.fixture(scope="module")
def calibration(demo_store: Store) -> Calibration:
    return calibrate(Session.over(demo_store, config=CONFIG), seed=0)


@pytest.fixture(scope="module")
def whatif(calibration: Calibration) -> WhatIf:
    return run_whatif(calibration, months=TEST_MONTHS, runs=TEST_RUNS, strategies=COMPARED, seed=0)


def test_the_world_is_measured_like_the_store(tmp_path: Path) -> None:
    """The quantities read from a run equal the metrics on the same world's tables."""
    with _store(tmp_path / "rapport.duckdb", SMALL) as store, Session.over(store) as session:
        workspace = measure_workspace(session)
        metrics = {
            r.id: r.value for r in run_metrics(session, ids=["core_community", "conversions"])
        }
    run = measure_run(run_world(SMALL))
    for name in ("posts_per_week", "weeks_with_posts", "promotional_share", "engagement_per_post",
                 "engagement_rate", "reply_rate", "follower_growth", "followers_start",
                 "followers_end"):  # fmt: skip
        assert getattr(run, name) == pytest.approx(workspace.get(name), rel=1e-9), name
    assert run.reply_hours == pytest.approx(workspace.reply_hours, rel=1e-3)
    assert run.core_community == metrics["core_community"]
    assert run.conversions == metrics["conversions"]


def test_calibration_reproduces_the_demo_within_20_percent(calibration: Calibration) -> None:
    rows = {q["name"]: q for q in calibration.to_dict()["quantities"]}
    for name in CHECKED:
        row = rows[name]
        assert row["source"] == "workspace" and row["checked"], row
        assert row["relative_error"] <= 0.20, row
        assert row["within_tolerance"] is True
    assert calibration.ok
    assert calibration.fallbacks == {}
    # Measured on the demo (seed 7), by the metrics: the targets themselves.
    assert rows["posts_per_week"]["target"] == pytest.approx(5.315, abs=1e-3)
    assert rows["engagement_per_post"]["target"] == 70.0
    assert rows["reply_rate"]["target"] == pytest.approx(0.3786, abs=1e-4)
    assert rows["promotional_share"]["target"] == pytest.approx(0.2681, abs=1e-4)
    assert rows["follower_growth"]["target"] == pytest.approx(1672 / 600 - 1)
    world = calibration.to_dict()["world"]
    assert world["people"] == 20_000 and world["followers_now"] == 1672
    assert world["simulated_people"] * world["scale"] == pytest.approx(20_000)
    # the one note: the world is simulated at half size (600 followers at the start / 300)
    [note] = calibration.notes
    assert note.startswith("simulated at 10,000 people, each standing for 2 of the 20,000")


def test_missing_data_falls_back_to_defaults_and_says_so(tmp_path: Path) -> None:
    """Without interactions or post counts, engagement and replies keep the defaults."""
    keep = ("accounts", "posts", "follower_counts")
    with _store(tmp_path / "rapport.duckdb", SMALL, keep=keep) as store:
        result = calibrate(Session.over(store, config=Config()), seed=1)
    assert {"engagement_per_post", "reply_rate", "reply_hours"} <= set(result.fallbacks)
    assert "default" in result.fallbacks["reply_rate"]
    rows = {q["name"]: q for q in result.to_dict()["quantities"]}
    assert rows["reply_rate"]["source"] == "default" and rows["reply_rate"]["target"] is None
    assert rows["reply_rate"]["achieved"] is not None  # the default world's value, shown
    notes = result.to_dict()["notes"]
    assert any(n.startswith("reply_rate: reply_rate:") and "default" in n for n in notes), notes
    for name in ("posts_per_week", "promotional_share", "follower_growth"):
        assert rows[name]["within_tolerance"] is True, rows[name]
    assert result.ok


def test_strategies_change_only_the_accounts_own_behaviour(calibration: Calibration) -> None:
    base = strategy_params(calibration, "as_now")
    start = changed_fields(calibration.params, base)
    # today's followers always; the horizon when it differs from the calibrated span
    assert "brand_initial_follower_share" in start
    assert start <= {"days", "brand_initial_follower_share"}
    for name in STRATEGY_NAMES:
        changed = changed_fields(base, strategy_params(calibration, name))
        assert changed <= LEVERS, (name, changed - LEVERS)
        assert all(field.startswith("brand_") for field in changed)
        assert (name == "as_now") == (not changed), name
    assert {"as_now", "current_plan", "chase_viral", "promo_heavy", "inconsistent",
            "relationship_first"} <= set(STRATEGY_NAMES)  # fmt: skip
    plan = strategy_params(calibration, "current_plan")
    assert plan.brand_posts_per_week == pytest.approx(CONFIG.targets.posts_per_week)
    assert plan.brand_promo_share <= CONFIG.targets.max_promotional_share
    bursty = strategy_params(calibration, "inconsistent")
    assert bursty.brand_posts_per_week == pytest.approx(base.brand_posts_per_week)


def test_a_stored_plan_sets_the_current_plan(calibration: Calibration) -> None:
    stored = {"plan_id": 3, "steps": [
        {"metric": "posts_per_week", "target": 8.0},
        {"area": "reply_rate", "target": 0.8},
        {"action": "more promos", "extra_posts_per_week": 1.0},
    ]}  # fmt: skip
    plan = plan_from_stored(stored, calibration.plan, label="stored plan 3", plan_id=3)
    assert (plan.posts_per_week, plan.reply_rate, plan.source) == (9.0, 0.8, "stored plan 3")
    assert plan.max_promotional_share == calibration.plan.max_promotional_share
    assert plan.plan_id == 3 and dict(plan.levers) == {"posts_per_week": 9.0, "reply_rate": 0.8}
    assert plan.to_dict()["levers"] == {"posts_per_week": 9.0, "reply_rate": 0.8}
    # the planner's own step format (rapport.strategy.plan: metric, target, ...)
    planned = {"steps": [
        {"area": "x · conversation", "metric": "public_reply_rate", "target": 0.6, "now": 0.4},
        {"area": "x · promotion", "metric": "promotional_share", "target": 0.15},
    ]}  # fmt: skip
    plan = plan_from_stored(planned, calibration.plan, label="stored plan 4")
    assert (plan.reply_rate, plan.max_promotional_share) == (0.6, 0.15)
    assert plan.posts_per_week == calibration.plan.posts_per_week
    # what a plan does not set stays as the account does now
    kept = dataclasses.replace(calibration.plan, posts_per_week=None, reply_rate=None,
                               reply_time_hours=None)  # fmt: skip
    base = strategy_params(calibration, "as_now")
    as_planned = strategies.STRATEGIES["current_plan"].apply(
        base, plan_from_stored({"steps": []}, kept, label="empty plan")
    )
    assert changed_fields(base, as_planned) <= {"brand_promo_share"}


def test_the_strategies_of_one_seed_share_their_audience(calibration: Calibration) -> None:
    """Same seed, any strategy: the same people, follow graph and starting followers."""
    seed = run_seed(0, 0)
    runs = {
        name: run_world(
            dataclasses.replace(strategy_params(calibration, name, months=1), seed=seed)
        )
        for name in STRATEGY_NAMES
    }
    base = runs["as_now"]
    for name, run in runs.items():
        for part in ("audience", "graph"):
            mine, theirs = getattr(run, part), getattr(base, part)
            for attribute in vars(theirs):
                assert np.array_equal(getattr(mine, attribute), getattr(theirs, attribute)), (
                    name,
                    part,
                    attribute,
                )
        assert run.state.initial_followers == base.state.initial_followers, name
    # ... while what the account does differs: chase viral posts about three times as much
    assert runs["chase_viral"].schedule.count > 2 * base.schedule.count


def test_bands_are_ordered_and_shaped(whatif: WhatIf) -> None:
    document = whatif.to_dict()
    assert set(document) == {"strategies", "months", "runs", "calibration"}
    assert (document["months"], document["runs"]) == (TEST_MONTHS, TEST_RUNS)
    assert [s["name"] for s in document["strategies"]] == COMPARED
    for strategy in document["strategies"]:
        assert set(strategy) == {"name", "description", *OUTCOMES}
        for outcome in OUTCOMES:
            stats = strategy[outcome]
            assert set(stats) == {"median", "p10", "p90"}
            assert stats["p10"] <= stats["median"] <= stats["p90"], (strategy["name"], outcome)
        assert strategy["description"]


def test_hours_follow_the_costs(whatif: WhatIf, calibration: Calibration) -> None:
    for strategy in whatif.strategies:
        v = strategy.values
        expected = (np.array(v["posts"]) * 25.0 + np.array(v["answers"]) * 3.0) / 60.0
        assert np.allclose(v["hours"], expected)
    now, viral = whatif.strategy("as_now").values, whatif.strategy("chase_viral").values
    assert np.median(viral["posts"]) > 2.5 * np.median(now["posts"])  # three times the posts


def test_relationship_first_beats_chase_viral_on_conversions(whatif: WhatIf) -> None:
    first = np.array(whatif.strategy("relationship_first").values["conversions"])
    viral = np.array(whatif.strategy("chase_viral").values["conversions"])
    assert np.median(first) > np.median(viral)
    assert np.count_nonzero(first > viral) >= 0.8 * TEST_RUNS  # paired: same seeds


def test_peak_reach_is_bounded_by_the_world(whatif: WhatIf, calibration: Calibration) -> None:
    for strategy in whatif.strategies:
        assert max(strategy.values["peak_reach"]) <= calibration.people
        assert min(strategy.values["peak_reach"]) > 0


def test_chase_viral_sometimes_wins_on_peak_reach(whatif: WhatIf) -> None:
    first = np.array(whatif.strategy("relationship_first").values["peak_reach"])
    viral = np.array(whatif.strategy("chase_viral").values["peak_reach"])
    assert np.count_nonzero(viral > 1.01 * first) >= 1


def test_same_seed_same_result_with_any_number_of_workers(calibration: Calibration) -> None:
    options = dict(months=2, runs=2, strategies=["as_now", "promo_heavy"])
    serial = run_whatif(calibration, seed=5, workers=1, **options)  # type: ignore[arg-type]
    pooled = run_whatif(calibration, seed=5, workers=2, **options)  # type: ignore[arg-type]
    other = run_whatif(calibration, seed=6, workers=1, **options)  # type: ignore[arg-type]
    assert serial.to_dict() == pooled.to_dict()
    assert serial.to_dict()["strategies"] != other.to_dict()["strategies"]


def test_progress_is_called_once_per_run(calibration: Calibration) -> None:
    seen: list[tuple[int, int]] = []
    run_whatif(calibration, months=1, runs=3, strategies=["as_now"], workers=1,
               progress=lambda done, total: seen.append((done, total)))  # fmt: skip
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_bad_options_name_the_fix(calibration: Calibration) -> None:
    with pytest.raises(UsageError, match="'viral': unknown; choose from as_now"):
        run_whatif(calibration, strategies=["viral"])
    with pytest.raises(UsageError, match="months = 0"):
        run_whatif(calibration, months=0)
    with pytest.raises(UsageError, match="runs = 0"):
        run_whatif(calibration, runs=0)


def test_calibrated_world_keeps_the_audience_of_the_demo(calibration: Calibration) -> None:
    """Only the documented knobs move: the audience's people and the feed stay the world's."""
    default = dataclasses.replace(WorldParams(), people=calibration.params.people)
    changed = changed_fields(default, calibration.params)
    assert changed <= {
        "days", "feed_min_sample", "content_kind_model", "audience_discovery_rate",
        "audience_unfollow_base", "brand_posts_per_active_day", "brand_posts_per_lull_day",
        "brand_promo_share", "brand_reply_prob", "brand_question_reply_prob",
        "brand_reply_delay_median_hours",
    }, changed  # fmt: skip
