"""How the synthetic world behaves: feed, cascades, answers, counts, conversions, competitors."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from rapport.simulate import CHANNELS, SEGMENTS, World, WorldParams
from tests.worlds import simulated

YEAR = WorldParams(people=20_000, days=365, seed=3)
DAY = 86_400


def numbers(ids: pa.ChunkedArray | pa.Array, prefix: str) -> npt.NDArray[np.int64]:
    text = pc.utf8_slice_codeunits(ids, len(prefix))
    return np.asarray(pc.cast(text, pa.int64()).to_numpy(zero_copy_only=False))


def seconds(stamps: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.int64]:
    values = pc.cast(stamps, pa.int64()).to_numpy(zero_copy_only=False)
    return np.asarray(values) // 1_000_000


def of_kind(w: World, kind: str) -> pa.Table:
    table = w.tables["interactions"]
    return table.filter(pc.equal(table.column("kind"), kind))


def own_posts(w: World) -> pa.Table:
    posts = w.tables["posts"]
    return posts.filter(pc.equal(posts.column("account_id"), w.own_account_id))


def broadcasts(w: World) -> pa.Table:
    posts = own_posts(w)
    return posts.filter(pc.is_null(posts.column("in_reply_to_id")))


def last_stats(w: World) -> pa.Table:
    stats = w.tables["post_stats"]
    end = pc.max(stats["observed_at"])
    return stats.filter(pc.equal(stats["observed_at"], end))


# -- people and their reactions -------------------------------------------------------------------
def test_interactions_carry_the_actors_follower_count_from_the_graph() -> None:
    w = simulated(YEAR)
    table = w.tables["interactions"]
    people = numbers(table["person_id"], "synthetic:u")
    expected = w.truth.graph.follower_counts[people]
    assert np.array_equal(table["actor_followers"].to_numpy(), expected)
    assert expected.max() > 20 * np.median(expected)  # heavy-tailed follower counts


def test_reaction_delays_are_mostly_hours_with_a_tail_over_days() -> None:
    w = simulated(YEAR)
    likes = of_kind(w, "like")
    posts = broadcasts(w)
    created = dict(zip(posts["post_id"].to_pylist(), seconds(posts["created_at"]), strict=True))
    post_times = np.array([created[p] for p in likes["post_id"].to_pylist()])
    delay_hours = (seconds(likes["occurred_at"]) - post_times) / 3600
    assert np.all(delay_hours >= 0)
    assert np.median(delay_hours) < 6
    assert np.mean(delay_hours > 48) > 0.005


def test_reposts_cascade_through_the_reposters_followers_for_generations() -> None:
    w = simulated(YEAR)
    graph = w.truth.graph
    reposts = w.tables["interactions"].filter(
        pc.is_in(w.tables["interactions"]["kind"], pa.array(["repost", "quote"]))
    )
    by_post: dict[str, list[tuple[int, int]]] = defaultdict(list)
    people = numbers(reposts["person_id"], "synthetic:u")
    for post, person, at in zip(reposts["post_id"].to_pylist(), people,
                                seconds(reposts["occurred_at"]), strict=True):  # fmt: skip
        by_post[post].append((int(at), int(person)))
    generation: dict[tuple[str, int], int] = {}
    for post, acts in by_post.items():
        acts.sort()
        for index, (_, person) in enumerate(acts):
            parents = [generation[(post, p)] for _, p in acts[:index] if graph.follows(person, p)]
            generation[(post, person)] = 1 + max(parents) if parents else 1
    depths = Counter(generation.values())
    assert depths[2] >= 10, depths  # reposts by followers of reposters
    assert max(depths) >= 3, depths  # and their followers in turn


def test_widening_follows_engagement_not_a_flag() -> None:
    posts = simulated(YEAR).truth.posts
    widest = np.array(posts["widest_route"].to_pylist())
    appeal = posts["appeal"].to_numpy()
    broad = widest == "broad"
    narrow = np.isin(widest, ["test", "followers"])
    assert broad.sum() >= 3
    assert narrow.sum() >= 3
    assert appeal[broad].mean() > appeal[narrow].mean() + 0.5


# -- follower counts ------------------------------------------------------------------------------
def test_follower_history_matches_follow_and_unfollow_interactions() -> None:
    w = simulated(YEAR)
    counts = w.tables["follower_counts"]
    own = counts.filter(pc.equal(counts["account_id"], w.own_account_id))
    observed = seconds(own["observed_at"])
    followers = own["followers"].to_numpy()
    follows = np.sort(seconds(of_kind(w, "follow")["occurred_at"]))
    unfollows = np.sort(seconds(of_kind(w, "unfollow")["occurred_at"]))
    expected = (
        followers[0]
        + np.searchsorted(follows, observed, side="left")
        - np.searchsorted(unfollows, observed, side="left")
    )
    assert np.array_equal(followers, expected)
    assert len(observed) == w.params.days + 1
    accounts = w.tables["accounts"].to_pylist()
    latest = {row["account_id"]: row["followers"] for row in accounts}
    assert latest[w.own_account_id] == followers[-1]
    for account in w.competitor_account_ids:
        history = counts.filter(pc.equal(counts["account_id"], account))
        assert history.num_rows == w.params.days + 1
        assert latest[account] == history["followers"].to_pylist()[-1]


def test_nobody_unfollows_without_following_first() -> None:
    w = simulated(YEAR)
    follow_time = dict(zip(of_kind(w, "follow")["person_id"].to_pylist(),
                           seconds(of_kind(w, "follow")["occurred_at"]), strict=True))  # fmt: skip
    unfollows = of_kind(w, "unfollow")
    initial = set(np.flatnonzero(w.truth.acquired_channel == CHANNELS.index("initial")))
    for person, at in zip(unfollows["person_id"].to_pylist(), seconds(unfollows["occurred_at"]),
                          strict=True):  # fmt: skip
        number = int(person.removeprefix("synthetic:u"))
        assert number in initial or follow_time[person] <= at


# -- the brand's answers --------------------------------------------------------------------------
def test_brand_answers_a_random_share_of_replies_after_a_lognormal_delay() -> None:
    w = simulated(YEAR)
    p = w.params
    replies = w.truth.replies
    asked = replies["asked"].to_numpy(zero_copy_only=False)
    answered = replies["answered"].to_numpy(zero_copy_only=False)
    for mask, chance in ((asked, p.brand_question_reply_prob), (~asked, p.brand_reply_prob)):
        n = int(mask.sum())
        assert n > 100
        assert abs(answered[mask].mean() - chance) < 4 * np.sqrt(chance * (1 - chance) / n)
    interactions = w.tables["interactions"]
    reply_time = dict(zip(interactions["interaction_id"].to_pylist(),
                          seconds(interactions["occurred_at"]), strict=True))  # fmt: skip
    answers = own_posts(w).filter(pc.is_valid(own_posts(w)["in_reply_to_id"]))
    delays = [
        (at - reply_time[target]) / 3600
        for target, at in zip(
            answers["in_reply_to_id"].to_pylist(), seconds(answers["created_at"]), strict=True
        )
    ]
    assert min(delays) >= 0
    assert 0.7 * p.brand_reply_delay_median_hours < np.median(delays)
    assert np.median(delays) < 1.3 * p.brand_reply_delay_median_hours
    post_of = dict(
        zip(interactions["interaction_id"].to_pylist(), interactions["post_id"].to_pylist(),
            strict=True)
    )  # fmt: skip
    for interaction, post in zip(replies["interaction_id"].to_pylist(),
                                 replies["post_id"].to_pylist(), strict=True):  # fmt: skip
        assert post_of[interaction] == post
    happened = replies.filter(replies["happened"])
    assert happened.num_rows == answers.num_rows
    assert set(happened["answer_post_id"].to_pylist()) == set(answers["post_id"].to_pylist())


def test_questions_in_replies_end_with_a_question_mark() -> None:
    w = simulated(YEAR)
    asked = w.truth.replies.filter(w.truth.replies["asked"])
    texts = dict(zip(w.tables["interactions"]["interaction_id"].to_pylist(),
                     w.tables["interactions"]["text"].to_pylist(), strict=True))  # fmt: skip
    assert asked.num_rows > 100
    assert all(texts[i].endswith("?") for i in asked["interaction_id"].to_pylist())
    replies = of_kind(w, "reply")
    assert all(t for t in replies["text"].to_pylist())
    thanks = replies.filter(pc.is_valid(replies["in_reply_to_id"]))
    assert thanks.num_rows > 0
    answer_ids = set(own_posts(w)["post_id"].to_pylist())
    assert set(thanks["in_reply_to_id"].to_pylist()) <= answer_ids


# -- counts and conversions ------------------------------------------------------------------------
def test_post_stats_count_what_the_interactions_show() -> None:
    w = simulated(YEAR)
    stats = last_stats(w)
    posts = broadcasts(w)
    own = stats.filter(pc.is_in(stats["post_id"], posts["post_id"]))
    assert own.num_rows == posts.num_rows
    interactions = w.tables["interactions"]
    counted = Counter(zip(interactions["post_id"].to_pylist(), interactions["kind"].to_pylist(),
                          strict=True))  # fmt: skip
    for row in own.to_pylist():
        post = row["post_id"]
        for field, kind in (("likes", "like"), ("reposts", "repost"), ("replies", "reply"),
                            ("quotes", "quote"), ("clicks", "click")):  # fmt: skip
            assert row[field] == counted[(post, kind)], (post, field)
        assert row["impressions"] >= row["reach"] > 0
        assert row["saves"] is None
    mid = w.tables["post_stats"].filter(
        pc.less(
            w.tables["post_stats"]["observed_at"], pc.max(w.tables["post_stats"]["observed_at"])
        )
    )
    assert mid.num_rows > 0
    end = {r["post_id"]: r for r in stats.to_pylist()}
    for row in mid.to_pylist():
        for field in ("impressions", "reach", "likes", "reposts", "replies", "quotes", "clicks"):
            assert row[field] <= end[row["post_id"]][field]


def test_conversions_carry_the_clicked_links_utm_and_come_from_the_target_segment() -> None:
    w = simulated(YEAR)
    conversions = w.tables["conversions"].to_pylist()
    links = {r["post_id"]: r["links"] for r in broadcasts(w).to_pylist()}
    kinds = Counter(r["kind"] for r in conversions)
    assert kinds["signup"] > 0 and kinds["purchase"] > 0
    unattributed = [r for r in conversions if r["post_id"] is None]
    assert 0 < len(unattributed) < 0.2 * len(conversions)
    for row in conversions:
        if row["kind"] == "purchase":
            assert row["value"] > 0 and row["currency"] == "EUR"
        else:
            assert row["value"] is None
        if row["post_id"] is None:
            assert row["utm_campaign"] is None and row["landing_url"].endswith(".example/")
            continue
        (link,) = links[row["post_id"]]
        assert row["landing_url"] == link
        assert f"utm_campaign={row['utm_campaign']}" in link
        assert row["utm_content"] == row["post_id"].removeprefix("synthetic:")
    clicks = of_kind(w, "click")
    clickers = numbers(clicks["person_id"], "synthetic:u")
    converters = numbers(pa.array([r["person_id"] for r in conversions if r["person_id"]]),
                         "synthetic:u")  # fmt: skip
    segment = w.truth.segment
    target = SEGMENTS.index("target")
    rate_target = np.sum(segment[converters] == target) / np.sum(segment[clickers] == target)
    rate_other = np.sum(segment[converters] != target) / max(1, np.sum(segment[clickers] != target))
    assert rate_target > 2 * rate_other


# -- spikes ----------------------------------------------------------------------------------------
def test_truth_spikes_stand_out_in_reach_and_follows() -> None:
    w = simulated(YEAR)
    spikes = w.truth.spikes
    assert len(spikes) >= 2
    assert {s.cause for s in spikes} <= {"feed_widening", "external_share"}
    stats = last_stats(w)
    reach = dict(zip(stats["post_id"].to_pylist(), stats["reach"].to_pylist(), strict=True))
    spike_ids = {s.post_id for s in spikes}
    ordinary = [reach[p] for p in broadcasts(w)["post_id"].to_pylist() if p not in spike_ids]
    for spike in spikes:
        assert reach[spike.post_id] > 2.5 * np.median(ordinary), spike
    viral = w.truth.acquired_channel == CHANNELS.index("viral_spike")
    days = w.truth.acquired_day[viral]
    spike_days = np.array([s.day for s in spikes])
    nearest = np.min(np.abs(days[:, None] - spike_days[None, :]), axis=1)
    assert np.mean(nearest <= 3) > 0.9
    assert sum(s.followers_gained for s in spikes if s.cause == "feed_widening") > 50


# -- competitors ----------------------------------------------------------------------------------
def test_competitors_have_posts_and_counts_but_no_interactions() -> None:
    w = simulated(YEAR)
    assert set(w.tables["interactions"]["account_id"].to_pylist()) == {w.own_account_id}
    posts = w.tables["posts"]
    stats = last_stats(w)
    for account in w.competitor_account_ids:
        theirs = posts.filter(pc.equal(posts["account_id"], account))
        broadcast = theirs.filter(pc.is_null(theirs["in_reply_to_id"]))
        assert broadcast.num_rows > 20
        assert set(broadcast["content_kind"].to_pylist()) <= set(CHANNELS) | {
            "promo",
            "educational",
            "question",
            "news",
            "throwback",
            "behind_the_scenes",
        }
        counted = stats.filter(pc.is_in(stats["post_id"], broadcast["post_id"]))
        assert counted.num_rows == broadcast.num_rows


def test_competitors_differ_in_ways_a_benchmark_can_see() -> None:
    w = simulated(YEAR)
    posts = w.tables["posts"].to_pylist()
    stats = {r["post_id"]: r for r in last_stats(w).to_pylist()}
    summary = {}
    for account, profile in zip(w.competitor_account_ids, w.params.competitor_profiles,
                                strict=False):  # fmt: skip
        mine = [p for p in posts if p["account_id"] == account]
        broadcast = [p for p in mine if p["in_reply_to_id"] is None]
        answers = len(mine) - len(broadcast)
        received = sum(stats[p["post_id"]]["replies"] for p in broadcast)
        engaged = sum(stats[p["post_id"]][k] for p in broadcast
                      for k in ("likes", "reposts", "replies", "quotes"))  # fmt: skip
        impressions = sum(stats[p["post_id"]]["impressions"] for p in broadcast)
        summary[profile.label] = {
            "posts": len(broadcast),
            "promo": np.mean([p["content_kind"] == "promo" for p in broadcast]),
            "answers": answers / max(received, 1),
            "rate": engaged / impressions,
        }
    labels = list(summary)
    assert max(labels, key=lambda k: summary[k]["posts"]) == "prolific_silent"
    assert summary["prolific_silent"]["answers"] == 0
    assert max(labels, key=lambda k: summary[k]["promo"]) == "promo_heavy"
    assert max(labels, key=lambda k: summary[k]["rate"]) == "small_loved"
    assert max(labels, key=lambda k: summary[k]["answers"]) == "small_loved"
