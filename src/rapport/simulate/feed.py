"""The feed: how one post reaches people, in rounds, and spreads through reposts.

A new post is shown to a small **test sample** of followers. If enough of them engage
(``feed_follower_threshold``), the feed shows it to the **other followers**; if they engage
too (``feed_matched_threshold``), to **interest-matched non-followers**. If that round beats
the account's usual matched engagement rate (a moving average over its recent posts) by
``feed_broad_lift``, the post goes to a **broad crowd**, and to ever larger ones while each
keeps an engagement rate above ``feed_spiral_threshold`` (the momentum spiral). Nothing
marks a post as viral: whether it widens follows from the people who saw it.

Everyone who sees a post decides independently whether to engage, with probability
``sigmoid(kind base + match_weight * relevance + appeal - novelty_decay * age + activity +
affinity_weight * affinity - fatigue_weight * fatigue)``, and what to do (like, reply,
repost, quote, click). A repost or quote shows the post to each of the reposter's followers
with probability ``feed_repost_reach``: cascades run through the follow graph for up to
``feed_max_generations`` generations. A non-follower who saw the post may follow the brand;
a reply may get an answer from the brand; a click may convert.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rapport.simulate.audience import Audience, FollowGraph
from rapport.simulate.dynamics import ORGANIC, VIRAL_SPIKE, PersonState
from rapport.simulate.log import (
    ACTIONS,
    CLICK,
    LIKE,
    QUOTE,
    REPLY,
    REPOST,
    BrandReplyLog,
    ConversionLog,
    EventLog,
)
from rapport.simulate.params import WorldParams
from rapport.simulate.vocab import CONTENT_KINDS

__all__ = ["ROUTES", "Post", "PostOutcome", "Spreader", "distinct_people", "unique_sorted"]

ROUTES: tuple[str, ...] = ("test", "followers", "matched", "broad", "external")
TEST, FOLLOWERS, MATCHED, BROAD, EXTERNAL = range(5)
_ROUND_OFFSET_HOURS = (0.0, 1.0, 3.0, 6.0)
HOUR = 3600
_USUAL_WEIGHT = 0.1
"""Weight of the newest post in the feed's moving average of matched engagement."""
_WARM_UP_POSTS = 5
"""Posts the feed watches before it compares a post with the account's usual."""
DAY = 86_400
PROMO_KIND = CONTENT_KINDS.index("promo")
QUESTION_KIND = CONTENT_KINDS.index("question")

IntArray = npt.NDArray[np.int64]


def unique_sorted(values: IntArray, *, ordered: bool = False) -> IntArray:
    """Sorted distinct values (a sort and a comparison; numpy's hash-based unique is slower).

    ``ordered``: ``values`` are sorted already.
    """
    if not ordered:
        values = np.sort(values)
    if len(values) > 1:
        first = np.empty(len(values), dtype=bool)
        first[0] = True
        np.not_equal(values[1:], values[:-1], out=first[1:])
        distinct: IntArray = values[first]
        return distinct
    return values


_MASK_SHARE = 16
"""A draw of at least 1/16 of the people is made distinct with a mask over everyone (one pass
over the population) rather than by a sort of the draw."""


def distinct_people(values: IntArray, people: int) -> IntArray:
    """Sorted distinct values of ``values`` (each in ``0 .. people-1``): as
    :func:`unique_sorted`, by a mask over everyone when the draw is large."""
    if len(values) * _MASK_SHARE < people:
        return unique_sorted(values)
    hit = np.zeros(people, dtype=bool)
    hit[values] = True
    distinct: IntArray = hit.nonzero()[0]
    return distinct


@dataclass(frozen=True)
class Post:
    """One own broadcast post, as the feed needs it."""

    number: int
    time: int
    """Seconds from the start of the window."""
    kind: int
    """Index into ``CONTENT_KINDS``."""
    topic_weights: npt.NDArray[np.float32]
    appeal: float
    has_link: bool


