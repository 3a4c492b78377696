"""CasFlow retweet paths as trees, their Cascade, and structural virality (Goel et al. 2016)."""

from __future__ import annotations

import itertools
import math
from collections import deque
from pathlib import Path

import numpy as np
import pytest

from rapport.errors import InputNotFound, UsageError, WrongFormat
from rapport.models.cascade_trees import (
    CascadeTree,
    read_casflow,
    structural_virality,
    wiener_index,
)
from rapport.models.cascades import Cascade, MalformedCascadeFile

WEIBO = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "casflow_weibo_sample_cascades.txt"
)


def _brute_force(parents: list[int]) -> float:
    """Mean distance over all pairs by a BFS from every node (the definition, O(n^2))."""
    n = len(parents)
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for child, parent in enumerate(parents):
        if parent >= 0:
            neighbours[child].append(parent)
            neighbours[parent].append(child)
    total = 0
    for start in range(n):
        distance = {start: 0}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for other in neighbours[node]:
                if other not in distance:
                    distance[other] = distance[node] + 1
                    queue.append(other)
        total += sum(distance.values())
    return total / (n * (n - 1))


@pytest.mark.parametrize("n", [2, 3, 10, 101])
def test_star_and_chain(n: int) -> None:
    star = CascadeTree.from_parents([-1] + [0] * (n - 1))
    chain = CascadeTree.from_parents([-1, *range(n - 1)])
    assert structural_virality(star) == pytest.approx(2 * (n - 1) / n, abs=1e-12)
    assert structural_virality(chain) == pytest.approx((n + 1) / 3, abs=1e-12)


def test_hand_computed_trees() -> None:
    # 0-1, 0-2, 1-3: distances 1,1,2 | 2,1 | 3 -> W = 10 over 6 pairs
    small = CascadeTree.from_parents([-1, 0, 0, 1])
    assert wiener_index(small) == 10 and structural_virality(small) == pytest.approx(10 / 6)
    # a broom 0-1, 1-2, 1-3, 1-4: W = 1 + 3*2 + 3*1 + 3*2 = 16 over 10 pairs
    broom = CascadeTree.from_parents([-1, 0, 1, 1, 1])
    assert wiener_index(broom) == 16 and structural_virality(broom) == pytest.approx(1.6)
    # parents listed after their children are fine: the same tree, nodes in another order
    shuffled = CascadeTree.from_parents([-1, 3, 0, 0])  # 0-3, 3-1, 0-2: small, relabelled
    assert wiener_index(shuffled) == 10
    assert math.isnan(structural_virality(CascadeTree.from_parents([-1])))


def test_random_trees_match_all_pairs_search() -> None:
    rng = np.random.default_rng(5)
    for n in (5, 17, 60, 200):
        parents = [-1] + [int(rng.integers(0, i)) for i in range(1, n)]
        tree = CascadeTree.from_parents(parents)
        assert structural_virality(tree) == pytest.approx(_brute_force(parents), rel=1e-12)


def test_tree_checks_its_parents() -> None:
    with pytest.raises(UsageError, match="cycle"):
        CascadeTree.from_parents([-1, 2, 1])
    with pytest.raises(UsageError, match="parents"):
        CascadeTree.from_parents([0, 0])
    with pytest.raises(UsageError, match="at least its root"):
        CascadeTree.from_parents([])


@pytest.fixture(scope="module")
def weibo() -> list[CascadeTree]:
    if not WEIBO.exists():
        pytest.skip(f"{WEIBO} is absent: the shared data folder lives beside the repository")
    return read_casflow(WEIBO)


def test_weibo_sample_structural_virality(weibo: list[CascadeTree]) -> None:
    values = np.array([structural_virality(tree) for tree in weibo])
    assert len(weibo) == 30
    # science.md: median 1.98 (about a star's value), min 1.80, max 3.19; measured 1.9813
    assert float(np.median(values)) == pytest.approx(1.98, abs=0.005)
    assert float(values.min()) == pytest.approx(1.80, abs=0.005)
    assert float(values.max()) == pytest.approx(3.19, abs=0.005)
    assert float(np.median([tree.size for tree in weibo])) == 74.5
    straight = [float(np.mean(tree.parents[1:] == 0)) for tree in weibo]
    assert float(np.median(straight)) == 1.0  # most retweets come straight from the root


