"""The spike audit on real stores: hand-built cases, and the synthetic world's injected spikes."""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from rapport.analyses.spike_audit import audit_spikes
from rapport.canonical import Batch
from rapport.session import Session
from rapport.simulate import World, WorldParams
from rapport.store import Store
from tests.conftest import batch_of
from tests.worlds import simulated

T = TypeVar("T")

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
SPIKE_DAY = 30


def _at(day: int, hour: int, minute: int = 0) -> str:
    moment = START + dt.timedelta(days=day, hours=hour, minutes=minute)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _account(days: int, *, spike: bool, follows: bool = True, conversions: bool = True) -> dict:
    """One post a day; two follows a day; five regulars liking weekly; one conversion a post
    for the first 30 posts. With ``spike``: day 30's post reaches 2,000 (others 100–104) and
    draws 200 likes; 40 people follow that day, 30 of whom leave on day 45; 10 newcomers like
    it and never come back, and it brings one conversion."""
    rows: dict[str, list[dict[str, Any]]] = {
        "accounts": [{"account_id": "x:me", "platform": "x", "handle": "me", "role": "own"}],
        "posts": [],
        "post_stats": [],
        "interactions": [],
        "conversions": [],
        "follower_counts": [],
    }
    n = 0

    def act(kind: str, person: str, when: str, post: str | None = None) -> None:
        nonlocal n
        n += 1
        rows["interactions"].append({
            "interaction_id": f"x:i{n}", "platform": "x", "kind": kind, "person_id": person,
            "account_id": "x:me", "post_id": post, "occurred_at": when,
        })  # fmt: skip

    followers = 500
    for day in range(days):
        big = spike and day == SPIKE_DAY
        post = f"x:p{day}"
        rows["posts"].append({"post_id": post, "account_id": "x:me", "created_at": _at(day, 12)})
        rows["post_stats"].append({
            "post_id": post, "observed_at": _at(day + 1, 0),
            "reach": 2000 if big else 100 + day % 5, "likes": 200 if big else 10 + day % 3,
            "reposts": 1, "replies": 1, "quotes": 0,
        })  # fmt: skip
        joining = [f"x:f{day}a", f"x:f{day}b"] + ([f"x:s{i}" for i in range(40)] if big else [])
        if follows:
            for i, person in enumerate(joining):
                act("follow", person, _at(day, 13, i))
        followers += len(joining)
        rows["follower_counts"].append(
            {"account_id": "x:me", "observed_at": _at(day, 23), "followers": followers}
        )
        if day % 7 == 0:
            for i in range(5):
                act("like", f"x:c{i}", _at(day, 18, i), post)
        if big:
            for i in range(10):
                act("like", f"x:n{i}", _at(day, 15, i), post)
        if conversions and (day < 30 or big):
            rows["conversions"].append({
                "conversion_id": f"web:{day}", "occurred_at": _at(day, 20), "kind": "signup",
                "post_id": post,
            })  # fmt: skip
    if spike and follows:
        for i in range(30):
            act("unfollow", f"x:s{i}", _at(SPIKE_DAY + 15, 9, i))
    if not follows:
        del rows["interactions"][:]
        for day in range(0, days, 7):  # the regulars, so that people are still known
            for i in range(5):
                act("like", f"x:c{i}", _at(day, 18, i), f"x:p{day}")
    return {name: table for name, table in rows.items() if table}


def _audit(path: Path, rows: dict) -> dict[str, Any]:
    with Store(path) as store:
        store.apply(batch_of(rows))
        with Session.over(store) as session:
            return audit_spikes(session).to_dict()


