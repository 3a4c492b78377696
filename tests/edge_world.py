"""A small hand-built data set full of the cases where two engines could disagree.

The parity suite (tests/test_spark_parity.py) runs every metric on it on DuckDB and on Spark.
What it holds, and why:

- **Time zones and DST.** The workspace reads times in Europe/Paris. Posts and replies sit on
  both 2026 changes: 29 March (02:00 CET → 03:00 CEST: 00:30Z is 01:30 local, 01:30Z is
  03:30) and 25 October (03:00 CEST → 02:00 CET: 00:30Z and 01:30Z are both 02:30 local).
  Weekly posts keep their local hour across the change, so their UTC hour moves.
- **Week boundaries.** One person engages on Sunday 23:59:59.999999 and on Monday 00:00:00
  (two calendar weeks); another on Monday 10:00 and the next Monday 09:00 (two calendar
  weeks, less than seven days apart: DuckDB's ``delta(unit="week")`` says 1, Spark's 0); a
  third twice within one week (Monday 00:00 and Sunday 23:59:59).
- **Sub-second times**, which a plain ``unix_timestamp`` would drop.
- **Ties.** Educational posts (Mondays 09:xx local) and questions (Tuesdays 14:xx local)
  have the same five engagement rates in a different order, so the best content kind, the
  best hour and the best weekday are each a tie of two candidates whose means are equal
  mathematically (and, summed in another order, perhaps not to the last bit).
- **Empty groups.** An own account with nothing at all; kinds and hours with fewer posts
  than a comparison takes; posts without a denominator (a Mastodon account without
  post_stats); a month with no engagement.
- **Nulls** in every optional column that a metric reads: a latest like count, reposts,
  texts, handles, bios, interaction times, anonymous people, conversion values, currencies.
- **Ids beyond 2^53** (X snowflakes, 2^53 and 2^53 + 1 as two people, 2^64 − 1): kept as
  text, so two ids that one float would merge stay two people.
- **Non-BMP text**: emoji and mathematical letters (𝔘𝔫𝔦𝔠𝔬𝔡𝔢) in posts, replies, handles
  and bios.
- **Several platforms and accounts**: own accounts on X, Mastodon, Bluesky and LinkedIn; a
  competitor on X whose rows no own metric may count.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rapport.config import Config, Goal

__all__ = ["EDGE_AUDIENCE", "EDGE_ZONE", "edge_config", "edge_world"]

EDGE_ZONE = "Europe/Paris"
EDGE_AUDIENCE = "Home bakers who bake sourdough bread and pastry"

ME = "x:me"
TOOT = "mastodon:bakery@bakers.social"
SKY = "bluesky:did:plc:bakery42"
QUIET = "linkedin:urn:li:organization:42"  # an own account with no rows at all
RIVAL = "x:rival"

BIG = 9_007_199_254_740_992  # 2^53: as floats, BIG and BIG + 1 are one number
PEOPLE_IDS = {
    "ana": f"x:{BIG}",
    "ben": f"x:{BIG + 1}",
    "cyd": "x:18446744073709551615",  # 2^64 − 1
    "dee": "x:dee",
    "eve": "x:1234567890123456789",
    "fay": "x:fay",
    "gus": "x:gus",
    "hal": "x:hal",
    "ivy": "mastodon:ivy@bakers.social",
    "jon": "mastodon:jon@other.example",
    "kim": "bluesky:did:plc:kim",
    "lou": "x:lou",
}


def edge_config() -> Config:
    """The workspace's settings: Paris time and a target audience (bios are scored)."""
    return Config(timezone=EDGE_ZONE, goal=Goal(target_audience=EDGE_AUDIENCE))


def _z(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _paris(text: str) -> dt.datetime:
    """A wall-clock time in Paris (``YYYY-MM-DD HH:MM``) as an aware datetime."""
    from zoneinfo import ZoneInfo

    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(EDGE_ZONE))


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _post_id(n: int) -> str:
    return f"x:{2_036_000_000_000_000_000 + n}"  # snowflakes far beyond 2^53


