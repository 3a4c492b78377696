"""The daily care list on a hand-built store whose answers are known, and on the demo world.

The data ends on 30 June 2024 at 12:00 (a repost by V), where every window ends; ``today``
is that moment too, so "3 days ago" is exact. Who must be on the list:

* answer, oldest first, questions first within a day: C (10 days ago), A (a question, 3
  days ago at 12:00), B (a reply 3 days ago at 09:00: earlier, but not a question),
  M (Mastodon, 2 days ago), Q (Bluesky, 1 day ago). D was answered; E's reply is 40 days old
  (counted, not listed);
* welcome: N (first seen 5 days ago, two likes); not O (one like), not P (first engaged
  100 days ago);
* re-engage: R (core: active in three weeks between 80 and 45 days ago, quiet since);
* thank: V then W (advocates by love score: 10 and 6 recent reposts).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rapport.canonical import Batch
from rapport.config import CareSettings, Config
from rapport.errors import UsageError
from rapport.session import Session
from rapport.simulate import WorldParams
from rapport.store import Store
from rapport.strategy.care_list import CareList, care_list, item_id, mark_done
from rapport.strategy.care_list.text import excerpt, item_link, person_link, post_link
from tests.conftest import batch_of
from tests.worlds import simulated

END = dt.datetime(2024, 6, 30, 12, tzinfo=dt.UTC)
ME, MASTO, BSKY = "x:1", "mastodon:https://bakery.social/users/crumb", "bluesky:did:plc:bakery"
M_REPLY = "mastodon:https://social.example/users/m/statuses/77"
Q_REPLY = "bluesky:at://did:plc:qqq/app.bsky.feed.post/3kq2abc"
BIG = Config(care=CareSettings(minutes_per_day=1000))


def _at(days: float, hours: float = 0) -> str:
    moment = END - dt.timedelta(days=days, hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _act(
    iid: str,
    kind: str,
    person: str,
    when: str,
    *,
    account: str = ME,
    text: str | None = None,
    post: str | None = "x:500",
) -> dict[str, Any]:
    return {
        "interaction_id": iid,
        "platform": iid.split(":", 1)[0],
        "kind": kind,
        "person_id": person,
        "account_id": account,
        "post_id": post,
        "occurred_at": when,
        "text": text,
    }


def _people() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"person_id": f"x:{n}", "platform": "x", "handle": h}
        for n, h in [(101, "ana"), (102, "ben"), (103, "cat"), (104, "dan"), (105, "eve")]
    ]
    rows += [
        {"person_id": "x:110", "platform": "x", "handle": "newbie", "url": "https://x.com/newbie"},
        {"person_id": "x:111", "platform": "x", "handle": "once"},
        {"person_id": "x:112", "platform": "x", "handle": "pat"},
        {"person_id": "x:120", "platform": "x", "handle": "rita"},
        {"person_id": "x:130", "platform": "x"},
        {"person_id": "x:131", "platform": "x", "handle": "wes"},
        {"person_id": "mastodon:https://social.example/users/m", "platform": "mastodon"},
        {"person_id": "bluesky:did:plc:qqq", "platform": "bluesky", "handle": "q.bsky.social"},
    ]
    return rows


def _data() -> dict[str, list[dict[str, Any]]]:
    acts = [
        _act("x:2001", "reply", "x:103", _at(10), text="When do you open on Sundays?"),
        _act("x:2002", "reply", "x:101", _at(3), text="Do you ship to Leeds?"),
        _act("x:2003", "reply", "x:102", _at(3, 3), text="Lovely crumb on that one"),
        _act("x:2004", "reply", "x:104", _at(5), text="Is it vegan?"),
        _act("x:2005", "reply", "x:105", _at(40), text="Nice"),
        _act(M_REPLY, "mention", "mastodon:https://social.example/users/m", _at(2),
             account=MASTO, text="@crumb your rye is the best in town", post=None),
        _act(Q_REPLY, "reply", "bluesky:did:plc:qqq", _at(1), account=BSKY, text="yum",
             post=None),
        # newcomers
        _act("x:3001", "like", "x:110", _at(5)),
        _act("x:3002", "like", "x:110", _at(4)),
        _act("x:3003", "like", "x:111", _at(4)),
        _act("x:3004", "like", "x:112", _at(100)),
        _act("x:3005", "like", "x:112", _at(3)),
        _act("x:3006", "like", "x:112", _at(2)),
        # a core member who went quiet
        _act("x:3010", "like", "x:120", _at(80)),
        _act("x:3011", "repost", "x:120", _at(70)),
        _act("x:3012", "like", "x:120", _at(45)),
        # advocates, known for two months
        _act("x:3020", "like", "x:130", _at(60)),
        _act("x:3021", "like", "x:131", _at(60)),
    ]  # fmt: skip
    acts += [_act(f"x:40{i:02d}", "repost", "x:130", _at(i)) for i in range(10)]
    acts += [_act(f"x:41{i:02d}", "repost", "x:131", _at(i + 0.5)) for i in range(6)]
    return {
        "accounts": [
            {"account_id": ME, "platform": "x", "handle": "bakery", "role": "own"},
            {"account_id": MASTO, "platform": "mastodon", "handle": "crumb", "role": "own"},
            {"account_id": BSKY, "platform": "bluesky", "handle": "bakery.bsky", "role": "own"},
        ],
        "people": _people(),
        "posts": [
            {"post_id": "x:500", "account_id": ME, "created_at": _at(120)},
            {
                "post_id": "x:501",
                "account_id": ME,
                "created_at": _at(4),
                "in_reply_to_id": "x:2004",
            },
        ],
        "interactions": acts,
    }


@pytest.fixture
def store(fresh_store: Store) -> Store:
    fresh_store.apply(batch_of(_data()))
    return fresh_store


def _who(listing: CareList) -> list[tuple[str, str | None]]:
    return [(item.action, item.handle or item.person) for item in listing.items]


def test_everyone_who_needs_care_is_listed_in_priority_order(store: Store) -> None:
    listing = care_list(Session.over(store, config=BIG), today=END)
    assert _who(listing) == [
        ("answer", "cat"),
        ("answer", "ana"),
        ("answer", "ben"),
        ("answer", "mastodon:https://social.example/users/m"),
        ("answer", "q.bsky.social"),
        ("welcome", "newbie"),
        ("re_engage", "rita"),
        ("thank", "x:130"),
        ("thank", "wes"),
    ]
    assert listing.left_over == []
    assert any("1 reply older than 30 days" in note for note in listing.notes)


def test_reasons_say_what_happened_with_the_numbers(store: Store) -> None:
    items = {
        item.handle: item for item in care_list(Session.over(store, config=BIG), today=END).items
    }
    assert items["ana"].reason == "asked 'Do you ship to Leeds?' 3 days ago, no answer yet"
    assert items["ben"].reason.startswith("replied 'Lovely crumb on that one' 3 days ago")
    assert items["newbie"].reason == (
        "new here: first engaged 5 days ago; 2 engagements in the last 14 days (2 likes)"
    )
    assert "quiet for 45 days (last on 2024-05-16" in items["rita"].reason
    assert items["rita"].reason.startswith("core member: engaged in 3 weeks of the last 90 days")
    assert items["wes"].reason.startswith("advocate: love score ")
    assert "7 engagements" in items["wes"].reason


def test_links_are_built_per_platform(store: Store) -> None:
    items = {
        item.target: item for item in care_list(Session.over(store, config=BIG), today=END).items
    }
    assert items["x:2001"].link == "https://x.com/i/web/status/2001"
    assert items[M_REPLY].link == "https://social.example/users/m/statuses/77"
    assert items[Q_REPLY].link == "https://bsky.app/profile/did:plc:qqq/post/3kq2abc"
    by_handle = {item.handle or item.person: item for item in items.values()}
    assert by_handle["newbie"].link == "https://x.com/newbie"  # people.url
    assert by_handle["rita"].link == "https://x.com/rita"  # from the handle
    assert by_handle["x:130"].link == "https://x.com/i/user/130"  # from the id alone


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("x:1790000000000000001", "https://x.com/i/web/status/1790000000000000001"),
        ("mastodon:https://o3o.ca/users/a/statuses/9", "https://o3o.ca/users/a/statuses/9"),
        ("bluesky:at://did:plc:abc/app.bsky.feed.post/3jt6w", "https://bsky.app/profile/did:plc:abc/post/3jt6w"),
        ("bluesky:at://did:plc:abc/app.bsky.feed.like/3jt6w", None),
        ("facebook:123_456", None),
        ("other:javascript:alert(1)", None),
        ("web:https://blog.example/comments/4", "https://blog.example/comments/4"),
    ],
)  # fmt: skip
def test_post_links(item: str, expected: str | None) -> None:
    assert post_link(item) == expected


def test_person_links_and_the_null_case() -> None:
    assert person_link("facebook:9", url="https://facebook.com/p9", handle=None) == (
        "https://facebook.com/p9"
    )
    assert person_link("bluesky:did:plc:z", url=None, handle="z.bsky") == (
        "https://bsky.app/profile/did:plc:z"
    )
    assert person_link("facebook:9", url="javascript:alert(1)", handle=None) is None
    assert item_link("facebook:123_456", person_id="facebook:9") is None
    assert item_link("facebook:1_2", post_url="https://facebook.com/1_2") == (
        "https://facebook.com/1_2"
    )


def test_reasons_quote_only_a_short_excerpt() -> None:
    long = "I have been coming here for years and " * 5
    short = excerpt(long)
    assert short is not None and len(short) <= 40 and short.endswith("…")
    assert excerpt("  two\nlines  ") == "two lines"
    assert excerpt("   ") is None


def test_the_list_fits_in_the_daily_minutes(store: Store) -> None:
    config = Config(care=CareSettings(minutes_per_day=10))
    listing = care_list(Session.over(store, config=config), today=END)
    everything = care_list(Session.over(store, config=BIG), today=END).items
    assert listing.minutes <= 10
    # answers 3 min, welcome 2, re-engage 4, thanks 1.5: two answers (the oldest), the reserved
    # welcome, then the first thank-you fits in what is left
    assert _who(listing) == [
        ("answer", "cat"), ("answer", "ana"), ("welcome", "newbie"), ("thank", "x:130"),
    ]  # fmt: skip
    assert listing.minutes == 9.5
    assert {i.id for i in listing.items} | {i.id for i in listing.left_over} == {
        i.id for i in everything
    }
    data = listing.to_dict()
    assert data["left_over"] == {
        "items": 5,
        "minutes": 3 * 3 + 4 + 1.5,
        "by_action": {"answer": 3, "re_engage": 1, "thank": 1},
    }
    assert data["notes"][0].startswith("5 more (14.5 min) did not fit in today's 10 minutes")


def test_to_dict_shape(store: Store) -> None:
    data = care_list(Session.over(store, config=BIG), today=END).to_dict()
    assert set(data) >= {"items", "minutes", "left_over", "notes", "data_end"}
    first = data["items"][0]
    assert set(first) >= {"id", "action", "person", "handle", "reason", "link", "minutes"}
    assert first["action"] in {"answer", "welcome", "thank", "re_engage"}
    assert data["minutes"] == sum(item["minutes"] for item in data["items"])
    assert data["data_end"] == "2024-06-30T12:00:00Z"


def test_ids_are_stable_across_runs_and_stores(store: Store, tmp_path: Path) -> None:
    first = [item.id for item in care_list(Session.over(store, config=BIG), today=END).items]
    again = [
        item.id
        for item in care_list(
            Session.over(store, config=BIG), today=END + dt.timedelta(hours=5)
        ).items
    ]
    with Store(tmp_path / "other.duckdb") as other:
        other.apply(batch_of(_data()))
        elsewhere = [
            item.id for item in care_list(Session.over(other, config=BIG), today=END).items
        ]
    assert first == again == elsewhere
    assert first[0] == item_id("answer", "x:2001")
    assert len(set(first)) == len(first)


def test_a_done_item_never_returns(store: Store, store_path: Path) -> None:
    listing = care_list(Session.over(store, config=BIG), today=END)
    cat, newbie = listing.items[0], listing.items[5]
    done = mark_done(Session.over(store, config=BIG), cat.id, today=END)
    assert done == cat
    mark_done(Session.over(store, config=BIG), newbie.id.upper(), today=END)
    ids = {item.id for item in care_list(Session.over(store, config=BIG), today=END).items}
    assert cat.id not in ids and newbie.id not in ids and len(ids) == len(listing.items) - 2
    rows = store.connection.execute("SELECT item_id, action, person_id FROM care_done").fetchall()
    assert sorted(rows) == sorted([(cat.id, "answer", "x:103"), (newbie.id, "welcome", "x:110")])

    store.apply(batch_of(_data()))  # a re-import of the same data
    store.close()
    with Store(store_path) as reopened:
        after = care_list(Session.over(reopened, config=BIG), today=END + dt.timedelta(days=1))
        assert cat.id not in {i.id for i in after.items + after.left_over}
        assert newbie.id not in {i.id for i in after.items + after.left_over}
        assert after.already_done == 2
        with pytest.raises(UsageError, match="already marked done on 2024-06-30"):
            mark_done(Session.over(reopened, config=BIG), cat.id)


def test_an_unknown_id_is_a_usage_error_naming_it(store: Store) -> None:
    before = store.connection.execute("SELECT count(*) FROM care_done").fetchall()[0]
    with pytest.raises(UsageError, match="'nope42': no such item on the care list"):
        mark_done(Session.over(store, config=BIG), "nope42")
    assert store.connection.execute("SELECT count(*) FROM care_done").fetchall()[0] == before


def test_a_person_is_listed_once_but_every_reply_is_answered(fresh_store: Store) -> None:
    data = _data()
    data["interactions"].append(  # wes, an advocate, also asked something: answer, not thank
        _act("x:2010", "reply", "x:131", _at(2), text="Any chance of spelt?")
    )
    data["interactions"].append(_act("x:2011", "reply", "x:103", _at(1), text="Thanks!"))
    fresh_store.apply(batch_of(data))
    who = _who(care_list(Session.over(fresh_store, config=BIG), today=END))
    assert ("answer", "wes") in who and ("thank", "wes") not in who
    assert who.count(("answer", "cat")) == 2


def test_an_empty_store_gives_an_empty_list_with_the_reason(fresh_store: Store) -> None:
    listing = care_list(Session.over(fresh_store, config=Config()))
    assert listing.items == [] and "import your data first" in listing.notes[0]


# -- the demo world -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    world = simulated(WorldParams(people=3000, days=120, seed=3))
    with Store(tmp_path_factory.mktemp("care") / "rapport.duckdb") as store:
        store.apply(Batch.from_tables(world.tables, source="synthetic", origin="t"))
        yield store


def test_the_demo_care_list(demo: Store) -> None:
    (end,) = demo.connection.execute(
        "SELECT strftime(max(occurred_at), '%Y-%m-%dT%H:%M:%S') FROM interactions"
    ).fetchall()[0]
    end = dt.datetime.fromisoformat(end).replace(tzinfo=dt.UTC)
    config = Config()
    listing = care_list(Session.over(demo, config=config), today=end)
    assert listing.items, listing.notes
    assert 0 < listing.minutes <= config.care.minutes_per_day
    assert {item.action for item in listing.items} == {"answer", "welcome", "re_engage", "thank"}
    answers = [item.target for item in listing.items if item.action == "answer"]
    answered = demo.connection.execute(
        """
        SELECT i.interaction_id, i.kind, a.role,
               EXISTS (SELECT 1 FROM posts p JOIN accounts o ON p.account_id = o.account_id
                       WHERE o.role = 'own' AND p.in_reply_to_id = i.interaction_id)
        FROM interactions i JOIN accounts a ON i.account_id = a.account_id
        WHERE i.interaction_id IN (SELECT unnest(?))
        """,
        [answers],
    ).fetchall()
    assert len(answered) == len(answers)
    assert all(kind in {"reply", "mention"} and role == "own" and not was for _, kind, role, was
               in answered)  # fmt: skip
    times = [item.at for item in listing.items if item.action == "answer"]
    assert [t.date() for t in times] == sorted(t.date() for t in times)
    assert all(item.link and item.link.startswith("https://") for item in listing.items)


def test_a_done_item_stays_done_on_the_demo(demo: Store) -> None:
    listing = care_list(Session.over(demo, config=Config()))
    first = listing.items[0]
    mark_done(Session.over(demo, config=Config()), first.id)
    again = care_list(Session.over(demo, config=Config()))
    assert first.id not in {item.id for item in again.items + again.left_over}
    assert dataclasses.asdict(again.items[0]) != dataclasses.asdict(first)
