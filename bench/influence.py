"""Seed selection on SNAP ego-Facebook: time, memory, samples, and the quality of the seeds.

For each budget k (default 50 and 100) this prints:

* the vectorised RIS + OPIM-C fit (``InfluenceMaximizer``, IC with weighted-cascade
  probabilities, epsilon 0.01, delta 1/n): best wall and CPU time of ``--repeat`` runs (CPU
  time is the steadier figure on a shared machine), the peak of
  memory allocated during one run (tracemalloc, NumPy arrays included), RR sets drawn, rounds
  and the approximation guarantee certified;
* the same OPIM-C procedure run as a plain per-sample Python loop in this process: one RR set
  at a time by a reverse BFS with one ``random()`` per in-edge, the same doubling schedule,
  the same lazy-free greedy max-coverage on Python lists and sets, the same bounds. Its wall
  time over the vectorised one is the speed-up;
* the Monte-Carlo spread (``--runs`` simulated cascades) of the RIS seeds, the baseline's
  seeds, the highest-degree seeds and random seeds, with standard errors.

With ``--reference`` it instead measures the seeds against a plain greedy over many RR sets
(issue 16), on ego-Facebook and on the synthetic world's follow graphs (``--people``):
``choose_seeds`` as ``rapport seeds`` runs it (OPIM-C, sampling on to a ±0.5 % interval), a
greedy max-coverage over ``--reference-factor`` times its R1 sets (at least 2 million), both
sets of seeds measured on a million further independent RR sets (paired), and the chosen
seeds' forward Monte-Carlo spread (``--runs`` cascades) against the reported 95 % interval.

    .venv/bin/python bench/influence.py
    .venv/bin/python bench/influence.py --k 50 --runs 10000
    .venv/bin/python bench/influence.py --reference --people 10000 100000

This is a script, not a test: nothing asserts a duration.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import resource
import time
import tracemalloc
from pathlib import Path

import numpy as np

from rapport.models._influence_graph import log_binomial
from rapport.models._influence_ris import (
    ReverseGraph,
    coverage,
    edge_probabilities,
    greedy_max_cover,
    sample_rr_sets,
)
from rapport.models.influence import (
    Graph,
    InfluenceMaximizer,
    choose_seeds,
    random_nodes,
    read_edgelist,
    top_by,
)

EGO = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "ego_facebook"
    / "facebook_edgelist.txt"
)
E = 1.0 - 1.0 / math.e


def _loop_rr_set(
    in_lists: list[list[int]], p_in: list[float], n: int, rng: random.Random
) -> list[int]:
    """One RR set: a random root, then a reverse BFS with a coin per in-edge."""
    root = rng.randrange(n)
    seen = {root}
    queue = [root]
    for node in queue:
        p = p_in[node]
        for source in in_lists[node]:
            if source not in seen and rng.random() < p:
                seen.add(source)
                queue.append(source)
    return queue


def _loop_greedy(sets: list[list[int]], n: int, k: int) -> tuple[list[int], int, float]:
    """Greedy max-coverage on Python lists; returns seeds, coverage and the "min" bound."""
    where: list[list[int]] = [[] for _ in range(n)]
    for index, members in enumerate(sets):
        for node in members:
            where[node].append(index)
    counts = [len(w) for w in where]
    covered = [False] * len(sets)
    seeds: list[int] = []
    total = 0
    bound = math.inf
    for _ in range(k + 1):
        top = sorted(counts, reverse=True)[:k]
        bound = min(bound, total + sum(c for c in top if c > 0))
        if len(seeds) == k:
            break
        node = max(range(n), key=counts.__getitem__)
        for index in where[node]:
            if not covered[index]:
                covered[index] = True
                total += 1
                for member in sets[index]:
                    counts[member] -= 1
        counts[node] = -1
        seeds.append(node)
    return seeds, total, bound


def loop_opimc(graph: Graph, k: int, epsilon: float, seed: int) -> tuple[list[int], int]:
    """OPIM-C with the "min" bound, one RR set and one node at a time in plain Python."""
    n = graph.nodes
    in_lists: list[list[int]] = [[] for _ in range(n)]
    for source, target in zip(graph.sources.tolist(), graph.indices.tolist(), strict=True):
        in_lists[target].append(source)
    p_in = [1.0 / len(sources) if sources else 0.0 for sources in in_lists]
    delta = 1.0 / n
    alpha = math.sqrt(math.log(6 / delta))
    beta = math.sqrt(E * (log_binomial(n, k) + math.log(6 / delta)))
    theta0 = int(2 * (E * alpha + beta) ** 2)
    theta_max = 2 * n * (E * alpha + beta) ** 2 / (k * epsilon**2)
    i_max = math.floor(math.log2(theta_max / theta0)) + 1
    a = math.log(3 * i_max / delta)
    rng = random.Random(seed)
    r1 = [_loop_rr_set(in_lists, p_in, n, rng) for _ in range(theta0)]
    r2 = [_loop_rr_set(in_lists, p_in, n, rng) for _ in range(theta0)]
    for i in range(i_max):
        seeds, _, upper_cover = _loop_greedy(r1, n, k)
        chosen = set(seeds)
        lambda2 = sum(1 for members in r2 if not chosen.isdisjoint(members))
        lower = (math.sqrt(lambda2 + 2 * a / 9) - math.sqrt(a / 2)) ** 2 - a / 18
        upper = (math.sqrt(upper_cover + a / 2) + math.sqrt(a / 2)) ** 2
        if lower / upper >= E - epsilon or i == i_max - 1:
            break
        theta = len(r1)
        r1 += [_loop_rr_set(in_lists, p_in, n, rng) for _ in range(theta)]
        r2 += [_loop_rr_set(in_lists, p_in, n, rng) for _ in range(theta)]
    return seeds, len(r1) + len(r2)


def follow_graph(people: int, seed: int) -> Graph:
    """The synthetic world's follow graph of ``people``: an edge followee -> follower."""
    from rapport.simulate.audience import draw_audience, draw_follow_graph
    from rapport.simulate.params import WorldParams
    from rapport.simulate.run import Stream, stream

    params = WorldParams(people=people, seed=seed)
    audience = draw_audience(params, stream(params, Stream.AUDIENCE))
    drawn = draw_follow_graph(params, audience, stream(params, Stream.GRAPH))
    followees = np.repeat(np.arange(people, dtype=np.int64), np.diff(drawn.indptr))
    return Graph.from_edges(followees, drawn.followers.astype(np.int64), nodes=people)


