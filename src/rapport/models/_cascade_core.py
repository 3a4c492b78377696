"""The cascade value type, its errors, and the flat packing the vectorised models run on.

A :class:`Cascade` holds the *reshares* of one post (never the original post itself): their
times in seconds since the post, sorted, and each resharer's follower count where known. The
original post enters the models only through ``poster_followers`` (SEISMIC's event 0, the
Hawkes process's immigrant).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from rapport.errors import InvalidCascade, MalformedCascadeFile

__all__ = [
    "BoolArray",
    "Cascade",
    "CascadeBatch",
    "FloatArray",
    "IntArray",
    "InvalidCascade",
    "MalformedCascadeFile",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _as_float_array(values: object) -> FloatArray:
    return np.ascontiguousarray(np.asarray(values, dtype=np.float64).reshape(-1))


@dataclass(frozen=True, eq=False)
class Cascade:
    """The reshares of one post.

    ``times`` are seconds since the original post, sorted; ``followers`` the follower count of
    each resharer (aligned with ``times``), or None where no count is known (CasFlow paths);
    ``poster_followers`` the original poster's count. ``final_size`` is the number of
    reshares the source states the cascade finally reached (SEISMIC/TiDeH headers), else None.
    ``parents`` give, per reshare, the index of the reshare it came through, or -1 for the
    original post, where paths are known. ``horizon`` is how long after the post the record is
    complete (the end of the data, for a store's posts); ``posted_at`` the post's time in
    seconds since 1970 where known.
    """

    id: str
    times: FloatArray
    followers: FloatArray | None
    poster_followers: float | None
    final_size: int | None = None
    parents: IntArray | None = None
    horizon: float | None = None
    posted_at: float | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        times = _as_float_array(self.times)
        object.__setattr__(self, "times", times)
        if not np.all(np.isfinite(times)):
            raise InvalidCascade(self.id, field="times", problem="every time must be finite")
        if times.size and times[0] < 0:
            raise InvalidCascade(
                self.id, field="times", problem=f"a reshare at {times[0]} s, before the post"
            )
        if times.size > 1 and np.any(np.diff(times) < 0):
            raise InvalidCascade(
                self.id, field="times", problem="not sorted; build it with Cascade.from_events"
            )
        if self.followers is not None:
            followers = _as_float_array(self.followers)
            object.__setattr__(self, "followers", followers)
            if followers.shape != times.shape:
                raise InvalidCascade(
                    self.id,
                    field="followers",
                    problem=f"{followers.size} counts for {times.size} reshares",
                )
            if not np.all(np.isfinite(followers)) or np.any(followers < 0):
                raise InvalidCascade(
                    self.id, field="followers", problem="counts must be finite and >= 0"
                )
        if self.poster_followers is not None and not (
            np.isfinite(self.poster_followers) and self.poster_followers >= 0
        ):
            raise InvalidCascade(
                self.id,
                field="poster_followers",
                problem=f"expected a count >= 0, found {self.poster_followers}",
            )
        if self.final_size is not None and self.final_size < times.size:
            raise InvalidCascade(
                self.id,
                field="final_size",
                problem=f"{self.final_size} is less than the {times.size} reshares listed",
            )
        if self.parents is not None:
            parents = np.asarray(self.parents, dtype=np.int64).reshape(-1)
            object.__setattr__(self, "parents", parents)
            if parents.shape != times.shape or np.any(parents < -1):
                raise InvalidCascade(
                    self.id, field="parents", problem="one index >= -1 per reshare expected"
                )

    @classmethod
    def from_events(
        cls,
        cascade_id: str,
        times: Sequence[float] | FloatArray,
        followers: Sequence[float] | FloatArray | None,
        *,
        poster_followers: float | None,
        final_size: int | None = None,
        parents: Sequence[int] | IntArray | None = None,
        horizon: float | None = None,
        posted_at: float | None = None,
        source: str | None = None,
    ) -> Cascade:
        """A cascade from events in any order: sorted by time, follower counts (and parent
        indices) moved together with their times (SEISMIC pitfall 1)."""
        raw = _as_float_array(times)
        order = np.argsort(raw, kind="stable")
        counts = None if followers is None else _as_float_array(followers)[order]
        sorted_parents = None
        if parents is not None:
            old = np.asarray(parents, dtype=np.int64).reshape(-1)
            new_index = np.empty_like(order)
            new_index[order] = np.arange(order.size)
            mapped = old[order]
            sorted_parents = np.where(mapped >= 0, new_index[np.maximum(mapped, 0)], -1)
        return cls(
            id=cascade_id,
            times=raw[order],
            followers=counts,
            poster_followers=poster_followers,
            final_size=final_size,
            parents=sorted_parents,
            horizon=horizon,
            posted_at=posted_at,
            source=source,
        )

    @property
    def size(self) -> int:
        """Reshares listed (the original post not counted)."""
        return int(self.times.size)

    @property
    def eventual_size(self) -> int:
        """The final size the source states, else the reshares listed."""
        return self.final_size if self.final_size is not None else self.size

    def observed(self, at: float) -> int:
        """Reshares at or before ``at`` seconds after the post."""
        return int(np.searchsorted(self.times, at, side="right"))

    def until(self, at: float) -> Cascade:
        """The cascade as it was ``at`` seconds after the post: later reshares and the stated
        final size removed, the record complete up to ``at``."""
        keep = self.observed(at)
        parents = None
        if self.parents is not None:
            parents = self.parents[:keep]
            parents = np.where(parents < keep, parents, -1)
        return replace(
            self,
            times=self.times[:keep],
            followers=None if self.followers is None else self.followers[:keep],
            final_size=None,
            parents=parents,
            horizon=at,
        )


@dataclass(frozen=True)
class CascadeBatch:
    """Many cascades as flat arrays, the original post included as event 0 of each.

    Cascade ``k`` owns events ``offsets[k]:offsets[k + 1]`` of ``times`` and ``followers``;
    the first of them is its original post (time 0, the poster's follower count).
    """

    ids: tuple[str, ...]
    times: FloatArray
    followers: FloatArray
    offsets: IntArray

    @classmethod
    def from_cascades(cls, cascades: Sequence[Cascade]) -> CascadeBatch:
        """Pack cascades; every one must know its follower counts and its poster's."""
        times_parts: list[FloatArray] = []
        followers_parts: list[FloatArray] = []
        posters: list[float] = []
        for cascade in cascades:
            if cascade.followers is None or cascade.poster_followers is None:
                raise InvalidCascade(
                    cascade.id,
                    field="followers",
                    problem="SEISMIC needs every resharer's and the poster's follower count; "
                    "use the Hawkes model (model='hawkes') for cascades without them",
                )
            times_parts.append(cascade.times)
            followers_parts.append(cascade.followers)
            posters.append(cascade.poster_followers)
        lengths = np.fromiter(map(len, times_parts), dtype=np.int64, count=len(posters)) + 1
        offsets = np.zeros(len(posters) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        reshare = np.ones(int(offsets[-1]), dtype=np.bool_)
        reshare[offsets[:-1]] = False  # each cascade's first slot is its original post
        times = np.zeros(reshare.size, dtype=np.float64)
        followers = np.zeros(reshare.size, dtype=np.float64)
        if times_parts:
            times[reshare] = np.concatenate(times_parts)
            followers[reshare] = np.concatenate(followers_parts)
            followers[offsets[:-1]] = posters
        return cls(
            ids=tuple(c.id for c in cascades), times=times, followers=followers, offsets=offsets
        )

    @property
    def count(self) -> int:
        return len(self.ids)
