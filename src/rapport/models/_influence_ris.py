"""The vectorised engines behind influence maximisation (Independent Cascade).

* :func:`edge_probabilities`: the activation probability of every edge under a model;
* :func:`sample_rr_sets`: random reverse-reachable (RR) sets, many at once, level by level;
* :func:`greedy_max_cover`: greedy maximum coverage over RR sets, with the upper bounds on
  the optimum that OPIM-C's stopping rule uses;
* :func:`monte_carlo_spread`: forward Independent-Cascade simulation, many runs at once.

Each function does its per-node and per-edge work in NumPy over whole frontiers (one level of
a breadth-first search across thousands of samples at a time); the only Python loops are over
BFS levels, batches and greedy steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rapport.errors import UsageError
from rapport.models._influence_graph import FloatArray, Graph, IntArray

__all__ = [
    "MODELS",
    "Cover",
    "RRSets",
    "ReverseGraph",
    "coverage",
    "edge_probabilities",
    "greedy_max_cover",
    "monte_carlo_spread",
    "sample_rr_sets",
]

MODELS = ("weighted_cascade", "constant", "edge")
"""``weighted_cascade``: p(u, v) = 1 / indeg(v); ``constant``: the same p on every edge;
``edge``: the graph's own per-edge probabilities."""

CELLS = 1 << 24
"""Samples x nodes per batch: the size of the visited bitmap (16 MiB)."""
EDGES = 1 << 22
"""Edges tried at once with one coin each: bounds the frontier arrays (about 100 MiB)."""


def edge_probabilities(graph: Graph, *, model: str, probability: float) -> FloatArray:
    """The activation probability of each edge of ``graph`` (aligned with ``indices``)."""
    if model == "weighted_cascade":
        indeg = graph.in_degree
        return 1.0 / indeg[graph.indices].astype(np.float64)
    if model == "constant":
        if not 0.0 <= probability <= 1.0:
            raise UsageError(f"probability = {probability!r}: expected a value in [0, 1]")
        return np.full(graph.edges, float(probability))
    if model == "edge":
        if graph.probabilities is None:
            raise UsageError(
                "model='edge' needs a graph with per-edge probabilities; use "
                "model='weighted_cascade' or model='constant' for this graph"
            )
        return graph.probabilities
    raise UsageError(f"model = {model!r}: expected one of {', '.join(MODELS)}")


@dataclass(frozen=True, eq=False)
class ReverseGraph:
    """In-edges by target (CSR), with their probabilities: what RR sampling walks."""

    indptr: IntArray
    sources: IntArray
    probabilities: FloatArray
    uniform: bool
    """Every in-edge of a node has the same probability (weighted cascade, constant)."""

    @classmethod
    def build(cls, graph: Graph, probabilities: FloatArray) -> ReverseGraph:
        order = np.argsort(graph.indices, kind="stable")
        indptr = np.zeros(graph.nodes + 1, dtype=np.int64)
        np.cumsum(graph.in_degree, out=indptr[1:])
        probs = probabilities[order]
        starts = indptr[:-1][graph.in_degree > 0]
        uniform = bool(
            np.all(probs == np.repeat(probs[starts], graph.in_degree[graph.in_degree > 0]))
        )
        return cls(indptr, graph.sources[order], probs, uniform)

    @property
    def nodes(self) -> int:
        return int(self.indptr.shape[0] - 1)


@dataclass(frozen=True, eq=False)
class RRSets:
    """A collection of RR sets as CSR: set ``j`` is ``nodes[indptr[j]:indptr[j + 1]]``."""

    indptr: IntArray
    nodes: npt.NDArray[np.int32]

    @property
    def count(self) -> int:
        return int(self.indptr.shape[0] - 1)

    @classmethod
    def concat(cls, first: RRSets, second: RRSets) -> RRSets:
        indptr = np.concatenate([first.indptr, second.indptr[1:] + first.indptr[-1]])
        return cls(indptr, np.concatenate([first.nodes, second.nodes]))


