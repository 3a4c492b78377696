"""The competitor benchmark on a hand-built store whose ranks and gaps were worked out by hand.

Four Bluesky accounts over 28 days (1 to 29 February 2026; ``day d`` is d days after
1 February 00:00). Every account but gamma has a follower count on day 0 and on day 28, so
the window (the last 28 days of the data) ends on day 28 and their data covers all of it:
4 weeks. Counts (post_stats) are observed on day 28, at least 48 h after every post.

* ``bakery`` (own): 8 original posts on days 1, 4, 8, 11, 15, 18, 22, 25 (2 promos, 2
  questions, all tagged #sourdough), each 10 likes + 2 replies; 100 → 120 followers; 4 reply
  posts to other people (two answer interactions i1 and i2 after 2 h and 4 h) and one reply
  to its own post (a thread, not counted).
* ``alpha``: 16 posts, 4 a week (8 promos, 1 question, 4 tagged #sourdough), each 50 likes +
  5 replies; 1000 → 990 followers; 40 reply posts.
* ``beta``: 3 posts on days 2, 9, 23 (one says "sourdough" in its text), each 4 likes + 1
  reply; 50 → 55 followers; 3 reply posts.
* ``gamma``: 2 posts on days 5 and 20, nothing else: no counts, no follower counts. Its data
  covers days 5 to 20 only.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rapport.canonical import Batch
from rapport.config import Config, Goal, Targets
from rapport.errors import UsageError
from rapport.session import Session
from rapport.simulate import WorldParams
from rapport.store import Store
from rapport.strategy.benchmark import Benchmark, competitor_benchmark
from tests.conftest import batch_of
from tests.worlds import simulated

START = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
WEEKS = (28 * 86400 + 0.001) / (7 * 86400)  # an account's span includes its last moment
Row = dict[str, Any]


def day(d: float) -> str:
    return (START + dt.timedelta(days=d)).isoformat()


def _post(account: str, pid: str, d: float, kind: str | None = None, **extra: Any) -> Row:
    return {
        "post_id": f"bluesky:{pid}",
        "account_id": f"bluesky:{account}",
        "created_at": day(d),
        "text": extra.pop("text", f"post {pid}"),
        "content_kind": kind,
        **extra,
    }


def _stats(pid: str, likes: int, replies: int, d: float = 28) -> Row:
    return {"post_id": f"bluesky:{pid}", "observed_at": day(d), "likes": likes,
            "reposts": 0, "replies": replies, "quotes": 0}  # fmt: skip


def _followers(account: str, d: float, n: int) -> Row:
    return {"account_id": f"bluesky:{account}", "observed_at": day(d), "followers": n}


def _account(account: str, role: str) -> Row:
    return {"account_id": f"bluesky:{account}", "platform": "bluesky", "handle": account,
            "role": role}  # fmt: skip


def hand_rows() -> dict[str, list[dict[str, Any]]]:
    posts: list[Row] = []
    stats: list[Row] = []
    own_days: list[float] = [1, 4, 8, 11, 15, 18, 22, 25]
    own_kinds = ["promo", "question", "educational", "promo", "question"] + ["educational"] * 3
    for i, (d, kind) in enumerate(zip(own_days, own_kinds, strict=True)):
        posts.append(_post("bakery", f"own-p{i}", d, kind, hashtags=["sourdough"]))
        stats.append(_stats(f"own-p{i}", 10, 2))
    answers = [("i1", 3 + 2 / 24), ("i2", 10 + 4 / 24), ("ext-1", 12), ("ext-2", 20)]
    for n, (target, d) in enumerate(answers):
        posts.append(_post("bakery", f"own-r{n}", d, in_reply_to_id=f"bluesky:{target}"))
    posts.append(_post("bakery", "own-thread", 1.1, in_reply_to_id="bluesky:own-p0"))
    alpha_days: list[float] = [
        0.5,
        1.5,
        3,
        5,
        7.5,
        8.5,
        10,
        12,
        14.5,
        15.5,
        17,
        19,
        21.5,
        22.5,
        24,
        25.5,
    ]
    for i, d in enumerate(alpha_days):
        kind = "promo" if i % 2 == 0 else ("question" if i == 1 else "news")
        tags = ["sourdough"] if i % 4 == 1 else []
        posts.append(_post("alpha", f"a-p{i}", d, kind, hashtags=tags))
        stats.append(_stats(f"a-p{i}", 50, 5))
    for i in range(40):
        posts.append(_post("alpha", f"a-r{i}", 0.2 + i * 0.6, in_reply_to_id=f"bluesky:x{i}"))
    for i, d in enumerate([2.0, 9.0, 23.0]):
        text = "sourdough starter tips" if i == 0 else f"post b{i}"
        posts.append(_post("beta", f"b-p{i}", d, "educational", text=text))
        stats.append(_stats(f"b-p{i}", 4, 1))
    for i, d in enumerate([3, 10, 24]):
        posts.append(_post("beta", f"b-r{i}", d, in_reply_to_id=f"bluesky:y{i}"))
    posts += [_post("gamma", "g-p0", 5, "news"), _post("gamma", "g-p1", 20, "news")]
    interactions = [
        {"interaction_id": f"bluesky:{iid}", "platform": "bluesky", "kind": "reply",
         "person_id": f"bluesky:person-{iid}", "account_id": "bluesky:bakery",
         "post_id": "bluesky:own-p0", "occurred_at": day(d), "text": "how long?"}
        for iid, d in (("i1", 3), ("i2", 10))
    ]  # fmt: skip
    return {
        "accounts": [_account("bakery", "own"), _account("alpha", "competitor"),
                     _account("beta", "competitor"), _account("gamma", "competitor")],
        "posts": posts,
        "interactions": interactions,
        "post_stats": stats,
        "follower_counts": [
            _followers("bakery", 0, 100), _followers("bakery", 28, 120),
            _followers("alpha", 0, 1000), _followers("alpha", 28, 990),
            _followers("beta", 0, 50), _followers("beta", 28, 55),
        ],
    }  # fmt: skip


def benchmark_of(store: Store, config: Config | None = None, **options: Any) -> Benchmark:
    with Session.over(store, config=config) as session:
        return competitor_benchmark(session, **options)


def write_hand_store(folder: Path) -> Path:
    """A store file holding :func:`hand_rows` in ``folder``."""
    path = folder / "rapport.duckdb"
    with Store(path) as store:
        store.apply(batch_of(hand_rows()))
    return path


@pytest.fixture(scope="module")
def hand_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-built store, written once per module (tests that write copy it)."""
    return write_hand_store(tmp_path_factory.mktemp("hand"))


