"""Which kind of post brings the conversions: conversions per post by content kind.

The planner reads it so that no step works against the objective: when promotions are the
kind that brings the most conversions per post, the plan says so and keeps them at the
workspace's ceiling (``targets.max_promotional_share``) instead of trading them for other
posts. The numbers are the conversions area's (:func:`~rapport.metrics.builtin.conversions.
attributed_by_post`: each own original post with the conversions attributed to it), grouped
by content kind.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rapport.metrics.builtin.conversions import attributed_by_post
from rapport.metrics.run import run_metrics
from rapport.query.common import to_python

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["MIN_POSTS", "KindConversions", "KindRate", "conversions_by_kind"]

MIN_POSTS = 5
"""A kind with fewer original posts is never called the best-converting one."""
_Z = 1.959963984540054


@dataclass(frozen=True)
class KindRate:
    """Conversions per original post of one content kind, with a 95 % interval."""

    kind: str
    posts: int
    conversions: int
    per_post: float
    low: float | None = None
    high: float | None = None

    def to_dict(self) -> dict[str, Any]:
        def r(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "kind": self.kind,
            "posts": self.posts,
            "conversions": self.conversions,
            "per_post": r(self.per_post),
            "low": r(self.low),
            "high": r(self.high),
        }


@dataclass(frozen=True)
class KindConversions:
    """Conversions per post by content kind, best first, or why they are not known."""

    kinds: tuple[KindRate, ...] = ()
    reason: str | None = None

    @property
    def best(self) -> KindRate | None:
        """The kind with the most conversions per post (at least :data:`MIN_POSTS` posts and
        one conversion), or None."""
        ranked = [k for k in self.kinds if k.posts >= MIN_POSTS and k.conversions > 0]
        return max(ranked, key=lambda k: (k.per_post, k.kind), default=None)

    @property
    def promotions_best(self) -> bool:
        best = self.best
        return best is not None and best.kind == "promo"

    def promotions_sentence(self) -> str | None:
        """Why promotions must stay, in words with the numbers, when they convert best."""
        best = self.best
        if best is None or best.kind != "promo":
            return None
        others = [k for k in self.kinds if k.kind != "promo" and k.posts >= MIN_POSTS]
        runner = max(others, key=lambda k: (k.per_post, k.kind), default=None)
        than = (
            f" against {runner.per_post:.2f} for {runner.kind.replace('_', ' ')}, the next best"
            if runner is not None
            else ""
        )
        return (
            f"promotions bring you the most conversions per post ({best.per_post:.2f} over "
            f"{best.posts} promotions{than})"
        )

    def to_dict(self) -> dict[str, Any]:
        best = self.best
        return {
            "kinds": [k.to_dict() for k in self.kinds],
            "best": None if best is None else best.kind,
            "promotions_best": self.promotions_best,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KindConversions:
        kinds = tuple(
            KindRate(
                str(k["kind"]), int(k["posts"]), int(k["conversions"]), float(k["per_post"]),
                k.get("low"), k.get("high"),
            )
            for k in data.get("kinds", [])
        )  # fmt: skip
        return cls(kinds, data.get("reason"))


def conversions_by_kind(session: Session) -> KindConversions:
    """Conversions per own original post, by content kind, over the session's period."""
    check = run_metrics(session, ids=["conversions_per_post"])[0]
    if not check.ok:
        return KindConversions(reason=check.reason)
    posts = attributed_by_post(session.tables, session.context)
    kind = posts.kind.fill_null("unknown")
    posts = posts.mutate(kind=kind, conv=posts.conversions.cast("float64"))
    grouped = posts.group_by("kind").aggregate(
        posts=posts.count(), conversions=posts.conv.sum(), sd=posts.conv.std()
    )
    rates = []
    for row in session.backend.execute(grouped).to_dict("records"):
        n, total = int(row["posts"]), to_python(row["conversions"]) or 0.0
        sd = to_python(row["sd"])
        mean = float(total) / n
        half = _Z * float(sd) / math.sqrt(n) if sd is not None and math.isfinite(sd) else None
        low = None if half is None else max(0.0, mean - half)
        rates.append(KindRate(
            str(row["kind"]), n, round(float(total)), mean, low,
            None if half is None else mean + half,
        ))  # fmt: skip
    rates.sort(key=lambda k: (-k.per_post, k.kind))
    return KindConversions(tuple(rates))
