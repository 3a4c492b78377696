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


@dataclass(frozen=True)
class _Events:
    """The event log sorted by time; ``position[row]`` is a logged row's place (its id)."""

    columns: dict[str, npt.NDArray[Any]]
    position: npt.NDArray[np.int64]

    @classmethod
    def of(cls, run: Run) -> _Events:
        events = run.events.columns()
        order = np.argsort(events["time"], kind="stable")
        position = np.empty(len(order), dtype=np.int64)
        position[order] = np.arange(len(order))
        return cls({key: value[order] for key, value in events.items()}, position)

    def __getitem__(self, name: str) -> npt.NDArray[np.int64]:
        return self.columns[name].astype(np.int64)


def build_tables(
    run: Run, own: OwnAccount, competitors: CompetitorData
) -> tuple[dict[str, pa.Table], list[OwnPostContent], pa.Table]:
    """The canonical tables, the own posts' content and the replies' truth table."""
    clock = _Clock(run.params.start)
    events = _Events.of(run)
    people, handles = _people(run, events, clock)
    text_rng = stream(run.params, Stream.TEXT, 0)
    content = _own_posts(run, own, clock)
    posts, truth_replies = _posts(run, own, events, people, handles, content, competitors,
                                  clock, text_rng)  # fmt: skip
    tables = {
        "accounts": _accounts(run, own, competitors),
        "people": people,
        "posts": posts,
        "interactions": _interactions(run, own, events, clock, text_rng),
        "post_stats": _post_stats(run, events.columns, clock, competitors),
        "follower_counts": _follower_counts(run, own, clock, competitors),
        "conversions": _conversions(run, own, content, clock),
    }
    return tables, content, truth_replies


def _people(run: Run, events: _Events, clock: _Clock) -> tuple[pa.Table, list[str]]:
    """Everyone who did something, plus the followers from before the window."""
    person = events["person"]
    initial = np.flatnonzero(run.state.channel == INITIAL)
    numbers = unique_sorted(np.concatenate([person, initial]))
    first_seen = np.full(run.audience.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_seen, person, events["time"])
    first_seen[initial] = 0
    handles, names, bios = people_strings(
        numbers, run.audience, stream(run.params, Stream.PEOPLE, 0)
    )
    following = run.graph.following_counts.astype(np.int64) + run.state.follows
    table = _table("people", {
        "person_id": ids("synthetic:u", numbers), "platform": ["synthetic"] * len(numbers),
        "handle": handles, "display_name": names, "bio": bios,
        "followers": run.graph.follower_counts[numbers], "following": following[numbers],
        "url": join("https://synthetic.example/@", handles),
        "first_seen_at": clock.stamps(first_seen[numbers]),
    })  # fmt: skip
    return table, [str(handle) for handle in handles.to_pylist()]


def _interactions(
    run: Run, own: OwnAccount, events: _Events, clock: _Clock, text_rng: np.random.Generator
) -> pa.Table:
    topic = TOPICS[topic_index(run.params.brand_topic)]
    person, kind, post, answer = events["person"], events["kind"], events["post"], events["answer"]
    detail = events["detail"]
    n = len(kind)
    texts = np.full(n, None, dtype=object)
    primary = run.audience.primary_topic
    for i in np.flatnonzero((kind == REPLY) | (kind == QUOTE)):
        if answer[i] >= 0:
            texts[i] = THANKS_TEXTS[int(text_rng.integers(0, len(THANKS_TEXTS)))]
            continue
        texts[i] = reply_text(
            post_kind=CONTENT_KINDS[int(run.kinds[post[i]])], asks=bool(detail[i] == 1),
            matched=bool(detail[i] != 2), person_topic=TOPICS[int(primary[person[i]])],
            brand_topic=topic, rng=text_rng,
        )  # fmt: skip
    null = pa.scalar(None, pa.string())
    own_post_id = pc.if_else(pa.array(post >= 0), ids("synthetic:p", post + 1), null)
    answer_id = pc.if_else(pa.array(answer >= 0), ids("synthetic:r", answer), null)
    return _table("interactions", {
        "interaction_id": ids("synthetic:i", np.arange(n)), "platform": ["synthetic"] * n,
        "kind": take(strings(EVENT_KINDS), kind),
        "person_id": ids("synthetic:u", person), "account_id": [own.account_id] * n,
        "post_id": pc.coalesce(own_post_id, answer_id),
        "occurred_at": clock.stamps(events["time"]), "text": pa.array(texts, type=pa.string()),
        "in_reply_to_id": answer_id, "actor_followers": run.graph.follower_counts[person],
    })  # fmt: skip


