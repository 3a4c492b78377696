"""A seeded simulator of marked Hawkes cascades (branching representation).

Each event with mark m has Poisson(κ m^β · ∫kernel) children; a child's delay is drawn from
the normalised kernel (power law: c (U^(-1/θ) − 1); exponential: Exp(θ)) and its mark from
the follower power law with density (α − 1) m^-α, m ≥ 1. Used by the tests to check that the
fit recovers known parameters, and by the benchmark to make synthetic cascades.
"""

from __future__ import annotations

import numpy as np

from rapport.models._cascade_core import Cascade
from rapport.models._hawkes_likelihood import ALPHA

__all__ = ["branching_factor", "simulate_hawkes"]


def branching_factor(
    kappa: float, beta: float, c: float, theta: float, *, kernel: str, alpha: float = ALPHA
) -> float:
    """n* = κ (α − 1)/(α − β − 1) × ∫kernel (1/(θ c^θ) for the power law, 1 otherwise)."""
    if beta >= alpha - 1.0:
        return float("inf")
    mass = 1.0 / (theta * c**theta) if kernel == "power" else 1.0
    return kappa * (alpha - 1.0) / (alpha - beta - 1.0) * mass


def simulate_hawkes(
    rng: np.random.Generator,
    *,
    kappa: float,
    beta: float,
    c: float,
    theta: float,
    poster_followers: float,
    horizon: float,
    kernel: str = "power",
    alpha: float = ALPHA,
    max_events: int = 100_000,
    cascade_id: str = "simulated",
) -> Cascade:
    """One cascade up to ``horizon`` seconds; ``final_size`` is the reshares within it."""
    mass = 1.0 / (theta * c**theta) if kernel == "power" else 1.0
    times = [np.zeros(1)]
    marks = [np.array([float(poster_followers)])]
    frontier_t, frontier_m = times[0], marks[0]
    total = 0
    while frontier_t.size and total < max_events:
        counts = rng.poisson(kappa * np.power(frontier_m, beta) * mass)
        parents = np.repeat(frontier_t, counts)
        if parents.size == 0:
            break
        uniform = rng.random(parents.size)
        if kernel == "power":
            delays = c * (np.power(1.0 - uniform, -1.0 / theta) - 1.0)
        else:
            delays = -np.log1p(-uniform) / theta
        child_t = parents + delays
        child_m = np.power(1.0 - rng.random(parents.size), -1.0 / (alpha - 1.0))
        inside = child_t <= horizon
        frontier_t, frontier_m = child_t[inside], child_m[inside]
        times.append(frontier_t)
        marks.append(frontier_m)
        total += int(frontier_t.size)
    all_t = np.concatenate(times[1:]) if len(times) > 1 else np.zeros(0)
    all_m = np.concatenate(marks[1:]) if len(marks) > 1 else np.zeros(0)
    return Cascade.from_events(
        cascade_id,
        all_t,
        all_m,
        poster_followers=float(poster_followers),
        final_size=int(all_t.size),
        horizon=horizon,
    )