def test_weibo_sample_trees(weibo: list[CascadeTree]) -> None:
    first = weibo[0]
    assert (first.id, first.users[0], first.posted_at, first.declared) == (
        "14709",
        "1",
        1464739201.0,
        23,
    )
    assert first.size == 23 and first.reshares == 22 and first.repeats == 0
    assert first.times[:3].tolist() == [0.0, 481.0, 501.0]
    for tree in weibo:  # every participant is a node or a repeated retweet
        assert tree.declared == tree.size + tree.repeats
        assert tree.reattached == 0
        assert np.all(np.diff(tree.times[1:]) >= 0)
    deepest = max(weibo, key=lambda tree: int(tree.depths.max()))
    assert deepest.id == "75986" and int(deepest.depths.max()) == 4


def test_to_cascade(weibo: list[CascadeTree]) -> None:
    tree = next(t for t in weibo if t.id == "14712")  # one retweet through another user
    cascade = tree.to_cascade()
    assert isinstance(cascade, Cascade)
    assert cascade.id == "14712" and cascade.size == tree.size - 1 == 30  # reshares only
    assert cascade.followers is None and cascade.poster_followers is None
    assert cascade.posted_at == 1464739203.0
    assert np.all(np.diff(cascade.times) >= 0)
    assert cascade.parents is not None
    through = np.flatnonzero(cascade.parents >= 0)
    assert through.size == 1  # 1130650/1130653/1130654: the only second-hop retweet
    hop = int(through[0])
    assert cascade.times[hop] == 49053.0
    assert cascade.times[int(cascade.parents[hop])] == tree.times[tree.users.index("1130653")]


def test_tree_from_a_cascade_round_trips(weibo: list[CascadeTree]) -> None:
    for tree in weibo:
        back = CascadeTree.from_cascade(tree.to_cascade())
        assert wiener_index(back) == wiener_index(tree)
        assert back.times.tolist() == tree.times.tolist()
    with pytest.raises(UsageError, match="paths are unknown"):
        CascadeTree.from_cascade(Cascade.from_events("p", [1.0], None, poster_followers=None))


def test_paths_are_collapsed_merged_and_joined(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    lines = [
        "7\tr\t100\t6\tr:0 r/a:10 r/a/a/b:30 r/b:50 r/r:60 r/c/d:40",
        "8\tq\t200\t1\tq:0",
    ]
    path.write_text("\n".join(lines) + "\n")
    tree, lone = read_casflow(path)
    # a/a collapses; b's first retweet (30 s, through a) wins over its second (50 s);
    # r/r is the root retweeting itself; c is only named mid-path (time bound 40 s)
    assert tree.users == ("r", "a", "b", "c", "d")
    assert tree.parents.tolist() == [-1, 0, 1, 0, 3]
    assert tree.times.tolist() == [0.0, 10.0, 30.0, 40.0, 40.0]
    assert tree.repeats == 2
    assert lone.size == 1 and math.isnan(structural_virality(lone))
    assert lone.to_cascade().size == 0


@pytest.mark.parametrize(
    ("line", "field", "found"),
    [
        ("7\tr\t100\t6", "paths", "4 field(s)"),
        ("7\tr\tsoon\t6\tr:0", "pub_unix_time", "'soon'"),
        ("7\tr\t100\t-6\tr:0", "n_participants", "'-6'"),
        ("7\tr\t100\t6\tr:0 r/a", "paths", "'r/a'"),
        ("7\tr\t100\t6\tr:0 r/a:x", "paths", "'r/a:x'"),
        ("7\tr\t100\t6\tr:0 z/a:5", "paths", "root user r"),
        ("7\tr\t100\t6\tr:0 r//a:5", "paths", "'r//a:5'"),
    ],
)
def test_bad_lines_name_file_line_and_field(
    tmp_path: Path, line: str, field: str, found: str
) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("1\tr\t100\t1\tr:0\n" + line + "\n")
    with pytest.raises(MalformedCascadeFile) as caught:
        read_casflow(path)
    error = caught.value
    assert (error.path, error.line, error.field) == (path, 2, field)
    message = str(error)
    assert str(path) in message and "line 2" in message and repr(field) in message
    assert found in message


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(InputNotFound):
        read_casflow(tmp_path / "nope.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    with pytest.raises(WrongFormat, match="empty"):
        read_casflow(empty)


def test_every_pair_counts_once_in_the_wiener_index() -> None:
    tree = CascadeTree.from_parents([-1, 0, 1, 1, 0, 4, 5])
    pairs = list(itertools.combinations(range(tree.size), 2))
    assert wiener_index(tree) == round(_brute_force(list(tree.parents)) * len(pairs))
