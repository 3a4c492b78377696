"""Moonshot math: the odds that a post of this account reaches 100, 1,000 or 10,000 reshares.

The model (science.md §3.4, §5). Every post draws a reproduction number R (the reshares each
reshare triggers) from a mixture over a fixed grid. Its direct reshares are Poisson(m·R), m
being what the account's own audience adds, and every reshare is reshared Poisson(R) times,
so its reshares follow a generalised Poisson distribution (:mod:`._rarity_borel`); with m = 1
that is Borel(R), the cascade of science.md §3.4. The *prior* (m = 1 and the mixture weights)
is calibrated to the published rarity figures (:mod:`._rarity_prior`): 95 % of posts never
reshared, 0.025 % of cascades reaching 100 adopters, the News corpus tail.

An account's history then moves both: its posts count one each and the prior
``prior_strength`` pseudo-posts (a Dirichlet prior on the weights), and log m has a normal
prior centred on 0 with sd ``audience_spread``. m is the value that maximises the posterior
(EM for the weights at each m, a bounded 1-D search over m), so an account whose followers
reshare every post is told it has a big audience, not near-critical posts. At that m a Gibbs
sampler (data augmentation, seeded) gives the posterior of the weights: their mean gives the
odds of a new post, ``draws`` samples the 95 % interval, widened to cover the samples at
both ends of m's own 95 % interval (from the curvature of the profile posterior). With no
history the weights are the calibrated prior and the interval is the Dirichlet prior's. For
the rarest thresholds the interval can lie wholly below the probability: the probability is
the average over the account's possible mixtures, carried by the small chance that its
posts are of the near-critical kind.

What it ignores: real offspring counts are more dispersed than Poisson, and R changes over a
post's life. It is a calibrated caricature; its numbers are orders of magnitude, not promises.

>>> odds = MoonshotOdds().fit([0, 0, 3, 1, 0, 12])
>>> odds.source_, odds.n_posts_, odds.largest_
('history', 6, 12)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
import numpy.typing as npt
from scipy import optimize  # type: ignore[import-untyped, unused-ignore]

from rapport.errors import InvalidHistory
from rapport.models._rarity_borel import reshare_logpmf, reshare_tail
from rapport.models._rarity_prior import (
    GRID,
    PRIOR_SOURCE,
    PRIOR_WEIGHTS,
    PUBLISHED,
    model_figures,
)
from rapport.models.base import Estimator, check_is_fitted

__all__ = [
    "GRID",
    "PRIOR_SOURCE",
    "PRIOR_WEIGHTS",
    "PUBLISHED",
    "InvalidHistory",
    "MoonshotOdds",
    "model_figures",
]

FloatArray = npt.NDArray[np.float64]


class MoonshotOdds(Estimator):
    """P(a post reaches k reshares) for each threshold, from a history of reshares per post.

    Hyper-parameters: ``thresholds`` (reshares; the post itself is not counted),
    ``prior_strength`` (how many posts the calibrated weights weigh), ``audience_spread``
    (sd of log m under the prior), ``reproduction_numbers`` and ``prior_weights`` (the
    mixture; the calibrated one by default), ``draws`` (posterior samples for the
    intervals), ``max_iter`` and ``tol`` for EM, and ``seed``.

    Learned: ``probabilities_`` and ``intervals_`` (one per threshold), ``weights_`` (the
    account's mixture, its posterior mean), ``audience_`` (m) with ``audience_interval_``,
    ``first_generation_`` (expected direct reshares of a post), ``prior_probabilities_``
    (the published population's odds), and what they rest on: ``n_posts_``, ``largest_``,
    ``mean_``, ``reshared_posts_`` and ``source_`` ("history", or "prior" when empty).
    """

    def __init__(
        self,
        *,
        thresholds: Sequence[int] = (100, 1000, 10000),
        prior_strength: float = 10.0,
        audience_spread: float = 2.0,
        reproduction_numbers: Sequence[float] = GRID,
        prior_weights: Sequence[float] = PRIOR_WEIGHTS,
        draws: int = 1000,
        max_iter: int = 500,
        tol: float = 1e-9,
        seed: int = 0,
    ) -> None:
        self.thresholds = thresholds
        self.prior_strength = prior_strength
        self.audience_spread = audience_spread
        self.reproduction_numbers = reproduction_numbers
        self.prior_weights = prior_weights
        self.draws = draws
        self.max_iter = max_iter
        self.tol = tol
        self.seed = seed

    # -- fitting -----------------------------------------------------------------------------
    def fit(self, reshares: npt.ArrayLike) -> Self:
        """Learn the account's mixture from its reshares per post (an empty history is fine)."""
        counts = _validated_history(reshares)
        grid, prior = self._validated_mixture()
        kept = np.asarray(self.thresholds, dtype=np.int64)
        if kept.ndim != 1 or kept.size == 0 or kept.min() < 1:
            raise InvalidHistory("thresholds", self.thresholds, "one or more counts ≥ 1")
        for name in ("prior_strength", "audience_spread"):
            if not float(getattr(self, name)) > 0:
                raise InvalidHistory(name, getattr(self, name), "a number > 0")
        alpha = float(self.prior_strength) * prior
        sizes, multiplicity = np.unique(counts, return_counts=True)

        last: list[FloatArray] = []

        def posterior(log_m: float) -> tuple[float, FloatArray, FloatArray]:
            found = self._em(
                sizes, multiplicity, grid, alpha, float(np.exp(log_m)), last[-1] if last else None
            )
            last.append(found[1])
            return found

        if counts.size:
            spread = float(self.audience_spread)
            bound = np.log(1e4)
            found = optimize.minimize_scalar(
                lambda x: -posterior(x)[0], bounds=(-bound, bound), method="bounded",
                options={"xatol": 1e-4},
            )  # fmt: skip
            log_m = float(found.x)
            h = 0.05
            curvature = (
                posterior(log_m + h)[0] - 2 * posterior(log_m)[0] + posterior(log_m - h)[0]
            ) / h**2
            se = 1 / np.sqrt(-curvature) if curvature < 0 else spread
            ends = [log_m - 1.959963984540054 * se, log_m + 1.959963984540054 * se]
        else:
            log_m, ends = 0.0, []
        log_ms = np.array([log_m, *ends])
        starts = np.array([posterior(x)[1] for x in log_ms])
        m = float(np.exp(log_m))
        rng = np.random.default_rng(self.seed)
        means, draws = self._gibbs(sizes, multiplicity, grid, alpha, np.exp(log_ms), starts, rng)
        weights = means[0]
        tails = reshare_tail(kept, m * grid, grid)
        low, high = np.quantile(draws[0] @ tails, [0.025, 0.975], axis=0)
        for chain, x in enumerate(log_ms[1:], start=1):
            at_end = draws[chain] @ reshare_tail(kept, np.exp(x) * grid, grid)
            low = np.minimum(low, np.quantile(at_end, 0.025, axis=0))
            high = np.maximum(high, np.quantile(at_end, 0.975, axis=0))
        intervals = np.column_stack([low, high])

        self.thresholds_: npt.NDArray[np.int64] = kept
        self.reproduction_numbers_: FloatArray = grid
        self.prior_weights_: FloatArray = prior
        self.weights_: FloatArray = weights
        self.audience_ = m
        self.audience_interval_ = (float(np.exp(ends[0])), float(np.exp(ends[1]))) if ends else None
        self.first_generation_ = float(m * weights @ grid)
        self.probabilities_: FloatArray = weights @ tails
        self.prior_probabilities_: FloatArray = prior @ reshare_tail(kept, grid, grid)
        self.intervals_: FloatArray = np.where(intervals < 1e-300, 0.0, intervals)
        self.n_posts_ = int(counts.size)
        self.largest_ = int(counts.max()) if counts.size else None
        self.mean_ = float(counts.mean()) if counts.size else None
        self.reshared_posts_ = int(np.count_nonzero(counts))
        self.source_ = "history" if counts.size else "prior"
        self.prior_source_ = PRIOR_SOURCE
        return self

    def probability(self, reshares: npt.ArrayLike) -> FloatArray:
        """P(a new post of this account reaches at least ``reshares``), for counts ≥ 0."""
        check_is_fitted(self, "weights_")
        k = np.atleast_1d(np.asarray(reshares, dtype=np.int64))
        if k.size and k.min() < 0:
            raise InvalidHistory("reshares", int(k.min()), "a count ≥ 0")
        grid = self.reproduction_numbers_
        result: FloatArray = self.weights_ @ reshare_tail(k, self.audience_ * grid, grid)
        return result

    # -- helpers -----------------------------------------------------------------------------
    def _validated_mixture(self) -> tuple[FloatArray, FloatArray]:
        grid = np.asarray(self.reproduction_numbers, dtype=np.float64)
        prior = np.asarray(self.prior_weights, dtype=np.float64)
        if grid.ndim != 1 or grid.size == 0 or (grid < 0).any() or (grid > 1).any():
            raise InvalidHistory(
                "reproduction_numbers", self.reproduction_numbers, "numbers from 0 to 1"
            )
        if prior.shape != grid.shape or (prior < 0).any() or not prior.sum() > 0:
            raise InvalidHistory(
                "prior_weights",
                self.prior_weights,
                f"{grid.size} weights ≥ 0 (one per reproduction number), not all 0",
            )
        return grid, prior / prior.sum()

    def _gibbs(
        self,
        sizes: npt.NDArray[np.int64],
        multiplicity: npt.NDArray[np.int64],
        grid: FloatArray,
        alpha: FloatArray,
        audiences: FloatArray,
        starts: FloatArray,
        rng: np.random.Generator,
    ) -> tuple[FloatArray, FloatArray]:
        """Posterior of the weights at each audience: means (chains × components) and
        ``draws`` samples (chains × draws × components), all chains sampled together.

        Data augmentation: each sweep draws how many posts of each count came from each
        component, then the weights from Dirichlet(α·w + those counts). The mean is
        Rao-Blackwellised (the average of the Dirichlet means), so it is exact for an empty
        history and has little Monte Carlo noise otherwise.
        """
        chains, draws = audiences.size, int(self.draws)
        if sizes.size == 0:
            means = np.tile(alpha / alpha.sum(), (chains, 1))
            return means, _dirichlet(rng, np.tile(alpha, (chains, draws, 1)))
        loglik = np.stack([reshare_logpmf(sizes, m * grid, grid) for m in audiences])
        likelihood = np.exp(loglik - np.max(loglik, axis=1, keepdims=True))  # chain, comp, size
        counts_of = np.broadcast_to(multiplicity, (chains, sizes.size))
        total = alpha.sum() + float(multiplicity.sum())
        weights = starts
        burn = draws // 4
        kept = np.empty((chains, draws, grid.size))
        means = np.zeros((chains, grid.size))
        for sweep in range(burn + draws):
            joint = np.maximum(weights, 1e-300)[:, :, None] * likelihood
            shares = np.swapaxes(joint / joint.sum(axis=1, keepdims=True), 1, 2)
            counts = rng.multinomial(counts_of, shares).sum(axis=1)
            weights = _dirichlet(rng, alpha + counts)
            if sweep >= burn:
                kept[:, sweep - burn] = weights
                means += (alpha + counts) / total
        return means / draws, kept

    def _em(
        self,
        sizes: npt.NDArray[np.int64],
        multiplicity: npt.NDArray[np.int64],
        grid: FloatArray,
        alpha: FloatArray,
        m: float,
        start: FloatArray | None = None,
    ) -> tuple[float, FloatArray, FloatArray]:
        """At audience m: the log posterior, the weights and each component's posts.

        The weights are the MAP under a Dirichlet(α·w + 1) prior: EM's M-step is
        (α·w + Σ responsibilities) / (α + n). ``start`` warm-starts EM.
        """
        weights = alpha / alpha.sum() if start is None else start
        log_prior_m = -0.5 * (np.log(m) / float(self.audience_spread)) ** 2
        if sizes.size == 0:
            return float(log_prior_m), weights, np.zeros_like(weights)
        likelihood = reshare_logpmf(sizes, m * grid, grid)  # components × distinct counts
        shift = np.max(likelihood, axis=0)
        likelihood = np.exp(likelihood - shift)  # each column's best component at 1
        n = float(multiplicity.sum())
        counts = np.zeros_like(weights)
        for _ in range(int(self.max_iter)):
            joint = weights[:, None] * likelihood
            resp = joint / joint.sum(axis=0)
            counts = resp @ multiplicity
            updated = (alpha + counts) / (alpha.sum() + n)
            done = float(np.max(np.abs(updated - weights))) < float(self.tol)
            weights = updated
            if done:
                break
        with np.errstate(divide="ignore"):
            log_w = np.log(weights)
        mixed = np.log(weights @ likelihood) + shift
        value = float(mixed @ multiplicity)
        value += float(np.sum(np.where(alpha > 0, alpha * log_w, 0.0))) + log_prior_m
        return value, weights, counts


def _validated_history(reshares: npt.ArrayLike) -> npt.NDArray[np.int64]:
    values = np.asarray(reshares, dtype=np.float64)
    if values.ndim != 1:
        raise InvalidHistory("reshares", f"an array of shape {values.shape}", "one count a post")
    bad = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidHistory(f"reshares[{i}]", float(values[i]), "a whole number ≥ 0")
    return values.astype(np.int64)


def _dirichlet(rng: np.random.Generator, alpha: FloatArray) -> FloatArray:
    """One Dirichlet draw per row of ``alpha`` (last axis), by normalised gammas."""
    gammas = rng.standard_gamma(alpha)
    total = gammas.sum(axis=-1, keepdims=True)
    result: FloatArray = np.where(total > 0, gammas / np.where(total > 0, total, 1.0), 0.0)
    return result