def _gather(indptr: IntArray, rows: IntArray) -> tuple[IntArray, IntArray]:
    """Positions of all entries of CSR ``rows``, and for each the row's place in ``rows``."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    total = int(lengths.sum())
    owner = np.repeat(np.arange(rows.shape[0], dtype=np.int64), lengths)
    offsets = np.cumsum(lengths) - lengths
    positions = np.arange(total, dtype=np.int64) - offsets[owner] + starts[owner]
    return positions, owner


def _coin_edges(
    indptr: IntArray, probabilities: FloatArray, rows: IntArray, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    """The live edges of CSR ``rows`` (one coin per edge): positions, and the row's place in
    ``rows``; at most :data:`EDGES` edges are flipped at a time."""
    degree = indptr[rows + 1] - indptr[rows]
    ends = np.cumsum(degree)
    total = int(ends[-1]) if ends.size else 0
    cuts = np.searchsorted(ends, np.arange(EDGES, total, EDGES), side="right")
    parts: list[tuple[IntArray, IntArray]] = []
    start = 0
    for cut in [*np.unique(cuts).tolist(), rows.shape[0]]:
        if cut <= start:
            continue
        positions, owner = _gather(indptr, rows[start:cut])
        live = rng.random(positions.shape[0]) < probabilities[positions]
        parts.append((positions[live], owner[live] + start))
        start = cut
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate([p for p, _ in parts]), np.concatenate([o for _, o in parts])


def _live_in_edges(
    reverse: ReverseGraph, frontier: IntArray, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    """For each frontier node, the in-edges that are live in this sample (positions, owner).

    Uniform probabilities per node draw the number of live in-edges from a binomial and then
    that many distinct edges at random (exact, and far fewer random numbers under weighted
    cascade, where a node has one live in-edge on average); otherwise one coin per edge.
    """
    if reverse.sources.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if not reverse.uniform:
        return _coin_edges(reverse.indptr, reverse.probabilities, frontier, rng)
    starts = reverse.indptr[frontier]
    degree = reverse.indptr[frontier + 1] - starts
    p = np.where(degree > 0, reverse.probabilities[np.minimum(starts, reverse.indptr[-1] - 1)], 0)
    chosen = rng.binomial(degree, p) if frontier.size else np.zeros(0, np.int64)
    owner = np.repeat(np.arange(frontier.shape[0], dtype=np.int64), chosen)
    span = degree[owner]
    offset = (rng.random(owner.shape[0]) * span).astype(np.int64)
    while True:  # redraw offsets that repeat one of their node: a uniform k-subset
        key = owner * (int(span.max(initial=0)) + 1) + offset
        order = np.argsort(key, kind="stable")
        repeat = np.zeros(key.shape[0], dtype=bool)
        repeat[order[1:]] = key[order[1:]] == key[order[:-1]]
        if not repeat.any():
            break
        offset[repeat] = (rng.random(int(repeat.sum())) * span[repeat]).astype(np.int64)
    return starts[owner] + offset, owner


def sample_rr_sets(
    reverse: ReverseGraph,
    count: int,
    rng: np.random.Generator,
    *,
    root_weights: FloatArray | None = None,
) -> RRSets:
    """``count`` RR sets: a random root (uniform, or by ``root_weights``) and every node that
    reaches it in a random live-edge graph (reverse BFS, each in-edge tried once)."""
    n = reverse.nodes
    batch = max(1, min(count, CELLS // max(n, 1)))
    visited = np.zeros(batch * n, dtype=bool)
    cumulative = None if root_weights is None else np.cumsum(root_weights)
    parts: list[IntArray] = []
    sizes = np.zeros(count, dtype=np.int64)
    done = 0
    while done < count:
        size = min(batch, count - done)
        if cumulative is None:
            roots = rng.integers(0, n, size=size, dtype=np.int64)
        else:
            draws = rng.random(size) * cumulative[-1]
            roots = np.minimum(np.searchsorted(cumulative, draws, side="right"), n - 1)
        keys = np.arange(size, dtype=np.int64) * n + roots
        levels = [keys]
        visited[keys] = True
        while keys.size:
            nodes, owner = keys % n, keys // n
            positions, parent = _live_in_edges(reverse, nodes, rng)
            found = owner[parent] * n + reverse.sources[positions]
            found = np.unique(found[~visited[found]])
            visited[found] = True
            levels.append(found)
            keys = found
        batch_keys = np.sort(np.concatenate(levels))
        visited[batch_keys] = False
        sizes[done : done + size] = np.bincount(batch_keys // n, minlength=size)
        parts.append(batch_keys % n)
        done += size
    indptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    members = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    return RRSets(indptr, members.astype(np.int32))


@dataclass(frozen=True)
class Cover:
    """A greedy max-coverage run: seeds in order, covered sets after each, OPT bounds."""

    seeds: IntArray
    covered: IntArray
    """Sets covered by the first j seeds, j = 1..k."""
    bound_last: float
    """Coverage of OPT is at most: coverage(S_k) + the k largest marginal coverages."""
    bound_min: float
    """The same bound minimised over every greedy prefix S_0 .. S_k (OPIM-C's default)."""


def greedy_max_cover(
    sets: RRSets, n: int, k: int, *, seedable: npt.NDArray[np.bool_] | None = None
) -> Cover:
    """Choose ``k`` nodes that together hit the most RR sets, one at a time.

    Each step takes the node with the largest marginal coverage (ties: the lowest index),
    marks its uncovered sets covered and takes their members' counts down. Work over the whole
    run is proportional to the total size of the sets.
    """
    members = sets.nodes.astype(np.int64)
    counts = np.bincount(members, minlength=n).astype(np.int64)
    if seedable is not None:
        counts[~seedable] = -1
    order = np.argsort(members, kind="stable")
    node_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(members, minlength=n), out=node_ptr[1:])
    set_of = np.repeat(np.arange(sets.count, dtype=np.int64), np.diff(sets.indptr))[order]
    is_covered = np.zeros(sets.count, dtype=bool)
    seeds = np.zeros(k, dtype=np.int64)
    covered = np.zeros(k, dtype=np.int64)
    total = 0
    bound_min = np.inf
    for j in range(k + 1):
        top = np.partition(counts, n - k)[n - k :] if k < n else counts
        bound_min = min(bound_min, total + float(np.maximum(top, 0).sum()))
        if j == k:
            break
        node = int(np.argmax(counts))
        hit = set_of[node_ptr[node] : node_ptr[node + 1]]
        new = hit[~is_covered[hit]]
        is_covered[new] = True
        positions, _ = _gather(sets.indptr, new)
        drop = members[positions]
        if drop.size * 8 < n:
            np.subtract.at(counts, drop, 1)
        else:
            counts -= np.bincount(drop, minlength=n)
        counts[node] = -1
        total += int(new.size)
        seeds[j], covered[j] = node, total
    return Cover(seeds, covered, float(total + np.maximum(top, 0).sum()), float(bound_min))


