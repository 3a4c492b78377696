"""From a finished run to the canonical tables (each cast to its exact Arrow schema)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from rapport.canonical.schema import arrow_schema
from rapport.simulate._arrow import ids, indices, join, strings, take
from rapport.simulate.competitors import CompetitorData
from rapport.simulate.content import OwnPostContent, own_post_content
from rapport.simulate.dynamics import DAY, INITIAL
from rapport.simulate.feed import unique_sorted
from rapport.simulate.log import CLICK, EVENT_KINDS, LIKE, QUOTE, REPLY, REPOST
from rapport.simulate.run import Run, Stream, stream
from rapport.simulate.text import THANKS_TEXTS, answer_text, people_strings, reply_text
from rapport.simulate.vocab import CONTENT_KINDS, TOPICS, topic_index

__all__ = ["OwnAccount", "build_tables"]

_US = 1_000_000


@dataclass(frozen=True)
class OwnAccount:
    account_id: str
    handle: str
    display_name: str
    domain: str


class _Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.start = start
        self.start_us = int(start.timestamp()) * _US

    def stamps(self, seconds: npt.ArrayLike) -> pa.Array[Any]:
        micros = indices(np.asarray(seconds, dtype=np.int64) * _US + self.start_us)
        return micros.cast(pa.timestamp("us", tz="UTC"))

    def at(self, seconds: int) -> dt.datetime:
        return self.start + dt.timedelta(seconds=int(seconds))


def _table(name: str, columns: Mapping[str, Any]) -> pa.Table:
    """A table of exactly ``arrow_schema(name)`` from arrays, numpy arrays or lists."""
    schema = arrow_schema(name)
    arrays: list[pa.Array[Any]] = []
    for spec in schema:
        values = columns[spec.name]
        if isinstance(values, pa.Array):
            arrays.append(values.cast(spec.type))
        else:
            arrays.append(pa.array(values, type=spec.type))
    relaxed = pa.schema([f.with_nullable(True) for f in schema])
    return pa.Table.from_arrays(arrays, schema=relaxed).cast(schema)


def _count_before(
    posts: npt.NDArray[np.integer], times: npt.NDArray[np.integer], cut: int, size: int
) -> npt.NDArray[np.int64]:
    mask = times < cut
    return np.bincount(posts[mask], minlength=size).astype(np.int64)


def build_tables(
    run: Run, own: OwnAccount, competitors: CompetitorData
) -> tuple[dict[str, pa.Table], list[OwnPostContent], pa.Table]:
    """The canonical tables, the own posts' content and the brand replies (for the truth)."""
    p = run.params
    clock = _Clock(p.start)
    topic = TOPICS[topic_index(p.brand_topic)]
    events = run.events.columns()
    order = np.argsort(events["time"], kind="stable")
    events = {key: value[order] for key, value in events.items()}
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    person = events["person"].astype(np.int64)
    kind = events["kind"].astype(np.int64)
    post = events["post"].astype(np.int64)
    answer = events["answer"].astype(np.int64)

    # people: everyone who did something, plus the followers from before the window
    initial = np.flatnonzero(run.state.channel == INITIAL)
    people = unique_sorted(np.concatenate([person, initial]))
    first_seen = np.full(run.audience.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_seen, person, events["time"])
    first_seen[initial] = 0
    handles, names, bios = people_strings(people, run.audience, stream(p, Stream.PEOPLE, 0))
    handle_list = handles.to_pylist()
    follower_counts = run.graph.follower_counts
    following = run.graph.following_counts.astype(np.int64) + run.state.follows
    tables: dict[str, pa.Table] = {}
    tables["people"] = _table("people", {
        "person_id": ids("synthetic:u", people), "platform": ["synthetic"] * len(people),
        "handle": handles, "display_name": names, "bio": bios,
        "followers": follower_counts[people], "following": following[people],
        "url": join("https://synthetic.example/@", handles),
        "first_seen_at": clock.stamps(first_seen[people]),
    })  # fmt: skip

    def handle_of(number: int) -> str:
        return str(handle_list[int(np.searchsorted(people, number))])

    # replies and the brand's answers
    replies = run.replies.columns()
    happened = replies["answer_time"] >= 0
    answer_numbers = np.flatnonzero(happened)
    text_rng = stream(p, Stream.TEXT, 0)
    answer_texts = [
        answer_text(
            handle=handle_of(int(replies["person"][i])),
            asked=bool(replies["asked"][i]),
            topic=topic,
            rng=text_rng,
        )
        for i in answer_numbers
    ]
    reply_ids = ids("synthetic:i", position[replies["row"]])
    truth_replies = pa.table({
        "interaction_id": reply_ids,
        "person": pa.array(replies["person"].astype(np.int64)),
        "post_id": ids("synthetic:p", replies["post"]),
        "asked": pa.array(replies["asked"]), "answered": pa.array(replies["answered"]),
        "happened": pa.array(happened),
        "answer_post_id": pc.if_else(pa.array(happened), ids("synthetic:r", np.arange(
            len(happened))), pa.scalar(None, pa.string())),
        "delay_hours": pa.array(replies["delay_hours"]),
    })  # fmt: skip

    # interactions
    n = len(kind)
    texts = np.full(n, None, dtype=object)
    kinds_of_post = run.kinds
    primary = run.audience.primary_topic
    for i in np.flatnonzero((kind == REPLY) | (kind == QUOTE)):
        if answer[i] >= 0:
            texts[i] = THANKS_TEXTS[int(text_rng.integers(0, len(THANKS_TEXTS)))]
            continue
        texts[i] = reply_text(
            post_kind=CONTENT_KINDS[int(kinds_of_post[post[i]])],
            asks=events["detail"][i] == 1,
            matched=events["detail"][i] != 2,
            person_topic=TOPICS[int(primary[person[i]])],
            brand_topic=topic,
            rng=text_rng,
        )
    own_post_id = pc.if_else(
        pa.array(post >= 0), ids("synthetic:p", post + 1), pa.scalar(None, pa.string())
    )
    answer_id = pc.if_else(
        pa.array(answer >= 0), ids("synthetic:r", answer), pa.scalar(None, pa.string())
    )
    tables["interactions"] = _table("interactions", {
        "interaction_id": ids("synthetic:i", np.arange(n)), "platform": ["synthetic"] * n,
        "kind": take(strings(EVENT_KINDS), kind),
        "person_id": ids("synthetic:u", person), "account_id": [own.account_id] * n,
        "post_id": pc.coalesce(own_post_id, answer_id), "occurred_at": clock.stamps(
            events["time"]), "text": pa.array(texts, type=pa.string()),
        "in_reply_to_id": answer_id, "actor_followers": follower_counts[person],
    })  # fmt: skip

    # posts: broadcasts, then answers
    content = _own_posts(run, own, clock)
    count = run.schedule.count
    post_rows: dict[str, list[object]] = {
        "post_id": [f"synthetic:p{i + 1}" for i in range(count)],
        "created_at": [clock.at(t) for t in run.schedule.time],
        "text": [c.text for c in content],
        "url": [f"https://synthetic.example/@{own.handle}/{i + 1}" for i in range(count)],
        "format": [c.format for c in content], "in_reply_to_id": [None] * count,
        "links": [[c.link.url] if c.link else [] for c in content],
        "hashtags": [c.hashtags for c in content],
        "content_kind": [CONTENT_KINDS[int(k)] for k in run.kinds],
    }  # fmt: skip
    reply_positions = position[replies["row"][answer_numbers]]
    for number, reply_position, text in zip(
        answer_numbers, reply_positions, answer_texts, strict=True
    ):
        for key, value in (
            ("post_id", f"synthetic:r{number}"),
            ("created_at", clock.at(int(replies["answer_time"][number]))), ("text", text),
            ("url", f"https://synthetic.example/@{own.handle}/r{number}"), ("format", "text"),
            ("in_reply_to_id", f"synthetic:i{reply_position}"), ("links", []),
            ("hashtags", []), ("content_kind", "other"),
        ):  # fmt: skip
            post_rows[key].append(value)
    post_rows["account_id"] = [own.account_id] * len(post_rows["post_id"])
    post_rows["repost_of"] = [None] * len(post_rows["post_id"])
    post_rows["language"] = ["en"] * len(post_rows["post_id"])
    for key in (
        "post_id",
        "account_id",
        "created_at",
        "text",
        "url",
        "format",
        "in_reply_to_id",
        "links",
        "hashtags",
        "content_kind",
    ):
        post_rows[key].extend(competitors.posts[key])
    post_rows["repost_of"].extend([None] * len(competitors.posts["post_id"]))
    post_rows["language"].extend(["en"] * len(competitors.posts["post_id"]))
    posts_table = _table("posts", post_rows)
    tables["posts"] = posts_table.sort_by([("created_at", "ascending")])

    tables["post_stats"] = _post_stats(run, events, clock, competitors)
    tables["follower_counts"] = _follower_counts(run, own, clock, competitors)
    tables["accounts"] = _accounts(run, own, competitors)
    tables["conversions"] = _conversions(run, own, content, clock)
    return {name: tables[name] for name in (
        "accounts", "people", "posts", "interactions", "post_stats", "follower_counts",
        "conversions")}, content, truth_replies  # fmt: skip


