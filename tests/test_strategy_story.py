"""One story across outputs, and plans that serve the objective.

On a copy of the demo workspace: the plan, the content calendar and the what-if agree (the
calendar's cadence and promotions follow the stored plan's steps; the what-if's current plan
is the stored plan, its id and its levers); the command line and the report say when a step
starts in the same words. On the demo and on a hand-built workspace whose promotions bring
the conversions, the promotional share is never planned below the workspace's ceiling.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rapport.config import Config, Goal, Targets
from rapport.report.blocks import Block
from rapport.report.strategy import strategy_part
from rapport.session import Session
from rapport.store import Store
from rapport.strategy.benchmark import competitor_benchmark
from rapport.strategy.calendar.slots import promotions_allowed
from rapport.strategy.plan import (
    conversions_by_kind,
    latest_plans,
    make_plan,
    plan_reference,
    save_plan,
    start_words,
)
from rapport.strategy.whatif import read_inputs
from rapport.workspace import Workspace
from tests.conftest import batch_of, invoke, invoke_json


@pytest.fixture(scope="module")
def ws(demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("story") / "demo"
    shutil.copytree(demo_workspace, root)
    return root


@pytest.fixture(scope="module")
def planned(ws: Path) -> dict[str, Any]:
    return invoke_json("plan", "--workspace", ws)  # type: ignore[no-any-return]


def _own_now(plan_id: int, root: Path) -> float:
    with Workspace(root).session() as session:
        stored = next(p for p in latest_plans(session.store, n=10) if p.plan_id == plan_id)
    assert stored.benchmark is not None
    return sum(float(v.value or 0) for v in stored.benchmark.own_values("posts_per_week").values())


def test_the_calendar_follows_the_plan(ws: Path, planned: dict[str, Any]) -> None:
    calendar = invoke_json("calendar", "--weeks", "6", "--workspace", ws)
    assert calendar["plan_id"] == planned["plan_id"]
    cadence_steps = [s for s in planned["steps"] if s["metric"] == "posts_per_week"]
    now = _own_now(planned["plan_id"], ws)
    if not cadence_steps:  # more posts are not planned: never more than the current cadence
        assert calendar["cadence_per_week"] == [pytest.approx(now, abs=1e-4)] * 6
        assert any(n.startswith(f"Plan {planned['plan_id']} has no step for more posts")
                   for n in calendar["notes"])  # fmt: skip
    assert calendar["planned_posts"] <= round(6 * max(calendar["cadence_per_week"])) + 1
    # promotions: the plan's ceiling, which is its promotion step's target
    promo = next((s for s in planned["steps"] if s["metric"] == "promotional_share"), None)
    assert calendar["max_promotional_share"] == planned["max_promotional_share"] == 0.2
    if promo is not None:
        assert promo["target"] == pytest.approx(calendar["max_promotional_share"])
    per_week = Counter(s["week"] for s in calendar["slots"])
    promos = Counter(s["week"] for s in calendar["slots"] if s["kind"] == "promo")
    for week, n in per_week.items():  # promotions convert best here: kept at the ceiling
        assert promos[week] == promotions_allowed(n, 0.2)


def test_a_cadence_step_sets_the_calendar_from_its_start_week(ws: Path, tmp_path: Path) -> None:
    root = tmp_path / "demo"
    shutil.copytree(ws, root)
    config_path = root / "rapport.toml"
    text = config_path.read_text(encoding="utf-8")
    config_path.write_text(text.replace("weekly_hours = 8", "weekly_hours = 20"), "utf-8")
    with Workspace(root).session() as session:
        from rapport.strategy.benchmark import workspace_benchmark

        bench = workspace_benchmark(session)
        plan = make_plan(bench, session.config, conversions=conversions_by_kind(session),
                         max_steps=10)  # fmt: skip
    step = next(s for s in plan.steps if s.metric == "posts_per_week")
    with Workspace(root).session(read_only=False, purpose="test") as session:
        plan_id = save_plan(session.store, plan)
    with Workspace(root).session() as session:
        created = latest_plans(session.store, n=1)[0].created_at
    weeks = step.start_week + 3
    calendar = invoke_json("calendar", "--weeks", str(weeks), "--workspace", root)
    assert calendar["plan_id"] == plan_id
    start = dt.date.fromisoformat(calendar["start"])
    offset = max(0, (start - plan_reference(created, plan.window.end)).days // 7)
    now = _own_now(plan_id, root)
    expected = [step.target if i + offset >= step.start_week else now for i in range(weeks)]
    assert calendar["cadence_per_week"] == pytest.approx(expected, abs=1e-4)
    assert any(f"its step {step.order} takes synthetic from {step.now:.1f} to "
               f"{step.target:.1f} posts a week" in n for n in calendar["notes"])  # fmt: skip


def test_the_whatif_current_plan_is_the_stored_plan(ws: Path, planned: dict[str, Any]) -> None:
    with Workspace(ws).session() as session:
        current = read_inputs(session).plan
    assert current.plan_id == planned["plan_id"]
    assert current.source == f"stored plan {planned['plan_id']}"
    levers = {
        {"public_reply_rate": "reply_rate", "promotional_share": "max_promotional_share"}.get(
            s["metric"], s["metric"]
        ): s["target"]
        for s in planned["steps"]
        if s["metric"] in ("posts_per_week", "public_reply_rate", "promotional_share")
    }
    assert dict(current.levers) == pytest.approx(levers)
    if "posts_per_week" not in levers:
        assert current.posts_per_week is None  # the plan keeps today's cadence
    assert current.max_promotional_share == 0.2
    data = invoke_json("whatif", "--months", "1", "--runs", "1", "--strategy", "current_plan",
                       "--workspace", ws)  # fmt: skip
    row = data["strategies"][0]
    assert row["name"] == "current_plan" and row["plan"]["plan_id"] == planned["plan_id"]
    assert row["plan"]["levers"] == pytest.approx(levers)
    assert data["calibration"]["plan"]["plan_id"] == planned["plan_id"]


def test_step_starts_read_the_same_in_the_cli_and_the_report(ws: Path) -> None:
    shown = invoke(CliRunner(), "plan", "--workspace", ws)
    assert shown.exit_code == 0
    cli_starts = re.findall(r"\), starts (now|in \d+ weeks? \(from \d{4}-\d\d-\d\d\)):",
                            " ".join(shown.stdout.split()))  # fmt: skip
    with Workspace(ws).session() as session:
        stored = latest_plans(session.store, n=1)[0]
        part = strategy_part(session, care=Block("care-list", "Today's care list"))
    block = next(b for b in part.blocks if b.id == "plan")
    figure = next(f for f in block.figures if f.id == "plan")
    column = list(figure.columns).index("Starts")
    report_starts = [row[column] for row in figure.rows]
    reference = plan_reference(stored.created_at, stored.data_end)
    expected = [start_words(s["start_week"], reference) for s in stored.plan["steps"]]
    assert cli_starts == report_starts == expected
    assert expected[0] == "now" and all(e.startswith("in ") for e in expected[1:])


def test_the_demo_plan_keeps_promotions_at_the_ceiling(planned: dict[str, Any]) -> None:
    """In the demo, promotions bring the most signups per post: never fewer than the ceiling."""
    assert planned["promotions_convert_best"] is True
    said = [n for n in planned["notices"] if "Promotions bring you the most conversions" in n]
    assert said and "keeps them at your ceiling of 20%" in said[0]
    promo = [s for s in planned["steps"] if s["metric"] == "promotional_share"]
    skipped = {s["metric"]: s["reason"] for s in planned["skipped"]}
    assert promo or "promotional_share" in skipped
    for step in promo:
        assert step["target"] == 0.2 and step["reaches"] in ("your ceiling", "number one")
        assert "promotions bring you the most conversions per post" in step["action"]


# -- a hand-built workspace whose promotions bring the conversions ---------------------------
START = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)


def _day(d: float) -> str:
    return (START + dt.timedelta(days=d)).isoformat()


def converting_rows() -> dict[str, list[dict[str, Any]]]:
    """``shop`` (own): 10 posts in 4 weeks, 5 promotions, 3 signups each; 5 how-tos, one
    signup among them. ``rival``: 12 posts, no promotion. Counts on day 28."""
    posts, stats, conversions = [], [], []
    for i in range(10):
        kind = "promo" if i % 2 == 0 else "educational"
        posts.append({"post_id": f"bluesky:s{i}", "account_id": "bluesky:shop",
                      "created_at": _day(1 + 2.5 * i), "text": f"shop post {i}",
                      "content_kind": kind})  # fmt: skip
        stats.append({"post_id": f"bluesky:s{i}", "observed_at": _day(28), "likes": 10,
                      "replies": 1})  # fmt: skip
        signups = 3 if kind == "promo" else (1 if i == 1 else 0)
        conversions += [{"conversion_id": f"web:c{i}-{k}", "occurred_at": _day(2 + 2.5 * i),
                         "kind": "signup", "post_id": f"bluesky:s{i}"}
                        for k in range(signups)]  # fmt: skip
    for i in range(12):
        posts.append({"post_id": f"bluesky:r{i}", "account_id": "bluesky:rival",
                      "created_at": _day(0.5 + 2.2 * i), "text": f"rival post {i}",
                      "content_kind": "educational"})  # fmt: skip
        stats.append({"post_id": f"bluesky:r{i}", "observed_at": _day(28), "likes": 12,
                      "replies": 1})  # fmt: skip
    follows = [{"account_id": f"bluesky:{a}", "observed_at": _day(d), "followers": n}
               for a, n in (("shop", 300), ("rival", 400)) for d in (0, 28)]  # fmt: skip
    return {
        "accounts": [
            {"account_id": "bluesky:shop", "platform": "bluesky", "handle": "shop", "role": "own"},
            {"account_id": "bluesky:rival", "platform": "bluesky", "handle": "rival",
             "role": "competitor"},
        ],
        "posts": posts, "post_stats": stats, "follower_counts": follows,
        "conversions": conversions,
    }  # fmt: skip


def _plan_for(store: Store, ceiling: float) -> Any:
    config = Config(goal=Goal(objective="signups"),
                    targets=Targets(max_promotional_share=ceiling, weekly_hours=10))  # fmt: skip
    with Session.over(store, config=config) as session:
        bench = competitor_benchmark(session, window_days=28)
        conversions = conversions_by_kind(session)
    return conversions, make_plan(bench, config, conversions=conversions, max_steps=10)


def test_promotions_that_convert_stay_at_the_ceiling(fresh_store: Store) -> None:
    fresh_store.apply(batch_of(converting_rows()))
    conversions, plan = _plan_for(fresh_store, 0.2)
    assert conversions.best is not None and conversions.best.kind == "promo"
    assert conversions.best.per_post == pytest.approx(3.0)
    educational = next(k for k in conversions.kinds if k.kind == "educational")
    assert educational.per_post == pytest.approx(0.2) and educational.posts == 5
    promo = next(s for s in plan.steps if s.metric == "promotional_share")
    # 50 % promotions, rival at 0 %: down to the 20 % ceiling, never to the rival's 0 %
    assert (promo.now, promo.target, promo.leader) == (0.5, 0.2, 0.0)
    assert promo.reaches == "your ceiling"
    assert "promotional share 50% → 20%" in promo.action
    assert (
        "promotions bring you the most conversions per post (3.00 over 5 promotions "
        "against 0.20 for educational, the next best): keep the rest"
    ) in promo.action
    assert plan.promotions_convert_best
    assert any("keeps them at your ceiling of 20% of posts" in n for n in plan.notices)
    # a ceiling above today's share: nothing to plan, and the reason says why
    _, loose = _plan_for(fresh_store, 0.6)
    assert "promotional_share" not in {s.metric for s in loose.steps}
    reason = next(s.reason for s in loose.skipped if s.metric == "promotional_share")
    assert reason.startswith("within your ceiling of 60% (targets.max_promotional_share): 50%")
    assert "so the plan keeps them, never fewer" in reason
