"""The synthetic world: a seeded, vectorised agent-based model of one brand's social media.

It is rapport's demo and its test-data generator at any scale. ``simulate(WorldParams(...))``
returns canonical tables (``rapport.canonical``) and the :class:`Truth` they were drawn from.
See docs/simulator.md for the model.
"""

from rapport.simulate.audience import SEGMENTS, FollowGraph
from rapport.simulate.dynamics import CHANNELS
from rapport.simulate.params import (
    ABLATION_SWITCHES,
    CompetitorProfile,
    InvalidWorldParameter,
    WorldParams,
    parameter_table,
)
from rapport.simulate.truth import SPIKE_CAUSES, Spike, Truth, person_id, person_index
from rapport.simulate.vocab import CONTENT_KINDS, TOPICS
from rapport.simulate.world import World, simulate

__all__ = [
    "ABLATION_SWITCHES",
    "CHANNELS",
    "CONTENT_KINDS",
    "SEGMENTS",
    "SPIKE_CAUSES",
    "TOPICS",
    "CompetitorProfile",
    "FollowGraph",
    "InvalidWorldParameter",
    "Spike",
    "Truth",
    "World",
    "WorldParams",
    "parameter_table",
    "person_id",
    "person_index",
    "simulate",
]
