"""The people of the world and who follows whom.

People belong to one of three segments: the **target** segment (interests centred on the
brand's topic), the **general** crowd (diffuse interests) and **irrelevant** crowds (each
centred on one other topic). Interests are a Dirichlet draw per person; the interest match
with the brand is the weight on the brand's topic.

The follow graph is a degree-corrected stochastic block model: each person follows a
lognormal number of people, a share of them inside their own interest community, each
chosen with probability proportional to a Pareto popularity. Follower counts come out
heavy-tailed. The graph is kept as CSR arrays (``indptr``, ``followers``), so a million
people with twenty ties each take about 90 MB.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rapport.simulate.params import WorldParams
from rapport.simulate.vocab import TOPICS, topic_index

__all__ = ["SEGMENTS", "Audience", "FollowGraph", "draw_audience", "draw_follow_graph"]

SEGMENTS: tuple[str, ...] = ("target", "general", "irrelevant")
"""Segment labels; ``Audience.segment`` holds indexes into this tuple."""

TARGET, GENERAL, IRRELEVANT = 0, 1, 2

Int32Array = npt.NDArray[np.int32]
Int64Array = npt.NDArray[np.int64]
Float32Array = npt.NDArray[np.float32]


@dataclass(frozen=True, eq=False)
class Audience:
    """Per-person attributes, indexed by person number (``0 .. people-1``)."""

    segment: npt.NDArray[np.int8]
    interests: Float32Array
    """(people, topics) interest weights, each row sums to 1."""
    match: Float32Array
    """Interest match with the brand: the weight on the brand's topic (0..1)."""
    primary_topic: npt.NDArray[np.int8]
    secondary_topic: npt.NDArray[np.int8]
    activity: Float32Array
    """Engagement propensity, added to every engagement logit of the person."""

    @property
    def size(self) -> int:
        return int(self.segment.shape[0])


@dataclass(frozen=True, eq=False)
class FollowGraph:
    """Who follows whom among people, as CSR by followee.

    The followers of person ``j`` are ``followers[indptr[j]:indptr[j + 1]]``.
    """

    indptr: Int64Array
    followers: Int32Array
    following_counts: Int32Array
    """How many people each person follows (out-degree)."""

    @property
    def follower_counts(self) -> Int64Array:
        return np.diff(self.indptr)

    @property
    def edge_count(self) -> int:
        return int(self.followers.shape[0])

    def followers_of(self, people: npt.NDArray[np.integer]) -> tuple[Int32Array, Int64Array]:
        """All followers of ``people``, and for each the position in ``people`` it came from."""
        starts = self.indptr[people]
        lengths = self.indptr[people + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return np.empty(0, np.int32), np.empty(0, np.int64)
        source = np.repeat(np.arange(len(people), dtype=np.int64), lengths)
        offsets = np.cumsum(lengths) - lengths
        positions = np.arange(total, dtype=np.int64) - np.repeat(offsets - starts, lengths)
        return self.followers[positions], source

    def follows(self, follower: int, followee: int) -> bool:
        """Whether ``follower`` follows ``followee``."""
        block = self.followers[self.indptr[followee] : self.indptr[followee + 1]]
        index = int(np.searchsorted(block, follower))
        return index < len(block) and int(block[index]) == follower


def draw_audience(params: WorldParams, rng: np.random.Generator) -> Audience:
    """Draw every person's segment, interests and propensity."""
    n = params.people
    k = len(TOPICS)
    brand = topic_index(params.brand_topic)
    u = rng.random(n)
    segment = np.full(n, GENERAL, dtype=np.int8)
    segment[u < params.audience_target_share] = TARGET
    segment[u >= 1.0 - params.audience_irrelevant_share] = IRRELEVANT

    alpha = np.ones((n, k), dtype=np.float64)
    target = segment == TARGET
    alpha[target] = 0.5
    alpha[target, brand] = 8.0
    irrelevant = np.flatnonzero(segment == IRRELEVANT)
    others = np.array([t for t in range(k) if t != brand])
    focus = others[rng.integers(0, len(others), size=len(irrelevant))]
    alpha[irrelevant] = 0.4
    alpha[irrelevant, brand] = 0.1
    alpha[irrelevant, focus] = 8.0
    gamma = rng.standard_gamma(alpha)
    interests = (gamma / gamma.sum(axis=1, keepdims=True)).astype(np.float32)
    del gamma, alpha

    top_two = np.argsort(-interests, axis=1)[:, :2]
    activity = rng.normal(0.0, params.audience_activity_sigma, size=n).astype(np.float32)
    return Audience(
        segment=segment,
        interests=interests,
        match=np.ascontiguousarray(interests[:, brand]),
        primary_topic=top_two[:, 0].astype(np.int8),
        secondary_topic=top_two[:, 1].astype(np.int8),
        activity=activity,
    )


def draw_follow_graph(
    params: WorldParams, audience: Audience, rng: np.random.Generator
) -> FollowGraph:
    """Draw the follow ties among people (degree-corrected block model by primary topic).

    Each person's ties are split between their own community and everyone; within each
    pool, followees get ties in proportion to their popularity (a multinomial draw) and the
    ties are paired with their followers at random. Self-ties and repeated ties are dropped.
    """
    n = audience.size
    sigma = params.audience_following_sigma
    mu = np.log(params.audience_following_mean) - sigma**2 / 2
    cap = min(n - 1, 5_000)
    out_degree = np.clip(np.rint(rng.lognormal(mu, sigma, size=n)), 1, cap).astype(np.int64)
    popularity = rng.pareto(params.audience_popularity_alpha - 1e-9, size=n) + 1.0
    inside = rng.binomial(out_degree, params.audience_community_share)
    outside = out_degree - inside
    community = audience.primary_topic.astype(np.int64)

    everyone = np.arange(n, dtype=np.int64)
    pools = [np.flatnonzero(community == c) for c in range(len(TOPICS))]
    pools.append(everyone)
    keys: list[npt.NDArray[np.int64]] = []
    for number, members in enumerate(pools):
        ties = inside[members] if number < len(TOPICS) else outside
        total = int(ties.sum())
        if total == 0 or len(members) == 0:
            continue
        weight = popularity[members]
        # (scaled a hair below 1 so that rounding never trips numpy's sum check)
        received = rng.multinomial(total, weight / weight.sum() * (1.0 - 1e-9))
        followee = np.repeat(members, received)
        follower = rng.permutation(np.repeat(members, ties))
        keep = followee != follower
        keys.append(followee[keep] * n + follower[keep])
        del followee, follower, keep
    key = np.concatenate(keys) if keys else np.empty(0, dtype=np.int64)
    del keys
    key.sort()
    if len(key) > 1:
        key = key[np.concatenate(([True], key[1:] != key[:-1]))]
    followee_sorted = key // n
    followers = (key - followee_sorted * n).astype(np.int32)
    del key
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(followee_sorted, minlength=n), out=indptr[1:])
    del followee_sorted
    following = np.bincount(followers, minlength=n).astype(np.int32)
    return FollowGraph(indptr=indptr, followers=followers, following_counts=following)
