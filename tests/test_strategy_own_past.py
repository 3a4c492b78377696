"""Without competitors: the benchmark against the own past and the targets, and the plan toward
the targets, on a hand-built store whose numbers were worked out by hand; and on the real
samples, the two archives of issue 10 (an X account and a Mastodon account, no competitors).

One own X account, ``crumb``, over 56 days from 1 January 2026 (``day d`` is d days after
00:00 that day). The window is 28 days (``window_days=28``): *now* is days 28 to 56, *then*
days 0 to 28; its follower counts on days 0 and 56 make its data cover both.

=================================  ===========================  ===========================
                                   then (days 0–28)             now (days 28–56)
=================================  ===========================  ===========================
original posts                     4 (1 a week): 2 promotions   12 (3 a week): 1 promotion,
                                                                2 questions
replies aimed at crumb             4, 3 answered after 2 h      10, 4 answered after 2 h
people who liked in two weeks      6 (p0–p5)                    3 (p0–p2)
=================================  ===========================  ===========================

rapport.toml: 4 posts a week, at most 20 % promotions, 90 % of replies answered within 4 h,
10 days at most between posts, 5 h a week; the core community over 28 days, 2 weeks.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rapport.config import CommunitySettings, Config, Goal, Targets
from rapport.metrics.run import run_metrics
from rapport.session import Session
from rapport.store import Store
from rapport.strategy.benchmark import (
    ADD_COMPETITORS,
    Benchmark,
    own_past_benchmark,
    workspace_benchmark,
)
from rapport.strategy.plan import Plan, make_plan
from tests.conftest import batch_of, invoke, invoke_json

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CONFIG = Config(
    goal=Goal(objective="community"),
    targets=Targets(posts_per_week=4, max_promotional_share=0.2, reply_rate=0.9,
                    reply_time_hours=4, max_gap_days=10, weekly_hours=5),
    community=CommunitySettings(window_days=28, min_active_weeks=2),
)  # fmt: skip
Row = dict[str, Any]


def day(d: float) -> str:
    return (START + dt.timedelta(days=d)).isoformat()


def _post(pid: str, d: float, kind: str | None = None, **extra: Any) -> Row:
    return {"post_id": f"x:{pid}", "account_id": "x:crumb", "created_at": day(d),
            "text": f"post {pid}", "content_kind": kind, **extra}  # fmt: skip


def own_rows() -> dict[str, list[Row]]:
    posts = [_post(f"t{i}", d, k) for i, (d, k) in enumerate(
        [(2, "promo"), (9, "promo"), (16, "educational"), (23, "news")])]  # fmt: skip
    now_days = [29, 31, 33, 36, 38, 40, 43, 45, 47, 50, 52, 54]
    kinds = ["promo", "question", "question"] + ["educational"] * 9
    posts += [_post(f"n{i}", d, k) for i, (d, k) in enumerate(zip(now_days, kinds, strict=True))]
    interactions: list[Row] = []
    asked = [(f"a{i}", d, i < 3) for i, d in enumerate([4, 11, 18, 25])]
    asked += [(f"b{i}", 30 + 2.5 * i, i < 4) for i in range(10)]
    for iid, d, answered in asked:
        interactions.append({
            "interaction_id": f"x:{iid}", "platform": "x", "kind": "reply",
            "person_id": f"x:asker-{iid}", "account_id": "x:crumb", "occurred_at": day(d),
            "text": "when do you open?",
        })  # fmt: skip
        if answered:
            posts.append(_post(f"r-{iid}", d + 2 / 24, in_reply_to_id=f"x:{iid}"))
    for people, first in ((range(6), 1.0), (range(3), 29.0)):
        for p in people:
            for week in (0, 1):
                interactions.append({
                    "interaction_id": f"x:like-{p}-{first}-{week}", "platform": "x",
                    "kind": "like", "person_id": f"x:p{p}", "account_id": "x:crumb",
                    "occurred_at": day(first + 7 * week + 0.5),
                })  # fmt: skip
    return {
        "accounts": [{"account_id": "x:crumb", "platform": "x", "handle": "crumb",
                      "role": "own"}],
        "posts": posts,
        "interactions": interactions,
        "follower_counts": [
            {"account_id": "x:crumb", "observed_at": day(0), "followers": 200},
            {"account_id": "x:crumb", "observed_at": day(56), "followers": 230},
        ],
    }  # fmt: skip


@pytest.fixture(scope="module")
def own_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("own-past") / "rapport.duckdb"
    with Store(path) as store:
        store.apply(batch_of(own_rows()))
    return path


@pytest.fixture(scope="module")
def past(own_path: Path) -> Benchmark:
    with Store(own_path) as store, Session.over(store, config=CONFIG) as session:
        return workspace_benchmark(session, window_days=28)


def values(bench: Benchmark, metric: str) -> tuple[Any, Any]:
    area = bench.past_area(f"x:{metric}")
    assert area is not None
    return area.now.value, area.then.value


def test_without_competitors_the_benchmark_compares_with_the_past(past: Benchmark) -> None:
    assert past.mode == "own_past" and past.areas == ()
    assert past.window.start == START + dt.timedelta(days=28)
    assert past.window.end == START + dt.timedelta(days=56)
    assert past.past_window is not None and past.past_window.start == START
    assert values(past, "posts_per_week") == pytest.approx((3.0, 1.0), rel=1e-6)
    assert values(past, "promotional_share") == pytest.approx((1 / 12, 0.5))
    assert values(past, "question_posts_per_week") == pytest.approx((0.5, 0.0), rel=1e-6)
    assert values(past, "reply_rate") == pytest.approx((0.4, 0.75))
    assert values(past, "time_to_first_reply") == pytest.approx((2.0, 2.0))
    assert values(past, "core_community") == (3, 6)
    ppw = past.past_area("x:posts_per_week")
    assert ppw is not None and ppw.movement == "better" and ppw.change == pytest.approx(2.0)
    assert ppw.target is not None and ppw.target.source == "targets.posts_per_week"
    assert (ppw.on_target, ppw.gap) == (False, pytest.approx(1.0))
    assert ppw.now.trend_per_week == pytest.approx(0.5)  # +2 a week over the 4-week window
    promo = past.past_area("x:promotional_share")
    assert promo is not None and promo.movement == "better"  # lower is better
    assert promo.on_target and promo.gap == 0
    reply = past.past_area("x:reply_rate")
    assert reply is not None and reply.movement == "worse"
    core = past.past_area("x:core_community")
    assert core is not None and core.target is not None
    assert (core.target.value, core.target.source) == (6.0, "practice")
    time = past.past_area("x:time_to_first_reply")
    assert time is not None and time.movement == "unchanged" and time.on_target


def test_the_values_are_the_registered_metrics(own_path: Path, past: Benchmark) -> None:
    """One definition per number: the workspace's own metrics over the same period agree."""
    ids = ["posts_per_week", "promotional_share", "reply_rate", "time_to_first_reply",
           "core_community", "longest_gap_days", "weeks_active_share"]  # fmt: skip
    with Store(own_path) as store:
        session = Session.over(store, config=CONFIG)
        for window, side in ((past.window, "now"), (past.past_window, "then")):
            assert window is not None
            until = window.end + dt.timedelta(milliseconds=1) if side == "now" else window.end
            context = session.context.for_accounts(["x:crumb"], since=window.start, until=until)
            try:
                found = {r.id: r for r in run_metrics(session, ids=ids, context=context)}
            finally:
                context.release()
            for metric in ids:
                area = past.past_area(f"x:{metric}")
                assert area is not None
                value = getattr(area, side)
                assert value.value == pytest.approx(found[metric].value), (metric, side)