def test_one_obvious_spike_and_what_it_left(tmp_path: Path) -> None:
    audit = _audit(tmp_path / "r.duckdb", _account(150, spike=True))
    [spike] = audit["spikes"]
    assert (spike["day"], spike["last_day"]) == ("2024-01-31", "2024-01-31")
    assert spike["kind"] == "reach+engagement+followers"
    assert (spike["size"], spike["posts"], spike["post_ids"]) == (2000.0, 1, ["x:p30"])
    assert spike["baseline"] == pytest.approx(102.0)
    assert spike["window"] == {"from": "2024-01-31", "to": "2024-02-02", "days": 3}
    # follows in the window: 42 on day 30 and 2 on each of days 31 and 32; 30 left on day 45
    assert spike["followers_gained"] == {"status": "ok", "value": 46, "per_day": 46 / 3}
    assert (spike["still_following_30d"]["kept"], spike["still_following_30d"]["n"]) == (16, 46)
    assert spike["still_following_90d"]["value"] == pytest.approx(16 / 46)
    # ten newcomers liked it and never came back; one conversion from its post
    assert spike["new_core_members"]["value"] == 0
    assert spike["new_core_members"]["newcomers"] == 10
    assert spike["conversions"] == {"status": "ok", "value": 1, "posts": 1, "per_post": 1.0}

    ordinary = audit["ordinary"]
    assert (ordinary["days"], ordinary["posts"]) == (147, 149)
    assert ordinary["followers_gained"]["value"] == 294  # 147 days × 2
    # the data ends on day 149 at 18:04 (a like): follows up to day 119 are judged at 30 days
    # (117 ordinary days × 2), up to day 59 at 90 days (57 × 2); nobody left
    assert (ordinary["still_following_30d"]["kept"], ordinary["still_following_30d"]["n"]) == (
        234,
        234,
    )
    assert ordinary["still_following_90d"]["n"] == 114
    assert ordinary["new_core_members"]["value"] == 5  # the regulars
    assert ordinary["conversions"]["value"] == 30
    assert ordinary["conversions"]["per_post"] == pytest.approx(30 / 149)
    assert audit["verdict"].startswith(
        "1 spike brought 46 followers in 3 days (15.3 a day against 2.0 on ordinary days); "
        "35% of 46 still followed 90 days later, against 100% of 114 ordinary followers"
    )
    assert audit["verdict"].endswith(
        "A one-hit wonder: the followers the spikes brought did not stay."
    )
    assert audit["signals"]["reach"]["basis"].startswith("post_stats reach")
    assert audit["signals"]["followers"]["basis"] == "follow interactions, counted per day"


def test_no_spike_in_a_flat_account(tmp_path: Path) -> None:
    audit = _audit(tmp_path / "r.duckdb", _account(150, spike=False))
    assert audit["spikes"] == []
    assert [audit["signals"][k]["spikes"] for k in ("reach", "engagement", "followers")] == [0] * 3
    assert audit["ordinary"]["days"] == 150
    assert audit["verdict"] == (
        "No spike in 150 days: everything came from ordinary weeks (300 new followers, 100% "
        "still following 90 days later)."
    )


def test_too_short_a_history_says_so(tmp_path: Path) -> None:
    audit = _audit(tmp_path / "r.duckdb", _account(5, spike=False))
    assert audit["spikes"] == []
    for signal in audit["signals"].values():
        assert signal["status"] == "not_computable"
        assert "too short to judge a point against 7 neighbours" in signal["reason"]
    assert audit["verdict"].startswith("Can't tell spikes from ordinary days (reach: the series")


def test_follower_counts_alone_find_the_spike_but_not_who_stayed(tmp_path: Path) -> None:
    audit = _audit(
        tmp_path / "r.duckdb", _account(150, spike=True, follows=False, conversions=False)
    )
    [spike] = audit["spikes"]
    assert spike["kind"] == "reach+engagement+followers"
    # the count rose by 42 on day 30 and by 2 on days 31 and 32 (no unfollows are recorded)
    assert spike["followers_gained"]["value"] == 46
    assert audit["signals"]["followers"]["basis"].startswith("daily increases of your follower")
    for key in ("still_following_30d", "still_following_90d"):
        assert spike[key]["status"] == "not_computable"
        assert spike[key]["reason"].startswith("needs follows with who and when")
    assert spike["conversions"] == {
        "status": "not_computable",
        "reason": "needs conversions attributed to posts (conversions.post_id, from UTM tags or "
        "landing URLs)",
    }
    assert "value" not in spike["conversions"]  # never a fake 0


# -- the synthetic world: detection against the injected spikes --------------------------------
SEEDS = (0, 1, 2, 3, 4)
WORLD_START = dt.date(2026, 1, 5)


_WORLDS = Path(tempfile.mkdtemp(prefix="rapport-test-worlds-"))
atexit.register(shutil.rmtree, _WORLDS, True)


@functools.cache
def world_store(seed: int) -> tuple[Path, World]:
    """The synthetic world of ``seed`` (20,000 people, 365 days) imported into a store file,
    once per test session: tests/test_analyses_odds.py reads the same stores."""
    world = simulated(WorldParams(people=20_000, days=365, seed=seed))
    path = _WORLDS / f"world-{seed}.duckdb"
    with Store(path) as store:
        store.apply(Batch.from_tables(world.tables, source="synthetic", origin="t"))
    return path, world