def _own_posts(run: Run, own: OwnAccount, clock: _Clock) -> list[OwnPostContent]:
    p = run.params
    topic = TOPICS[topic_index(p.brand_topic)]
    return [
        own_post_content(
            number=i + 1,
            kind=int(run.kinds[i]),
            has_link=bool(run.has_link[i]),
            side=TOPICS[int(run.sides[i])],
            topic=topic,
            domain=own.domain,
            created=clock.at(int(run.schedule.time[i])),
            rng=stream(p, Stream.TEXT, i + 1),
        )
        for i in range(run.schedule.count)
    ]


def _post_stats(
    run: Run, events: dict[str, npt.NDArray[np.generic]], clock: _Clock,
    competitors: CompetitorData,
) -> pa.Table:  # fmt: skip
    count = run.schedule.count
    post = events["post"].astype(np.int64)
    on_post = post >= 0
    post, kind, times = post[on_post], events["kind"][on_post], events["time"][on_post]
    columns: dict[str, list[object]] = {key: [] for key in (
        "post_id", "observed_at", "impressions", "reach", "likes", "reposts", "replies",
        "quotes", "clicks")}  # fmt: skip
    observations = [(run.mid, "mid"), (run.end, "end")] if run.mid > 0 else [(run.end, "end")]
    for cut, label in observations:
        counts = {
            name: _count_before(post[kind == code], times[kind == code], cut, count)
            for name, code in (
                ("likes", LIKE),
                ("reposts", REPOST),
                ("replies", REPLY),
                ("quotes", QUOTE),
                ("clicks", CLICK),
            )
        }
        shown = np.flatnonzero(run.schedule.time < cut)
        impressions = [getattr(o, f"impressions_{label}") for o in run.outcomes]
        reach = [getattr(o, f"reach_{label}") for o in run.outcomes]
        columns["post_id"].extend(f"synthetic:p{i + 1}" for i in shown)
        columns["observed_at"].extend([clock.at(cut)] * len(shown))
        columns["impressions"].extend(int(impressions[i]) for i in shown)
        columns["reach"].extend(int(reach[i]) for i in shown)
        for name, values in counts.items():
            columns[name].extend(int(values[i]) for i in shown)
    for key in (
        "post_id",
        "observed_at",
        "impressions",
        "reach",
        "likes",
        "reposts",
        "replies",
        "quotes",
        "clicks",
    ):
        columns[key].extend(competitors.stats[key])
    total = len(columns["post_id"])
    columns["saves"] = [None] * total
    columns["video_views"] = [None] * total
    return _table("post_stats", columns)


