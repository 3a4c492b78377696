"""What the world was drawn from: the answers that metrics and models are scored against."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from rapport.simulate.audience import SEGMENTS, FollowGraph
from rapport.simulate.dynamics import CHANNELS

__all__ = ["SPIKE_CAUSES", "Spike", "Truth", "person_id", "person_index"]

SPIKE_CAUSES: tuple[str, ...] = ("feed_widening", "external_share")
"""Why a post reached broad crowds: the feed widened it round after round because the people
who saw it kept engaging, or an outside account shared it."""

_PERSON_PREFIX = "synthetic:u"


def person_id(index: int) -> str:
    """The canonical id of person number ``index``."""
    return f"{_PERSON_PREFIX}{index}"


def person_index(identifier: str) -> int:
    """The person number of a canonical person id; ``ValueError`` for another id."""
    if not identifier.startswith(_PERSON_PREFIX):
        raise ValueError(f"{identifier!r} is not a synthetic person id ({_PERSON_PREFIX}N)")
    return int(identifier[len(_PERSON_PREFIX) :])


@dataclass(frozen=True)
class Spike:
    """A post that reached broad, mostly uninterested crowds."""

    day: int
    """Day of the window (0-based) the post was published."""
    post_id: str
    cause: str
    """One of :data:`SPIKE_CAUSES`."""
    reach: int
    """People who saw it by the end of the window."""
    followers_gained: int
    """Follows that came from its broad-crowd exposures."""


@dataclass(frozen=True, eq=False)
class Truth:
    """Per person (by number, see :func:`person_id`), per post and per reply: what happened.

    Arrays are indexed by person number. ``acquired_day`` is -1 for followers from before
    the window and for people who never followed; ``unfollowed_day`` is -1 for people who
    never unfollowed.
    """

    topics: tuple[str, ...]
    brand_topic: str
    segment: npt.NDArray[np.int8]
    """Index into :data:`SEGMENTS` (target, general, irrelevant)."""
    interest_match: npt.NDArray[np.float32]
    """Weight of the brand's topic in the person's interests (0..1)."""
    primary_topic: npt.NDArray[np.int8]
    activity: npt.NDArray[np.float32]
    acquired_channel: npt.NDArray[np.int8]
    """Index into :data:`CHANNELS` (none, initial, organic, discovery, viral_spike)."""
    acquired_day: npt.NDArray[np.int32]
    unfollowed_day: npt.NDArray[np.int32]
    final_affinity: npt.NDArray[np.float32]
    graph: FollowGraph
    replies: pa.Table
    """One row per reply people made to a broadcast post: ``interaction_id``, ``person``
    (number), ``post_id``, ``asked`` (a question), ``answered`` (the brand decided to answer),
    ``happened`` (the answer was published inside the window), ``answer_post_id`` (null when
    not published) and ``delay_hours``."""
    posts: pa.Table
    """One row per own broadcast post: ``post_id``, ``content_kind``, ``appeal``, ``widest_route``
    (test, followers, matched, broad), ``broad_rounds``, ``externally_shared``, ``reach``."""
    spikes: tuple[Spike, ...]
    active_days: npt.NDArray[np.bool_]
    """Per day: whether the own account was in an active posting spell."""
    initial_followers: int

    segments: tuple[str, ...] = SEGMENTS
    channels: tuple[str, ...] = CHANNELS

    @property
    def people(self) -> int:
        return int(self.segment.shape[0])

    def segment_of(self, identifier: str) -> str:
        """The segment label of a person id."""
        return SEGMENTS[int(self.segment[person_index(identifier)])]

    def channel_mask(self, channel: str) -> npt.NDArray[np.bool_]:
        """People acquired through ``channel`` (one of :data:`CHANNELS`)."""
        mask: npt.NDArray[np.bool_] = self.acquired_channel == CHANNELS.index(channel)
        return mask