def on_world(seed: int, compute: Callable[[Session], T]) -> T:
    """``compute(session)`` on the store of :func:`world_store`."""
    path, _ = world_store(seed)
    with Store(path, read_only=True) as store, Session.over(store) as session:
        return compute(session)


@functools.cache
def _world_audit(seed: int) -> tuple[dict[str, Any], tuple[dt.date, ...]]:
    audit = on_world(seed, audit_spikes).to_dict()
    truth = world_store(seed)[1].truth
    return audit, tuple(WORLD_START + dt.timedelta(days=s.day) for s in truth.spikes)


def _scores(kind: str | None, *, lag: int = 2) -> tuple[int, int, int, int]:
    """(detected spikes that match an injected one, detected, injected found, injected).

    A detected spike matches an injected spike published on day d when its days overlap
    d … d + lag (followers keep coming for a day or two)."""
    hits = found = matched = injected = 0
    for seed in SEEDS:
        audit, truth = _world_audit(seed)
        spans = [
            (dt.date.fromisoformat(s["day"]), dt.date.fromisoformat(s["last_day"]))
            for s in audit["spikes"]
            if kind is None or kind in s["kind"].split("+")
        ]
        near = [(d, d + dt.timedelta(days=lag)) for d in truth]
        hits += sum(any(a <= e and d <= b for d, e in near) for a, b in spans)
        found += len(spans)
        matched += sum(any(a <= e and d <= b for a, b in spans) for d, e in near)
        injected += len(truth)
    return hits, found, matched, injected


@pytest.mark.parametrize(
    ("kind", "precision", "recall"),
    [
        # measured on seeds 0–4 (and 0–9 in docs/virality.md) before setting these bars:
        (None, 0.65, 0.95),  # all spikes: 30/41 = 0.73 precise, 31/31 found
        ("reach", 0.9, 0.95),  # 30/30, 31/31
        ("engagement", 0.7, 0.5),  # 17/22 = 0.77, 18/31 = 0.58
        ("followers", 0.65, 0.55),  # 19/25 = 0.76, 20/31 = 0.65
    ],
)
def test_detection_finds_the_injected_spikes(
    kind: str | None, precision: float, recall: float
) -> None:
    hits, found, matched, injected = _scores(kind)
    assert hits / found >= precision
    assert matched / injected >= recall


def test_spike_followers_are_kept_less_than_ordinary_ones() -> None:
    # the simulator's claim 1 seen through the audit: measured per seed 57 / 60 / 75 / 66 / 76 %
    # of spike-window follows still following at 90 days, against 80–83 % of ordinary ones;
    # pooled 66 % against 82 %. Windows also hold that day's ordinary follows, so the gap is
    # smaller than the simulator's own (36 % against 82 %, by acquisition channel).
    kept = {"spike": [0, 0], "ordinary": [0, 0]}
    for seed in SEEDS:
        audit, _ = _world_audit(seed)
        spike, ordinary = (
            audit["in_spikes"]["still_following_90d"],
            audit["ordinary"]["still_following_90d"],
        )
        assert spike["value"] < ordinary["value"]
        for name, measure in (("spike", spike), ("ordinary", ordinary)):
            kept[name][0] += measure["kept"]
            kept[name][1] += measure["n"]
    spike_share = kept["spike"][0] / kept["spike"][1]
    ordinary_share = kept["ordinary"][0] / kept["ordinary"][1]
    assert ordinary_share - spike_share >= 0.10
    assert kept["spike"][1] >= 1_000 and kept["ordinary"][1] >= 5_000  # the samples it rests on


def test_the_synthetic_world_reads_as_a_one_hit_wonder() -> None:
    audit, _ = _world_audit(0)
    assert audit["verdict"].endswith(
        "A one-hit wonder: the followers the spikes brought did not stay."
    )
    pooled, ordinary = audit["in_spikes"], audit["ordinary"]
    assert pooled["followers_gained"]["per_day"] > 3 * ordinary["followers_gained"]["per_day"]
    assert pooled["new_core_members"]["share"] < ordinary["new_core_members"]["share"] / 3
    for spike in audit["spikes"]:
        assert set(spike) >= {
            "day", "kind", "size", "baseline", "followers_gained", "still_following_30d",
            "still_following_90d", "new_core_members", "conversions",
        }  # fmt: skip
