"""Directed graphs over integer-indexed nodes, and reading SNAP-style edge lists.

A :class:`Graph` keeps its edges as CSR arrays by source (``indptr``, ``indices``): the
out-neighbours of node ``i`` are ``indices[indptr[i]:indptr[i + 1]]``. Node ``i`` is known
outside as ``ids[i]`` (the id in the file, a person id, ...). Influence flows along an edge
from its source to its target: ``u -> v`` means that ``u`` can convince ``v``.
"""

from __future__ import annotations

import functools
import io
import math
import warnings
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from rapport.errors import InputNotFound, UnreadableFile, UsageError, WrongFormat

__all__ = ["Graph", "MalformedLine", "read_edgelist"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class MalformedLine(WrongFormat):
    """A line of a text data file that can't be read: the file, the line and the field."""

    def __init__(
        self, path: Path | str, *, line: int, field: str, expected: str, found: str, fix: str = ""
    ) -> None:
        super().__init__(path, expected=expected, found=found, fix=fix)
        self.line = line
        self.field = field

    def __str__(self) -> str:
        fix = self.fix or "correct or delete that line"
        return (
            f"{self.path}: line {self.line}, field {self.field!r}: expected {self.expected}, "
            f"found {self.found}; {fix}"
        )


@dataclass(frozen=True, eq=False)
class Graph:
    """A directed graph: CSR by source, the original node ids, optional per-edge data.

    ``probabilities`` (aligned with ``indices``) are activation probabilities of the edges,
    used by the ``"edge"`` model; ``weights`` (one per node) is how much reaching a node is
    worth (1 each when absent); ``seedable`` marks the nodes that may be chosen as seeds
    (all when absent). Build one with :meth:`from_edges`: it drops self-loops and repeated
    edges and checks the arrays.
    """

    indptr: IntArray
    indices: IntArray
    ids: tuple[Hashable, ...]
    probabilities: FloatArray | None = None
    weights: FloatArray | None = None
    seedable: npt.NDArray[np.bool_] | None = None
    self_loops: int = 0
    """Self-loops given to :meth:`from_edges` and dropped (a node can't convince itself)."""

    @classmethod
    def from_edges(
        cls,
        sources: npt.ArrayLike,
        targets: npt.ArrayLike,
        *,
        ids: Sequence[Hashable] | None = None,
        nodes: int | None = None,
        probabilities: npt.ArrayLike | None = None,
        weights: npt.ArrayLike | None = None,
        seedable: npt.ArrayLike | None = None,
    ) -> Graph:
        """A graph from parallel arrays of node indices (``0 .. nodes - 1``).

        Self-loops are dropped, and a repeated edge is kept once (with the highest of its
        probabilities). ``ids`` defaults to the indices themselves.
        """
        src = np.asarray(sources, dtype=np.int64).ravel()
        dst = np.asarray(targets, dtype=np.int64).ravel()
        if src.shape != dst.shape:
            raise UsageError(f"Graph: {src.size} sources but {dst.size} targets")
        count = len(ids) if ids is not None else nodes
        if count is None:
            count = int(max(src.max(initial=-1), dst.max(initial=-1))) + 1
        if nodes is not None and nodes != count:
            raise UsageError(f"Graph: nodes={nodes} but {count} ids")
        if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= count):
            raise UsageError(f"Graph: an edge names a node outside 0..{count - 1}")
        probs = None
        if probabilities is not None:
            probs = np.asarray(probabilities, dtype=np.float64).ravel()
            if probs.shape != src.shape:
                raise UsageError(f"Graph: {probs.size} probabilities for {src.size} edges")
            if probs.size and not (np.all(probs >= 0.0) and np.all(probs <= 1.0)):
                raise UsageError("Graph: edge probabilities must lie in [0, 1]")
        keep = src != dst
        loops = int(src.size - np.count_nonzero(keep))
        src, dst = src[keep], dst[keep]
        order = np.lexsort((dst, src)) if probs is None else np.lexsort((-probs[keep], dst, src))
        src, dst = src[order], dst[order]
        first = np.ones(src.size, dtype=bool)
        first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
        src, dst = src[first], dst[first]
        if probs is not None:
            probs = probs[keep][order][first]
        indptr = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=count), out=indptr[1:])
        return cls(
            indptr=indptr,
            indices=dst,
            ids=tuple(ids) if ids is not None else tuple(range(count)),
            probabilities=probs,
            weights=_node_array(weights, count, "weights"),
            seedable=None if seedable is None else _node_mask(seedable, count),
            self_loops=loops,
        )

    @property
    def nodes(self) -> int:
        return int(self.indptr.shape[0] - 1)

    @property
    def edges(self) -> int:
        return int(self.indices.shape[0])

    @property
    def sources(self) -> IntArray:
        """The source of each edge (aligned with ``indices``)."""
        return np.repeat(np.arange(self.nodes, dtype=np.int64), np.diff(self.indptr))

    @property
    def out_degree(self) -> IntArray:
        return np.diff(self.indptr)

    @functools.cached_property
    def in_degree(self) -> IntArray:
        return np.bincount(self.indices, minlength=self.nodes).astype(np.int64)

    @functools.cached_property
    def _positions(self) -> dict[Hashable, int]:
        return {node: i for i, node in enumerate(self.ids)}

    def index_of(self, nodes: Iterable[Hashable]) -> IntArray:
        """The indices of nodes given by their ids; an unknown id is a UsageError."""
        positions = self._positions
        found = []
        for node in nodes:
            if node not in positions:
                raise UsageError(f"node {node!r} is not in the graph ({self.nodes} nodes)")
            found.append(positions[node])
        return np.asarray(found, dtype=np.int64)

    def ids_of(self, indices: npt.ArrayLike) -> list[Hashable]:
        """The ids of nodes given by their indices."""
        return [self.ids[int(i)] for i in np.asarray(indices).ravel()]

    def node_weights(self) -> FloatArray:
        """How much reaching each node is worth (1 each unless the graph says otherwise)."""
        if self.weights is None:
            return np.ones(self.nodes, dtype=np.float64)
        return self.weights


