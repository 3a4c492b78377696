"""Who to care for first: influence maximisation under the Independent Cascade model.

Given a directed graph where ``u -> v`` means "u can convince v", choose ``k`` seed nodes
whose expected spread σ(S) (the expected number of nodes activated, seeds included) is as
large as possible. Spread is monotone and submodular, so greedy choice is within
1 − 1/e of the best; it is estimated with reverse-reachable (RR) sets (Borgs et al. 2014):
σ(S) = n · P(S hits a random RR set).

**Diffusion model.** Independent Cascade: an activated node gets one chance to activate each
out-neighbour v, with probability p(u, v). ``weighted_cascade`` (default):
p(u, v) = 1/indeg(v); ``constant``: one p on every edge; ``edge``: the graph's own
probabilities (the workspace graph of :mod:`rapport.analyses.seeds`).

**Sample size: OPIM-C** (Tang, Tang, Xiao, Yuan, SIGMOD 2018), from the paper's definitions.
Two independent collections R1 and R2 of θ RR sets each, with θ0 = 2((1 − 1/e)α + β)² and
θ doubled each round up to θmax = 2n((1 − 1/e)α + β)² / (k ε²), where α = √ln(6/δ),
β = √((1 − 1/e)(ln C(n, k) + ln(6/δ))), δ = 1/n by default. Each round: S = greedy on R1;
Λ2 = sets of R2 that S hits; Λ1ᵘ = an upper bound on OPT's coverage of R1 from the greedy
run (the minimum over prefixes S_j of Λ1(S_j) plus the k largest marginal coverages, the
``"min"`` bound; ``"last"`` uses j = k only; ``"basic"`` is Λ1(S)/(1 − 1/e)). With
a = ln(3·i_max/δ):

    σˡ(S)  = ((√(Λ2 + 2a/9) − √(a/2))² − a/18) · n/θ
    σᵘ(OPT) = (√(Λ1ᵘ + a/2) + √(a/2))² · n/θ

and the run stops as soon as σˡ(S)/σᵘ(OPT) ≥ 1 − 1/e − ε: then S is a
(1 − 1/e − ε)-approximation with probability at least 1 − δ. The ratio reached is reported
as ``guarantee_``. The spread reported is n·Λ2/θ, from R2, which played no part in choosing
S (the coverage of R1 is biased upwards and is never reported). With node weights w (how
much reaching a node is worth), roots are drawn in proportion to w and n becomes Σw.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np

from rapport.errors import UsageError
from rapport.models._influence_graph import (
    FloatArray,
    Graph,
    IntArray,
    MalformedLine,
    log_binomial,
    read_edgelist,
)
from rapport.models._influence_ris import (
    MODELS,
    ReverseGraph,
    RRSets,
    coverage,
    edge_probabilities,
    greedy_max_cover,
    monte_carlo_spread,
    sample_rr_sets,
)
from rapport.models.base import Estimator, check_is_fitted

__all__ = [
    "MODELS",
    "Baseline",
    "CurvePoint",
    "Graph",
    "InfluenceMaximizer",
    "MalformedLine",
    "SeedChoice",
    "SeedPerson",
    "SpreadEstimate",
    "choose_seeds",
    "random_nodes",
    "read_edgelist",
    "spread_interval",
    "top_by",
]

BOUNDS = ("min", "last", "basic")
_E = 1.0 - 1.0 / math.e


@dataclass(frozen=True)
class SpreadEstimate:
    """A Monte-Carlo estimate of σ(S): the mean over ``runs`` cascades and its standard error."""

    mean: float
    stderr: float
    runs: int

    def to_dict(self) -> dict[str, float | int]:
        return {"mean": self.mean, "stderr": self.stderr, "runs": self.runs}


class InfluenceMaximizer(Estimator):
    """Choose ``k`` seeds by RR sets and greedy max-coverage with OPIM-C's stopping rule.

    Hyper-parameters: ``k`` seeds; ``epsilon`` and ``delta`` (None: 1/n) of the
    (1 − 1/e − ε) guarantee held with probability 1 − δ; the diffusion ``model`` (one of
    :data:`MODELS`) and its ``probability`` for ``"constant"``; the OPT ``bound`` (one of
    ``min``, ``last``, ``basic``); ``min_samples``, RR sets to draw at least (R1 and R2
    together) even once the guarantee holds, for a steadier ranking on small graphs;
    ``max_samples``, a cap on them (the guarantee reached is reported either way);
    ``precision``, when given, the relative half-width of the 95 % interval of the estimated
    spread to reach before stopping (more samples also steady the greedy's choice: on
    ego-Facebook, 0.005 brings the seeds within 0.2 % of a greedy over a million RR sets,
    where the guarantee alone stops 2–3 % short); ``seed`` for the random numbers.

    Learned: ``seeds_`` (ids as in the graph), ``seed_indices_``, ``estimated_spread_``
    (n·Λ2/θ), ``spread_curve_`` (estimated spread of the first j seeds, j = 1..k, from R2),
    ``marginal_gains_`` (its differences, the diminishing-returns curve), ``greedy_gains_``
    (marginal coverages on R1, which never increase), ``samples_`` (R1 + R2), ``rounds_``,
    ``guarantee_`` (the approximation ratio certified), ``guarantee_met_``,
    ``spread_interval_`` (the 95 % interval of ``estimated_spread_``, Wilson's, over the
    independent R2 sets) and ``delta_`` (the δ used).
    """

    def __init__(
        self,
        *,
        k: int = 50,
        epsilon: float = 0.01,
        delta: float | None = None,
        model: str = "weighted_cascade",
        probability: float = 0.1,
        bound: str = "min",
        min_samples: int = 0,
        max_samples: int = 1 << 22,
        precision: float | None = None,
        seed: int = 0,
    ) -> None:
        self.k = k
        self.epsilon = epsilon
        self.delta = delta
        self.model = model
        self.probability = probability
        self.bound = bound
        self.min_samples = min_samples
        self.max_samples = max_samples
        self.precision = precision
        self.seed = seed

    def _check(self, graph: Graph) -> None:
        if not isinstance(graph, Graph):
            raise UsageError(f"fit needs a Graph, got {type(graph).__name__}")
        candidates = graph.nodes if graph.seedable is None else int(graph.seedable.sum())
        if not isinstance(self.k, int) or not 1 <= self.k <= candidates:
            raise UsageError(
                f"k = {self.k!r}: expected 1 to {candidates} (nodes that can be seeds)"
            )
        if not 0.0 < self.epsilon < _E:
            raise UsageError(f"epsilon = {self.epsilon!r}: expected a value in (0, {_E:.3f})")
        if self.delta is not None and not 0.0 < self.delta < 1.0:
            raise UsageError(f"delta = {self.delta!r}: expected a value in (0, 1)")
        if self.precision is not None and not 0.0 < self.precision < 1.0:
            raise UsageError(f"precision = {self.precision!r}: expected a value in (0, 1)")
        if self.bound not in BOUNDS:
            raise UsageError(f"bound = {self.bound!r}: expected one of {', '.join(BOUNDS)}")
        if self.model not in MODELS:
            raise UsageError(f"model = {self.model!r}: expected one of {', '.join(MODELS)}")

    def fit(self, graph: Graph) -> Self:
        """Run OPIM-C on ``graph`` and keep the seeds, their spread and the curve."""
        self._check(graph)
        n, k = graph.nodes, self.k
        probabilities = edge_probabilities(graph, model=self.model, probability=self.probability)
        reverse = ReverseGraph.build(graph, probabilities)
        weights = graph.weights
        total = float(n if weights is None else weights.sum())
        if total <= 0:
            raise UsageError("every node of the graph has weight 0: there is nothing to reach")
        delta = self.delta if self.delta is not None else 1.0 / n
        candidates = n if graph.seedable is None else int(graph.seedable.sum())
        scale = _top_weight(graph, k)
        alpha = math.sqrt(math.log(6.0 / delta))
        beta = math.sqrt(_E * (log_binomial(candidates, k) + math.log(6.0 / delta)))
        core = (_E * alpha + beta) ** 2
        theta0 = max(1, int(2.0 * core))
        theta_max = 2.0 * total * core / (scale * self.epsilon**2)
        i_max = max(1, math.floor(math.log2(max(theta_max / theta0, 1.0))) + 1)
        a = math.log(3.0 * i_max / delta)
        rng = np.random.default_rng([self.seed, 1])
        root_weights = weights

        def draw(count: int) -> RRSets:
            return sample_rr_sets(reverse, count, rng, root_weights=root_weights)

        r1, r2 = draw(theta0), draw(theta0)
        rounds, ratio = 0, -math.inf
        for i in range(i_max):
            rounds = i + 1
            cover = greedy_max_cover(r1, n, k, seedable=graph.seedable)
            upper_cover = {
                "min": cover.bound_min,
                "last": cover.bound_last,
                "basic": float(cover.covered[-1]) / _E,
            }[self.bound]
            lambda2 = float(coverage(r2, cover.seeds, n)[-1])
            lower = (math.sqrt(lambda2 + 2 * a / 9) - math.sqrt(a / 2)) ** 2 - a / 18
            upper = (math.sqrt(upper_cover + a / 2) + math.sqrt(a / 2)) ** 2
            ratio = lower / upper if upper > 0 else 0.0
            theta = r1.count
            enough = ratio >= _E - self.epsilon and 2 * theta >= self.min_samples
            if self.precision is not None and enough:
                low, high = spread_interval(lambda2, float(r2.count), r2.count)
                enough = high - low <= 2 * self.precision * max(lambda2, 1.0)
            if enough or i == i_max - 1 or 4 * theta > self.max_samples:
                break
            r1, r2 = RRSets.concat(r1, draw(theta)), RRSets.concat(r2, draw(theta))
        curve = coverage(r2, cover.seeds, n).astype(np.float64) * total / r2.count
        self.seed_indices_ = cover.seeds
        self.seeds_ = graph.ids_of(cover.seeds)
        self.estimated_spread_ = float(curve[-1])
        self.spread_curve_ = curve
        self.marginal_gains_ = np.diff(curve, prepend=0.0)
        self.greedy_gains_ = np.diff(cover.covered, prepend=0).astype(np.float64) * total / r1.count
        self.samples_ = r1.count + r2.count
        self.rounds_ = rounds
        self.guarantee_ = max(ratio, 0.0)
        self.guarantee_met_ = ratio >= _E - self.epsilon
        self.spread_interval_ = spread_interval(self.estimated_spread_, total, r2.count)
        self.delta_ = delta
        self.n_nodes_ = n
        self._estimate_sets = r2
        self._total_weight = total
        return self

    def spread_of(self, graph: Graph, seeds: Iterable[Hashable]) -> float:
        """The RIS estimate of σ(S) for any seeds, from the fitted R2 sets (unbiased for any S
        not chosen with R2)."""
        check_is_fitted(self, "seeds_")
        if graph.nodes != self.n_nodes_:
            raise UsageError(
                f"this model was fitted on a graph of {self.n_nodes_} nodes, not {graph.nodes}"
            )
        index = graph.index_of(seeds)
        if index.size == 0:
            return 0.0
        hits = coverage(self._estimate_sets, index, graph.nodes)[-1]
        return float(hits) * self._total_weight / self._estimate_sets.count

    def estimate_spread(
        self, graph: Graph, seeds: Iterable[Hashable], *, runs: int = 1000, seed: int = 0
    ) -> SpreadEstimate:
        """Monte-Carlo σ(S) under this estimator's model: ``runs`` simulated cascades."""
        if runs < 2:
            raise UsageError(f"runs = {runs!r}: expected at least 2")
        probabilities = edge_probabilities(graph, model=self.model, probability=self.probability)
        rng = np.random.default_rng([seed, 2])
        values = monte_carlo_spread(graph, probabilities, graph.index_of(seeds), runs=runs, rng=rng)
        return SpreadEstimate(
            float(values.mean()), float(values.std(ddof=1) / math.sqrt(runs)), runs
        )


