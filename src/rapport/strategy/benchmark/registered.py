"""Registered metrics in the benchmark: the same spec the workspace's own report uses,
evaluated for each compared account over its own coverage of each slice of the window.

Posting (posts per week, the longest gap, weeks with a post) and the promotional share are
not measured twice: each account gets a metric context of its own
(:meth:`~rapport.query.context.Context.for_accounts`, its coverage as the period) and the
registered metric is evaluated there. What only the benchmark knows stays here: whether the
account's posting can be judged at all (it posted somewhere in the data, its data covers at
least a week of the window), and that an account which posted nothing in a slice it covers
has an observed zero, not a missing value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rapport.metrics.run import MetricResult, evaluate_each
from rapport.query.context import Context
from rapport.strategy.benchmark.values import Measured, Raw, Who, posting_known, weeks

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["POSTING", "REGISTERED", "evaluated_values", "registered_values"]

POSTING = ("posts_per_week", "longest_gap_days", "weeks_active_share")
"""Registered metrics about posting: an observed zero when a covered slice has no post."""
REGISTERED = (*POSTING, "promotional_share")
"""The registered metrics the benchmark evaluates per account (no second implementation)."""
_WEEK = 7 * 86400.0
_DETAILS = {"posts_per_week": ("weeks",), "longest_gap_days": ("gap_end_days",)}


def _at(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def _no_posts(metric: str, raw: Raw) -> Measured:
    """A posting metric of an account whose data covers the slice and that posted nothing in
    it: an observed zero (and the whole slice as its longest gap)."""
    lo, hi = float(raw["lo"]), float(raw["hi"])
    if metric == "posts_per_week":
        return Measured(0.0, n=0, details={"weeks": weeks(raw)})
    if metric == "longest_gap_days":
        days = (hi - lo) / 86400.0
        return Measured(days, n=0, details={"gap_end_days": days})
    return Measured(0.0, n=math.floor(weeks(raw)))


def _from_result(result: MetricResult) -> Measured:
    if not result.ok:
        return Measured(None, result.reason, n=result.n)
    details = {k: result.extra[k] for k in _DETAILS.get(result.id, ()) if k in result.extra}
    return Measured(float(result.value), n=result.n, details=details)


def registered_values(
    session: Session,
    raws: Mapping[str, Mapping[str, Raw]],
    who: Mapping[str, Who],
    bounds: Sequence[tuple[str, str, float, float]],
) -> dict[str, dict[str, dict[str, Measured]]]:
    """slice → metric → account → measured, for :data:`REGISTERED` (every account and slice
    evaluated together, in two queries)."""
    found: dict[str, dict[str, dict[str, Measured]]] = {}
    pending: list[tuple[str, str, Raw, Context]] = []
    for name, account, lo, hi in bounds:
        raw = raws.get(name, {}).get(account)
        if raw is None:
            continue
        into = found.setdefault(name, {m: {} for m in REGISTERED})
        if int(raw.get("posts") or 0) == 0:
            for metric, value in _without_posts(raw, who[account]).items():
                into[metric][account] = value
            continue
        context = session.context.for_accounts(
            [account], since=_at(lo), until=_at(hi), materialise=False
        )
        pending.append((name, account, raw, context))
    try:
        evaluated = evaluate_each(
            session.backend, session.tables, [c for *_, c in pending], ids=REGISTERED
        )
    finally:
        for *_, context in pending:
            context.release()
    for (name, account, raw, _), results in zip(pending, evaluated, strict=True):
        measured = {r.id: _from_result(r) for r in results}
        unknown_kind = _kind_unknown(int(raw.get("posts") or 0), raw.get("kinds", {}))
        if unknown_kind is not None:
            measured["promotional_share"] = unknown_kind
        unknown = posting_known(raw, who[account])
        if unknown is not None:  # too short a coverage to judge posting; the share still holds
            measured.update({metric: unknown for metric in POSTING})
        for metric, value in measured.items():
            found[name][metric][account] = value
    return found


def evaluated_values(
    session: Session, bounds: Sequence[tuple[str, str, float, float]], ids: Sequence[str]
) -> dict[str, dict[str, dict[str, Measured]]]:
    """slice → metric → account → measured, for any registered metrics ``ids``, each account
    and slice evaluated in a metric context of its own (its coverage as the period)."""
    contexts = [
        session.context.for_accounts([account], since=_at(lo), until=_at(hi), materialise=False)
        for _, account, lo, hi in bounds
    ]
    try:
        evaluated = evaluate_each(session.backend, session.tables, contexts, ids=ids)
    finally:
        for context in contexts:
            context.release()
    found: dict[str, dict[str, dict[str, Measured]]] = {}
    for (name, account, _, _), results in zip(bounds, evaluated, strict=True):
        into = found.setdefault(name, {metric: {} for metric in ids})
        for result in results:
            into[result.id][account] = _from_result(result)
    return found


def _without_posts(raw: Raw, who: Who) -> dict[str, Measured]:
    unknown = posting_known(raw, who)
    result = {m: unknown if unknown is not None else _no_posts(m, raw) for m in POSTING}
    result["promotional_share"] = Measured(None, "no original posts in the window")
    return result


def _kind_unknown(posts: int, kinds: Mapping[str, Any]) -> Measured | None:
    if posts and set(kinds) <= {"unknown"}:
        return Measured(
            None,
            f"the content kind of its {posts} posts is unknown (no kind from the source and "
            "no text to classify)",
        )
    return None