# The five (likes, reposts, replies, quotes, reach) of the tied groups: rates 4/11, 2/21,
# 1/31, 1 and 1/3, whose sum as doubles depends on the order they are added in (…211 in this
# order, …216 in the questions' order), so an engine can find the tied means unequal.
_TIED = [(2, 1, 1, 0, 11), (1, 1, 0, 0, 21), (1, 0, 0, 0, 31), (1, 1, 1, 0, 3), (1, 0, 0, 0, 3)]
_EDUCATIONAL_DAYS = ["2026-03-23", "2026-03-30", "2026-06-01", "2026-10-19", "2026-10-26"]
_QUESTION_DAYS = ["2026-03-24", "2026-03-31", "2026-06-02", "2026-10-20", "2026-10-27"]
_PROMO_DAYS = ["2026-03-25", "2026-04-01", "2026-06-03", "2026-10-21", "2026-10-28"]


def _x_posts() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """X posts of the own account, and their post_stats (two observations each)."""
    posts: list[dict[str, Any]] = []
    stats: list[dict[str, Any]] = []
    texts = {
        "educational": "How to feed a starter 🍞 in 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 steps",
        "question": "What flour do you use? 🤔",
        "promo": "20 % off croissants this week 🥐 order now",
    }

    def add(
        n: int, at: dt.datetime, kind: str | None, counts: tuple[Any, ...], **more: Any
    ) -> None:
        posts.append(
            {
                "post_id": _post_id(n),
                "account_id": ME,
                "created_at": _z(at),
                "content_kind": kind,
                "text": texts.get(kind or "", more.pop("text", None)),
                "format": more.pop("format", "text"),
                "hashtags": more.pop("hashtags", ["sourdough", "🍞"]),
                **more,
            }
        )
        likes, reposts, replies, quotes, reach = counts
        early = at + dt.timedelta(hours=1)
        stats.append(
            {"post_id": _post_id(n), "observed_at": _z(early), "likes": 0, "reach": 1,
             "reposts": 0, "replies": 0, "quotes": 0}
        )  # fmt: skip
        stats.append(
            {"post_id": _post_id(n), "observed_at": _z(at + dt.timedelta(days=3)),
             "likes": likes, "reposts": reposts, "replies": replies, "quotes": quotes,
             "reach": reach, "impressions": None if reach is None else reach * 3}
        )  # fmt: skip

    for i, day in enumerate(_EDUCATIONAL_DAYS):
        add(i, _paris(f"{day} 09:{15 + i:02d}"), "educational", _TIED[i])
    for i, day in enumerate(_QUESTION_DAYS):  # the same rates, added up in another order
        add(10 + i, _paris(f"{day} 14:{40 + i:02d}"), "question", _TIED[(2, 4, 3, 0, 1)[i]])
    for i, day in enumerate(_PROMO_DAYS):
        add(20 + i, _paris(f"{day} 11:00"), "promo", (1, 0, 0, 0, 20 + i))
    # on the DST changes: 01:30 and 03:30 local in March, 02:30 twice in October
    add(30, _utc("2026-03-29 00:30:00"), "news", (3, 0, 0, 0, 10))
    add(31, _utc("2026-03-29 01:30:00.250000"), "news", (1, 0, 0, 0, 10))
    add(32, _utc("2026-10-25 00:30:00"), None, (2, 0, 0, 0, 10), text="Behind the scenes 📸")
    add(33, _utc("2026-10-25 01:30:00"), None, (0, 0, 0, 0, 0), text=None, hashtags=None)
    # a latest observation without a like count, reposts unknown: no engagement to rate
    add(34, _utc("2026-07-14 10:00:00"), "throwback", (None, None, None, None, 50))
    # a repost and a reply by the account are not original posts
    posts.append({"post_id": _post_id(40), "account_id": ME, "created_at": "2026-05-01T10:00:00Z",
                  "repost_of": "x:999", "text": None})  # fmt: skip
    return posts, stats


def _person(key: str, bio: str | None, **more: Any) -> dict[str, Any]:
    person_id = PEOPLE_IDS[key]
    return {
        "person_id": person_id,
        "platform": person_id.split(":", 1)[0],
        "handle": more.pop("handle", key),
        "bio": bio,
        **more,
    }


_n = 0


def _act(
    kind: str,
    who: str | None,
    when: str | None,
    *,
    account: str = ME,
    post: str | None = None,
    text: str | None = None,
    iid: str | None = None,
) -> dict[str, Any]:
    global _n
    _n += 1
    platform = account.split(":", 1)[0]
    return {
        "interaction_id": iid or f"{platform}:i{_n:04d}",
        "platform": platform,
        "kind": kind,
        "person_id": PEOPLE_IDS[who] if who else None,
        "account_id": account,
        "post_id": post,
        "occurred_at": when,
        "text": text,
    }


