"""The industry-rule planner on the hand-built benchmark of ``test_strategy_benchmark``.

The own account ``bakery`` posts 2 original posts a week (½ a question) and 1 reply post a
week: at the default unit costs (25 min a post, 15 a question, 3 a reply) that is
(1.5 × 25 + 0.5 × 15 + 1 × 3) / 60 = 0.8 h a week already spent. Where it is behind:

==================  =====================  ==========================================  =======
area                now → leader           effort to pass the leader by 5 %            h/week
==================  =====================  ==========================================  =======
posts_per_week      2 → alpha 4            2.2 more posts × 25 min                     0.917
longest_gap_days    4 d → alpha 2.5 d      1 post breaks the 4-day gap (4 // 2.375),   0.104
                                           once in 4 weeks × 25 min
public_reply_rate   25 % → beta 100 %      (100 % − 25 %) × 4 replies received a week  0.15
                                           = 3 answers × 3 min (capped at 100 %: a tie)
promotional_share   25 % → 20 % ceiling    turn 0.1 of ½ a promotion a week into        0
                                           another post: never below the ceiling
topic_engagement    24 → alpha 55 a week   (57.75 − 24) / 12 per post = 2.81 posts     1.172
==================  =====================  ==========================================  =======

It leads engagement rate, follower growth, weeks with a post (tied), topic posts and
question share; nobody's reply time can be compared. Its promotions fell from 2 of 4 posts in
the window's first half to none in the second, so the step down to the ceiling is coming
anyway at the current trend and ranks after the steps that need effort.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rapport.canonical import Batch
from rapport.config import Config, Goal, Targets
from rapport.session import Session
from rapport.simulate import WorldParams
from rapport.store import Store
from rapport.strategy.benchmark import Benchmark
from rapport.strategy.plan import (
    Plan,
    benchmark_history,
    current_hours,
    latest_plans,
    make_plan,
    plan_progress,
    save_plan,
)
from tests.conftest import batch_of
from tests.test_strategy_benchmark import (
    _followers,
    _post,
    _stats,
    benchmark_of,
    hand_rows,
    write_hand_store,
)
from tests.worlds import simulated

LED = {"engagement_rate_by_followers", "follower_growth", "weeks_active_share",
       "topic_post_share", "question_share"}  # fmt: skip


@pytest.fixture(scope="module")
def hand_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_hand_store(tmp_path_factory.mktemp("hand"))


@pytest.fixture(scope="module")
def hand(hand_path: Path) -> Benchmark:
    with Store(hand_path) as store:
        return benchmark_of(store, window_days=28)


def config(objective: str | None = "community", hours: float = 1.5) -> Config:
    return Config(goal=Goal(objective=objective), targets=Targets(weekly_hours=hours))


def metrics(plan: Plan) -> list[str]:
    return [step.metric for step in plan.steps]


def skipped(plan: Plan) -> dict[str, str]:
    return {s.metric: s.reason for s in plan.skipped}


def test_effort_hours_and_weeks(hand: Benchmark) -> None:
    assert current_hours(hand, config().costs) == pytest.approx(0.8, abs=1e-6)
    plan = make_plan(hand, config(hours=10), max_steps=10)
    steps = {s.metric: s for s in plan.steps}
    assert steps["posts_per_week"].hours_per_week == pytest.approx(2.2 * 25 / 60, rel=1e-6)
    assert steps["posts_per_week"].target == pytest.approx(4.2, rel=1e-6)
    assert steps["longest_gap_days"].hours_per_week == pytest.approx(25 / 4 / 60)
    # the 4-day silence that ended last (18 → 22) leaves the window once the window's start
    # is 2.375 days short of day 22: (22 − 2.375) / 7 weeks
    assert steps["longest_gap_days"].weeks_to_first == pytest.approx((22 - 2.375) / 7)
    reply = steps["public_reply_rate"]
    assert reply.hours_per_week == pytest.approx(3 * 3 / 60, rel=1e-6)
    assert (reply.now, reply.leader, reply.target) == pytest.approx((0.25, 1.0, 1.0))
    assert reply.weeks_to_first == pytest.approx(4.0)  # a tie needs the whole 4-week window
    assert "n = 3" in reply.reason  # beta's 100 % rests on three replies
    promo = steps["promotional_share"]
    assert promo.hours_per_week == 0 and promo.target == pytest.approx(0.2)
    # down to the workspace's 20 % ceiling (0.5 − 0.2 × 2 posts a week), not to beta's 0 %
    assert "Turn 0.1 of your 0.5 promotions" in promo.action
    assert "25% → 20%, your ceiling of 20% (targets.max_promotional_share)" in promo.action
    assert promo.reaches == "your ceiling" and promo.coming_anyway
    # 25 % − 20 % at 25 points a week (50 % in the first two weeks, 0 % in the last two)
    assert promo.weeks_to_first_at_trend == pytest.approx(0.2)
    assert steps["topic_engagement_share"].hours_per_week == pytest.approx(
        (57.75 - 24) / 12 * 25 / 60, rel=1e-6
    )


def test_an_area_already_led_is_not_planned(hand: Benchmark) -> None:
    plan = make_plan(hand, config(hours=100), max_steps=20)
    assert {a.metric for a in plan.already_leading} == LED
    assert not LED & set(metrics(plan))
    assert not LED & set(skipped(plan))
    growth = next(a for a in plan.already_leading if a.metric == "follower_growth")
    assert growth.runner_up == "beta"


def test_an_unreachable_gap_is_not_picked(hand: Benchmark) -> None:
    plan = make_plan(hand, config(hours=1.5))  # 1.5 − 0.8 = 0.7 h a week left
    reasons = skipped(plan)
    assert "posts_per_week" not in metrics(plan)
    assert reasons["posts_per_week"].startswith("out of reach: needs 0.9 h a week, more than")
    assert reasons["topic_engagement_share"].startswith("out of reach: needs 1.2 h a week")
    assert (
        "can't be known" in reasons["reply_time_hours"]
        or "nothing to compare" in (reasons["reply_time_hours"])
    )


@pytest.mark.parametrize("hours", [0.5, 0.9, 1.0, 1.5, 2.0, 3.0, 10.0])
@pytest.mark.parametrize("max_steps", [1, 3, 10])
def test_the_weekly_budget_is_never_exceeded(hand: Benchmark, hours: float, max_steps: int) -> None:
    plan = make_plan(hand, config(hours=hours), max_steps=max_steps)
    assert len(plan.steps) <= max_steps
    assert plan.current_hours_per_week + plan.planned_hours_per_week <= hours + 1e-9 or (
        plan.planned_hours_per_week == 0
    )
    assert plan.planned_hours_per_week <= plan.available_hours_per_week + 1e-9
    if hours < 0.8:
        assert metrics(plan) == ["promotional_share"]  # the only step needing no extra time
        assert any("already takes about 0.8 h" in n for n in plan.notices)


def test_a_step_that_fits_alone_but_not_after_the_others_waits(hand: Benchmark) -> None:
    plan = make_plan(hand, config(hours=2.0), max_steps=5)  # 1.2 h a week left
    assert metrics(plan) == [
        "public_reply_rate", "longest_gap_days", "posts_per_week", "promotional_share",
    ]  # fmt: skip
    assert skipped(plan)["topic_engagement_share"].startswith("fits alone (1.2 h a week)")
    assert [s.start_week for s in plan.steps] == [0, 4, 7, 11]  # one area after another


def test_changing_the_objective_reorders_the_plan(hand: Benchmark) -> None:
    orders = {
        objective: metrics(make_plan(hand, config(objective)))
        for objective in ("community", "sales", "awareness")
    }
    # the promotions step is coming anyway at the current trend: last, whatever its weight
    assert orders == {
        # reciprocity 0.95 / (1 + 0.15 / 1.5), consistency 0.7 / (1 + 0.104 / 1.5)
        "community": ["public_reply_rate", "longest_gap_days", "promotional_share"],
        # reciprocity 0.75 / 1.1, consistency 0.6 / 1.069 (promotion 0.8, but coming anyway)
        "sales": ["public_reply_rate", "longest_gap_days", "promotional_share"],
        # consistency 0.85 / 1.069, reciprocity 0.5 / 1.1
        "awareness": ["longest_gap_days", "public_reply_rate", "promotional_share"],
    }


def test_a_workspace_without_an_objective_is_told_to_set_one(hand: Benchmark) -> None:
    plan = make_plan(hand, config(None))
    assert plan.objective is None
    assert any("No objective in rapport.toml" in n for n in plan.notices)
    assert {s.weight for s in plan.steps} == {0.6}


def test_to_dict_shape(hand: Benchmark) -> None:
    data = json.loads(json.dumps(make_plan(hand, config()).to_dict()))
    assert set(data) >= {"objective", "weekly_hours", "steps", "skipped", "already_leading"}
    assert set(data["steps"][0]) >= {
        "order", "area", "metric", "now", "leader", "gap", "action", "hours_per_week",
        "weeks_to_first", "reason",
    }  # fmt: skip
    assert data["steps"][0]["area"] == "bluesky:public_reply_rate"
    assert set(data["skipped"][0]) >= {"area", "reason"}


def _second_import() -> Batch:
    """Two more weeks (days 28 to 42): the bakery answers 30 people; new counts for all."""
    rows = hand_rows()
    posts = [
        _post("bakery", f"own-p{8 + i}", d, "educational") for i, d in enumerate([29, 33, 36, 39])
    ]
    posts += [
        _post("bakery", f"own-r{10 + i}", 28 + i * 0.4, in_reply_to_id=f"bluesky:z{i}")
        for i in range(30)
    ]
    posts += [_post("alpha", f"a-p{16 + i}", 28.5 + i * 1.6, "news") for i in range(8)]
    posts += [_post("beta", f"b-p{3 + i}", d, "educational") for i, d in enumerate([30, 37])]
    stats = [_stats(p["post_id"].split(":")[1], 10, 2, d=42) for p in posts[:4]]
    stats += [_stats(p["post_id"].split(":")[1], 50, 5, d=42) for p in posts[34:42]]
    stats += [_stats(p["post_id"].split(":")[1], 4, 1, d=42) for p in posts[42:]]
    follows = [_followers("bakery", 42, 130), _followers("alpha", 42, 985),
               _followers("beta", 42, 60)]  # fmt: skip
    return batch_of({"accounts": rows["accounts"], "posts": posts, "post_stats": stats,
                     "follower_counts": follows})  # fmt: skip


def test_progress_after_a_second_changed_import(hand_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "rapport.duckdb"
    shutil.copyfile(hand_path, path)
    cfg = config(hours=1.5)
    with Store(path) as store:
        first = benchmark_of(store, window_days=28)
        plan = make_plan(first, cfg)
        assert save_plan(store, plan) == 1
        nothing_new = plan_progress(Session.over(store, config=cfg), benchmark=first)
        assert any("No new data since plan 1" in n for n in nothing_new.notices)
        assert nothing_new.unchanged
        assert all(a.words.endswith((": unchanged", ": still number one"))
                   for a in (*nothing_new.areas, *nothing_new.leads))  # fmt: skip
        store.apply(_second_import())
        second = benchmark_of(store, window_days=28)
        second_plan = make_plan(second, cfg, history=benchmark_history(store))
        assert save_plan(store, second_plan) == 2  # saved first: progress still looks back
        progress = plan_progress(Session.over(store, config=cfg), benchmark=second)
        stored = latest_plans(store, n=2)
    assert [p.plan_id for p in stored] == [2, 1]
    assert stored[1].benchmark is not None and stored[1].benchmark.to_dict() == first.to_dict()
    assert progress.plan_id == 1 and progress.weeks_between == pytest.approx(2.0)
    moved = {a.metric: a for a in progress.areas}
    assert set(moved) == set(metrics(plan))
    reply = moved["public_reply_rate"]
    # Days 14 to 42: 8 original posts × 2 replies = 16 received; 31 reply posts answer them
    # (ext-2 on day 20 and the 30 new ones): 31 / 16, beyond beta's 2 / 2 = 100 %.
    assert reply.then == pytest.approx(0.25) and reply.now == pytest.approx(31 / 16)
    assert (reply.movement, reply.rank_then, reply.rank_now) == ("number one", 3, 1)
    # in plain words, with the real values (as `rapport plan --progress` prints them)
    assert reply.words == (
        "Public reply rate (bluesky): 0.25 → 1.94, gap to the leader 0.75 → none: number one now"
    )
    assert not progress.unchanged
    assert {a.metric: a.movement for a in progress.leads}["follower_growth"] == "still leading"
    data = progress.to_dict()
    assert data["areas"][0]["change"] == pytest.approx(31 / 16 - 0.25)
    assert data["then"] == first.window.end.isoformat() == "2026-03-01T00:00:00+00:00"
    # With the first benchmark as history, the trend is the slope over the two benchmarks:
    # the bakery's longest silence stayed 4 days while alpha's grew from 2.5 to 3 (its gap
    # from day 25.5 to 28.5) in 2 weeks: closing by 0.25 a week, 4 − 3 = 1 day to go.
    assert metrics(second_plan) == ["longest_gap_days"]  # answering 30 people took the time
    assert second_plan.steps[0].trend == "closing by 0.25 days a week (2 benchmarks over time)"
    assert second_plan.steps[0].weeks_to_first_at_trend == pytest.approx(4.0)


def test_no_stored_plan_yet(hand_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "rapport.duckdb"
    shutil.copyfile(hand_path, path)
    with Store(path) as store:
        progress = plan_progress(
            Session.over(store, config=config()), benchmark=benchmark_of(store, window_days=28)
        )
    assert progress.plan_id is None and progress.areas == ()
    assert "No plan stored yet" in progress.notices[0]


def test_demo_world_plan_is_non_empty_and_within_budget(tmp_path: Path) -> None:
    world = simulated(WorldParams(people=3000, days=120, seed=5))
    cfg = Config(
        goal=Goal(objective="community", target_audience=world.target_audience),
        targets=Targets(weekly_hours=5),
    )
    with Store(tmp_path / "demo.duckdb") as store:
        store.apply(Batch.from_tables(world.tables, source="synthetic", origin="t"))
        plan = make_plan(benchmark_of(store, cfg), cfg)
    assert plan.steps
    assert plan.current_hours_per_week + plan.planned_hours_per_week <= 5 + 1e-9
    for step in plan.steps:
        assert step.own_rank > 1 and step.gap > 0 and step.action
    planned = {s.area for s in plan.steps}
    assert not planned & {a.area for a in plan.already_leading}
