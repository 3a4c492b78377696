"""What the workspace measures: the targets the synthetic world is calibrated to.

Each quantity is a built-in metric (docs/metrics.md) or built from the same blocks, so the
world is compared with exactly what the report shows. A quantity the data can't give is
``None`` and its reason is kept (the metric's own "not computable" reason): the calibration
then leaves the world's default for it and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rapport.metrics.run import run_metrics
from rapport.query.common import post_engagement, to_python

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["WorkspaceMeasures", "measure_workspace"]

_METRICS = {
    "posts_per_week": "posts_per_week",
    "weeks_with_posts": "weeks_active_share",
    "promotional_share": "promotional_share",
    "reply_rate": "reply_rate",
    "reply_hours": "time_to_first_reply",
    "engagement_rate": "engagement_rate",
}


@dataclass(frozen=True)
class WorkspaceMeasures:
    """The workspace's quantities (``None`` where the data can't give one)."""

    posts: int
    span_days: float | None
    """Days from the first follower count (else the first original post) to the data's end."""
    posts_per_week: float | None = None
    weeks_with_posts: float | None = None
    promotional_share: float | None = None
    engagement_per_post: float | None = None
    engagement_rate: float | None = None
    reply_rate: float | None = None
    reply_hours: float | None = None
    followers_start: float | None = None
    followers_end: float | None = None
    follower_growth: float | None = None
    missing: dict[str, str] = field(default_factory=dict)
    """Quantity -> why the data can't give it."""

    def get(self, name: str) -> float | None:
        value = getattr(self, name)
        return None if value is None else float(value)


def _followers(session: Session, own: tuple[str, ...]) -> tuple[float, float, float] | None:
    """Summed own followers at the first and the last observation, and the days between."""
    t = session.tables
    fc = t.follower_counts.filter(t.follower_counts.account_id.isin(list(own)))
    per_account = fc.group_by("account_id").aggregate(
        first=fc.followers.argmin(fc.observed_at),
        last=fc.followers.argmax(fc.observed_at),
        first_at=fc.observed_at.min(),
        last_at=fc.observed_at.max(),
    )
    rows = session.execute(per_account).to_dict("records")
    if not rows:
        return None
    start = sum(float(r["first"]) for r in rows)
    end = sum(float(r["last"]) for r in rows)
    first_at = min(r["first_at"] for r in rows)
    last_at = max(r["last_at"] for r in rows)
    days = (last_at - first_at).total_seconds() / 86_400
    if days < 7 or start <= 0:
        return None
    return start, end, days


def measure_workspace(session: Session) -> WorkspaceMeasures:
    """Measure the quantities the calibration matches (see :class:`WorkspaceMeasures`)."""
    backend, context = session.backend, session.context
    values: dict[str, Any] = {}
    missing: dict[str, str] = {}
    results = {r.id: r for r in run_metrics(session, ids=list(_METRICS.values()))}
    for name, metric_id in _METRICS.items():
        result = results[metric_id]
        if result.ok and result.value is not None:
            values[name] = float(result.value)
        else:
            missing[name] = f"{metric_id}: {result.reason or 'not computable'}"
    posts_result = results["posts_per_week"]
    posts = int(posts_result.n or 0) if posts_result.ok else 0
    weeks = posts_result.extra.get("weeks") if posts_result.ok else None
    if "engagement_rate" in values:
        table, _ = post_engagement(session.tables, context)
        median = to_python(backend.execute(table.engagements.median()))
        if median is not None:
            values["engagement_per_post"] = float(median)
    if "engagement_per_post" not in values:
        missing["engagement_per_post"] = missing.get(
            "engagement_rate", "engagement counts per post are not in the data"
        )
    own = context.account_ids
    followers = _followers(session, own) if own else None
    span = None if weeks is None else float(weeks) * 7.0
    if followers is None:
        missing["follower_growth"] = (
            "follower counts of your own accounts at two moments at least a week apart"
        )
    else:
        start, end, span = followers
        values.update(followers_start=start, followers_end=end, follower_growth=end / start - 1)
    return WorkspaceMeasures(posts=posts, span_days=span, missing=missing, **values)