def _node_array(values: npt.ArrayLike | None, count: int, name: str) -> FloatArray | None:
    if values is None:
        return None
    array = np.asarray(values, dtype=np.float64).ravel()
    if array.shape != (count,):
        raise UsageError(f"Graph: {array.size} {name} for {count} nodes")
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise UsageError(f"Graph: {name} must be finite and not negative")
    return array


def _node_mask(values: npt.ArrayLike, count: int) -> npt.NDArray[np.bool_]:
    array = np.asarray(values, dtype=bool).ravel()
    if array.shape != (count,):
        raise UsageError(f"Graph: {array.size} seedable flags for {count} nodes")
    return array


_FIELDS = ("src", "dst", "p")


def read_edgelist(path: Path, *, undirected: bool = False) -> Graph:
    """Read a whitespace-separated edge list of integer node ids, one ``src dst`` or
    ``src dst p`` a line.

    Blank lines and lines starting with ``#`` or ``%`` are skipped. A first line ``n m`` is a
    header (SNAP's format as shipped with OPIM) when exactly ``m`` edge lines follow and
    every id is below ``n``; nodes ``0 .. n-1`` then all exist, edges or not. Otherwise the
    nodes are the ids that occur, in increasing order. A third field ``p`` is the edge's
    activation probability, used as is; when some lines give one, the edges without one get
    the weighted cascade's 1/in-degree of their target, and the graph carries
    ``probabilities`` (for the ``"edge"`` model). Self-loops are dropped and counted in the
    graph's ``self_loops``. With ``undirected=True`` every line also adds the reverse edge
    (for files that list an undirected edge once).
    """
    path = Path(path)
    if not path.exists():
        raise InputNotFound(path, what="edge list")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableFile(path, reason=str(exc)) from None
    parsed = _parse_fast(text)
    edges, given = parsed if parsed is not None else _parse_lines(path, text)
    header = _header(edges, given)
    if header is not None:
        edges, given = edges[1:], given[1:]
        ids: list[int] = list(range(header))
        src, dst = edges[:, 0], edges[:, 1]
    else:
        unique, inverse = np.unique(edges, return_inverse=True)
        ids = [int(i) for i in unique]
        inverse = inverse.reshape(edges.shape)
        src, dst = inverse[:, 0], inverse[:, 1]
    if undirected:
        src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
        given = np.concatenate([given, given])
    graph = Graph.from_edges(src, dst, ids=ids)
    if bool(np.all(np.isnan(given))):
        return graph
    indeg = np.maximum(graph.in_degree, 1).astype(np.float64)
    probabilities = np.where(np.isnan(given), 1.0 / indeg[dst], given)
    return Graph.from_edges(src, dst, ids=ids, probabilities=probabilities)