def spread_interval(spread: float, total: float, count: int) -> tuple[float, float]:
    """The 95 % Wilson interval of a spread estimated as ``total`` x (the share of ``count``
    independent RR sets hit): each set is hit or not, a binomial draw."""
    if count <= 0:
        return (0.0, total)
    z = 1.959963984540054
    share = min(max(spread / total, 0.0), 1.0) if total > 0 else 0.0
    centre = (share + z * z / (2 * count)) / (1 + z * z / count)
    half = (
        z
        * math.sqrt(share * (1 - share) / count + z * z / (4 * count * count))
        / (1 + z * z / count)
    )
    return (max(centre - half, 0.0) * total, min(centre + half, 1.0) * total)


def _top_weight(graph: Graph, k: int) -> float:
    """A lower bound on OPT: the k largest node weights among the seedable nodes."""
    weights = graph.node_weights()
    if graph.seedable is not None:
        weights = weights[graph.seedable]
    top = np.sort(weights)[-k:]
    return max(float(top.sum()), 1e-12)


@dataclass(frozen=True)
class Baseline:
    """Seeds chosen by a simple rule, with their spread estimated on the same RR sets."""

    rule: str
    seeds: tuple[Hashable, ...]
    estimated_spread: float

    def to_dict(self, *, labels: Mapping[Hashable, str] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = {
            "seeds": list(self.seeds),
            "estimated_spread": self.estimated_spread,
            "rule": self.rule,
        }
        if labels is not None:
            result["handles"] = [labels.get(s) for s in self.seeds]
        return result


@dataclass(frozen=True)
class CurvePoint:
    """The estimated spread of the first ``k`` seeds, and the ``gain`` the k-th added."""

    k: int
    spread: float
    gain: float


@dataclass(frozen=True)
class SeedPerson:
    """One seed as people see it: its node id, and the handle and link where known."""

    id: Hashable
    handle: str | None
    link: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "handle": self.handle, "link": self.link}


