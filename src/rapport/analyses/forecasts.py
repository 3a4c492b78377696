"""Forecasts of how far the workspace's own posts will spread (``rapport forecast post``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from rapport.analyses.cascades import cascades_from_store
from rapport.errors import UsageError
from rapport.models.cascades import Cascade
from rapport.models.forecast import Forecast, check_options, forecast

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["forecast_post", "forecast_posts"]


def forecast_posts(
    session: Session,
    *,
    observe: float | None = None,
    limit: int = 10,
) -> list[Forecast]:
    """Forecasts for the ``limit`` most recent own posts that have reshares, newest first.

    ``observe=None`` uses everything up to the end of the data; a post younger than
    ``observe`` is forecast from what there is, said so in its notes.
    """
    if observe is not None:
        check_options(observe, "auto")
    cascades = cascades_from_store(session)
    recent: Sequence[Cascade] = sorted(cascades, key=lambda c: -(c.posted_at or 0.0))[:limit]
    results = []
    for cascade in recent:
        horizon = cascade.horizon if cascade.horizon is not None else float(cascade.times[-1])
        at = horizon if observe is None else min(observe, horizon)
        result = forecast(cascade, observe=at)
        if observe is not None and at < observe:
            note = f"the data ends {at:.0f} s after this post, before {observe:.0f} s"
            result = replace(result, notes=(*result.notes, note))
        results.append(result)
    return results


def forecast_post(
    session: Session, post_id: str, *, observe: float | None = None, model: str = "auto"
) -> Forecast:
    """Forecast the final reshares of one own post from its reshares so far (``observe``:
    use only its first seconds; default: everything up to the end of the data)."""
    cascades = cascades_from_store(session, post_ids=[post_id])
    if not cascades:
        raise UsageError(
            f"post {post_id!r}: not an own post with reshares in this workspace "
            "(see the metric table 'posts')"
        )
    cascade = cascades[0]
    if observe is not None:
        horizon = observe
    elif cascade.horizon is not None:  # everything up to the end of the data
        horizon = float(cascade.horizon)
    else:
        horizon = float(cascade.times[-1]) if len(cascade.times) else 0.0
    return forecast(cascade, observe=horizon, model=model)