@pytest.fixture
def hand_store(hand_path: Path, tmp_path: Path) -> Iterator[Store]:
    """A private copy of the hand-built store (tests may write to it)."""
    path = tmp_path / "rapport.duckdb"
    shutil.copyfile(hand_path, path)
    with Store(path) as store:
        yield store


@pytest.fixture(scope="module")
def hand(hand_path: Path) -> Benchmark:
    with Store(hand_path) as store:
        return benchmark_of(store, window_days=28)


def values(bench: Benchmark, metric: str) -> dict[str, Any]:
    area = bench.area(f"bluesky:{metric}")
    assert area is not None
    return {v.handle: v for v in area.values}


def test_window_and_coverage(hand: Benchmark) -> None:
    assert hand.window.start == START
    assert hand.window.end == START + dt.timedelta(days=28)
    assert hand.window.days == pytest.approx(28)
    gamma = next(a for a in hand.accounts if a.handle == "gamma")
    assert gamma.coverage_start == START + dt.timedelta(days=5)
    assert gamma.coverage_end == START + dt.timedelta(days=20)
    assert hand.topic_terms == ("#sourdough",)  # on 8 own posts; no target audience set


def test_posting_consistency_ranks_and_gap(hand: Benchmark) -> None:
    ppw = values(hand, "posts_per_week")
    assert ppw["bakery"].value == pytest.approx(8 / WEEKS)
    assert ppw["alpha"].value == pytest.approx(16 / WEEKS)
    assert ppw["beta"].value == pytest.approx(3 / WEEKS)
    assert ppw["gamma"].value == pytest.approx(2 / ((15 * 86400 + 0.001) / (7 * 86400)))
    assert [ppw[h].rank for h in ("alpha", "bakery", "gamma", "beta")] == [1, 2, 3, 4]
    area = hand.area("bluesky:posts_per_week")
    assert area is not None and area.leader is not None
    assert area.leader.handle == "alpha" and area.own_rank == 2
    assert area.gap == pytest.approx(8 / WEEKS)
    gap = values(hand, "longest_gap_days")
    # bakery: 4 days (4 → 8 …); alpha 2.5 (e.g. 5 → 7.5, 25.5 → 28); beta 14 (9 → 23);
    # gamma: 15 days between its two posts.
    assert [gap[h].value for h in ("bakery", "alpha", "beta")] == pytest.approx([4, 2.5, 14])
    assert gap["gamma"].value == pytest.approx(15)
    assert [gap[h].rank for h in ("alpha", "bakery", "beta", "gamma")] == [1, 2, 3, 4]
    weeks = values(hand, "weeks_active_share")
    assert weeks["beta"].value == pytest.approx(3 / 4)  # no post in days 14 to 21
    assert weeks["gamma"].value == pytest.approx(1 / 2)  # 2 complete weeks back from day 20
    assert weeks["bakery"].rank == weeks["alpha"].rank == 1