def _parse_fast(text: str) -> tuple[IntArray, FloatArray] | None:
    """All rows at NumPy speed (ids, and the probability or NaN), or None when any line needs a
    closer look. A first data line of two fields may head rows of three."""
    lines = text.splitlines()
    head = next(
        (i for i, line in enumerate(lines) if line.strip() and line.strip()[0] not in "#%"),
        None,
    )
    if head is None:
        return None
    first = lines[head].split()
    if len(first) != 2 or not all(token.isdigit() for token in first):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows = np.loadtxt(
                io.StringIO("\n".join(lines[head + 1 :])),
                dtype=np.float64,
                comments=("#", "%"),
                ndmin=2,
            )
    except ValueError:
        return None
    if rows.shape[1] not in (2, 3) or not np.all(np.isfinite(rows)):
        return None
    ids = rows[:, :2]
    if ids.size and (float(ids.min()) < 0 or float(ids.max()) >= 2**53):
        return None
    if not np.array_equal(ids, np.floor(ids)):
        return None
    given = rows[:, 2] if rows.shape[1] == 3 else np.full(rows.shape[0], np.nan)
    if given.size and not (np.all(given >= 0.0) and np.all(given <= 1.0)):
        return None
    edges = np.vstack([np.array([[int(first[0]), int(first[1])]]), ids.astype(np.int64)])
    return edges, np.concatenate([[np.nan], given])


def _parse_lines(path: Path, text: str) -> tuple[IntArray, FloatArray]:
    """Line by line, naming the first line and field that can't be read."""
    pairs: list[tuple[int, int]] = []
    given: list[float] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#%":
            continue
        parts = line.split()
        if not 2 <= len(parts) <= 3:
            raise MalformedLine(
                path,
                line=number,
                field=_FIELDS[min(len(parts), 2)],
                expected="two node ids and an optional probability, `src dst` or `src dst p`",
                found=repr(line[:60]),
            )
        pair = []
        for field, token in zip(_FIELDS[:2], parts[:2], strict=True):
            try:
                value = int(token)
            except ValueError:
                value = -1
            if value < 0:
                raise MalformedLine(
                    path,
                    line=number,
                    field=field,
                    expected="a non-negative integer node id",
                    found=repr(token[:40]),
                )
            pair.append(value)
        probability = math.nan
        if len(parts) == 3:
            try:
                probability = float(parts[2])
            except ValueError:
                probability = math.nan
            if not 0.0 <= probability <= 1.0:
                raise MalformedLine(
                    path,
                    line=number,
                    field="p",
                    expected="a probability between 0 and 1",
                    found=repr(parts[2][:40]),
                )
        pairs.append((pair[0], pair[1]))
        given.append(probability)
    if not pairs:
        raise WrongFormat(
            path, expected="an edge list with at least one `src dst` line", found="no edges"
        )
    return np.asarray(pairs, dtype=np.int64), np.asarray(given, dtype=np.float64)


def _header(edges: IntArray, given: FloatArray) -> int | None:
    """The node count when the first row is an ``n m`` header, else None."""
    n, m = int(edges[0, 0]), int(edges[0, 1])
    rest = edges[1:]
    if m != rest.shape[0] or m == 0 or not np.isnan(given[0]) or n <= 0 or n > 2**31:
        return None
    return n if int(rest.max()) < n else None


def log_binomial(n: int, k: int) -> float:
    """ln C(n, k)."""
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
