"""The first metrics, checked on hand-built data whose answers are known by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pytest

from rapport.metrics import metrics, run_metrics
from rapport.metrics.run import MetricResult, evaluate_each, wilson_interval
from rapport.query.tables import Tables
from rapport.session import Session
from rapport.store import Store
from tests.conftest import batch_of

T = "2024-01-{:02d}T{:02d}:00:00Z"
ME = {"account_id": "x:me", "platform": "x", "handle": "me", "role": "own", "followers": 100}
RIVAL = {"account_id": "x:rival", "platform": "x", "handle": "rival", "role": "competitor"}


def _post(pid: str, day: int, hour: int = 10, **extra: Any) -> dict[str, Any]:
    return {"post_id": pid, "account_id": "x:me", "created_at": T.format(day, hour), **extra}


def _act(
    iid: str,
    kind: str,
    person: str,
    day: int,
    hour: int,
    post: str | None = None,
    account: str = "x:me",
) -> dict[str, Any]:
    return {
        "interaction_id": iid,
        "platform": "x",
        "kind": kind,
        "person_id": person,
        "account_id": account,
        "post_id": post,
        "occurred_at": T.format(day, hour),
    }


HAND_BUILT = {
    "accounts": [ME, RIVAL],
    "posts": [
        _post("x:1", 1, content_kind="promo"),
        _post("x:2", 8, content_kind="question"),
        _post("x:3", 20, content_kind="educational"),
        _post("x:4", 22, content_kind="promo"),
        # replies by the account: answers to x:i1 (after 2 h) and x:i3 (after 10 h, twice)
        _post("x:r1", 8, 14, in_reply_to_id="x:i1"),
        _post("x:r3", 9, 20, in_reply_to_id="x:i3"),
        _post("x:r3b", 10, 20, in_reply_to_id="x:i3"),
        # a repost is not an original post
        _post("x:rt", 21, repost_of="x:999"),
        {"post_id": "x:c1", "account_id": "x:rival", "created_at": T.format(3, 9)},
    ],
    "interactions": [
        _act("x:i1", "reply", "x:p1", 8, 12, "x:2"),
        _act("x:i2", "reply", "x:p2", 8, 13, "x:2"),
        _act("x:i3", "mention", "x:p3", 9, 10),
        _act("x:i4", "reply", "x:p4", 20, 11, "x:3"),
        _act("x:l1", "like", "x:p1", 1, 12, "x:1"),
        _act("x:l2", "like", "x:p3", 20, 12, "x:3"),
        _act("x:l3", "like", "x:p1", 22, 12, "x:4"),
        _act("x:f1", "follow", "x:p9", 2, 12),
        _act("x:k1", "reply", "x:p5", 5, 12, "x:c1", account="x:rival"),
    ],
    "follower_counts": [
        {"account_id": "x:me", "observed_at": T.format(1, 0), "followers": 90},
        {"account_id": "x:me", "observed_at": T.format(15, 0), "followers": 100},
    ],
    "conversions": [
        {
            "conversion_id": "web:1",
            "occurred_at": T.format(2, 9),
            "kind": "signup",
            "post_id": "x:1",
            "value": 10.0,
            "currency": "EUR",
        },
        {
            "conversion_id": "web:2",
            "occurred_at": T.format(23, 9),
            "kind": "purchase",
            "value": 30.5,
            "currency": "EUR",
        },
    ],
}


@pytest.fixture
def results(fresh_store: Store) -> dict[str, MetricResult]:
    fresh_store.apply(batch_of(HAND_BUILT))
    with Session.over(fresh_store) as session:
        return {r.id: r for r in run_metrics(session)}


def test_reply_rate_follows_the_reference_definition(results: dict[str, MetricResult]) -> None:
    reply_rate = results["reply_rate"]
    # replies and mentions aimed at x:me: i1, i2, i3, i4; answered: i1, i3 (k1 is the rival's)
    assert reply_rate.value == pytest.approx(2 / 4)
    assert reply_rate.n == 4
    assert reply_rate.interval == pytest.approx(wilson_interval(2, 4))


def test_time_to_first_reply_is_the_median_of_first_answers(
    results: dict[str, MetricResult],
) -> None:
    ttfr = results["time_to_first_reply"]
    # i1: 12:00 → 14:00 = 2 h; i3: 9th 10:00 → 9th 20:00 = 10 h (the later answer is ignored)
    assert ttfr.value == pytest.approx(6.0)
    assert ttfr.extra["p90_hours"] == pytest.approx(2 + 0.9 * 8)
    assert ttfr.extra["unanswered"] == 2
    assert ttfr.n == 2


def test_promotional_share_counts_original_posts_only(results: dict[str, MetricResult]) -> None:
    share = results["promotional_share"]
    assert share.value == pytest.approx(2 / 4)
    assert share.n == 4


def test_consistency(results: dict[str, MetricResult]) -> None:
    assert results["posts"].value == 4
    assert results["longest_gap_days"].value == pytest.approx(12.0)  # 8th → 20th
    # from the first post (1st 10:00) to the last timestamp (22nd 12:00): 21 days 2 hours
    weeks = (21 + 2 / 24) / 7
    assert results["posts_per_week"].value == pytest.approx(4 / weeks)
    # the latest timestamp is the like at 22nd 12:00; the last original post is 22nd 10:00
    assert results["days_since_last_post"].value == pytest.approx(2 / 24)
    # complete 7-day weeks back from the 22nd 12:00: [15th, 22nd) has the 20th and the 22nd,
    # [8th, 15th) none (the post of the 8th is at 10:00, before the block starts at 12:00:
    # 8th → 20th is a 12-day silence), [1st, 8th) the 8th; the 1st 10:00 is before any
    # complete week
    assert results["weeks_active_share"].value == pytest.approx(2 / 3)
    assert results["weeks_active_share"].n == 3


def test_people_who_came_back(results: dict[str, MetricResult]) -> None:
    # engaged people (follows do not count): p1 (weeks of 1, 8, 22), p2 (8), p3 (8, 15), p4 (15)
    assert results["engaged_people"].value == 4
    assert results["returning_people"].value == 2
    assert results["returning_share"].value == pytest.approx(0.5)


def test_engagement_rate_names_its_denominator(results: dict[str, MetricResult]) -> None:
    rate = results["engagement_rate"]
    # from interactions: x:1 1 like / 90, x:2 2 replies / 90, x:3 1 reply + 1 like / 100,
    # x:4 1 like / 100 → median of (0.0111, 0.0222, 0.02, 0.01) = (0.0111 + 0.02) / 2
    assert rate.value == pytest.approx((1 / 90 + 2 / 100) / 2)
    assert rate.n == 4
    assert rate.basis is not None and "followers at posting time" in rate.basis
    assert "interactions" in rate.basis


def test_vanity_numbers(results: dict[str, MetricResult]) -> None:
    assert results["followers"].value == 100
    assert results["likes"].value == 3
    assert results["reach"].status == "not_computable"
    assert "reach or impressions" in (results["reach"].reason or "")
    assert {r.id for r in results.values() if r.vanity} == {"followers", "likes", "reach"}


def test_conversions(results: dict[str, MetricResult]) -> None:
    assert results["conversions"].value == 2
    assert results["conversions_from_social"].value == pytest.approx(0.5)
    value = results["conversion_value"]
    assert value.value == pytest.approx(40.5)
    assert value.extra["currency"] == "EUR"


def test_a_period_narrows_every_metric(fresh_store: Store) -> None:
    fresh_store.apply(batch_of(HAND_BUILT))
    since = dt.datetime(2024, 1, 8, tzinfo=dt.UTC)
    until = dt.datetime(2024, 1, 15, tzinfo=dt.UTC)
    with Session.over(fresh_store, since=since, until=until) as session:
        by_id = {r.id: r for r in run_metrics(session)}
    assert by_id["posts"].value == 1
    assert by_id["reply_rate"].n == 3  # i1, i2, i3


def test_an_empty_store_is_not_computable_never_zero(fresh_store: Store) -> None:
    with Session.over(fresh_store) as session:
        results = run_metrics(session)
    assert results and all(r.status == "not_computable" for r in results)
    assert all(r.value is None and r.reason for r in results)


def test_aggregate_only_data_computes_what_it_can(fresh_store: Store) -> None:
    fresh_store.apply(
        batch_of(
            {
                "accounts": [ME],
                "posts": [_post("x:1", 1, content_kind="promo"), _post("x:2", 3)],
                "post_stats": [
                    {
                        "post_id": "x:1",
                        "observed_at": T.format(10, 0),
                        "likes": 4,
                        "reposts": 1,
                        "replies": 0,
                        "impressions": 100,
                        "reach": 50,
                    },
                    {
                        "post_id": "x:2",
                        "observed_at": T.format(10, 0),
                        "likes": 9,
                        "reposts": 0,
                        "replies": 1,
                        "impressions": 300,
                        "reach": 200,
                    },
                ],
            }
        )
    )
    with Session.over(fresh_store) as session:
        by_id = {r.id: r for r in run_metrics(session)}
    assert by_id["likes"].value == 13
    assert "post_stats" in (by_id["likes"].basis or "")
    assert by_id["reach"].value == 250
    rate = by_id["engagement_rate"]
    assert rate.value == pytest.approx((5 / 50 + 10 / 200) / 2)
    assert "people reached" in (rate.basis or "")
    for missing in ("reply_rate", "time_to_first_reply", "returning_people", "conversions"):
        assert by_id[missing].status == "not_computable", missing


def test_every_metric_compiles_on_unbound_tables() -> None:
    from rapport.query.context import Context

    tables = Tables.unbound()
    context = Context(account_ids=("x:me",), settings={"facts": frozenset()})
    for spec in metrics():
        measure = spec.compute(tables, context)
        assert "SELECT" in ibis.to_sql(measure.value, dialect="duckdb"), spec.id


def test_every_metric_has_a_complete_spec() -> None:
    for spec in metrics():
        for field in ("title", "denominator", "description", "why"):
            assert getattr(spec, field).strip(), f"{spec.id}: empty {field}"


def test_a_registered_metric_evaluates_for_any_account_and_period(fresh_store: Store) -> None:
    """The context's account set: the same spec for the rival, and for a narrower period;
    evaluated together (as the benchmark does) or one by one, the results are the same."""
    fresh_store.apply(batch_of(HAND_BUILT))
    ids = ["posts", "posts_per_week", "longest_gap_days", "weeks_active_share"]
    with Session.over(fresh_store) as session:
        since = dt.datetime(2024, 1, 8, tzinfo=dt.UTC)
        until = dt.datetime(2024, 1, 23, tzinfo=dt.UTC)
        contexts = [
            session.context.for_accounts(["x:rival"]),
            session.context.for_accounts(session.context.account_ids, since=since, until=until),
        ]
        together = evaluate_each(session.backend, session.tables, contexts, ids=ids)
        alone = [run_metrics(session, ids=ids, context=c) for c in contexts]
        for context in contexts:
            context.release()
    assert together == alone
    rival = {r.id: r for r in together[0]}
    assert rival["posts"].value == 1 and rival["posts"].ok
    narrow = {r.id: r for r in together[1]}
    assert narrow["posts"].value == 3  # the 8th, the 20th and the 22nd
    # 15 days from the period's start (not from the first post in it) to its end
    assert narrow["posts_per_week"].value == pytest.approx(3 / (15 / 7))