def test_engagement_growth_and_replies(hand: Benchmark) -> None:
    rate = values(hand, "engagement_rate_by_followers")
    assert rate["bakery"].value == pytest.approx(12 / 100)  # 10 likes + 2 replies, 100 followers
    assert rate["alpha"].value == pytest.approx(55 / 1000)
    assert rate["beta"].value == pytest.approx(5 / 50)
    assert rate["bakery"].rank == 1
    growth = values(hand, "follower_growth")
    assert growth["bakery"].value == pytest.approx(1.2 ** (30 / 28) - 1)
    assert growth["alpha"].value == pytest.approx(0.99 ** (30 / 28) - 1)
    assert growth["beta"].value == pytest.approx(1.1 ** (30 / 28) - 1)
    reply = values(hand, "public_reply_rate")
    # reply posts / replies received: 4 / 16 (the thread reply is left out); 40 / 80; 3 / 3.
    assert [reply[h].value for h in ("bakery", "alpha", "beta")] == pytest.approx([0.25, 0.5, 1])
    area = hand.area("bluesky:public_reply_rate")
    assert area is not None and area.leader is not None and area.leader.handle == "beta"
    assert area.gap == pytest.approx(0.75) and area.own_rank == 3
    time = values(hand, "reply_time_hours")
    assert time["bakery"].value == pytest.approx(3.0)  # median of 2 h and 4 h
    assert time["bakery"].n == 2


def test_share_of_voice_and_content_mix(hand: Benchmark) -> None:
    posts = values(hand, "topic_post_share")
    total = (8 + 4 + 1) / WEEKS  # topic posts a week; gamma never mentions sourdough
    assert posts["bakery"].value == pytest.approx(8 / WEEKS / total)
    assert posts["gamma"].value == 0.0 and posts["gamma"].status == "ok"
    engagement = values(hand, "topic_engagement_share")
    own, alpha, beta = 12 * 8, 55 * 4, 5 * 1  # engagements on topic posts over the window
    assert engagement["alpha"].value == pytest.approx(alpha / (own + alpha + beta))
    assert engagement["bakery"].rank == 2
    promo = values(hand, "promotional_share")
    assert [promo[h].value for h in ("bakery", "alpha", "beta", "gamma")] == pytest.approx(
        [2 / 8, 8 / 16, 0, 0]
    )
    area = hand.area("bluesky:promotional_share")
    assert area is not None and area.leader is not None
    assert area.leader.handle == "beta" and promo["gamma"].rank == 1  # a shared first place
    assert area.gap == pytest.approx(0.25)
    bakery = next(a for a in hand.accounts if a.handle == "bakery")
    assert bakery.content_mix == pytest.approx(
        {"educational": 0.5, "promo": 0.25, "question": 0.25}
    )