@dataclass(frozen=True)
class SeedChoice:
    """The seeds chosen, their estimated spread and curve, and simple rules beside them."""

    seeds: tuple[Hashable, ...]
    estimated_spread: float
    curve: tuple[float, ...]
    """Estimated spread of the first j seeds, j = 1..k."""
    baselines: Mapping[str, Baseline]
    """``by_degree`` and ``by_random`` (more where a caller adds them, e.g. ``by_followers``)."""
    method: str
    samples: int
    guarantee: float
    nodes: int
    edges: int
    model: str
    handles: Mapping[Hashable, str] | None = field(default=None)
    """Display names of the seeds where known (people's handles)."""
    links: Mapping[Hashable, str] | None = field(default=None)
    """Links to the seeds where known (people's profile URLs)."""
    interval: tuple[float, float] | None = field(default=None)
    """The 95 % interval of ``estimated_spread`` (Wilson's, over the independent RR sets)."""
    epsilon: float | None = field(default=None)
    delta: float | None = field(default=None)
    """The (1 − 1/e − ε) guarantee holds with probability at least 1 − δ."""
    notes: tuple[str, ...] = field(default=())
    """What the reader should know about the input (self-loops ignored, ...)."""
    certified_for: int | None = field(default=None)
    """How many of the greedy's seeds ``guarantee`` is certified for, when more than the
    seeds (the greedy ran on for the curve; the seeds are its first choices)."""

    def statement(self) -> str:
        """The guarantee and the interval in plain words."""
        k = len(self.seeds)
        who = f"these {k}"
        if self.certified_for is not None and self.certified_for > k:
            k = self.certified_for
            who = f"the first {k} chosen (these {len(self.seeds)} and the ones after them)"
        words = []
        if self.delta is not None:
            words.append(
                f"With probability at least {1 - self.delta:.2%}, {who} reach at least "
                f"{self.guarantee:.1%} of what the best possible {k} would reach"
                + (
                    f" (the method promises at least 1 − 1/e − ε = {_E - self.epsilon:.1%})"
                    if self.epsilon is not None
                    else ""
                )
                + "."
            )
        if self.interval is not None:
            low, high = self.interval
            words.append(
                f"The expected reach of these {len(self.seeds)}, {self.estimated_spread:,.0f}, "
                f"lies between {low:,.0f} "
                f"and {high:,.0f} with 95 % confidence (estimated on samples that played no "
                "part in choosing them)."
            )
        return " ".join(words)

    def people(self) -> list[SeedPerson]:
        """The seeds in the order chosen, each with its handle and link where known."""
        handles, links = self.handles or {}, self.links or {}
        return [SeedPerson(s, handles.get(s), links.get(s)) for s in self.seeds]

    def points(self) -> list[CurvePoint]:
        """The diminishing-returns curve: the spread of the first k seeds and what the k-th
        added."""
        gains = np.diff(np.asarray(self.curve), prepend=0.0)
        return [
            CurvePoint(j + 1, s, float(g))
            for j, (s, g) in enumerate(zip(self.curve, gains, strict=True))
        ]

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "seeds": list(self.seeds),
            "estimated_spread": self.estimated_spread,
            "interval": None if self.interval is None else list(self.interval),
            "curve": [{"k": p.k, "spread": p.spread, "gain": p.gain} for p in self.points()],
        }
        if self.handles is not None:
            result["handles"] = [self.handles.get(s) for s in self.seeds]
        if self.handles is not None or self.links is not None:
            result["people"] = [p.to_dict() for p in self.people()]
        for name, baseline in self.baselines.items():
            result[name] = baseline.to_dict(labels=self.handles)
        result.update(
            method=self.method,
            samples=self.samples,
            guarantee=self.guarantee,
            nodes=self.nodes,
            edges=self.edges,
            model=self.model,
            epsilon=self.epsilon,
            delta=self.delta,
            statement=self.statement(),
            notes=list(self.notes),
        )
        return result