def coverage(sets: RRSets, seeds: IntArray, n: int) -> IntArray:
    """How many sets the first j seeds hit, for j = 1..len(seeds)."""
    first = np.full(n, seeds.shape[0], dtype=np.int64)
    first[seeds[::-1]] = np.arange(seeds.shape[0] - 1, -1, -1)
    owner = np.repeat(np.arange(sets.count, dtype=np.int64), np.diff(sets.indptr))
    earliest = np.full(sets.count, seeds.shape[0], dtype=np.int64)
    np.minimum.at(earliest, owner, first[sets.nodes])
    hits = np.bincount(earliest, minlength=seeds.shape[0] + 1)[: seeds.shape[0]]
    return np.cumsum(hits)


def monte_carlo_spread(
    graph: Graph,
    probabilities: FloatArray,
    seeds: IntArray,
    *,
    runs: int,
    rng: np.random.Generator,
) -> FloatArray:
    """The (weighted) number of nodes activated in each of ``runs`` Independent Cascades.

    Every activated node tries each out-edge once, with the edge's probability; seeds count
    as activated. Runs are simulated side by side, one BFS level of all of them at a time.
    """
    n = graph.nodes
    weights = graph.node_weights()
    seeds = np.unique(seeds)
    batch = max(1, min(runs, CELLS // max(n, 1)))
    active = np.zeros(batch * n, dtype=bool)
    result = np.zeros(runs, dtype=np.float64)
    done = 0
    while done < runs:
        size = min(batch, runs - done)
        keys = (np.arange(size, dtype=np.int64)[:, None] * n + seeds[None, :]).ravel()
        active[keys] = True
        reached = [keys]
        while keys.size:
            positions, owner = _coin_edges(graph.indptr, probabilities, keys % n, rng)
            found = (keys // n)[owner] * n + graph.indices[positions]
            found = np.unique(found[~active[found]])
            active[found] = True
            reached.append(found)
            keys = found
        every = np.concatenate(reached)
        active[every] = False
        result[done : done + size] = np.bincount(
            every // n, weights=weights[every % n], minlength=size
        )
        done += size
    return result
