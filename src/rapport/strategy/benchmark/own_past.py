"""With no competitor data: each own account against its own past and the workspace's targets.

The window is the benchmark's (by default the last 90 days of the own accounts' data, ending
at their latest post, count or interaction); the window before it is as long and ends where
it starts. Every value is a registered metric evaluated for the account over its coverage of
each window (the same :func:`~rapport.metrics.run.evaluate_each` path as the competitor
benchmark: one definition per number), except the weekly question posts and the follower
growth, which are the competitor benchmark's own numbers. Each area says how the value moved
(the metric's direction decides "better") and the target it is held to
(:func:`~rapport.strategy.benchmark.targets.target_for`).

:func:`workspace_benchmark` picks the comparison: competitors when the store holds any on the
own accounts' platforms, else the own past.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

from rapport.errors import UsageError
from rapport.query.common import config
from rapport.query.context import Context
from rapport.strategy.benchmark.compare import (
    AREA_SPECS,
    Compared,
    account_summary,
    compared_accounts,
    competitor_benchmark,
    moment,
)
from rapport.strategy.benchmark.model import AreaSpec, Value, Window
from rapport.strategy.benchmark.queries import evidence, measure_slices
from rapport.strategy.benchmark.registered import (
    REGISTERED,
    evaluated_values,
    registered_values,
)
from rapport.strategy.benchmark.result import Benchmark
from rapport.strategy.benchmark.targets import PastArea, target_for
from rapport.strategy.benchmark.values import COMPUTE, Measured, Raw, Who, posting_known, weeks

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["PAST_SPECS", "own_past_benchmark", "workspace_benchmark"]

_DAY = 86400.0
_WEEK = 7 * _DAY
_EVALUATED = ("reply_rate", "time_to_first_reply", "core_community", "engagement_rate")
"""Registered metrics evaluated per own account beside the benchmark's :data:`REGISTERED`."""
_SLICES = ("now", "then")

QUESTIONS = AreaSpec(
    "reciprocity", "question_posts_per_week", "Question posts a week", "posts per week",
    "higher",
    "weeks of the account's coverage of the window; question posts are original posts of "
    "kind question (from the source, else rapport's classifier)",
    "reciprocity",
)  # fmt: skip
_GROWTH = next(s for s in AREA_SPECS if s.metric == "follower_growth")
PAST_SPECS: tuple[AreaSpec, ...] = (
    AreaSpec.registered("consistency", "posts_per_week"),
    AreaSpec.registered("consistency", "longest_gap_days"),
    AreaSpec.registered("consistency", "weeks_active_share"),
    AreaSpec.registered("reciprocity", "reply_rate"),
    AreaSpec.registered("reciprocity", "time_to_first_reply"),
    QUESTIONS,
    AreaSpec.registered("content_mix", "promotional_share"),
    AreaSpec.registered("community", "core_community"),
    AreaSpec.registered("engagement", "engagement_rate"),
    _GROWTH,
)
"""The areas an own account is compared with its own past in, in the order shown."""


def _questions(raw: Raw, who: Who) -> Measured:
    unknown = posting_known(raw, who)
    if unknown is not None:
        return unknown
    posts = int(raw.get("posts") or 0)
    kinds: Mapping[str, int] = raw.get("kinds", {})
    if posts and set(kinds) <= {"unknown"}:
        return Measured(None, f"the content kind of its {posts} posts is unknown (no kind "
                        "from the source and no text to classify)")  # fmt: skip
    questions = int(raw.get("questions") or 0)
    return Measured(questions / weeks(raw), n=questions, details={"questions": questions})


def _spans(
    first: float, last: float, bounds: Mapping[str, tuple[float, float]]
) -> dict[str, tuple[float, float]]:
    """Each slice's [lo, hi) clipped to the account's data (its last moment included)."""
    spans = {}
    for name, (lo, hi) in bounds.items():
        start, end = max(lo, first), min(hi, last + 0.001)
        if end > start:
            spans[name] = (start, end)
    return spans


def _windows(
    c: Context, first: float, last: float, window_days: int | None
) -> tuple[Window, Window]:
    end = c.until.timestamp() if c.until is not None else last
    ending = (
        "ending at the given end"
        if c.until is not None
        else "ending at the latest post, count or interaction of your own accounts"
    )
    if c.since is not None:
        start, rule = c.since.timestamp(), f"from the given start, {ending}"
    elif window_days is None:
        start = first + (end - first) / 2
        rule = f"the later half of the data, {ending}"
    else:
        start, rule = end - window_days * _DAY, f"the last {window_days} days of the data, {ending}"
    length = end - start
    days = round(length / _DAY)
    now = Window(moment(start), moment(end), rule)
    then = Window(moment(start - length), moment(start), f"the {days} days before: your past")
    return now, then


