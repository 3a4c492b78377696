"""Simulated worlds, each built once per test session whichever module asks first.

Several modules need the same world (the 3,000-person, 120-day world of seed 3 stands behind
the demo workspace, the report tests, the care list and the what-if); simulating it once
keeps the suite quick as it grows. A world's tables are Arrow tables and never change; a
test that needs to change data works on a store or a copy.
"""

from __future__ import annotations

import functools

from rapport.simulate import World, WorldParams, simulate

__all__ = ["SMALL_WORLD", "simulated"]

SMALL_WORLD = WorldParams(people=3_000, days=120, seed=3)
"""The world of `rapport demo --people 3000 --days 120 --seed 3` (the shared demo workspace)."""


@functools.cache
def simulated(params: WorldParams) -> World:
    """The world ``params`` describe, simulated once per test session."""
    return simulate(params)