def test_a_competitor_value_that_cant_be_known_is_not_computable_never_zero(
    hand: Benchmark,
) -> None:
    for metric, words in [
        ("engagement_rate_by_followers", "no engagement counts (post_stats)"),
        ("public_reply_rate", "no reply counts"),
        ("follower_growth", "no follower counts"),
    ]:
        gamma = values(hand, metric)["gamma"]
        assert (gamma.status, gamma.value, gamma.rank) == ("not_computable", None, None)
        assert words in (gamma.reason or "")
    for handle in ("alpha", "beta", "gamma"):
        time = values(hand, "reply_time_hours")[handle]
        assert time.value is None and time.status == "not_computable"
        assert "can't be measured" in (time.reason or "")
    area = hand.area("bluesky:reply_time_hours")
    assert area is not None
    assert (area.leader, area.own_rank, area.gap) == (None, None, None)
    assert "nothing to compare" in (area.note or "")


def test_to_dict_shape_and_round_trip(hand: Benchmark) -> None:
    data = json.loads(json.dumps(hand.to_dict()))
    assert set(data) >= {"window", "accounts", "areas"}
    assert data["window"]["days"] == 28
    area = next(a for a in data["areas"] if a["metric"] == "posts_per_week")
    assert set(area) >= {"platform", "family", "metric", "unit", "direction", "denominator",
                         "values", "leader", "own_rank", "gap"}  # fmt: skip
    assert set(area["values"][0]) >= {"account_id", "handle", "role", "value", "status",
                                      "reason", "rank"}  # fmt: skip
    assert area["leader"]["handle"] == "alpha" and area["family"] == "consistency"
    again = Benchmark.from_dict(data)
    assert again.to_dict() == data


def test_audience_words_become_topic_terms(hand_store: Store) -> None:
    config = Config(goal=Goal(target_audience="Home bakers who love their starter"))
    bench = benchmark_of(hand_store, config, window_days=28)
    assert bench.topic_terms == ("#sourdough", "hom…", "bak…", "start…")
    # beta's "sourdough starter tips" was a topic post already; nothing else mentions these.
    assert values(bench, "topic_post_share")["beta"].n == 1


def test_no_competitor_or_no_own_account_is_a_usage_error(fresh_store: Store) -> None:
    rows = hand_rows()
    rows["accounts"] = [a for a in rows["accounts"] if a["role"] == "own"]
    rows["posts"] = [p for p in rows["posts"] if p["account_id"] == "bluesky:bakery"]
    rows["post_stats"] = [s for s in rows["post_stats"] if "own-" in s["post_id"]]
    rows["follower_counts"] = [f for f in rows["follower_counts"] if "bakery" in f["account_id"]]
    fresh_store.apply(batch_of(rows))
    with pytest.raises(UsageError, match=r"no competitor on the platforms.*\[\[accounts"):
        benchmark_of(fresh_store)


def test_demo_world_has_a_leader_in_every_computable_area(tmp_path: Path) -> None:
    world = simulated(WorldParams(people=3000, days=120, seed=5))
    with Store(tmp_path / "demo.duckdb") as store:
        store.apply(Batch.from_tables(world.tables, source="synthetic", origin="t"))
        config = Config(
            goal=Goal(objective="community", target_audience=world.target_audience),
            targets=Targets(weekly_hours=5),
        )
        bench = benchmark_of(store, config)
    assert len(bench.accounts) == 1 + len(world.competitor_account_ids)
    assert bench.window.days == pytest.approx(90)
    for area in bench.areas:
        computable = [v for v in area.values if v.ok]
        if any(v.role == "competitor" for v in computable):
            assert area.leader is not None, area.id
            assert area.leader.rank == 1
        for v in area.values:
            assert (v.value is None) == (v.status == "not_computable"), (area.id, v)
    assert {a.spec.metric for a in bench.areas if a.leader is None} == {"reply_time_hours"}