def _value(account: Compared, m: Measured | None, missing: str) -> Value:
    a = account
    if m is None:
        return Value(a.account_id, a.handle, a.role, None, "not_computable", missing)
    if m.value is None:
        return Value(a.account_id, a.handle, a.role, None, "not_computable", m.reason, n=m.n)
    return Value(
        a.account_id, a.handle, a.role, m.value, "ok", n=m.n, details=dict(m.details)
    )  # fmt: skip


def own_past_benchmark(session: Session, *, window_days: int | None = 90) -> Benchmark:
    """Each own account's areas over the window against the window before, with the targets.

    ``window_days`` sets the window (the last N days of the own accounts' data; None: the
    later half of it); ``context.since``/``until`` override it. Raises
    :class:`~rapport.errors.UsageError` when there is no own account or no data.
    """
    backend, tables, context = session.backend, session.tables, session.context
    everyone, notices = compared_accounts(backend, tables)
    own = [a for a in everyone if a.role == "own"]
    frame = backend.execute(evidence(tables, context, [a.account_id for a in own]))
    seen = {str(r["account_id"]): r for r in frame.to_dict("records")}
    if not seen:
        raise UsageError("no posts, counts or follower counts of your own accounts: import them")
    first = min(float(r["first"]) for r in seen.values())
    last = max(float(r["last"]) for r in seen.values())
    now, then = _windows(context, first, last, window_days)
    cuts = {
        "now": (now.start.timestamp(), now.end.timestamp() + 0.001),
        "then": (then.start.timestamp(), then.end.timestamp()),
    }
    spans: dict[str, dict[str, tuple[float, float]]] = {}
    for a in own:
        row = seen.get(a.account_id)
        found = _spans(float(row["first"]), float(row["last"]), cuts) if row else {}
        if found:
            spans[a.account_id] = found
        ends = f"its data ends on {moment(float(row['last'])):%Y-%m-%d}" if row else "no data"
        if "now" not in found:
            notices.append(
                f"{a.handle} ({a.platform}): no data in the window ({ends}); import a newer "
                "export or pull the account to see where it stands now"
            )
    bounds = [
        (name, account, *span)
        for account, by_slice in spans.items()
        for name, span in by_slice.items()
    ]
    raws = measure_slices(backend, tables, context, bounds, pattern=None)
    who = {a.account_id: Who(a.role, int(seen[a.account_id]["posts_ever"] or 0))
           for a in own if a.account_id in seen}  # fmt: skip
    measured = registered_values(session, raws, who, bounds)
    extra = evaluated_values(session, bounds, _EVALUATED)
    for name in _SLICES:
        into = measured.setdefault(name, {m: {} for m in REGISTERED})
        into.update(extra.get(name, {}))
        into["question_posts_per_week"] = {
            a: _questions(raw, who[a]) for a, raw in raws.get(name, {}).items()
        }
        into["follower_growth"] = {
            a: COMPUTE["follower_growth"](raw, who[a]) for a, raw in raws.get(name, {}).items()
        }
    targets = config(context).targets
    window_weeks = max(now.days, 1.0) * _DAY / _WEEK
    past: list[PastArea] = []
    for a in own:
        if a.account_id not in spans:
            continue
        for spec in PAST_SPECS:
            missing = {
                "now": f"no data of this account in the window ({now.days:.0f} days)",
                "then": f"no data of this account in the {then.days:.0f} days before",
            }
            value_now, value_then = (
                _value(a, measured[name].get(spec.metric, {}).get(a.account_id), missing[name])
                for name in _SLICES
            )
            if value_now.ok and value_then.ok:
                change = float(value_now.value or 0.0) - float(value_then.value or 0.0)
                value_now = dataclasses.replace(value_now, trend_per_week=change / window_weeks)
            target = target_for(spec.metric, targets, value_then)
            past.append(PastArea(a.platform, spec, value_now, value_then, target))
    summaries = tuple(
        account_summary(a, raws.get("now", {}).get(a.account_id),
                        spans.get(a.account_id, {}).get("now"))
        for a in own
    )  # fmt: skip
    return Benchmark(
        now, summaries, (), (), tuple(notices), mode="own_past", past=tuple(past), past_window=then
    )


def workspace_benchmark(session: Session, *, window_days: int | None = 90) -> Benchmark:
    """The competitor benchmark when the store holds a competitor on an own account's
    platform; otherwise each own account against its own past and the targets."""
    accounts, _ = compared_accounts(session.backend, session.tables)
    if any(a.role == "competitor" for a in accounts):
        return competitor_benchmark(session, window_days=window_days)
    bench = own_past_benchmark(session, window_days=window_days)
    named = config(session.context).accounts.competitors
    if named:
        handles = ", ".join(f"{a.handle} ({a.platform})" for a in named)
        notice = (
            f"rapport.toml names competitors ({handles}) but the store holds none of their "
            "posts or counts on your platforms yet: pull or import them to compare"
        )
        return dataclasses.replace(bench, notices=(*bench.notices, notice))
    return bench