def test_the_benchmark_round_trips_through_json(past: Benchmark) -> None:
    data = json.loads(json.dumps(past.to_dict()))
    assert data["mode"] == "own_past" and data["add_competitors"] == ADD_COMPETITORS
    assert {"past_window", "past"} <= set(data)
    row = next(p for p in data["past"] if p["metric"] == "posts_per_week")
    assert (row["movement"], row["on_target"], row["target"]["value"]) == ("better", False, 4.0)
    assert Benchmark.from_dict(data).to_dict() == data


@pytest.fixture(scope="module")
def plan(past: Benchmark) -> Plan:
    return make_plan(past, CONFIG, max_steps=5)


def test_the_plan_works_toward_the_targets(plan: Plan) -> None:
    assert plan.mode == "own_past"
    steps = {s.metric: s for s in plan.steps}
    # present activity: (3 − 0.5) × 25 + 0.5 × 15 + 1 reply post × 3 = 73 min a week
    assert plan.current_hours_per_week == pytest.approx(73 / 60)
    questions = steps["question_posts_per_week"]
    assert (questions.basis, questions.target, questions.reaches) == (
        "practice",
        1.0,
        "your target",
    )
    assert questions.hours_per_week == pytest.approx(0.5 * 15 / 60)
    reply = steps["reply_rate"]
    # (90 % − 40 %) of 10 replies in 4 weeks = 1.25 more answers a week × 3 min
    assert reply.hours_per_week == pytest.approx(1.25 * 3 / 60)
    assert "from 40% to 90% of the 2.5 a week" in reply.action
    core = steps["core_community"]
    assert "(6 → 3 people)" in core.action
    assert core.hours_per_week == pytest.approx(3 / 4 * 4 / 60)
    assert all(s.leader is None and s.own_rank is None for s in plan.steps)
    assert all(s.hours_per_week >= 0 and s.reason and s.weeks_to_first > 0 for s in plan.steps)
    kept = {k.metric: k for k in plan.on_target}
    assert set(kept) >= {"promotional_share", "time_to_first_reply", "longest_gap_days"}
    assert kept["promotional_share"].target == 0.2
    assert plan.planned_hours_per_week <= plan.available_hours_per_week + 1e-9
    assert ADD_COMPETITORS in plan.notices[0]


