"""What each person feels about the brand, and the daily follow/unfollow draws.

Three per-person quantities drive behaviour, each decaying exponentially:

- **discontent**: every post a follower sees adds ``expected_relevance - relevance``: posts
  that miss the follower's interests push it up, relevant ones push it below zero
  (contentment);
- **fatigue**: every promotion a follower sees adds one;
- **affinity**: every answer from the brand adds ``audience_answer_affinity_gain``.

A follower's daily unfollow hazard is ``unfollow_base * exp(discontent_weight * discontent)
+ fatigue_hazard * fatigue``; affinity raises engagement and fatigue lowers it (see
:mod:`rapport.simulate.feed`). A non-follower finds the brand on a given day with probability
``discovery_rate * match**2``. Both draws use one uniform per person and day.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import numpy.typing as npt

from rapport.simulate.audience import Audience
from rapport.simulate.content import SIDE_TOPIC_WEIGHT
from rapport.simulate.log import FOLLOW, UNFOLLOW, EventLog
from rapport.simulate.params import WorldParams

__all__ = ["CHANNELS", "PersonState"]

CHANNELS: tuple[str, ...] = ("none", "initial", "organic", "discovery", "viral_spike")
"""How a person became a follower; ``PersonState.channel`` holds indexes into this tuple."""
NONE, INITIAL, ORGANIC, DISCOVERY, VIRAL_SPIKE = range(5)

DAY = 86_400
_HISTORY_POSTS = 10

IntArray = npt.NDArray[np.integer]


def _decay(half_life_days: float) -> np.float32:
    return np.float32(0.5 ** (1.0 / half_life_days))


class PersonState:
    """Mutable per-person state of one simulation run."""

    def __init__(self, params: WorldParams, audience: Audience, rng: np.random.Generator) -> None:
        n = audience.size
        self.params = params
        self.audience = audience
        self.follows = np.zeros(n, dtype=bool)
        self.ever_unfollowed = np.zeros(n, dtype=bool)
        self.open_to = np.ones(n, dtype=bool)
        """Neither follows nor ever unfollowed: may still follow (``~follows &
        ~ever_unfollowed``, kept as people follow)."""
        self.follow_day = np.full(n, -2, dtype=np.int32)
        self.channel = np.zeros(n, dtype=np.int8)
        self.unfollow_day = np.full(n, -1, dtype=np.int32)
        self.discontent = np.zeros(n, dtype=np.float32)
        self.fatigue = np.zeros(n, dtype=np.float32)
        self.affinity = np.zeros(n, dtype=np.float32)
        self.seen = np.zeros(n, dtype=np.int32)
        """Number of the last post (1-based) that reached each person."""
        self._discovery = (params.audience_discovery_rate * audience.match**2).astype(np.float32)
        self._pending_follows: dict[int, list[tuple[IntArray, IntArray, IntArray]]] = defaultdict(
            list
        )
        self._pending_affinity: dict[int, list[tuple[IntArray, float]]] = defaultdict(list)

        weight = audience.match.astype(np.float64) ** 2 + 0.002
        count = min(n, round(params.brand_initial_follower_share * n))
        initial = rng.choice(n, size=count, replace=False, p=weight / weight.sum())
        self.follows[initial] = True
        self.open_to[initial] = False
        self.follow_day[initial] = -1
        self.channel[initial] = INITIAL
        self.initial_followers = count
        # Followers from before the window arrive with a history: as if they had just seen
        # _HISTORY_POSTS posts at the current content mix.
        if params.audience_mismatch_erodes:
            relevance = (1.0 - SIDE_TOPIC_WEIGHT) * audience.match[initial]
            expected = params.audience_expected_relevance
            self.discontent[initial] = _HISTORY_POSTS * (expected - relevance)
        if params.audience_promo_fatigue:
            self.fatigue[initial] = _HISTORY_POSTS * params.brand_promo_share
        self._decay_discontent = _decay(params.audience_discontent_half_life_days)
        self._decay_fatigue = _decay(params.audience_fatigue_half_life_days)
        self._decay_affinity = _decay(params.audience_affinity_half_life_days)

    # -- effects of seeing a post ---------------------------------------------------------------
    def saw_post(
        self, people: IntArray, relevance: npt.NDArray[np.float32], *, promo: bool
    ) -> None:
        """Followers among ``people`` saw a post with the given relevance to each of them."""
        followers = self.follows[people]
        viewers = people[followers]
        if self.params.audience_mismatch_erodes:
            expected = np.float32(self.params.audience_expected_relevance)
            self.discontent[viewers] += expected - relevance[followers]
        if promo and self.params.audience_promo_fatigue:
            self.fatigue[viewers] += 1.0

    # -- queued changes -------------------------------------------------------------------------
    def queue_follows(self, people: IntArray, times: IntArray, channel: IntArray) -> None:
        """Follows decided now that happen at ``times`` (seconds from the start)."""
        days = times // DAY
        for day in sorted(set(days.tolist())):
            mask = days == day
            self._pending_follows[int(day)].append((people[mask], times[mask], channel[mask]))

    def queue_affinity(self, people: IntArray, times: IntArray, gain: float) -> None:
        """Affinity gained at ``times`` (a brand answer arriving)."""
        days = times // DAY
        for day in sorted(set(days.tolist())):
            self._pending_affinity[int(day)].append((people[days == day], gain))

    def apply_due(self, day: int, log: EventLog) -> None:
        """Apply the follows and affinity gains due on ``day``."""
        for people, gain in self._pending_affinity.pop(day, []):
            np.add.at(self.affinity, people, np.float32(gain))
        pending = self._pending_follows.pop(day, [])
        if not pending:
            return
        people = np.concatenate([p for p, _, _ in pending])
        times = np.concatenate([t for _, t, _ in pending])
        channel = np.concatenate([c for _, _, c in pending])
        order = np.lexsort((times, people))
        people, times, channel = people[order], times[order], channel[order]
        first = np.ones(len(people), dtype=bool)
        first[1:] = people[1:] != people[:-1]
        keep = first & self.open_to[people]
        self._follow(people[keep], times[keep], channel[keep], day, log)

    def _follow(
        self, people: IntArray, times: IntArray, channel: IntArray, day: int, log: EventLog
    ) -> None:
        self.follows[people] = True
        self.open_to[people] = False
        self.follow_day[people] = day
        self.channel[people] = channel
        self.discontent[people] = 0.0
        self.fatigue[people] = 0.0
        log.append(person=people, post=-1, answer=-1, kind=FOLLOW, time=times, detail=0)

    # -- the daily draws ------------------------------------------------------------------------
    def end_of_day(self, day: int, rng: np.random.Generator, log: EventLog) -> None:
        """Draw today's unfollows and discoveries, then let feelings fade one day."""
        p = self.params
        n = self.audience.size
        draw = rng.random(n, dtype=np.float32)
        # the hazard of the followers at risk only (the others' draws decide nothing here)
        at_risk = (self.follows & (self.follow_day != day)).nonzero()[0]
        exponent = self.discontent[at_risk] * np.float32(p.audience_discontent_weight)
        hazard = np.exp(np.minimum(exponent, np.float32(20.0)))
        hazard *= np.float32(p.audience_unfollow_base)
        hazard += self.fatigue[at_risk] * np.float32(p.audience_fatigue_hazard)
        leaving = at_risk[draw[at_risk] < hazard]
        finding = (self.open_to & (draw < self._discovery)).nonzero()[0]
        start = day * DAY
        if len(leaving):
            times = start + rng.integers(0, DAY, size=len(leaving))
            order = np.argsort(times, kind="stable")
            leaving, times = leaving[order], times[order]
            self.follows[leaving] = False
            self.ever_unfollowed[leaving] = True
            self.unfollow_day[leaving] = day
            log.append(person=leaving, post=-1, answer=-1, kind=UNFOLLOW, time=times, detail=0)
        if len(finding):
            times = start + rng.integers(0, DAY, size=len(finding))
            order = np.argsort(times, kind="stable")
            channel = np.full(len(finding), DISCOVERY, dtype=np.int8)
            self._follow(finding[order], times[order], channel, day, log)
        self.discontent *= self._decay_discontent
        self.fatigue *= self._decay_fatigue
        self.affinity *= self._decay_affinity

    @property
    def follower_count(self) -> int:
        return int(np.count_nonzero(self.follows))
