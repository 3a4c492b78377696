"""CasFlow retweet paths as cascade trees, and their structural virality (Goel et al. 2016).

A CasFlow file (``Xovee/casflow`` ``dataset.txt``) has one cascade a line, tab-separated::

    id  root_user  pub_unix_time  n_participants  path:seconds path:seconds ...

where a path ``u1/u2/u3:t`` says that ``u3`` retweeted, through ``u2``, ``t`` seconds after
the post; the root's own entry is ``u1:0``. :func:`read_casflow` turns each line into a
:class:`CascadeTree`: one node per user (node 0 the root), each with its parent and the time
of its first retweet.

How the tree is built, and what is dropped:

* every consecutive pair along a path is a tie, so a user named only in the middle of other
  paths still joins the tree (with the earliest time of a path through it, an upper bound);
* a repeated user in a path (``170529/170529/4789425``, a self-loop) is collapsed;
* a user who retweets more than once keeps the first retweet (time and parent); the others
  are counted in ``repeats`` and add no node. The root retweeting itself is such a repeat;
* should inconsistent paths ever make a cycle, its users are attached to the root and counted
  in ``reattached``.

Counts are reshares, never including the original post: a tree of n nodes is n - 1 reshares.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rapport.errors import (
    InputNotFound,
    MalformedCascadeFile,
    UnreadableFile,
    UsageError,
    WrongFormat,
)
from rapport.models._cascade_core import Cascade, FloatArray, IntArray

__all__ = ["CascadeTree", "read_casflow", "structural_virality", "wiener_index"]

FIELDS = ("id", "root_user", "pub_unix_time", "n_participants", "paths")


@dataclass(frozen=True, eq=False)
class CascadeTree:
    """A diffusion tree: node 0 is the original poster; ``parents[i]`` is the node that node
    ``i`` reshared through (-1 for the root); ``times[i]`` seconds after the post (0 for the
    root). Nodes after the root are in order of time."""

    id: str
    users: tuple[str, ...]
    parents: IntArray
    times: FloatArray
    posted_at: float | None = None
    """The post's time, seconds since 1970, where known."""
    declared: int | None = None
    """The participant count the source states (CasFlow's ``n_participants``, the root and
    repeated retweets included)."""
    repeats: int = 0
    reattached: int = 0

    def __post_init__(self) -> None:
        parents = np.asarray(self.parents, dtype=np.int64).reshape(-1)
        times = np.asarray(self.times, dtype=np.float64).reshape(-1)
        object.__setattr__(self, "parents", parents)
        object.__setattr__(self, "times", times)
        n = parents.size
        problem = None
        if n == 0:
            problem = "a tree needs at least its root"
        elif times.size != n or len(self.users) != n:
            problem = f"{n} parents, {times.size} times and {len(self.users)} users"
        elif parents[0] != -1 or np.any(parents[1:] < 0) or np.any(parents >= n):
            problem = "parents[0] must be -1 (the root) and every other parent a node index"
        elif _depths(parents) is None:
            problem = "the parents do not form one tree rooted at node 0 (a cycle)"
        if problem is not None:
            raise UsageError(f"CascadeTree {self.id!r}: {problem}")

    @classmethod
    def from_parents(
        cls, parents: Sequence[int], *, times: Sequence[float] | None = None, id: str = "tree"
    ) -> CascadeTree:
        """A tree from parent indices alone (users are named by their index)."""
        n = len(parents)
        stamps = np.arange(n, dtype=np.float64) if times is None else np.asarray(times, float)
        return cls(
            id=id, users=tuple(str(i) for i in range(n)), parents=np.asarray(parents), times=stamps
        )

    @classmethod
    def from_cascade(cls, cascade: Cascade) -> CascadeTree:
        """The tree of a cascade whose paths are known (``cascade.parents``): node 0 is the
        original post, node i the (i-1)-th reshare; users are unknown, named by index."""
        if cascade.parents is None:
            raise UsageError(
                f"cascade {cascade.id!r}: its paths are unknown (no parents), so it has no tree"
            )
        n = cascade.size + 1
        parents = np.concatenate([[-1], cascade.parents + 1])
        return cls(
            id=cascade.id,
            users=tuple(str(i) for i in range(n)),
            parents=parents,
            times=np.concatenate([[0.0], cascade.times]),
            posted_at=cascade.posted_at,
        )

    @property
    def size(self) -> int:
        """Nodes, the root included."""
        return int(self.parents.size)

    @property
    def reshares(self) -> int:
        """Reshares: every node but the root."""
        return self.size - 1

    @property
    def depths(self) -> IntArray:
        """Hops from the root to each node."""
        depths = _depths(self.parents)
        assert depths is not None  # checked in __post_init__
        return depths

    def to_cascade(self) -> Cascade:
        """The reshares as a :class:`~rapport.models.cascades.Cascade`: times sorted, parents
        as reshare indices (-1: straight from the original post); follower counts unknown."""
        parents = self.parents[1:] - 1
        return Cascade.from_events(
            self.id,
            self.times[1:],
            None,
            poster_followers=None,
            parents=parents,
            posted_at=self.posted_at,
            source="casflow",
        )


