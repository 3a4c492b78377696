"""Closest competitors, in a cheaper aggregate model: posts and public counts, no people.

A competitor is seen from outside, as rapport sees it through public APIs: its posts, their
counts and its follower count. Each day it posts on its own cadence; a post's impressions are
Poisson around ``followers * reach_share`` scaled by the post's appeal, and its engagements
are binomial on the impressions at the profile's engagement rate, split by the content kind's
action weights. Followers grow with engagement and discovery and shrink with a base churn plus
a churn per promotion posted (the aggregate echo of the fatigue mechanism of the own account).
Answers to people are posts replying to an interaction rapport can't see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from rapport.simulate.params import CompetitorProfile, WorldParams
from rapport.simulate.schedule import draw_kinds, draw_schedule
from rapport.simulate.text import account_display_name, answer_text, hashtags_for, post_text, slug
from rapport.simulate.vocab import CONTENT_KINDS, PROMO_OFFERS, TOPICS, topic_index

__all__ = ["CompetitorData", "simulate_competitors"]

_OBSERVED_FRACTION_HOURS = 10.0
"""Counts grow as 1 - exp(-age / 10 h): a post observed soon after publication shows less."""


@dataclass
class CompetitorData:
    """Rows for the canonical tables, as plain columns named as in the canonical schema.

    ``accounts`` rows also carry ``initial_followers`` (the count at the start)."""

    accounts: list[dict[str, object]] = field(default_factory=list)
    posts: dict[str, list[object]] = field(default_factory=dict)
    stats: dict[str, list[object]] = field(default_factory=dict)
    followers: dict[str, list[object]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        post_columns = ("post_id", "account_id", "created_at", "text", "url", "format",
                        "in_reply_to_id", "links", "hashtags", "content_kind")  # fmt: skip
        stat_columns = ("post_id", "observed_at", "impressions", "reach", "likes", "reposts",
                        "replies", "quotes", "clicks")  # fmt: skip
        self.posts = {name: [] for name in post_columns}
        self.stats = {name: [] for name in stat_columns}
        self.followers = {"account_id": [], "observed_at": [], "followers": []}


def simulate_competitors(
    params: WorldParams,
    *,
    own_initial_followers: int,
    own_handle: str,
    seed_sequence: np.random.SeedSequence,
    observations: tuple[int, ...],
) -> CompetitorData:
    """Simulate ``competitor_count`` competitors; ``observations`` are times (seconds)."""
    data = CompetitorData()
    taken = {own_handle}
    profiles = params.competitor_profiles[: params.competitor_count]
    for number, (profile, child) in enumerate(
        zip(profiles, seed_sequence.spawn(len(profiles)), strict=True), start=1
    ):
        rng = np.random.default_rng(child)
        _one(params, number, profile, rng, own_initial_followers, observations, data, taken)
    return data


def _at(params: WorldParams, seconds: float) -> dt.datetime:
    return params.start + dt.timedelta(seconds=int(seconds))


def _one(
    params: WorldParams, number: int, profile: CompetitorProfile, rng: np.random.Generator,
    own_initial_followers: int, observations: tuple[int, ...], data: CompetitorData,
    taken: set[str],
) -> None:  # fmt: skip
    topic = TOPICS[topic_index(params.brand_topic)]
    name = account_display_name(topic, rng)
    handle = slug(name).replace("-", "_")
    while handle in taken:  # two businesses never share a handle
        name = account_display_name(topic, rng)
        handle = slug(name).replace("-", "_")
    taken.add(handle)
    account_id = f"synthetic:account/{handle}"
    start = params.start
    data.accounts.append({
        "account_id": account_id, "handle": handle, "display_name": name,
        "url": f"https://synthetic.example/@{handle}",
        "created_at": start - dt.timedelta(days=int(rng.integers(400, 3000))),
    })  # fmt: skip
    active_days = max(1, round(profile.active_share * params.days))
    schedule = draw_schedule(
        params,
        rng,
        days=active_days,
        posts_per_active_day=profile.posts_per_day,
        posts_per_lull_day=profile.posts_per_day * 0.3,
    )
    total = sum(weight for _, weight in params.brand_content_mix)
    mix = {
        kind: (1 - profile.promo_share) * weight / total
        for kind, weight in params.brand_content_mix
    }
    mix["promo"] = profile.promo_share
    kinds = draw_kinds(mix, schedule.count, rng)
    kind_model = {row[0]: row for row in params.content_kind_model}
    appeal = rng.normal(0.0, params.content_quality_sigma, schedule.count)
    promos_per_day = np.bincount(schedule.day[kinds == 0], minlength=params.days)

    followers = float(max(20, round(profile.follower_scale * max(own_initial_followers, 50))))
    data.accounts[-1]["initial_followers"] = int(followers)
    post_of_day = np.searchsorted(schedule.day, np.arange(params.days + 1))
    totals = np.zeros((schedule.count, 6), dtype=np.int64)  # impressions, reach + 4 actions
    clicks = np.zeros(schedule.count, dtype=np.int64)
    for day in range(params.days):
        engaged = 0
        for post in range(post_of_day[day], post_of_day[day + 1]):
            kind = CONTENT_KINDS[kinds[post]]
            row = kind_model[kind]
            weights = np.array(row[2:7], dtype=np.float64)
            has_link = kind == "promo" or kind in ("educational", "news")
            if not has_link:
                weights[0] += weights[4]
                weights[4] = 0.0
            scale = np.exp(appeal[post] - params.content_quality_sigma**2 / 2)
            impressions = int(rng.poisson(followers * profile.reach_share * scale))
            reach = int(rng.binomial(impressions, 0.8))
            rate = min(1.0, profile.engagement_rate * scale)
            total = int(rng.binomial(reach, rate))
            split = rng.multinomial(total, weights / weights.sum())
            totals[post] = (impressions, reach, split[0], split[2], split[1], split[3])
            clicks[post] = split[4]
            engaged += total
        gained = rng.poisson(
            params.competitor_gain_per_engagement * engaged
            + params.competitor_discovery_rate * followers
        )
        churn = params.competitor_churn_base + params.competitor_promo_churn * promos_per_day[day]
        lost = rng.binomial(int(followers), min(1.0, churn))
        followers = max(0.0, followers + gained - lost)
        data.followers["account_id"].append(account_id)
        data.followers["observed_at"].append(start + dt.timedelta(days=day + 1))
        data.followers["followers"].append(int(followers))
    data.accounts[-1]["followers"] = int(followers)
    _posts(params, number, profile, rng, account_id, handle, schedule.time, kinds, data)
    _stats(number, rng, schedule.time, totals, clicks, observations, data, profile, handle, params)


def _posts(
    params: WorldParams, number: int, profile: CompetitorProfile, rng: np.random.Generator,
    account_id: str, handle: str, times: np.ndarray, kinds: np.ndarray, data: CompetitorData,
) -> None:  # fmt: skip
    topic = TOPICS[topic_index(params.brand_topic)]
    year = params.start.year
    for index, (time, kind_code) in enumerate(zip(times, kinds, strict=True)):
        kind = CONTENT_KINDS[int(kind_code)]
        side = TOPICS[int(rng.integers(0, len(TOPICS)))]
        link = None
        if kind == "promo" or (kind in ("educational", "news") and rng.random() < 0.5):
            link = f"https://{handle.replace('_', '-')}.example/{slug(kind)}/{index}"
        offer = PROMO_OFFERS[int(rng.integers(0, len(PROMO_OFFERS)))]
        tags = hashtags_for(topic, rng)
        text = post_text(kind, topic, side, rng, link=link, offer=offer, hashtags=tags, year=year)
        _add_post(
            data,
            f"synthetic:c{number}p{index}",
            account_id,
            _at(params, time),
            text,
            f"https://synthetic.example/@{handle}/{index}",
            "link" if link else "text",
            None,
            [link] if link else [],
            tags,
            kind,
        )


def _add_post(
    data: CompetitorData, post_id: str, account_id: str, created_at: dt.datetime, text: str,
    url: str,
    format: str, in_reply_to: str | None, links: list[str], tags: list[str], kind: str | None,
) -> None:  # fmt: skip
    for key, value in (
        ("post_id", post_id), ("account_id", account_id), ("created_at", created_at),
        ("text", text),
        ("url", url), ("format", format), ("in_reply_to_id", in_reply_to), ("links", links),
        ("hashtags", tags), ("content_kind", kind),
    ):  # fmt: skip
        data.posts[key].append(value)


def _stats(
    number: int, rng: np.random.Generator, times: np.ndarray, totals: np.ndarray,
    clicks: np.ndarray, observations: tuple[int, ...], data: CompetitorData,
    profile: CompetitorProfile, handle: str, params: WorldParams,
) -> None:  # fmt: skip
    """Counts at each observation (thinned binomially so they never decrease), and answers."""
    end = observations[-1]
    seen = np.concatenate([totals, clicks[:, None]], axis=1)
    previous = np.ones(len(times))
    for observed in sorted(observations, reverse=True):
        age_hours = np.maximum(observed - times, 0) / 3600
        share = 1.0 - np.exp(-age_hours / _OBSERVED_FRACTION_HOURS)
        if observed != end:
            keep = np.clip(share / np.maximum(previous, 1e-9), 0.0, 1.0)
            seen = rng.binomial(seen, keep[:, None])
            seen[:, 1] = np.minimum(seen[:, 1], seen[:, 0])
        previous = share
        for post in np.flatnonzero(times < observed):
            data.stats["post_id"].append(f"synthetic:c{number}p{post}")
            data.stats["observed_at"].append(_at(params, observed))
            for key, value in zip(
                ("impressions", "reach", "likes", "reposts", "replies", "quotes", "clicks"),
                seen[post],
                strict=True,
            ):
                data.stats[key].append(int(value))
    topic = TOPICS[topic_index(params.brand_topic)]
    answers = rng.binomial(totals[:, 4], profile.reply_prob)
    delays = rng.lognormal(np.log(6 * 3600), 1.0, int(answers.sum()))
    cursor = 0
    account_id = f"synthetic:account/{handle}"
    for post in np.flatnonzero(answers):
        for _ in range(int(answers[post])):
            at = int(times[post] + delays[cursor])
            cursor += 1
            if at >= end:
                continue
            text = answer_text(
                handle=f"someone{cursor}", asked=bool(rng.random() < 0.3), topic=topic, rng=rng
            )
            _add_post(
                data,
                f"synthetic:c{number}r{cursor}",
                account_id,
                _at(params, at),
                text,
                f"https://synthetic.example/@{handle}/r{cursor}",
                "text",
                f"synthetic:c{number}x{cursor}",
                [],
                [],
                None,
            )