_POST_COLUMNS = ("post_id", "account_id", "created_at", "text", "url", "format",
                 "in_reply_to_id", "links", "hashtags", "content_kind")  # fmt: skip


def _posts(
    run: Run, own: OwnAccount, events: _Events, people: pa.Table, handles: list[str],
    content: list[OwnPostContent], competitors: CompetitorData, clock: _Clock,
    text_rng: np.random.Generator,
) -> tuple[pa.Table, pa.Table]:  # fmt: skip
    """Own broadcasts, own answers and competitors' posts; and the replies' truth table."""
    topic = TOPICS[topic_index(run.params.brand_topic)]
    count = run.schedule.count
    rows: dict[str, list[object]] = {
        "post_id": [f"synthetic:p{i + 1}" for i in range(count)],
        "account_id": [own.account_id] * count,
        "created_at": [clock.at(t) for t in run.schedule.time],
        "text": [c.text for c in content],
        "url": [f"https://synthetic.example/@{own.handle}/{i + 1}" for i in range(count)],
        "format": [c.format for c in content], "in_reply_to_id": [None] * count,
        "links": [[c.link.url] if c.link else [] for c in content],
        "hashtags": [c.hashtags for c in content],
        "content_kind": [CONTENT_KINDS[int(k)] for k in run.kinds],
    }  # fmt: skip
    replies = run.replies.columns()
    happened = replies["answer_time"] >= 0
    numbers = people["person_id"].to_pylist()
    handle_of = dict(zip(numbers, handles, strict=True))
    reply_position = events.position[replies["row"]]
    for number in np.flatnonzero(happened):
        handle = handle_of[f"synthetic:u{int(replies['person'][number])}"]
        text = answer_text(handle=handle, asked=bool(replies["asked"][number]), topic=topic,
                           rng=text_rng)  # fmt: skip
        for key, value in (
            ("post_id", f"synthetic:r{number}"), ("account_id", own.account_id),
            ("created_at", clock.at(int(replies["answer_time"][number]))), ("text", text),
            ("url", f"https://synthetic.example/@{own.handle}/r{number}"), ("format", "text"),
            ("in_reply_to_id", f"synthetic:i{reply_position[number]}"), ("links", []),
            ("hashtags", []), ("content_kind", "other"),
        ):  # fmt: skip
            rows[key].append(value)
    for key in _POST_COLUMNS:
        rows[key].extend(competitors.posts[key])
    total = len(rows["post_id"])
    rows["repost_of"] = [None] * total
    rows["language"] = ["en"] * total
    posts = _table("posts", rows).sort_by([("created_at", "ascending")])
    null = pa.scalar(None, pa.string())
    truth = pa.table({
        "interaction_id": ids("synthetic:i", reply_position),
        "person": pa.array(replies["person"].astype(np.int64)),
        "post_id": ids("synthetic:p", replies["post"].astype(np.int64) + 1),
        "asked": pa.array(replies["asked"]), "answered": pa.array(replies["answered"]),
        "happened": pa.array(happened),
        "answer_post_id": pc.if_else(pa.array(happened),
                                     ids("synthetic:r", np.arange(len(happened))), null),
        "delay_hours": pa.array(replies["delay_hours"]),
    })  # fmt: skip
    return posts, truth


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
