"""The published rarity figures and the mixture of reproduction numbers calibrated to them.

No single reproduction number R reproduces both "most posts are never reshared" and "1 in
4,000 cascades reaches 100" (science.md §3.4), so rapport models a *mixture*: each post draws
its R from a fixed grid with the weights below, and its cascade size from Borel(R). The
weights are fitted once, by :func:`calibrate`, to the figures in :data:`PUBLISHED`
(science.md §2 and §5), and shipped as :data:`PRIOR_WEIGHTS`; a test checks that they still
reproduce every figure within :data:`TOLERANCE` and that refitting gives the same figures.

Sizes here count adopters, the original post included (a post with 99 reshares is a cascade
of 100), as in the sources.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize  # type: ignore[import-untyped, unused-ignore]

from rapport.models._rarity_borel import borel_tail, depth_shares

__all__ = [
    "BEYOND_ONE_DEGREE",
    "GRID",
    "PRIOR_SOURCE",
    "PRIOR_WEIGHTS",
    "PUBLISHED",
    "TOLERANCE",
    "Figure",
    "calibrate",
    "model_figures",
]


@dataclass(frozen=True)
class Figure:
    """One published number the prior must reproduce."""

    name: str
    value: float
    what: str
    source: str
    size: int | None = None
    """The cascade size k in P(S ≥ k); None for the share of single adopters or of depth 1."""
    given: int | None = None
    """For a conditional tail P(S ≥ k | S ≥ given)."""


_GOEL_2012 = "Goel, Watts & Goldstein, EC 2012 (Twitter, first author's blog) [S]"
_GOEL_2016 = "Goel, Anderson, Hofman & Watts, Management Science 2016 (Twitter) [S]"
_MISHRA = "Mishra, Rizoiu & Xie, CIKM 2016, News corpus, 20,093 cascades with ≥ 50 [D]"

PUBLISHED: tuple[Figure, ...] = (
    Figure("single_adopter", 0.95, "share of posts nobody reshares", _GOEL_2012),
    Figure("first_round_only", 0.03, "share reshared, but no reshare reshared", _GOEL_2012),
    Figure("at_least_100", 2.5e-4, "share of cascades with ≥ 100 adopters", _GOEL_2016, 100),
    Figure("news_100", 0.439, "P(≥ 100 | ≥ 50)", _MISHRA, 100, 50),
    Figure("news_200", 0.163, "P(≥ 200 | ≥ 50)", _MISHRA, 200, 50),
    Figure("news_500", 0.0377, "P(≥ 500 | ≥ 50)", _MISHRA, 500, 50),
    Figure("news_1000", 0.0124, "P(≥ 1,000 | ≥ 50)", _MISHRA, 1000, 50),
    Figure("news_5000", 9.0e-4, "P(≥ 5,000 | ≥ 50)", _MISHRA, 5000, 50),
    Figure("news_10000", 3.5e-4, "P(≥ 10,000 | ≥ 50)", _MISHRA, 10000, 50),
)
"""science.md §5: Twitter's singletons and first-round-only share (Goel et al. 2012), the
0.025 % of cascades reaching 100 (Goel et al. 2016), and the shape of the tail among cascades
that already reached 50 (the Mishra et al. News corpus, counted from
``mishra2016_news_index.csv``)."""

BEYOND_ONE_DEGREE = (0.01, 0.04)
"""Not fitted, checked: "only 1–4 % of cascades extend beyond one degree" (Goel et al. 2012)."""

TOLERANCE = 0.05
"""The shipped prior reproduces every figure in PUBLISHED within 5 % (relative)."""

GRID: tuple[float, ...] = (0.0, 0.1, 0.25, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 1.0)
"""Reproduction numbers of the mixture's components (R = 0: nobody reshares the post)."""

PRIOR_WEIGHTS: tuple[float, ...] = (
    8.580e-01, 1.023e-03, 1.036e-03, 1.247e-01, 1.098e-03, 3.171e-03, 9.007e-03, 1.294e-03,
    4.961e-04, 1.130e-04, 2.801e-05, 1.535e-05, 9.162e-06,
)  # fmt: skip
"""The weights :func:`calibrate` fits on GRID (rounded to four digits; normalised on use)."""

PRIOR_SOURCE = (
    "a mixture of Borel cascades over R in {"
    + ", ".join(f"{r:g}" for r in GRID)
    + "} calibrated to the published rarity figures: 95 % of Twitter posts never reshared and "
    "3 % reshared only once removed (Goel, Watts & Goldstein 2012), 0.025 % of cascades "
    "reaching 100 adopters (Goel, Anderson, Hofman & Watts 2016), and the tail of the Mishra et "
    "al. 2016 News corpus (of cascades that reached 50: 1.24 % reach 1,000, 0.035 % 10,000)"
)

_SIZES = (1, 2, 50, 100, 200, 500, 1000, 5000, 10000)


FloatArray = npt.NDArray[np.float64]


def _vector(w: FloatArray, tails: FloatArray, first_round: FloatArray) -> FloatArray:
    """The PUBLISHED figures, in order, for weights w on precomputed Borel tails."""
    at = w @ tails  # P(S ≥ s) for s in _SIZES
    column = {size: i for i, size in enumerate(_SIZES)}
    values = np.empty(len(PUBLISHED))
    for i, figure in enumerate(PUBLISHED):
        if figure.name == "single_adopter":
            values[i] = 1 - at[column[2]]
        elif figure.name == "first_round_only":
            values[i] = w @ first_round
        elif figure.size is not None:
            given = at[column[figure.given]] if figure.given is not None else 1.0
            values[i] = at[column[figure.size]] / given
    return values


def model_figures(weights: npt.ArrayLike, grid: npt.ArrayLike = GRID) -> dict[str, float]:
    """What a mixture says for each published figure, plus ``beyond_one_degree``."""
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    _, first_round, deeper = depth_shares(grid)
    values = _vector(w, borel_tail(_SIZES, grid), first_round)
    out = {f.name: float(v) for f, v in zip(PUBLISHED, values, strict=True)}
    return out | {"beyond_one_degree": float(w @ deeper)}


def calibrate(grid: npt.ArrayLike = GRID, *, seed: int = 0) -> FloatArray:
    """Fit mixture weights on ``grid`` to :data:`PUBLISHED` (squared log errors, softmax).

    A small ridge on the logits settles the directions the figures leave free; the best of
    eight starts (the uniform one and seven seeded ones) is kept, so the fit is reproducible.
    """
    r = np.asarray(grid, dtype=np.float64)
    tails, (_, first_round, _) = borel_tail(_SIZES, r), depth_shares(r)
    targets = np.log([f.value for f in PUBLISHED])

    def loss(z: FloatArray) -> float:
        w = np.exp(z - z.max())
        values = np.log(np.maximum(_vector(w / w.sum(), tails, first_round), 1e-300))
        return float(np.sum((values - targets) ** 2) + 1e-3 * np.sum(z**2))

    rng = np.random.default_rng(seed)
    starts = [np.zeros(r.size), *(rng.normal(size=r.size) for _ in range(7))]
    best = min((optimize.minimize(loss, z0, method="BFGS") for z0 in starts), key=lambda f: f.fun)
    z = np.asarray(best.x, dtype=np.float64)
    w = np.exp(z - z.max())
    result: FloatArray = w / w.sum()
    return result