def _timed_engagement() -> list[dict[str, Any]]:
    """Likes, reposts and replies with times after the posts, for the half-life (each post
    at least five), some more than a week after posting, some with microseconds."""
    rows = []
    delays_hours = [0.25, 1.5, 3.999999, 30, 200, 400.5]  # 200 h and 400.5 h: after a week
    people = ["ana", "ben", "cyd", "dee", "eve", "fay"]
    for n, start in ((0, "2026-03-23 08:15:00"), (10, "2026-03-24 13:40:00"),
                     (20, "2026-03-25 10:00:00"), (30, "2026-03-29 00:30:00")):  # fmt: skip
        base = _utc(start)
        for j, (hours, who) in enumerate(zip(delays_hours, people, strict=True)):
            kind = ("like", "repost", "reply", "like", "quote", "like")[j]
            moment = base + dt.timedelta(hours=hours)
            rows.append(_act(kind, who, _z(moment), post=_post_id(n)))
    return rows


def edge_world() -> dict[str, list[dict[str, Any]]]:
    """The edge-case data set as canonical rows by table (see the module's docstring)."""
    global _n
    _n = 0
    x_posts, x_stats = _x_posts()
    accounts = [
        {"account_id": ME, "platform": "x", "handle": "me", "role": "own",
         "display_name": "La Boulange 🥖", "followers": 1200},
        {"account_id": TOOT, "platform": "mastodon", "handle": "bakery@bakers.social",
         "role": "own", "display_name": "𝔅𝔞𝔨𝔢𝔯𝔶", "followers": None},
        {"account_id": SKY, "platform": "bluesky", "handle": "bakery.bsky.social", "role": "own"},
        {"account_id": QUIET, "platform": "linkedin", "handle": "la-boulange", "role": "own"},
        {"account_id": RIVAL, "platform": "x", "handle": "rival", "role": "competitor",
         "followers": 5000},
    ]  # fmt: skip
    people = [
        _person("ana", "Home baker, sourdough every weekend 🍞", followers=120),
        _person("ben", "Pastry chef and bread lover 🥐"),
        _person("cyd", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 enthusiast, crypto and cars 🚗", handle=None),
        _person("dee", None),
        _person("eve", "Sourdough bread baking at home, pastry on Sundays"),
        _person("fay", "Football 24/7 ⚽"),
        _person("gus", "I bake bread at home 🍞"),
        _person("hal", None, handle="hal😀"),
        _person("ivy", "Baker. Sourdough. Pastry. 🧁"),
        _person("jon", "Photographer"),
        _person("kim", "Home baking and sourdough bread"),
        _person("lou", "Travel"),
    ]
    posts = [
        *x_posts,
        # answers by the own accounts (in_reply_to_id: the interaction answered)
        {"post_id": _post_id(50), "account_id": ME, "created_at": "2026-03-29T01:30:00Z",
         "in_reply_to_id": "x:r-dst", "text": "Yes! 🍞"},  # 1 h after, across the change
        {"post_id": _post_id(51), "account_id": ME, "created_at": "2026-03-24T16:10:30.5Z",
         "in_reply_to_id": "x:r-q1", "text": "Rye 🌾"},
        {"post_id": _post_id(52), "account_id": ME, "created_at": "2026-06-03T12:00:00Z",
         "in_reply_to_id": "x:r-q2", "text": "Merci"},
        {"post_id": _post_id(53), "account_id": ME, "created_at": "2026-06-04T12:00:00Z",
         "in_reply_to_id": "x:r-q2", "text": "(a second answer: the first one counts)"},
        {"post_id": "mastodon:200", "account_id": TOOT, "created_at": "2026-10-25T02:05:00Z",
         "in_reply_to_id": "mastodon:r-m1", "text": "Bien sûr 😊"},
        # Mastodon originals: no post_stats, so no reach to rate them by
        {"post_id": "mastodon:101", "account_id": TOOT, "created_at": "2026-04-06T08:00:00Z",
         "content_kind": "educational", "text": "Starter care 🍞"},
        {"post_id": "mastodon:102", "account_id": TOOT, "created_at": "2026-10-25T01:00:00Z",
         "content_kind": "question", "text": "Croissant or pain au chocolat? 🥐"},
        {"post_id": "mastodon:103", "account_id": TOOT, "created_at": "2026-08-15T12:00:00Z",
         "text": "Closed for the holiday, see you soon"},
        # Bluesky, with stats of its own
        {"post_id": "bluesky:at://did:plc:bakery42/app.bsky.feed.post/3kxyz",
         "account_id": SKY, "created_at": "2026-09-03T16:00:00Z", "content_kind": "promo",
         "text": "Pre-order your galette 👑"},
        # the competitor posts too: no own metric counts it
        {"post_id": "x:777", "account_id": RIVAL, "created_at": "2026-10-01T10:00:00Z",
         "content_kind": "promo", "text": "Our bread is better"},
    ]  # fmt: skip
    post_stats = [
        *x_stats,
        {"post_id": "bluesky:at://did:plc:bakery42/app.bsky.feed.post/3kxyz",
         "observed_at": "2026-09-05T00:00:00Z", "likes": 4, "reposts": 1, "replies": None,
         "quotes": 0, "reach": 30},
        {"post_id": "x:777", "observed_at": "2026-10-05T00:00:00Z", "likes": 90, "reach": 100},
    ]  # fmt: skip
    a = _act
    interactions = [
        *_timed_engagement(),
        # week boundaries (UTC calendar weeks, Monday to Sunday)
        a("like", "ana", "2026-03-29T23:59:59.999999Z", post=_post_id(30)),  # Sunday
        a("like", "ana", "2026-03-30T00:00:00Z", post=_post_id(1)),  # Monday: a new week
        a("like", "ben", "2026-03-30T10:00:00Z", post=_post_id(1)),  # Monday 10:00
        a("repost", "ben", "2026-04-06T09:00:00Z", post=_post_id(1)),  # next Monday 09:00
        a("like", "gus", "2026-04-06T00:00:00Z", post=_post_id(1)),  # Monday 00:00 and
        a("like", "gus", "2026-04-12T23:59:59Z", post=_post_id(11)),  # Sunday: one week
        # replies and mentions, some answered, some questions, some with non-BMP text
        a("reply", "ana", "2026-03-29T00:30:00Z", post=_post_id(30),
          text="Is it open at 2 am on the night the clocks change? 🕑", iid="x:r-dst"),
        a("reply", "cyd", "2026-03-24T14:00:00Z", post=_post_id(10),
          text="Rye or 𝔰𝔭𝔢𝔩𝔱? ", iid="x:r-q1"),
        a("reply", "dee", "2026-06-02T13:00:00Z", post=_post_id(12),
          text="Do you ship to Lyon?", iid="x:r-q2"),
        a("reply", "eve", "2026-06-02T15:00:00Z", post=_post_id(12), text="T65 😀"),
        a("mention", "fay", "2026-05-10T09:00:00Z", text="@me 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 rocks ⚽"),
        a("mention", "hal", "2026-07-01T09:00:00Z", text=None),  # no text: asks nothing
        a("reply", None, "2026-07-02T09:00:00Z", post=_post_id(2), text="anonymous?"),
        a("reply", "lou", None, post=_post_id(2), text="no time given?"),
        a("reply", "ivy", "2026-10-25T00:45:00Z", account=TOOT, post="mastodon:102",
          text="Pain au chocolat, évidemment ! 🍫", iid="mastodon:r-m1"),
        a("reply", "jon", "2026-10-25T01:15:00Z", account=TOOT, post="mastodon:102",
          text="Chocolatine?"),
        a("quote", "kim", "2026-09-03T18:00:00Z", account=SKY,
          post="bluesky:at://did:plc:bakery42/app.bsky.feed.post/3kxyz", text="Want 👑!"),
        # people coming back within 60 days of their first reply, or not
        a("like", "cyd", "2026-04-10T10:00:00Z", post=_post_id(11)),
        a("like", "dee", "2026-07-20T10:00:00Z", post=_post_id(34)),
        a("like", "fay", "2026-09-20T10:00:00Z", post=_post_id(4)),  # more than 60 days on
        # more engagement across months, platforms and accounts
        a("like", "ivy", "2026-04-06T09:00:00Z", account=TOOT, post="mastodon:101"),
        a("repost", "ivy", "2026-05-06T09:00:00Z", account=TOOT, post="mastodon:101"),
        a("like", "jon", "2026-10-25T01:05:00Z", account=TOOT, post="mastodon:102"),
        a("like", "kim", "2026-09-03T17:00:00Z", account=SKY,
          post="bluesky:at://did:plc:bakery42/app.bsky.feed.post/3kxyz"),
        a("like", None, "2026-09-02T08:00:00Z", post=_post_id(3)),  # anonymous
        a("like", "lou", None, post=_post_id(3)),  # no time
        a("save", "eve", "2026-10-19T12:00:00Z", post=_post_id(3)),
        a("share", "hal", "2026-10-26T12:00:00Z", post=_post_id(4)),
        a("click", "hal", "2026-10-26T12:01:00Z", post=_post_id(4)),  # not engagement
        a("view", "lou", "2026-10-26T12:02:00Z", post=_post_id(4)),
        # follows and unfollows (retention after 30 and 90 days; unfollows after posts)
        a("follow", "ana", "2026-03-01T10:00:00Z"),
        a("follow", "ben", "2026-03-02T10:00:00Z"),
        a("unfollow", "ben", "2026-03-20T10:00:00Z"),  # within 30 days
        a("follow", "cyd", "2026-04-01T10:00:00Z"),
        a("unfollow", "cyd", "2026-06-15T10:00:00Z"),  # within 90 days, after 30
        a("follow", "dee", "2026-07-01T10:00:00Z"),
        a("follow", None, "2026-07-02T10:00:00Z"),  # anonymous: not a follower to follow
        a("follow", "eve", "2026-10-30T10:00:00Z"),  # too recent to judge
        a("unfollow", "fay", "2026-03-25T20:00:00Z"),  # 10 h after a promotion
        a("unfollow", "gus", "2026-04-02T08:00:00Z"),  # 23 h after a promotion
        a("unfollow", "hal", "2026-03-24T20:00:00Z"),  # 7 h after a question
        a("unfollow", "lou", "2026-06-01T08:00:00.5Z"),  # 45 min after an educational post
        a("unfollow", "jon", None),  # no time
        a("follow", "kim", "2026-05-01T10:00:00Z", account=SKY),
        a("unfollow", "kim", "2026-05-31T09:59:59Z", account=SKY),  # 1 s inside 30 days
        # the competitor's audience: never counted for the own accounts
        a("like", "ana", "2026-10-01T11:00:00Z", account=RIVAL, post="x:777"),
        a("reply", "ben", "2026-10-01T12:00:00Z", account=RIVAL, post="x:777", text="Nope"),
        a("unfollow", "cyd", "2026-10-01T12:00:00Z", account=RIVAL),
        # the last moment in the data
        a("like", "eve", "2026-11-02T12:00:00Z", post=_post_id(24)),
    ]  # fmt: skip
    follower_counts = [
        {"account_id": ME, "observed_at": "2026-03-01T00:00:00Z", "followers": 1000},
        {"account_id": ME, "observed_at": "2026-03-29T01:00:00Z", "followers": 1100},
        {"account_id": ME, "observed_at": "2026-10-25T01:00:00Z", "followers": 1200},
        # Mastodon: one count after its posts (the first observation after is used)
        {"account_id": TOOT, "observed_at": "2026-10-30T00:00:00Z", "followers": 300},
        {"account_id": RIVAL, "observed_at": "2026-10-01T00:00:00Z", "followers": 5000},
    ]
    conversions = [
        {"conversion_id": "web:1", "occurred_at": "2026-03-25T12:00:00Z", "kind": "purchase",
         "value": 12.5, "currency": "EUR", "post_id": _post_id(20)},
        {"conversion_id": "web:2", "occurred_at": "2026-03-26T12:00:00Z", "kind": "purchase",
         "value": 0.1, "currency": "EUR", "post_id": _post_id(20)},
        {"conversion_id": "web:3", "occurred_at": "2026-04-01T12:00:00Z", "kind": "purchase",
         "value": 0.2, "currency": "EUR", "utm_content": _post_id(21)},
        {"conversion_id": "web:4", "occurred_at": "2026-06-01T12:00:00Z", "kind": "signup",
         "value": None, "currency": None},
        {"conversion_id": "web:5", "occurred_at": "2026-06-02T12:00:00Z", "kind": "purchase",
         "value": -12.5, "currency": "EUR", "post_id": _post_id(20)},  # a refund
        {"conversion_id": "shop:6", "occurred_at": "2026-10-28T23:59:59.999999Z",
         "kind": "lead", "person_id": PEOPLE_IDS["ben"], "landing_url": "https://ex.am/🍞"},
    ]  # fmt: skip
    return {
        "accounts": accounts,
        "people": people,
        "posts": posts,
        "interactions": interactions,
        "post_stats": post_stats,
        "follower_counts": follower_counts,
        "conversions": conversions,
    }