def _depths(parents: IntArray) -> IntArray | None:
    """Depth of every node by breadth-first levels from node 0; None unless it is one tree."""
    n = parents.size
    children = np.argsort(parents, kind="stable")[1:]  # every node but the root (parent -1)
    counts = np.bincount(parents[children], minlength=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    depths = np.full(n, -1, dtype=np.int64)
    level, depth = np.zeros(1, dtype=np.int64), 0
    while level.size:
        depths[level] = depth
        starts, ends = indptr[level], indptr[level + 1]
        lengths = ends - starts
        owner = np.repeat(np.arange(level.size), lengths)
        offsets = np.arange(int(lengths.sum())) - (np.cumsum(lengths) - lengths)[owner]
        level = children[starts[owner] + offsets]
        depth += 1
        if depth > n:
            return None
    return depths if np.all(depths >= 0) else None


def wiener_index(tree: CascadeTree) -> int:
    """The sum of shortest-path distances over all unordered pairs of nodes.

    An edge from node v up to its parent lies on the path of exactly s·(n − s) pairs, where s
    is the size of v's subtree, so W = Σ_v s_v (n − s_v): O(n), no all-pairs search. Subtree
    sizes are summed level by level from the deepest.
    """
    n = tree.size
    depths = tree.depths
    sizes = np.ones(n, dtype=np.int64)
    order = np.argsort(depths, kind="stable")
    bounds = np.searchsorted(depths[order], np.arange(int(depths.max()) + 2))
    for depth in range(int(depths.max()), 0, -1):
        level = order[bounds[depth] : bounds[depth + 1]]
        np.add.at(sizes, tree.parents[level], sizes[level])
    below = sizes[1:]
    return int(np.sum(below * (n - below)))


def structural_virality(tree: CascadeTree) -> float:
    """ν(T): the mean shortest-path distance between two nodes of the (undirected) tree,
    W(T) / C(n, 2). A star of n nodes gives 2(n − 1)/n, a chain (n + 1)/3. Undefined (NaN)
    for a tree of one node: there is no pair."""
    n = tree.size
    if n < 2:
        return math.nan
    return 2.0 * wiener_index(tree) / (n * (n - 1))


def read_casflow(path: Path) -> list[CascadeTree]:
    """Every cascade of a CasFlow file, as trees (see the module notes for the rules)."""
    path = Path(path)
    if not path.exists():
        raise InputNotFound(path, what="CasFlow cascade file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise UnreadableFile(path, reason=error.strerror or str(error)) from error
    except UnicodeDecodeError as error:
        raise UnreadableFile(path, reason=f"not UTF-8 text (byte {error.start})") from error
    trees = [
        _parse_line(path, number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]
    if not trees:
        raise WrongFormat(path, expected="CasFlow cascades, one a line", found="an empty file")
    return trees


def _bad(path: Path, line: int, field: str, expected: str, found: str) -> MalformedCascadeFile:
    return MalformedCascadeFile(path, line=line, field=field, expected=expected, found=found)


def _number(path: Path, line: int, field: str, token: str) -> int:
    try:
        value = int(token)
    except ValueError:
        value = -1
    if value < 0:
        raise _bad(path, line, field, "a non-negative integer", repr(token[:40]))
    return value


def _parse_line(path: Path, line: int, text: str) -> CascadeTree:
    parts = text.rstrip("\r\n").split("\t")
    if len(parts) != len(FIELDS):
        raise _bad(
            path,
            line,
            FIELDS[min(len(parts), len(FIELDS) - 1)],
            f"{len(FIELDS)} tab-separated fields ({', '.join(FIELDS)})",
            f"{len(parts)} field(s)",
        )
    cascade_id, root = parts[0].strip(), parts[1].strip()
    if not cascade_id or not root:
        raise _bad(path, line, "id" if not cascade_id else "root_user", "a value", "nothing")
    posted = _number(path, line, "pub_unix_time", parts[2].strip())
    declared = _number(path, line, "n_participants", parts[3].strip())
    first: dict[str, tuple[float, int, int, str]] = {}  # user -> (time, path, hop, parent)
    passing: dict[str, tuple[float, int, int, str]] = {}  # users seen only mid-path
    ends: set[str] = set()
    repeats = 0
    for order, token in enumerate(parts[4].split()):
        route, colon, stamp = token.rpartition(":")
        try:
            at = float(stamp) if colon else math.nan
        except ValueError:
            at = math.nan
        names = route.split("/")
        if not colon or not all(names) or not math.isfinite(at) or at < 0:
            raise _bad(path, line, "paths", "paths like `u1/u2:seconds`", repr(token[:60]))
        users = [u for i, u in enumerate(names) if i == 0 or u != names[i - 1]]
        if users[0] != root:
            raise _bad(
                path, line, "paths", f"a path starting at the root user {root}", repr(token[:60])
            )
        repeats += users[-1] in ends
        ends.add(users[-1])
        for position in range(1, len(users)):
            user, parent = users[position], users[position - 1]
            table = first if position == len(users) - 1 else passing
            if user not in table or at < table[user][0]:
                table[user] = (at, order, position, parent)
    for user, entry in passing.items():
        first.setdefault(user, entry)
    first.pop(root, None)
    return _tree(cascade_id, root, first, float(posted), declared, repeats)


def _tree(
    cascade_id: str,
    root: str,
    first: dict[str, tuple[float, int, int, str]],
    posted: float,
    declared: int,
    repeats: int,
) -> CascadeTree:
    users = [root, *sorted(first, key=lambda u: first[u][:3])]
    index = {user: i for i, user in enumerate(users)}
    parents = np.array([-1] + [index[first[u][3]] for u in users[1:]], dtype=np.int64)
    reattached = 0
    if _depths(parents) is None:  # a cycle: attach the users it holds to the root
        reached = np.zeros(len(users), dtype=bool)
        reached[0] = True
        for _ in range(len(users)):
            reached[1:] |= reached[parents[1:]]
        reattached = int((~reached).sum())
        parents[~reached] = 0
    times = np.array([0.0] + [first[u][0] for u in users[1:]])
    return CascadeTree(
        id=cascade_id,
        users=tuple(users),
        parents=parents,
        times=times,
        posted_at=posted,
        declared=declared,
        repeats=repeats,
        reattached=reattached,
    )
