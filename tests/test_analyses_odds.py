"""`account_odds` on real stores: reshares from interactions or post_stats, the prior, a world."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rapport.analyses.odds import Odds, account_odds
from rapport.models._rarity_prior import GRID, PRIOR_WEIGHTS
from rapport.models.rarity import MoonshotOdds
from rapport.session import Session
from rapport.store import Store
from tests.conftest import batch_of
from tests.test_analyses_spike_audit import on_world, world_store

ACCOUNTS = [
    {"account_id": "x:me", "platform": "x", "handle": "me", "role": "own"},
    {"account_id": "x:rival", "platform": "x", "handle": "rival", "role": "competitor"},
]
POSTS = [
    {"post_id": "x:p1", "account_id": "x:me", "created_at": "2024-01-01T10:00:00Z"},
    {"post_id": "x:p2", "account_id": "x:me", "created_at": "2024-01-05T10:00:00Z"},
    {"post_id": "x:p3", "account_id": "x:me", "created_at": "2024-01-10T10:00:00Z"},
    # younger than 7 days at the data's end (30 January): its cascade may still grow
    {"post_id": "x:p4", "account_id": "x:me", "created_at": "2024-01-28T10:00:00Z"},
    # an answer and a competitor's post: not own original posts
    {"post_id": "x:r1", "account_id": "x:me", "created_at": "2024-01-02T10:00:00Z",
     "in_reply_to_id": "x:i9"},
    {"post_id": "x:c1", "account_id": "x:rival", "created_at": "2024-01-03T10:00:00Z"},
]  # fmt: skip


def _act(n: int, kind: str, post: str | None, when: str) -> dict[str, Any]:
    return {
        "interaction_id": f"x:i{n}", "platform": "x", "kind": kind, "person_id": f"x:u{n}",
        "account_id": "x:me", "post_id": post, "occurred_at": when,
    }  # fmt: skip


INTERACTIONS = [
    *(_act(n, "repost", "x:p1", "2024-01-01T12:00:00Z") for n in (1, 2, 3)),
    _act(4, "quote", "x:p1", "2024-01-02T12:00:00Z"),
    _act(5, "like", "x:p2", "2024-01-05T12:00:00Z"),
    _act(6, "repost", "x:p3", "2024-01-11T12:00:00Z"),
    *(_act(n, "repost", "x:p4", "2024-01-28T12:00:00Z") for n in (7, 8)),
    _act(9, "reply", "x:p1", "2024-01-02T09:00:00Z"),
    _act(10, "like", "x:p3", "2024-01-30T10:00:00Z"),  # the data's end
]
STATS = [
    {"post_id": "x:p1", "observed_at": "2024-01-02T00:00:00Z", "reposts": 3, "quotes": 1},
    {"post_id": "x:p1", "observed_at": "2024-01-20T00:00:00Z", "reposts": 5, "quotes": 2},
    {"post_id": "x:p2", "observed_at": "2024-01-20T00:00:00Z", "reposts": 0},
    {"post_id": "x:p4", "observed_at": "2024-01-29T00:00:00Z", "reposts": 9, "quotes": 0},
    {"post_id": "x:c1", "observed_at": "2024-01-20T00:00:00Z", "reposts": 99, "quotes": 9},
]


def _odds(path: Path, rows: dict[str, list[dict[str, Any]]]) -> Odds:
    with Store(path) as store:
        store.apply(batch_of(rows))
        with Session.over(store) as session:
            return account_odds(session)


def test_reshares_are_counted_from_interactions(tmp_path: Path) -> None:
    rows = {"accounts": ACCOUNTS, "posts": POSTS, "interactions": INTERACTIONS, "post_stats": STATS}
    odds = _odds(tmp_path / "r.duckdb", rows)
    # p1: 3 reposts + 1 quote; p2: none; p3: 1; p4 is 2 days old at the data's end: left out.
    # Interactions are there, so post_stats are not used (p1 would count 7 there).
    history = odds.history
    assert history["source"] == "interactions"
    assert (history["posts"], history["too_recent"], history["largest"]) == (3, 1, 4)
    assert history["mean"] == pytest.approx(5 / 3)
    assert (history["median"], history["reshared_posts"]) == (1.0, 2)
    assert history["first_post"] == "2024-01-01T10:00:00+00:00"
    expected = MoonshotOdds().fit([4, 0, 1])
    assert odds.probabilities == pytest.approx(tuple(expected.probabilities_), rel=1e-12)
    assert odds.posts == 3
    assert "3 original posts at least 7 days old (1 newer ones left out" in odds.rests_on
    assert "reposts and quotes of each post" in odds.rests_on


def test_platform_counts_stand_in_when_interactions_are_absent(tmp_path: Path) -> None:
    rows = {"accounts": ACCOUNTS, "posts": POSTS, "post_stats": STATS}
    odds = _odds(tmp_path / "r.duckdb", rows)
    # latest counts: p1 5 + 2 = 7, p2 0 + (unknown quotes: none) = 0; p3 has no counts;
    # p4 (28 January) is the data's end itself: too recent
    assert odds.history["source"] == "post_stats"
    assert (odds.history["posts"], odds.history["too_recent"]) == (2, 1)
    assert odds.history["largest"] == 7
    assert odds.probabilities == pytest.approx(
        tuple(MoonshotOdds().fit([7, 0]).probabilities_), rel=1e-12
    )
    assert "post_stats" in odds.rests_on


def test_the_default_odds_and_what_they_rest_on(tmp_path: Path) -> None:
    rows = {"accounts": ACCOUNTS, "posts": POSTS, "interactions": INTERACTIONS}
    payload = _odds(tmp_path / "r.duckdb", rows).to_dict()
    # what `rapport odds --json` prints: 100, 1,000 and 10,000 reshares, each with its odds
    assert [row["reshares"] for row in payload["thresholds"]] == [100, 1000, 10000]
    for row in payload["thresholds"]:
        assert set(row) == {"reshares", "probability", "one_in", "interval", "published_average"}
        assert 0 < row["probability"] < 1 and row["one_in"] == pytest.approx(1 / row["probability"])
        low, high = row["interval"]
        assert 0 <= low <= high <= 1
    probabilities = [row["probability"] for row in payload["thresholds"]]
    assert probabilities == sorted(probabilities, reverse=True)
    # the fitted mixture, its prior and the grid it lives on
    mixture = payload["mixture"]
    assert mixture["reproduction_numbers"] == list(GRID)
    assert sum(mixture["weights"]) == pytest.approx(1.0)
    assert mixture["prior_weights"] == pytest.approx(np.asarray(PRIOR_WEIGHTS) / sum(PRIOR_WEIGHTS))
    assert mixture["weights"] != pytest.approx(mixture["prior_weights"], rel=1e-3)
    assert "Goel" in mixture["prior"] and "Mishra" in mixture["prior"]
    # the numbers they rest on: the history, the published figures the prior reproduces
    history = payload["history"]
    assert (history["posts"], history["largest"], history["reshared_posts"]) == (3, 4, 2)
    assert history["audience_interval"][0] < history["audience"] < history["audience_interval"][1]
    at_100 = payload["calibration"]["at_least_100"]
    assert at_100["published"] == 2.5e-4 and at_100["prior"] == pytest.approx(2.5e-4, rel=0.05)
    assert "3 original posts" in payload["rests_on"] and "Prior: a mixture" in payload["rests_on"]


def test_two_workspaces_with_different_histories_get_different_odds(tmp_path: Path) -> None:
    quiet = _odds(
        tmp_path / "quiet.duckdb",
        {"accounts": ACCOUNTS, "posts": POSTS, "interactions": INTERACTIONS},
    )
    # the same posts, but p1, p2 and p3 reshared 40, 25 and 60 times
    shared = [("x:p1", 40), ("x:p2", 25), ("x:p3", 60)]
    busy_rows = [
        _act(1000 + 100 * i + j, "repost", post, "2024-01-12T12:00:00Z")
        for i, (post, n) in enumerate(shared)
        for j in range(n)
    ]
    busy = _odds(
        tmp_path / "busy.duckdb",
        {"accounts": ACCOUNTS, "posts": POSTS, "interactions": [*INTERACTIONS, *busy_rows]},
    )
    assert (quiet.history["largest"], busy.history["largest"]) == (4, 61)  # p3: 1 + 60
    assert quiet.prior_probabilities == busy.prior_probabilities  # the same published average
    for p_quiet, p_busy in zip(quiet.probabilities, busy.probabilities, strict=True):
        assert p_busy > 10 * p_quiet
    assert busy.mixture.weights != pytest.approx(quiet.mixture.weights, rel=1e-2)
    assert busy.summary != quiet.summary


def test_no_history_gets_the_published_odds_and_says_why(tmp_path: Path) -> None:
    odds = _odds(tmp_path / "r.duckdb", {"accounts": ACCOUNTS, "posts": POSTS})
    assert odds.history["source"] is None
    assert odds.posts == 0
    assert odds.probabilities == pytest.approx(odds.prior_probabilities, rel=1e-12)
    assert odds.rests_on.startswith("No history of this account (needs reposts and quotes")
    assert "not yet this account's own odds" in odds.summary
    first = odds.to_dict()["thresholds"][0]
    assert first["reshares"] == 100 and first["one_in"] == pytest.approx(1 / 2.498e-4, rel=1e-3)


@functools.cache
def _world_odds() -> dict[str, Any]:
    # the seed-0 world of the spike tests, imported once for both
    def odds(session: Session) -> Odds:
        return account_odds(session, thresholds=(10, 20, 50, 100))

    found = on_world(0, odds)
    reshares: dict[str, int] = {}
    interactions = world_store(0)[1].tables["interactions"].to_pylist()
    for row in interactions:
        if row["kind"] in ("repost", "quote"):
            reshares[row["post_id"]] = reshares.get(row["post_id"], 0) + 1
    return {"odds": found, "reshares": reshares}


def test_the_synthetic_account_has_its_own_odds() -> None:
    found = _world_odds()
    odds = found["odds"]
    payload = odds.to_dict()
    assert set(payload) == {
        "thresholds", "posts", "history", "mixture", "calibration", "rests_on", "summary",
    }  # fmt: skip
    assert payload["history"]["source"] == "interactions"
    assert (odds.posts, odds.history["too_recent"], odds.history["largest"]) == (272, 4, 118)
    for row, p in zip(payload["thresholds"], odds.probabilities, strict=True):
        assert row["probability"] == p and row["one_in"] == pytest.approx(1 / p)
        assert row["interval"][0] <= row["interval"][1]
    assert set(payload["calibration"]) >= {"single_adopter", "at_least_100", "news_10000"}
    assert len(payload["mixture"]["weights"]) == len(payload["mixture"]["reproduction_numbers"])
    # the synthetic account's posts are reshared far more than the published average post
    assert odds.probabilities[-1] > 10 * odds.prior_probabilities[-1]


def test_the_odds_match_the_account_s_own_frequencies() -> None:
    # measured on seeds 0–9: mean predicted P(≥ 10, 20, 50, 100) = .517 .242 .028 .0040
    # against observed shares .545 .247 .025 .0041; seed 0: .530 .279 .021 .0035 against
    # .559 .276 .022 .0037
    found = _world_odds()
    odds, counts = found["odds"], found["reshares"]
    observed = np.array([np.mean([counts.get(f"synthetic:p{i}", 0) >= k for i in range(1, 273)])
                         for k in (10, 20, 50)])  # fmt: skip
    assert np.asarray(odds.probabilities[:3]) == pytest.approx(observed, rel=0.25)
