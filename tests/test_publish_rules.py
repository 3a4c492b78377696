"""The publishing rules: promotion ceiling, cadence and gap, each named with its numbers; and
the posts they count, read from a real DuckDB store (own posts and planned ones)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rapport.store.scheduled import insert_post, update_post
from rapport.strategy.publishing.rules import Known, Rules, check, known_posts, rules_of
from rapport.workspace import Workspace
from tests.conftest import batch_of

MONDAY = dt.datetime(2030, 3, 4, 10, 0, tzinfo=dt.UTC)  # a Monday
RULES = Rules(max_promotional_share=0.2, min_gap=dt.timedelta(hours=3), default_cadence=5)


def day(n: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return MONDAY + dt.timedelta(days=n, hours=hour - 10, minutes=minute)


def post(at: dt.datetime, *, promotion: bool = False) -> Known:
    return Known(at, promotion, "planned post")


def test_a_post_that_keeps_every_rule_passes() -> None:
    others = [post(day(0)), post(day(2))]
    assert check(at=day(4), promotion=False, others=others, rules=RULES) == ()


def test_the_promotion_ceiling_names_the_counts_and_the_share() -> None:
    others = [post(day(0), promotion=True), post(day(1)), post(day(2)), post(day(3))]
    breaks = check(at=day(4), promotion=True, others=others, rules=RULES)
    assert [b.rule for b in breaks] == ["promotion_ceiling"]
    assert breaks[0].reason == (
        "this would make 2 of 5 posts in the week of 2030-03-04 promotions (40 %), over your "
        "ceiling of 20 % (targets.max_promotional_share)"
    )
    # one promotion in a week planned for five posts is 20 %: allowed, even as its first post
    assert check(at=day(0), promotion=True, others=[], rules=RULES) == ()


def test_the_cadence_counts_the_week_in_the_workspace_zone() -> None:
    others = [post(day(n)) for n in range(5)]
    breaks = check(at=day(5), promotion=False, others=others, rules=RULES)
    assert [b.rule for b in breaks] == ["cadence"]
    assert breaks[0].reason == (
        "already 5 posts published or planned in the week of 2030-03-04; your cadence is 5 a week"
    )
    # Sunday 23:30 UTC is already next Monday in Paris: another week there
    sunday_late = day(6, hour=23, minute=30)
    assert check(at=sunday_late, promotion=False, others=others, rules=RULES)
    paris = Rules(max_promotional_share=0.2, min_gap=dt.timedelta(0), zone="Europe/Paris",
                  default_cadence=5)  # fmt: skip
    assert check(at=sunday_late, promotion=False, others=others, rules=paris) == ()


def test_the_gap_names_both_times() -> None:
    breaks = check(at=day(1, 10, 30), promotion=False, others=[post(day(1))], rules=RULES)
    assert [b.rule for b in breaks] == ["gap"]
    assert breaks[0].reason == (
        "posts at 10:00 (planned post) and 10:30: closer than your gap of 3 h "
        "(targets.min_gap_hours)"
    )
    assert check(at=day(1, 13), promotion=False, others=[post(day(1))], rules=RULES) == ()


def test_the_rules_count_own_posts_of_the_store_and_planned_posts(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    ws.create()
    ws.config_path.write_text(
        "[targets]\nposts_per_week = 3\nmax_promotional_share = 0.34\nmin_gap_hours = 2\n",
        "utf-8",
    )
    rows = {
        "accounts": [
            {"account_id": "bluesky:did:plc:shop", "platform": "bluesky", "handle": "shop.test",
             "role": "own"},
            {"account_id": "bluesky:did:plc:rival", "platform": "bluesky",
             "handle": "rival.test", "role": "competitor"},
        ],
        "posts": [
            {"post_id": "bluesky:at://did:plc:shop/app.bsky.feed.post/1",
             "account_id": "bluesky:did:plc:shop", "created_at": day(0).isoformat(),
             "text": "Two for one today", "content_kind": "promo"},
            {"post_id": "bluesky:at://did:plc:rival/app.bsky.feed.post/2",
             "account_id": "bluesky:did:plc:rival", "created_at": day(1).isoformat(),
             "text": "Theirs, not counted"},
        ],
    }  # fmt: skip
    with ws.session(read_only=False, create=True) as session:
        session.store.apply(batch_of(rows))
        planned = insert_post(
            session.store, platform="bluesky", connection_id=None, text="Our week", links=(),
            scheduled_at=day(2), key="3aaaaaaaaaaaa", kind=None, promotion=False,
            created_by="ann", slot=None, now=day(-7),
        )  # fmt: skip
        update_post(session.store, planned.id, now=day(-7), state="scheduled")
    with ws.session() as session:
        others = known_posts(session)
        rules = rules_of(session, around=day(3))
    assert sorted((k.at, k.promotion) for k in others) == [(day(0), True), (day(2), False)]
    assert rules.min_gap == dt.timedelta(hours=2) and rules.cadence(day(0).date()) == 3
    breaks = check(at=day(2, 11), promotion=True, others=others, rules=rules)
    assert {b.rule: b.reason for b in breaks} == {
        "promotion_ceiling": "this would make 2 of 3 posts in the week of 2030-03-04 "
        "promotions (67 %), over your ceiling of 34 % (targets.max_promotional_share)",
        "gap": f"posts at 10:00 (planned post {planned.id}) and 11:00: closer than your gap "
        "of 2 h (targets.min_gap_hours)",
    }
    assert check(at=day(4), promotion=False, others=others, rules=rules) == ()  # 3 of 3
    fuller = [*others, Known(day(3), False, "planned post")]
    assert [b.rule for b in check(at=day(4), promotion=False, others=fuller, rules=rules)] == [
        "cadence"
    ]