def top_by(graph: Graph, score: FloatArray | IntArray, k: int) -> IntArray:
    """The ``k`` seedable nodes with the highest score (ties: the lowest index)."""
    values = np.asarray(score, dtype=np.float64).copy()
    if graph.seedable is not None:
        values[~graph.seedable] = -np.inf
    return np.argsort(-values, kind="stable")[:k]


def random_nodes(graph: Graph, k: int, *, seed: int) -> IntArray:
    """``k`` distinct seedable nodes drawn uniformly at random."""
    pool = np.arange(graph.nodes) if graph.seedable is None else np.flatnonzero(graph.seedable)
    return np.sort(np.random.default_rng([seed, 3]).choice(pool, size=k, replace=False))


def describe(fitted: InfluenceMaximizer) -> str:
    return (
        f"RIS with OPIM-C stopping (epsilon={fitted.epsilon}, delta="
        f"{'1/n' if fitted.delta is None else fitted.delta}, bound={fitted.bound}), "
        f"Independent Cascade ({fitted.model}), greedy max-coverage"
    )


def _seedable(graph: Graph) -> int:
    return graph.nodes if graph.seedable is None else int(np.count_nonzero(graph.seedable))


def choose_seeds(
    graph: Graph,
    *,
    k: int,
    epsilon: float = 0.01,
    seed: int = 0,
    model: str = "weighted_cascade",
    probability: float = 0.1,
    min_samples: int = 0,
    precision: float | None = 0.005,
    extra: Mapping[str, IntArray] | None = None,
    handles: Mapping[Hashable, str] | None = None,
    curve_to: int | None = None,
) -> SeedChoice:
    """The ``k`` seeds that spread furthest, beside the highest-degree and random seeds.

    Every spread in the result is estimated on the same independent RR sets (R2 of OPIM-C), so
    the three are comparable. ``extra`` adds more baselines (name -> node indices).
    ``curve_to`` runs the greedy further (up to the nodes there are) so that the
    diminishing-returns curve reaches it; the seeds are then its first ``k`` (greedy choices
    are nested, so they are the greedy's choice for ``k``) and the guarantee is the longer
    run's.
    """
    depth = k if curve_to is None else max(k, min(curve_to, _seedable(graph)))
    fitted = InfluenceMaximizer(
        k=depth,
        epsilon=epsilon,
        seed=seed,
        model=model,
        probability=probability,
        min_samples=min_samples,
        precision=precision,
    ).fit(graph)
    rules = {
        "by_degree": ("the k nodes with the most out-edges", top_by(graph, graph.out_degree, k)),
        "by_random": (f"k nodes drawn at random (seed {seed})", random_nodes(graph, k, seed=seed)),
    }
    for name, chosen in (extra or {}).items():
        rules[name] = (name.replace("_", " "), chosen)
    baselines = {
        name: Baseline(
            rule, tuple(graph.ids_of(chosen)), fitted.spread_of(graph, graph.ids_of(chosen))
        )
        for name, (rule, chosen) in rules.items()
    }
    curve = tuple(float(v) for v in fitted.spread_curve_)
    method = describe(fitted)
    if depth > k:
        method += f"; greedy run to {depth} seeds for the curve, the first {k} chosen"
    notes: list[str] = []
    if graph.self_loops:
        notes.append(
            f"{graph.self_loops:,} self-loop{'s' if graph.self_loops != 1 else ''} (a person "
            "pointing at themselves) ignored: nobody convinces themselves."
        )
    return SeedChoice(
        seeds=tuple(fitted.seeds_[:k]),
        estimated_spread=curve[k - 1],
        interval=spread_interval(curve[k - 1], fitted._total_weight, fitted.samples_ // 2),
        curve=curve,
        baselines=baselines,
        method=method,
        samples=fitted.samples_,
        guarantee=fitted.guarantee_,
        nodes=graph.nodes,
        edges=graph.edges,
        model=model,
        handles=handles,
        epsilon=epsilon,
        delta=fitted.delta_,
        notes=tuple(notes),
        certified_for=depth if depth > k else None,
    )