def test_what_the_trend_brings_anyway_comes_last(plan: Plan) -> None:
    """Posts rose from 1 to 3 a week: at +0.5 a week the target of 4 comes in 2 weeks, before
    the 4 weeks the effort would take; the steps that need effort come first."""
    posts = next(s for s in plan.steps if s.metric == "posts_per_week")
    assert posts.coming_anyway and posts.weeks_to_first_at_trend == pytest.approx(2.0)
    assert plan.steps[-1] is posts
    assert "it is coming anyway" in posts.reason
    assert not any(s.coming_anyway for s in plan.steps[:-1])
    assert [s.start_week for s in plan.steps] == sorted(s.start_week for s in plan.steps)


def test_promotions_above_the_ceiling_come_down_to_it_not_below(own_path: Path) -> None:
    strict = Config(targets=Targets(max_promotional_share=0.05, weekly_hours=5))
    with Store(own_path) as store, Session.over(store, config=strict) as session:
        bench = own_past_benchmark(session, window_days=28)
    plan = make_plan(bench, strict, max_steps=10)
    promo = next(s for s in plan.steps if s.metric == "promotional_share")
    assert promo.target == 0.05 and promo.reaches == "your ceiling"
    assert promo.hours_per_week == 0
    # 1 promotion in 3 posts a week: 0.25 − 0.05 × 3 = 0.1 to turn into other posts
    assert "Turn 0.1 of your 0.2 promotions a week" in promo.action
    assert "8% → 5%, your ceiling" in promo.action


# -- the real archives of issue 10: an X account and a Mastodon account, no competitors -----
@pytest.fixture(scope="module")
def own_workspace(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("own") / "own"
    runner = CliRunner()
    made = invoke(runner, "init", "--objective", "signups", "--audience",
                  "People who care about open source software", "--workspace", root)  # fmt: skip
    assert made.exit_code == 0, made.output
    for archive in ("twitter_archive/milahu104_2026-02-10", "mastodon_archive/hikurry_2022-06"):
        done = invoke(runner, "import", shared / "samples" / archive, "--workspace", root)
        assert done.exit_code == 0, done.output
    return root


def test_two_archives_without_competitors_get_a_benchmark_and_a_plan(
    own_workspace: Path, tmp_path: Path
) -> None:
    root = tmp_path / "own"
    shutil.copytree(own_workspace, root)
    bench = invoke_json("benchmark", "--workspace", root)
    assert bench["mode"] == "own_past" and bench["add_competitors"] == ADD_COMPETITORS
    assert bench["window"]["end"].startswith("2026-02-10")
    ppw = next(p for p in bench["past"] if p["area"] == "x:posts_per_week")
    assert ppw["now"]["status"] == "ok" and ppw["target"]["value"] == 3.0
    # the Mastodon archive ends in June 2022: outside the window, and said so
    assert any("purplerain@o3o.ca (mastodon): no data in the window" in n
               and "2022-06-10" in n for n in bench["notices"])  # fmt: skip
    text = invoke(CliRunner(), "benchmark", "--workspace", root)
    assert text.exit_code == 0
    assert "No competitor data: you against your own past and your targets" in text.stdout
    assert "rapport pull competitors" in text.stdout
    planned = invoke_json("plan", "--workspace", root)
    assert planned["mode"] == "own_past" and planned["plan_id"] == 1 and planned["steps"]
    for step in planned["steps"]:
        assert step["basis"] in ("target", "practice") and step["reason"] and step["starts"]
        assert step["hours_per_week"] >= 0 and step["weeks_to_first"] > 0
    assert planned["planned_hours_per_week"] <= planned["available_hours_per_week"] + 1e-9
    shown = invoke(CliRunner(), "plan", "--workspace", root)
    assert shown.exit_code == 0 and "toward your targets, without competitors" in shown.stdout
    first = planned["steps"][0]
    assert f"starts {first['starts']}:" in " ".join(shown.stdout.split())
    progress = invoke(CliRunner(), "plan", "--progress", "--workspace", root)
    assert progress.exit_code == 0
    assert "Unchanged: nothing moved" in progress.stdout
    assert ": unchanged" in progress.stdout and "gap to your target" in progress.stdout