def _follower_counts(
    run: Run, own: OwnAccount, clock: _Clock, competitors: CompetitorData
) -> pa.Table:
    days = run.params.days
    observed = [0, *((np.arange(days) + 1) * DAY).tolist()]
    counts = [run.state.initial_followers, *run.follower_history.tolist()]
    moments = [clock.at(t) for t in observed]
    account = [own.account_id] * len(observed)
    for row in competitors.accounts:
        account.append(str(row["account_id"]))
        moments.append(clock.start)
        counts.append(int(str(row["initial_followers"])))
    account.extend(str(a) for a in competitors.followers["account_id"])
    moments.extend(competitors.followers["observed_at"])  # type: ignore[arg-type]
    counts.extend(int(str(c)) for c in competitors.followers["followers"])
    return _table("follower_counts", {
        "account_id": account, "observed_at": moments,
        "followers": counts,
    })  # fmt: skip


def _accounts(run: Run, own: OwnAccount, competitors: CompetitorData) -> pa.Table:
    rows = [{
        "account_id": own.account_id, "platform": "synthetic", "handle": own.handle,
        "display_name": own.display_name, "role": "own", "followers": run.state.follower_count,
        "url": f"https://synthetic.example/@{own.handle}",
        "created_at": run.params.start - dt.timedelta(days=900),
    }]  # fmt: skip
    for row in competitors.accounts:
        rows.append(
            {
                **{k: v for k, v in row.items() if k != "initial_followers"},
                "platform": "synthetic",
                "role": "competitor",
            }
        )
    return _table(
        "accounts", {f.name: [r.get(f.name) for r in rows] for f in arrow_schema("accounts")}
    )


def _conversions(
    run: Run, own: OwnAccount, content: list[OwnPostContent], clock: _Clock
) -> pa.Table:
    p = run.params
    log = run.conversions.columns()
    order = np.argsort(log["time"], kind="stable")
    log = {key: value[order] for key, value in log.items()}
    rows: dict[str, list[object]] = {f.name: [] for f in arrow_schema("conversions")}
    signups = purchases = 0
    for i in range(len(order)):
        purchase = bool(log["kind"][i] == 1)
        if purchase:
            purchases += 1
            rows["conversion_id"].append(f"shop:order-{purchases}")
        else:
            signups += 1
            rows["conversion_id"].append(f"web:signup-{signups}")
        rows["occurred_at"].append(clock.at(int(log["time"][i])))
        rows["kind"].append("purchase" if purchase else "signup")
        rows["value"].append(float(log["value"][i]) if purchase else None)
        rows["currency"].append(p.conversion_currency if purchase else None)
        known = bool(log["person_known"][i])
        rows["person_id"].append(f"synthetic:u{int(log['person'][i])}" if known else None)
        number = int(log["post"][i])
        link = content[number].link
        if bool(log["attributed"][i]) and link is not None:
            values = (
                link.source,
                link.medium,
                link.campaign,
                link.content,
                None,
                link.url,
                f"synthetic:p{number + 1}",
            )
        else:
            values = (None, None, None, None, None, f"https://{own.domain}/", None)  # type: ignore[assignment]
        for key, value in zip(
            (
                "utm_source",
                "utm_medium",
                "utm_campaign",
                "utm_content",
                "utm_term",
                "landing_url",
                "post_id",
            ),
            values,
            strict=True,
        ):
            rows[key].append(value)
    return _table("conversions", rows)