def reference(graph: Graph, name: str, k: int, factor: int, runs: int) -> None:
    """The chosen seeds against a plain greedy over many RR sets, and the interval's check."""
    n = graph.nodes
    started = time.perf_counter()
    choice = choose_seeds(graph, k=k, seed=0, curve_to=None)
    took = time.perf_counter() - started
    reverse = ReverseGraph.build(
        graph, edge_probabilities(graph, model="weighted_cascade", probability=0.0)
    )
    count = max(2_000_000, factor * choice.samples // 2)
    started = time.perf_counter()
    best = greedy_max_cover(sample_rr_sets(reverse, count, np.random.default_rng([16, 1])), n, k)
    took_reference = time.perf_counter() - started
    check = sample_rr_sets(reverse, 1_000_000, np.random.default_rng([16, 2]))
    ours = float(coverage(check, graph.index_of(choice.seeds), n)[-1]) * n / check.count
    theirs = float(coverage(check, best.seeds, n)[-1]) * n / check.count
    started = time.perf_counter()
    mc = InfluenceMaximizer(k=k).estimate_spread(graph, choice.seeds, runs=runs, seed=16)
    took_mc = time.perf_counter() - started
    low, high = choice.interval or (math.nan, math.nan)
    holds = low <= mc.mean <= high
    print(
        f"{name}: {n:,} nodes, {graph.edges:,} arcs, k = {k}\n"
        f"  chosen: {choice.samples:,} RR sets, {took:.1f} s; reported "
        f"{choice.estimated_spread:,.1f}, 95 % interval {low:,.1f} to {high:,.1f}; "
        f"guarantee {choice.guarantee:.3f} "
        f"(epsilon {choice.epsilon}, delta {choice.delta:.2g})\n"
        f"  reference greedy over {count:,} RR sets ({took_reference:.1f} s)\n"
        f"  on 1,000,000 independent RR sets: chosen {ours:,.1f}, reference {theirs:,.1f}, "
        f"ratio {ours / theirs:.4f}\n"
        f"  Monte Carlo ({runs:,} cascades, {took_mc:.1f} s): {mc.mean:,.1f} +- {mc.stderr:.1f}"
        f" -> {'inside' if holds else 'OUTSIDE'} the interval"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--graph", type=Path, default=EGO)
    parser.add_argument("--k", type=int, nargs="*", default=[50, 100])
    parser.add_argument("--epsilon", type=float, default=0.01)
    parser.add_argument("--runs", type=int, default=2000, help="Monte-Carlo cascades per seed set")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of the vectorised fit")
    parser.add_argument("--reference", action="store_true", help="seeds against greedy")
    parser.add_argument("--people", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--reference-factor", type=int, default=10)
    args = parser.parse_args()
    if args.reference:
        graphs = [("ego-Facebook", read_edgelist(args.graph))]
        graphs += [("synthetic follow graph, seed 0", follow_graph(p, 0)) for p in args.people]
        for name, graph in graphs:
            for k in args.k:
                reference(graph, name, k, args.reference_factor, args.runs)
        return
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}"
    )
    started = time.perf_counter()
    graph = read_edgelist(args.graph)
    print(
        f"graph: {args.graph.name}: {graph.nodes:,} nodes, {graph.edges:,} arcs, read in "
        f"{time.perf_counter() - started:.3f} s; IC, weighted cascade, epsilon {args.epsilon}"
    )
    for k in args.k:
        model = InfluenceMaximizer(k=k, epsilon=args.epsilon)
        model.fit(graph)  # warm-up
        times, cpu = [], []
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            model.fit(graph)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        tracemalloc.start()
        InfluenceMaximizer(k=k, epsilon=args.epsilon).fit(graph)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        started, started_cpu = time.perf_counter(), time.process_time()
        loop_seeds, loop_samples = loop_opimc(graph, k, args.epsilon, seed=0)
        loop_time = time.perf_counter() - started
        loop_cpu = time.process_time() - started_cpu
        best, best_cpu = min(times), min(cpu)
        print(f"\nk = {k}")
        print(
            f"  vectorised: {best:.3f} s wall, {best_cpu:.3f} s CPU (best of {args.repeat}; "
            f"median {float(np.median(times)):.3f} s wall), peak allocated {peak:.1f} MiB, "
            f"{model.samples_:,} RR sets in {model.rounds_} rounds, guarantee "
            f"{model.guarantee_:.3f}, RIS estimate {model.estimated_spread_:.1f}"
        )
        print(
            f"  Python loop: {loop_time:.2f} s wall, {loop_cpu:.2f} s CPU, {loop_samples:,} RR "
            f"sets -> vectorised is {loop_time / best:.1f}x faster (wall), "
            f"{loop_cpu / best_cpu:.1f}x (CPU)"
        )
        sets = {
            "RIS (vectorised)": model.seeds_,
            "RIS (Python loop)": graph.ids_of(loop_seeds),
            "highest degree": graph.ids_of(top_by(graph, graph.out_degree, k)),
            "random": graph.ids_of(random_nodes(graph, k, seed=0)),
        }
        for name, seeds in sets.items():
            started = time.perf_counter()
            spread = model.estimate_spread(graph, seeds, runs=args.runs, seed=1)
            print(
                f"  Monte Carlo ({args.runs:,} runs) {name:>18}: {spread.mean:8.1f} "
                f"+- {spread.stderr:.1f}  ({time.perf_counter() - started:.2f} s)"
            )
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nprocess peak resident memory: {peak_rss:.0f} MiB")


if __name__ == "__main__":
    main()