@dataclass
class PostOutcome:
    """How far one post went."""

    widest_route: int = TEST
    broad_rounds: int = 0
    externally_shared: bool = False
    impressions_mid: int = 0
    impressions_end: int = 0
    reach_mid: int = 0
    reach_end: int = 0
    spike_follows: int = 0

    @property
    def is_spike(self) -> bool:
        return self.widest_route >= BROAD or self.externally_shared


@dataclass
class _Batch:
    people: IntArray
    times: IntArray
    routes: npt.NDArray[np.int8]

    def take(self, mask: npt.NDArray[np.bool_] | IntArray) -> _Batch:
        return _Batch(self.people[mask], self.times[mask], self.routes[mask])


class Spreader:
    """Spreads posts through the world, writing what people do into the logs."""

    def __init__(
        self, params: WorldParams, audience: Audience, graph: FollowGraph, state: PersonState,
        *, events: EventLog, replies: BrandReplyLog, conversions: ConversionLog,
        end: int, mid: int,
    ) -> None:  # fmt: skip
        self.p = params
        self.audience = audience
        self.graph = graph
        self.state = state
        self.events = events
        self.replies = replies
        self.conversions = conversions
        self.end = end
        self.mid = mid
        model = {row[0]: row[1:] for row in params.content_kind_model}
        self.base_logit = np.array([model[k][0] for k in CONTENT_KINDS])
        weights = np.array([model[k][1:] for k in CONTENT_KINDS], dtype=np.float64)
        self.action_weights = weights / weights.sum(axis=1, keepdims=True)
        no_click = weights.copy()
        no_click[:, LIKE] += no_click[:, CLICK]
        no_click[:, CLICK] = 0.0
        self.action_weights_no_link = no_click / no_click.sum(axis=1, keepdims=True)
        self._cumulative_actions = (
            np.cumsum(self.action_weights, axis=1),
            np.cumsum(self.action_weights_no_link, axis=1),
        )
        self._relevance: dict[bytes, npt.NDArray[np.float32]] = {}
        """Everyone's relevance of a post, by the post's topic weights (a post touches the
        brand's topic and one side topic, so a run has a handful of these)."""
        weight = audience.match.astype(np.float64) ** params.feed_matched_power
        self._match_cumulative = np.cumsum(weight)
        self._usual_matched_rate = 0.0
        """Moving average of the matched round's engagement rate (what the feed expects)."""
        self._matched_rounds_judged = 0
        self._reaction_mu = np.log(params.audience_reaction_delay_median_hours * HOUR)

    # -- one post -----------------------------------------------------------------------------
    def spread(self, post: Post, rng: np.random.Generator) -> PostOutcome:
        """Show ``post`` to people round by round; return how far it went."""
        p = self.p
        self._post = post
        self._outcome = outcome = PostOutcome()
        self._rng = rng
        key = post.topic_weights.tobytes()
        relevance = self._relevance.get(key)
        if relevance is None:
            # the same products as ``interests[people] @ topic_weights``, row by row
            relevance = self._relevance[key] = self.audience.interests @ post.topic_weights
        self._post_relevance = relevance
        self._post_actions = self._cumulative_actions[0 if post.has_link else 1][post.kind]
        enough = p.feed_min_sample
        followers = self.state.follows.nonzero()[0]
        in_test = rng.random(len(followers)) < p.feed_test_share
        rate, seen = self._round(followers[in_test], TEST)
        # Too few people to judge by: a post still reaches followers and matched people,
        # but never broad crowds.
        if rate >= p.feed_follower_threshold or seen < enough:
            others = followers[~in_test]
            shown = others[rng.random(len(others)) < p.feed_follower_reach]
            rate, seen = self._round(shown, FOLLOWERS)
            if rate >= p.feed_matched_threshold or seen < enough:
                size = round(max(seen, enough) * p.feed_widen_factor)
                rate, seen = self._round(self._sample_matched(size), MATCHED)
                usual = self._usual_matched_rate
                warm = self._matched_rounds_judged >= _WARM_UP_POSTS
                threshold = p.feed_broad_lift * usual if warm else np.inf
                if seen >= enough:
                    self._matched_rounds_judged += 1
                    self._usual_matched_rate = (
                        usual + _USUAL_WEIGHT * (rate - usual)
                        if (self._matched_rounds_judged > 1)
                        else rate
                    )
                for _ in range(p.feed_max_broad_rounds):
                    if seen < enough or rate < threshold:
                        break
                    threshold = p.feed_spiral_threshold
                    size = round(size * p.feed_widen_factor)
                    outcome.broad_rounds += 1
                    rate, seen = self._round(self._sample_unseen(size), BROAD)
        if rng.random() < p.feed_external_share_prob:
            outcome.externally_shared = True
            size = round(p.feed_external_audience_share * self.audience.size)
            self._round(self._sample_unseen(size), EXTERNAL)
        return outcome

    def _sample_matched(self, size: int) -> IntArray:
        """Non-followers drawn with probability proportional to ``match ** matched_power``.

        The feed recommends the account to people who don't follow it and never unfollowed it.
        """
        state, cumulative = self.state, self._match_cumulative
        n = len(cumulative)
        # sorted queries make the binary searches cache-friendly (several times faster), and
        # their slots come out sorted
        position = np.sort(self._rng.random(3 * size)) * cumulative[-1]
        slots = np.minimum(np.searchsorted(cumulative, position, side="right"), n - 1)
        candidates = unique_sorted(slots.astype(np.int64), ordered=True)
        draw: IntArray = candidates[
            state.open_to[candidates] & (state.seen[candidates] != self._post.number)
        ]
        if len(draw) > size:
            chosen: IntArray = np.sort(self._rng.choice(draw, size=size, replace=False))
            return chosen
        return draw

    def _sample_unseen(self, size: int) -> IntArray:
        n = self.audience.size
        draw = distinct_people(self._rng.integers(0, n, size=min(2 * size, 4 * n)), n)
        draw = draw[self.state.seen[draw] != self._post.number]
        if len(draw) > size:
            draw = np.sort(self._rng.choice(draw, size=size, replace=False))
        return draw

    def _round(self, people: IntArray, route: int) -> tuple[float, int]:
        """Expose ``people`` and the cascades they start.

        Returns the round's engagement rate and how many people it newly reached (cascades
        not counted: the feed judges the people it chose).
        """
        if len(people) == 0:
            return 0.0, 0
        rng = self._rng
        offset = _ROUND_OFFSET_HOURS[min(route, 3)] + (
            self._outcome.broad_rounds * 6.0 if route == BROAD else 0.0
        )
        if route == EXTERNAL:
            offset = float(rng.uniform(1.0, 12.0))
        times = self._post.time + int(offset * HOUR) + rng.exponential(HOUR, len(people))
        batch = _Batch(
            people.astype(np.int64, copy=False),
            times.astype(np.int64),
            np.full(len(people), route, dtype=np.int8),
        )
        exposed, engaged, reposters = self._expose(batch, distinct=True)
        if route != EXTERNAL:
            self._outcome.widest_route = max(self._outcome.widest_route, route)
        rate = engaged / exposed if exposed else 0.0
        direct = exposed
        for _ in range(self.p.feed_max_generations):
            if len(reposters.people) == 0:
                break
            reached, source = self.graph.followers_of(reposters.people)
            keep = rng.random(len(reached)) < self.p.feed_repost_reach
            reached, source = reached[keep], source[keep]
            delay = rng.exponential(HOUR, len(reached)).astype(np.int64)
            cascade = _Batch(
                reached.astype(np.int64), reposters.times[source] + delay, reposters.routes[source]
            )
            _, _, reposters = self._expose(cascade)
        return rate, direct

    # -- one batch of exposures -----------------------------------------------------------------
    def _before(self, times: IntArray) -> tuple[int, int]:
        """How many of ``times`` fall before the end and before the middle of the window."""
        if len(times) == 0:
            return 0, 0
        latest = int(times.max())
        if latest < self.mid <= self.end:  # a batch lasts hours: usually all on one side
            return len(times), len(times)
        return int(np.count_nonzero(times < self.end)), int(np.count_nonzero(times < self.mid))

    def _expose(self, batch: _Batch, *, distinct: bool = False) -> tuple[int, int, _Batch]:
        """People see the post; returns (new exposures, engagers, reposters).

        ``distinct``: the batch's people are distinct and sorted (a round's own sample), so
        there are no repeated exposures to drop.
        """
        p, state, audience, post, rng = self.p, self.state, self.audience, self._post, self._rng
        outcome = self._outcome
        before_end, before_mid = self._before(batch.times)
        outcome.impressions_end += before_end
        outcome.impressions_mid += before_mid
        unseen = state.seen[batch.people] != post.number
        if not unseen.all():
            batch = batch.take(unseen)
        if not distinct and len(batch.people) > 1:
            batch = batch.take(np.lexsort((batch.times, batch.people)))
            first = np.empty(len(batch.people), dtype=bool)
            first[0] = True
            np.not_equal(batch.people[1:], batch.people[:-1], out=first[1:])
            if not first.all():
                batch = batch.take(first)
        n = len(batch.people)
        if n == 0:
            return 0, 0, batch
        people = batch.people
        state.seen[people] = post.number
        before_end, before_mid = self._before(batch.times)
        outcome.reach_end += before_end
        outcome.reach_mid += before_mid

        relevance = self._post_relevance[people]
        age_days = (batch.times - post.time) / DAY
        logit = (
            self.base_logit[post.kind]
            + p.audience_match_weight * relevance
            + post.appeal
            - p.content_novelty_decay_per_day * age_days
            + audience.activity[people]
            + p.audience_affinity_weight * state.affinity[people]
            - p.audience_fatigue_engagement_weight * state.fatigue[people]
        )
        engaged = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
        state.saw_post(people, relevance, promo=post.kind == PROMO_KIND)
        who = engaged.nonzero()[0]
        if len(who) == 0:
            self._follows(batch, engaged, who, who)
            return n, 0, batch.take(who)

        # what the engaged people do
        action = np.minimum(
            np.searchsorted(self._post_actions, rng.random(len(who)), side="right"),
            len(ACTIONS) - 1,
        )
        delay = rng.lognormal(self._reaction_mu, p.audience_reaction_delay_sigma, len(who))
        acted_at = batch.times[who] + delay.astype(np.int64)
        valid = acted_at < self.end
        if not valid.all():
            who, action, acted_at = who[valid], action[valid], acted_at[valid]
        order = np.argsort(acted_at, kind="stable")
        who, action, acted_at = who[order], action[order], acted_at[order]
        person = people[who]
        is_reply = action == REPLY
        replies = int(np.count_nonzero(is_reply))
        detail = np.where(audience.match[person] < p.audience_on_topic_cut, 2, 0)
        if replies and post.kind != QUESTION_KIND:
            asked = np.zeros(len(who), dtype=bool)
            asked[is_reply] = rng.random(replies) < p.audience_question_share
            detail[asked] = 1
        else:
            asked = np.zeros(len(who), dtype=bool)
        rows = self.events.append(
            person=person, post=post.number - 1, answer=-1, kind=action, time=acted_at,
            detail=detail,
        )  # fmt: skip
        if replies:
            self._replies(rows[is_reply], person[is_reply], acted_at[is_reply], asked[is_reply])
        is_click = action == CLICK
        if is_click.any():
            self._clicks(person[is_click], acted_at[is_click])
        self._follows(batch, engaged, who, acted_at)
        spreading = (action == REPOST) | (action == QUOTE)
        chosen = who[spreading]
        reposters = _Batch(people[chosen], acted_at[spreading], batch.routes[chosen])
        return n, int(np.count_nonzero(engaged)), reposters

    def _follows(
        self, batch: _Batch, engaged: npt.NDArray[np.bool_], who: IntArray, acted_at: IntArray
    ) -> None:
        p, state, rng = self.p, self.state, self._rng
        people = batch.people
        open_to = state.open_to[people]
        if not open_to.any():
            return
        chance = np.where(engaged, p.audience_follow_prob_engaged, p.audience_follow_prob_viewer)
        floor = p.audience_follow_match_floor
        chance = chance * (floor + self.audience.match[people]) / (floor + 1.0)
        chance = np.minimum(chance * (1.0 + state.affinity[people]), 1.0)
        follow = open_to & (rng.random(len(people)) < chance)
        decided_at = batch.times.copy()
        decided_at[who] = acted_at
        delay = rng.exponential(0.2 * HOUR, len(people)).astype(np.int64)
        at = decided_at + delay
        follow &= at < self.end
        if not follow.any():
            return
        spike = batch.routes[follow] >= BROAD
        channel = np.where(spike, VIRAL_SPIKE, ORGANIC).astype(np.int8)
        self._outcome.spike_follows += int(np.count_nonzero(spike))
        state.queue_follows(people[follow], at[follow], channel)

    def _replies(
        self, rows: IntArray, people: IntArray, times: IntArray, asked: npt.NDArray[np.bool_]
    ) -> None:
        """The brand answers a random share of replies, independent of who wrote them."""
        p, rng = self.p, self._rng
        n = len(rows)
        chance = np.where(asked, p.brand_question_reply_prob, p.brand_reply_prob)
        answered = rng.random(n) < chance
        delay_hours = rng.lognormal(
            np.log(p.brand_reply_delay_median_hours), p.brand_reply_delay_sigma, n
        )
        answer_time = times + (delay_hours * HOUR).astype(np.int64)
        happened = answered & (answer_time < self.end)
        first_row = self.replies.rows
        self.replies.append(
            row=rows,
            person=people,
            post=self._post.number - 1,
            asked=asked,
            answered=answered,
            answer_time=np.where(happened, answer_time, -1),
            delay_hours=delay_hours,
        )
        if p.audience_answer_builds_affinity and happened.any():
            self.state.queue_affinity(
                people[happened], answer_time[happened], p.audience_answer_affinity_gain
            )
        thanks = happened & (rng.random(n) < p.audience_thanks_prob)
        if thanks.any():
            delay = rng.lognormal(self._reaction_mu, p.audience_reaction_delay_sigma, n)
            at = answer_time + delay.astype(np.int64)
            thanks &= at < self.end
            answer_index = first_row + np.arange(n)
            self.events.append(
                person=people[thanks],
                post=-1,
                answer=answer_index[thanks],
                kind=REPLY,
                time=at[thanks],
                detail=0,
            )

    def _clicks(self, people: IntArray, times: IntArray) -> None:
        """Clicks convert, mostly when the person's interests match the brand."""
        p, rng, state = self.p, self._rng, self.state
        floor = p.conversion_match_floor
        chance = p.conversion_click_rate * (floor + self.audience.match[people]) / (floor + 1)
        chance = np.minimum(chance * (1.0 + state.affinity[people]), 1.0)
        converts = rng.random(len(people)) < chance
        people, times = people[converts], times[converts]
        n = len(people)
        if n == 0:
            return
        delay = rng.lognormal(np.log(0.25 * HOUR), 1.2, n).astype(np.int64)
        at = times + delay
        purchase = (rng.random(n) < p.conversion_promo_purchase_share) & (
            self._post.kind == PROMO_KIND
        )
        value = rng.lognormal(
            np.log(p.conversion_order_value_median), p.conversion_order_value_sigma, n
        ).round(2)
        attributed = rng.random(n) >= p.conversion_unattributed_share
        known = rng.random(n) < p.conversion_person_known_share
        keep = at < self.end
        self.conversions.append(
            person=people[keep],
            post=self._post.number - 1,
            time=at[keep],
            kind=purchase[keep].astype(np.int8),
            value=np.where(purchase, value, np.nan)[keep],
            attributed=attributed[keep],
            person_known=known[keep],
        )
