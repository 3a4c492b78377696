"""Influence maximisation: edge lists, RR sets vs Monte Carlo, OPIM-C, quality on ego-Facebook."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from rapport.errors import InputNotFound, NotFittedError, UsageError, WrongFormat
from rapport.models._influence_ris import (
    ReverseGraph,
    coverage,
    edge_probabilities,
    greedy_max_cover,
    monte_carlo_spread,
    sample_rr_sets,
)
from rapport.models.influence import (
    Graph,
    InfluenceMaximizer,
    MalformedLine,
    choose_seeds,
    read_edgelist,
)

EGO = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "ego_facebook"
    / "facebook_edgelist.txt"
)


@pytest.fixture(scope="module")
def ego() -> Graph:
    if not EGO.exists():
        pytest.skip(f"{EGO} is absent: the shared data folder lives beside the repository")
    return read_edgelist(EGO)


def _chain(n: int, **extra: object) -> Graph:
    return Graph.from_edges(np.arange(n - 1), np.arange(1, n), nodes=n, **extra)  # type: ignore[arg-type]


# -- reading edge lists ---------------------------------------------------------------------


def test_ego_facebook_reads_with_its_header(ego: Graph) -> None:
    assert (ego.nodes, ego.edges) == (4039, 176468)
    assert ego.ids[:3] == (0, 1, 2) and ego.ids[-1] == 4038
    assert np.array_equal(ego.out_degree, ego.in_degree)  # every edge in both directions
    assert int(ego.out_degree[0]) == 347 and int(ego.out_degree.max()) == 1045
    assert set(ego.ids_of(ego.indices[ego.indptr[0] : ego.indptr[0] + 3])) == {1, 2, 3}


def test_plain_edge_list_keeps_original_ids(tmp_path: Path) -> None:
    path = tmp_path / "edges.txt"
    path.write_text("# a comment\n10 20\n20\t30\n\n30 10 0.5\n10 20\n7 7\n")
    graph = read_edgelist(path)
    assert graph.ids == (7, 10, 20, 30)
    pairs = {
        (graph.ids[s], graph.ids[d]) for s, d in zip(graph.sources, graph.indices, strict=True)
    }
    assert pairs == {(10, 20), (20, 30), (30, 10)}  # repeated edge once, self-loop dropped
    both = read_edgelist(path, undirected=True)
    assert both.edges == 6 and np.array_equal(both.out_degree, both.in_degree)


def test_header_only_when_the_edge_count_matches(tmp_path: Path) -> None:
    path = tmp_path / "edges.txt"
    path.write_text("5 2\n0 1\n1 2\n")
    assert read_edgelist(path).nodes == 5  # header: nodes 3 and 4 exist without edges
    path.write_text("5 3\n0 1\n1 2\n")
    graph = read_edgelist(path)  # not a header: 5 -> 3 is an edge
    assert graph.ids == (0, 1, 2, 3, 5) and graph.edges == 3


@pytest.mark.parametrize(
    ("text", "line", "field", "found"),
    [
        ("0 1\n1 x2\n", 2, "dst", "'x2'"),
        ("0 1\n\n-3 4\n", 3, "src", "'-3'"),
        ("0 1\n2\n", 2, "dst", "'2'"),
    ],
)
def test_bad_line_names_file_line_and_field(
    tmp_path: Path, text: str, line: int, field: str, found: str
) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(MalformedLine) as caught:
        read_edgelist(path)
    error = caught.value
    assert isinstance(error, WrongFormat)
    assert (error.path, error.line, error.field) == (path, line, field)
    message = str(error)
    assert str(path) in message and f"line {line}" in message and repr(field) in message
    assert found in message


def test_a_third_field_is_the_edge_probability(tmp_path: Path) -> None:
    path = tmp_path / "edges.txt"
    path.write_text("4 5\n0 1 0.5\n2 1\n1 2 0.25\n3 3\n1 3\n")
    graph = read_edgelist(path)  # a header with 5 lines, one a self-loop
    assert graph.nodes == 4 and graph.edges == 4 and graph.self_loops == 1
    assert graph.probabilities is not None
    given = {
        (int(s), int(d)): float(p)
        for s, d, p in zip(graph.sources, graph.indices, graph.probabilities, strict=True)
    }
    # given probabilities as is; the others 1/in-degree of their target (node 1 has two)
    assert given == {(0, 1): 0.5, (2, 1): 0.5, (1, 2): 0.25, (1, 3): 1.0}
    choice = choose_seeds(graph, k=1, model="edge", curve_to=None)
    assert choice.seeds == (1,) or choice.seeds == (0,) or choice.seeds == (2,)
    assert any("1 self-loop" in note for note in choice.notes)
    plain = tmp_path / "plain.txt"
    plain.write_text("2 2\n0 1\n1 0\n")
    assert read_edgelist(plain).probabilities is None
    bad = tmp_path / "bad.txt"
    bad.write_text("3 2\n0 1 0.5\n1 2 1.5\n")
    with pytest.raises(MalformedLine) as caught:
        read_edgelist(bad)
    assert (caught.value.line, caught.value.field) == (3, "p")
    bad.write_text("3 2\n0 1 0.5 7\n1 2\n")
    with pytest.raises(MalformedLine, match="line 2"):
        read_edgelist(bad)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(InputNotFound):
        read_edgelist(tmp_path / "nope.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n")
    with pytest.raises(WrongFormat, match="no edges"):
        read_edgelist(empty)


def test_graph_checks_its_arrays() -> None:
    with pytest.raises(UsageError, match="outside"):
        Graph.from_edges([0], [3], nodes=2)
    with pytest.raises(UsageError, match=r"\[0, 1\]"):
        Graph.from_edges([0], [1], nodes=2, probabilities=[1.5])
    graph = Graph.from_edges([0, 0, 1], [1, 1, 0], nodes=2, probabilities=[0.2, 0.7, 0.1])
    assert graph.edges == 2 and graph.probabilities is not None
    assert sorted(graph.probabilities.tolist()) == [0.1, 0.7]  # a repeat keeps its highest p
    with pytest.raises(UsageError, match="not in the graph"):
        graph.index_of([5])


# -- the engines ----------------------------------------------------------------------------


def test_chain_with_certain_edges_is_exact() -> None:
    graph = _chain(6)
    fitted = InfluenceMaximizer(k=1, model="constant", probability=1.0).fit(graph)
    assert fitted.seeds_ == [0]
    assert fitted.estimated_spread_ == pytest.approx(6.0)  # every RR set holds node 0
    runs = fitted.estimate_spread(graph, [0], runs=50)
    assert (runs.mean, runs.stderr) == (6.0, 0.0)
    assert fitted.estimate_spread(graph, [3], runs=50).mean == 3.0


def test_chain_with_half_edges_matches_the_closed_form() -> None:
    graph = _chain(5)
    exact = sum(0.5**i for i in range(5))  # node 0 reaches node i with probability 2^-i
    probabilities = edge_probabilities(graph, model="constant", probability=0.5)
    sets = sample_rr_sets(
        ReverseGraph.build(graph, probabilities), 200_000, np.random.default_rng(1)
    )
    estimate = coverage(sets, np.array([0]), 5)[-1] * 5 / sets.count
    p = estimate / 5
    assert estimate == pytest.approx(exact, abs=4 * 5 * math.sqrt(p * (1 - p) / sets.count))
    runs = monte_carlo_spread(
        graph, probabilities, np.array([0]), runs=100_000, rng=np.random.default_rng(2)
    )
    assert runs.mean() == pytest.approx(exact, abs=4 * runs.std() / math.sqrt(runs.size))


@pytest.mark.parametrize("model", ["weighted_cascade", "edge"])
def test_rr_estimate_agrees_with_monte_carlo(model: str) -> None:
    rng = np.random.default_rng(7)
    n, m = 80, 400
    graph = Graph.from_edges(
        rng.integers(0, n, m), rng.integers(0, n, m), nodes=n, probabilities=rng.random(m) * 0.5
    )
    probabilities = edge_probabilities(graph, model=model, probability=0.0)
    reverse = ReverseGraph.build(graph, probabilities)
    assert reverse.uniform is (model == "weighted_cascade")  # the binomial path and the coin path
    seeds = np.array([1, 5, 9, 40])
    sets = sample_rr_sets(reverse, 100_000, np.random.default_rng(3))
    p = coverage(sets, seeds, n)[-1] / sets.count
    runs = monte_carlo_spread(
        graph, probabilities, seeds, runs=40_000, rng=np.random.default_rng(4)
    )
    error = math.hypot(n * math.sqrt(p * (1 - p) / sets.count), runs.std() / math.sqrt(runs.size))
    assert n * p == pytest.approx(runs.mean(), abs=4 * error)


def test_greedy_cover_and_its_bounds() -> None:
    #  sets: {0,1} {0,2} {0} {3} {3,1} {2}
    sets_nodes = [[0, 1], [0, 2], [0], [3], [3, 1], [2]]
    indptr = np.cumsum([0] + [len(s) for s in sets_nodes])
    from rapport.models._influence_ris import RRSets

    sets = RRSets(indptr, np.concatenate(sets_nodes).astype(np.int32))
    cover = greedy_max_cover(sets, 4, 2)
    assert cover.seeds.tolist() == [0, 3] and cover.covered.tolist() == [3, 5]
    # bound at S_0: 3 + 2 (the two largest singletons); at S_1: 3 + 2 + 1; at S_2: 5 + 1 + 0
    assert cover.bound_min == 5.0 and cover.bound_last == 6.0
    assert coverage(sets, np.array([2, 0]), 4).tolist() == [2, 4]
    blocked = greedy_max_cover(sets, 4, 2, seedable=np.array([False, True, True, True]))
    assert 0 not in blocked.seeds.tolist()


def test_weights_steer_the_roots_and_seedable_limits_the_choice() -> None:
    weights = np.array([1.0, 10.0, 3.0, 1.0, 5.0])
    graph = Graph.from_edges(
        [], [], nodes=5, weights=weights, seedable=[True, False, True, True, True]
    )
    fitted = InfluenceMaximizer(k=2, model="constant", probability=1.0, min_samples=40_000).fit(
        graph
    )
    assert fitted.seeds_ == [4, 2]  # node 1 weighs most but can't be a seed
    assert fitted.estimated_spread_ == pytest.approx(8.0, rel=0.05)


def test_estimator_contract() -> None:
    model = InfluenceMaximizer(k=3, seed=4)
    assert model.get_params()["k"] == 3 and model.get_params()["seed"] == 4
    with pytest.raises(NotFittedError):
        model.spread_of(_chain(4), [0])
    assert model.fit(_chain(4)) is model
    with pytest.raises(UsageError, match="k = 9"):
        InfluenceMaximizer(k=9).fit(_chain(4))
    with pytest.raises(UsageError, match="epsilon"):
        InfluenceMaximizer(k=1, epsilon=0.7).fit(_chain(4))
    with pytest.raises(UsageError, match="model"):
        InfluenceMaximizer(k=1, model="linear").fit(_chain(4))
    with pytest.raises(UsageError, match="per-edge probabilities"):
        InfluenceMaximizer(k=1, model="edge").fit(_chain(4))


# -- quality on ego-Facebook (IC, weighted cascade) -----------------------------------------


@pytest.mark.parametrize("k", [50, 100])
def test_ris_beats_degree_beats_random_on_ego_facebook(ego: Graph, k: int) -> None:
    choice = choose_seeds(ego, k=k, epsilon=0.01, seed=0)
    result = choice.to_dict()
    checker = InfluenceMaximizer(k=k)
    runs = {
        name: checker.estimate_spread(ego, seeds, runs=300, seed=11)
        for name, seeds in (
            ("ris", result["seeds"]),
            ("degree", result["by_degree"]["seeds"]),
            ("random", result["by_random"]["seeds"]),
        )
    }
    ris, degree, random = (runs[name].mean for name in ("ris", "degree", "random"))
    # measured (k=50): 1186 > 1004 > 360; (k=100): 1392 > 1084 > 614, each +-5 to 7
    assert ris > 1.15 * degree
    assert degree > 1.5 * random
    # the RR estimate (independent sets R2) agrees with Monte Carlo within 3 standard errors
    p = result["estimated_spread"] / ego.nodes
    theta = result["samples"] // 2
    error = math.hypot(ego.nodes * math.sqrt(p * (1 - p) / theta), runs["ris"].stderr)
    assert result["estimated_spread"] == pytest.approx(ris, abs=3 * error)
    assert result["by_degree"]["estimated_spread"] == pytest.approx(degree, rel=0.05)
    assert choice.guarantee >= 1 - 1 / math.e - 0.01


def test_marginal_gains_diminish(ego: Graph) -> None:
    fitted = InfluenceMaximizer(k=100, epsilon=0.01).fit(ego)
    greedy = fitted.greedy_gains_
    assert np.all(np.diff(greedy) <= 1e-9)  # on R1, greedy coverage gains never increase
    gains = fitted.marginal_gains_  # on R2: non-increasing up to sampling noise
    theta = fitted.samples_ // 2
    blocks = gains.reshape(10, 10).mean(axis=1)
    noise = np.sqrt(np.maximum(blocks, 1.0) * ego.nodes / (10 * theta))
    assert np.all(np.diff(blocks) <= 3 * (noise[1:] + noise[:-1]))
    assert blocks[0] > 10 * blocks[-1]  # strongly diminishing: the first ten do most
    assert np.allclose(np.cumsum(gains), fitted.spread_curve_)
    assert fitted.spread_curve_[-1] == pytest.approx(fitted.estimated_spread_)


def test_choice_to_dict_shape_and_determinism(ego: Graph) -> None:
    first = choose_seeds(ego, k=5, seed=3, precision=None).to_dict()
    assert first == choose_seeds(ego, k=5, seed=3, precision=None).to_dict()
    assert list(first) == [
        "seeds",
        "estimated_spread",
        "interval",
        "curve",
        "by_degree",
        "by_random",
        "method",
        "samples",
        "guarantee",
        "nodes",
        "edges",
        "model",
        "epsilon",
        "delta",
        "statement",
        "notes",
    ]
    assert first["interval"] is None or first["interval"][0] <= first["estimated_spread"]
    assert [point["k"] for point in first["curve"]] == [1, 2, 3, 4, 5]
    assert first["curve"][-1]["spread"] == first["estimated_spread"]
    assert first["by_degree"]["seeds"] == [107, 1684, 1912, 3437, 0]  # the five largest degrees
    assert len(set(first["by_random"]["seeds"])) == 5
    assert all(isinstance(s, int) for s in first["seeds"])
    assert "OPIM-C" in first["method"] and first["samples"] > 0
    json.dumps(first)  # plain JSON values only


def test_seeds_within_half_a_percent_of_a_greedy_over_many_rr_sets(ego: Graph) -> None:
    """The chosen seeds against a plain greedy over two million RR sets (about four times the
    RR sets the choice itself used), both measured on a million further, independent RR sets
    (a reverse simulation of the same cascades: unbiased for any seeds not chosen with it,
    and paired, so the two share their noise). The reported interval must hold an
    independent forward Monte-Carlo estimate.

    Measured (k = 50, seed 0): 948,224 RR sets; chosen 1,221.9, reference 1,223.0 (ratio
    0.9992); reported 1,222.6, interval 1,217.4 to 1,227.9; Monte Carlo 1,223.7 +- 2.5.
    Stopping at the guarantee alone (precision=None, 14,816 RR sets) gives a ratio of about
    0.973: the "few percent worse" of issue 16.
    """
    k, n = 50, ego.nodes
    choice = choose_seeds(ego, k=k, seed=0, curve_to=None)
    reverse = ReverseGraph.build(
        ego, edge_probabilities(ego, model="weighted_cascade", probability=0.0)
    )
    reference = greedy_max_cover(
        sample_rr_sets(reverse, 2_000_000, np.random.default_rng([16, 1])), n, k
    ).seeds
    check = sample_rr_sets(reverse, 1_000_000, np.random.default_rng([16, 2]))
    ours = float(coverage(check, ego.index_of(choice.seeds), n)[-1])
    best = float(coverage(check, reference, n)[-1])
    assert ours >= 0.995 * best
    # the interval holds the check's estimate, and an independent forward Monte Carlo
    assert choice.interval is not None
    low, high = choice.interval
    spread = ours * n / check.count
    assert low - 4.0 <= spread <= high + 4.0  # the check's own standard error is about 1.8
    runs = InfluenceMaximizer(k=k).estimate_spread(ego, choice.seeds, runs=1000, seed=16)
    assert low - 3 * runs.stderr <= runs.mean <= high + 3 * runs.stderr
    assert choice.epsilon == 0.01 and choice.delta == pytest.approx(1 / n)
    words = choice.statement()
    assert "99.98%" in words and "62.2%" in words and f"{low:,.0f}" in words
