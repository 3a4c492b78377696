"""The query vocabulary: per-post and per-person building blocks shared by metrics, series,
analyses and strategy.

Everything here returns Ibis expressions: no connection is opened, so the same code runs on
any backend and compiles on unbound tables.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import math
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from rapport.config import Config
from rapport.errors import InvalidParameter
from rapport.query.context import Context
from rapport.query.tables import Tables

__all__ = [
    "DEPTH_WEIGHTS",
    "ENGAGING_KINDS",
    "MIN_INTERVAL_N",
    "TIE_TOLERANCE",
    "Z_95",
    "Estimate",
    "best_row",
    "config",
    "data_end",
    "engaged_people_weeks",
    "engagement_rows",
    "facts",
    "latest_post_stats",
    "local_time",
    "mean_estimate",
    "mean_interval",
    "post_engagement",
    "ratio_interval",
    "seconds",
    "to_python",
    "week_number",
    "week_start",
    "zone_of",
]

Z_95 = 1.959963984540054
ENGAGING_KINDS = ("like", "repost", "quote", "reply", "mention", "save", "share")
"""Interaction kinds that count as a person engaging (follows, clicks and views do not)."""
DEPTH_WEIGHTS: dict[str, float] = {
    "like": 1.0, "save": 1.0, "repost": 2.0, "share": 2.0, "mention": 2.0, "quote": 3.0,
    "reply": 3.0,
}  # fmt: skip
"""How deep each kind of engagement goes (a reply weighs more than a like)."""


@ibis.udf.scalar.builtin(name="epoch")  # type: ignore[untyped-decorator]
def _duckdb_epoch(moment: dt.Timestamp(timezone="UTC")) -> dt.float64:  # type: ignore[valid-type]
    """DuckDB's own ``epoch()`` of a TIMESTAMPTZ (seconds, as a double)."""


@ibis.udf.scalar.builtin(name="unix_micros")  # type: ignore[untyped-decorator]
def _spark_unix_micros(moment: dt.Timestamp(timezone="UTC")) -> dt.int64:  # type: ignore[valid-type]
    """Spark's ``unix_micros(ts)``: microseconds since 1970 (exact, as a BIGINT)."""


def seconds(moment: ir.TimestampValue, c: Context) -> ir.FloatingValue:
    """Seconds since 1970 of a UTC timestamp, with its fraction (to the microsecond).

    On DuckDB this is ``epoch(ts)`` directly: Ibis's portable ``epoch_seconds()`` first casts
    the TIMESTAMPTZ to a naive TIMESTAMP, a time-zone conversion that costs 5x more per row
    (0.55 s against 0.10 s per 10M rows). On Spark it is ``unix_micros(ts) / 1e6``: Ibis's
    ``epoch_seconds()`` there is ``unix_timestamp``, which drops the fraction of a second
    (a reply answered 1.5 s later would count 1 or 2 s). Other backends get the portable
    expression.
    """
    backend = c.settings.get("backend")
    if backend == "duckdb":
        result: ir.FloatingValue = _duckdb_epoch(moment)
        return result
    if backend == "pyspark":
        micros: ir.IntegerValue = _spark_unix_micros(moment)
        return micros.cast("float64") / 1_000_000.0
    return moment.epoch_seconds().cast("float64")


@ibis.udf.scalar.builtin(  # type: ignore[untyped-decorator]
    name="timezone", signature=((dt.string, dt.Timestamp(timezone="UTC")), dt.timestamp)
)
def _duckdb_timezone(zone: str, moment: Any) -> Any:
    """DuckDB's ``timezone(zone, ts)``: a TIMESTAMPTZ as wall-clock time in ``zone``."""


@ibis.udf.scalar.builtin(  # type: ignore[untyped-decorator]
    name="from_utc_timestamp", signature=((dt.Timestamp(timezone="UTC"), dt.string), dt.timestamp)
)
def _spark_from_utc(moment: Any, zone: str) -> Any:
    """Spark's ``from_utc_timestamp(ts, zone)``: a UTC timestamp as wall-clock time."""


def zone_of(c: Context) -> str:
    """The zone people read times in (``Context.settings['zone']``, set by the session from
    rapport.toml, an export or the machine; UTC when none is set)."""
    return str(c.settings.get("zone") or "UTC")


def local_time(moment: ir.TimestampValue, c: Context) -> ir.TimestampValue:
    """A UTC timestamp as wall-clock time in the workspace's zone (:func:`zone_of`), for
    hours of day and weekdays people recognise; the store stays in UTC."""
    zone = zone_of(c)
    if zone == "UTC":
        return moment
    backend = c.settings.get("backend")
    if backend == "duckdb":
        result: ir.TimestampValue = _duckdb_timezone(zone, moment)
        return result
    if backend == "pyspark":
        found: ir.TimestampValue = _spark_from_utc(moment, zone)
        return found
    raise InvalidParameter(
        "timezone",
        zone,
        f'"UTC" on the {backend} engine, which rapport can\'t convert to local time yet',
    )


def week_number(moment: ir.TimestampValue, c: Context) -> ir.IntegerValue:
    """The calendar week (Monday to Sunday, UTC) of a timestamp, as a number.

    Week 0 starts on Monday 29 December 1969, so week ``n`` starts ``7 n`` days later (see
    :func:`week_start`). Plain arithmetic on seconds: on DuckDB 10x cheaper than truncating a
    TIMESTAMPTZ to its week, which goes through the ICU calendar for every row.
    """
    return ((seconds(moment, c) / 86400.0 + 3.0) / 7.0).floor().cast("int64")


TIE_TOLERANCE = 1e-9
"""Two means closer than this (relative) are a tie for :func:`best_row`: engines sum in
different orders, so means equal on paper can differ in their last bits, and which of them
is larger then depends on the engine."""


def best_row(table: ir.Table, *, by: str, key: str) -> ir.Table:
    """The row of ``table`` with the highest ``by`` (a best hour, a top content kind), as a
    table of at most one row.

    Ties go to the smallest ``key``, the same on every engine: values within
    :data:`TIE_TOLERANCE` (relative) of the highest count as equal, so a tie on paper stays
    a tie whatever order an engine summed in. ``key`` must be unique in ``table`` (a group
    key) and ``by`` not null.
    """
    top = table[by].max().as_scalar()
    near = table.filter(table[by] >= top - top.abs() * TIE_TOLERANCE)
    first = near[key].min().as_scalar()
    return near.filter(near[key] == first)


def week_start(week: ir.IntegerValue) -> ir.DateValue:
    """The Monday a :func:`week_number` starts on."""
    return ibis.date(1969, 12, 29) + (week * 7).as_interval("D")


def facts(c: Context) -> frozenset[str]:
    found = c.settings.get("facts", frozenset())
    return frozenset(found)


def config(c: Context) -> Config:
    value = c.settings.get("config")
    return value if isinstance(value, Config) else Config()


def data_end(t: Tables, c: Context) -> ir.TimestampScalar:
    """The latest timestamp in the data: rolling windows end here, not at today's date."""
    if c.until is not None:
        return ibis.literal(c.until)
    candidates = [
        c.posts(t).created_at.max().as_scalar(),
        c.interactions(t).occurred_at.max().as_scalar(),
    ]
    return ibis.greatest(*candidates)


def latest_post_stats(t: Tables) -> ir.Table:
    """The latest observation of each post's counters."""
    stats = t.post_stats
    ranked = stats.mutate(
        _rank=ibis.row_number().over(
            ibis.window(group_by=stats.post_id, order_by=ibis.desc(stats.observed_at))
        )
    )
    return ranked.filter(ranked._rank == 0).drop("_rank")


def _followers_at_post(t: Tables, posts: ir.Table) -> ir.Table:
    """Each post's author's follower count at posting time.

    The nearest observation at or before the post; where there is none (an archive that
    only knows today's count), the first observation after it.
    """
    fc = t.follower_counts
    joined = posts.select("post_id", "account_id", "created_at").join(
        fc, posts.account_id == fc.account_id
    )
    before = joined.observed_at <= joined.created_at
    per_post = joined.group_by("post_id").aggregate(
        _before=joined.followers.argmax(joined.observed_at, where=before),
        _after=joined.followers.argmin(joined.observed_at, where=~before),
    )
    return per_post.select("post_id", followers_at_post=per_post._before.coalesce(per_post._after))


def classified_posts(t: Tables, c: Context) -> ir.Table:
    """Own original posts with ``kind``: the source's content kind, else the classifier's."""
    return c.memo("classified_posts", lambda: _classified_posts(t, c))


def _classified_posts(t: Tables, c: Context) -> ir.Table:
    posts = c.original_posts(t)
    if t.post_text is None:
        return posts.mutate(kind=posts.content_kind)
    predicted = t.post_text.select("post_id", predicted_kind="content_kind")
    joined = posts.left_join(predicted, posts.post_id == predicted.post_id).drop("post_id_right")
    return joined.mutate(kind=joined.content_kind.coalesce(joined.predicted_kind)).drop(
        "predicted_kind"
    )


def post_engagement(t: Tables, c: Context) -> tuple[ir.Table, str]:
    """Own original posts with their engagement counts, and the source they came from.

    Columns: post_id, account_id, created_at, kind, likes, reposts, replies, quotes,
    engagements, reach, impressions, followers_at_post. Engagements are likes + reposts +
    replies + quotes, from the platform's latest counts (post_stats) when the data has them,
    else counted from the individual interactions; never a mix of both.
    """
    basis = (
        "the platforms' latest counts per post (post_stats)"
        if "post_stats.likes" in facts(c)
        else "people's likes, reposts, replies and quotes counted one by one (interactions)"
    )
    return c.memo("post_engagement", lambda: _post_engagement(t, c)), basis


def _post_engagement(t: Tables, c: Context) -> ir.Table:
    posts = classified_posts(t, c).select("post_id", "account_id", "created_at", "kind")
    known = facts(c)
    if "post_stats.likes" in known:
        stats = latest_post_stats(t)
        joined = posts.left_join(stats, posts.post_id == stats.post_id).drop("post_id_right")
        table = joined.select(
            "post_id", "account_id", "created_at", "kind", "likes", "reposts", "replies",
            "quotes", "reach", "impressions",
            engagements=joined.likes + joined.reposts.fill_null(0) + joined.replies.fill_null(0)
            + joined.quotes.fill_null(0),
        )  # fmt: skip
    else:
        rows = c.interactions(t)
        rows = rows.filter(rows.post_id.notnull())
        counted = rows.group_by("post_id").aggregate(
            likes=rows.count(where=rows.kind == "like"),
            reposts=rows.count(where=rows.kind == "repost"),
            replies=rows.count(where=rows.kind == "reply"),
            quotes=rows.count(where=rows.kind == "quote"),
        )
        joined = posts.left_join(counted, posts.post_id == counted.post_id).drop("post_id_right")
        likes, reposts = joined.likes.fill_null(0), joined.reposts.fill_null(0)
        replies, quotes = joined.replies.fill_null(0), joined.quotes.fill_null(0)
        table = joined.select(
            "post_id", "account_id", "created_at", "kind",
            likes=likes, reposts=reposts, replies=replies, quotes=quotes,
            reach=ibis.null("int64"), impressions=ibis.null("int64"),
            engagements=likes + reposts + replies + quotes,
        )  # fmt: skip
    followers = _followers_at_post(t, posts)
    return table.left_join(followers, table.post_id == followers.post_id).drop("post_id_right")


def engagement_rows(t: Tables, c: Context) -> ir.Table:
    """People's engaging interactions with own accounts, with who and when.

    Not materialised: a filter over the interactions is cheaper to repeat than to copy.
    """
    rows = c.interactions(t)
    return rows.filter(
        rows.kind.isin(list(ENGAGING_KINDS)) & rows.person_id.notnull() & rows.occurred_at.notnull()
    )


def engaged_people_weeks(t: Tables, c: Context) -> ir.Table:
    """Distinct (person, week) pairs in which a person engaged with an own account."""

    def build() -> ir.Table:
        rows = engagement_rows(t, c)
        return rows.select("person_id", week=week_number(rows.occurred_at, c)).distinct()

    return c.memo("engaged_people_weeks", build)


MIN_INTERVAL_N = 3
"""The fewest values a mean's interval rests on: with two, its spread is one difference."""


@dataclass(frozen=True)
class Estimate:
    """A value with its 95 % interval, the sample size, and why there is no interval.

    ``low`` and ``high`` are null where no interval can be given, and ``note`` then says why
    (null where there is an interval). The fields are Ibis expressions: scalars for a metric,
    or columns of an aggregated table (one interval per content kind, per hour …).
    """

    value: Any
    low: Any
    high: Any
    n: Any
    note: Any

    @property
    def interval(self) -> tuple[Any, Any]:
        """(low, high), as a :class:`~rapport.metrics.spec.Measure` takes it."""
        return self.low, self.high


def _inside(x: Any, domain: tuple[float | None, float | None]) -> Any:
    """Whether ``x`` lies strictly inside ``domain`` (an Ibis boolean)."""
    low, high = domain
    inside = ibis.literal(True)
    if low is not None:
        inside &= x > low
    if high is not None:
        inside &= x < high
    return inside


def _transformed(mean: Any, se: Any, domain: tuple[float | None, float | None]) -> tuple[Any, Any]:
    """mean ± z·se on the scale where ``domain`` is the whole real line, mapped back.

    Unbounded: the plain normal interval. Bounded below (or above): on the log scale of the
    distance to the bound, so the interval can't reach it. Bounded on both sides: on the
    logit scale of the position between the bounds. The standard error is carried over by
    the delta method. No logarithm is taken (it would fail on a value out of range before a
    guard drops it): the bounds are written with ``exp`` only.
    """
    low, high = domain
    if low is None and high is None:
        return mean - Z_95 * se, mean + Z_95 * se
    # Every divisor is nulled where it is 0 (a mean on the edge, which the caller's guard
    # drops anyway): Spark in ANSI mode, its default, fails a query that divides by 0.
    if high is None:
        gap = mean - low
        spread = (Z_95 * se / gap.nullif(0)).exp()
        return low + gap / spread, low + gap * spread
    if low is None:
        gap = high - mean
        spread = (Z_95 * se / gap.nullif(0)).exp()
        return high - gap * spread, high - gap / spread
    width = high - low
    p = (mean - low) / width
    down = (-Z_95 * se / (width * p * (1 - p)).nullif(0)).exp()  # e^(−h), h the half-width on logit
    # expit(logit(p) − h) and expit(logit(p) + h), written so that e^h never overflows
    return (
        low + width * p * down / (p * down + 1 - p),
        low + width * p / (p + (1 - p) * down),
    )


def mean_estimate(
    mean: Any,
    std: Any,
    n: Any,
    *,
    domain: tuple[float | None, float | None],
    of: str = "values",
) -> Estimate:
    """A mean with its 95 % interval inside ``domain``, from its standard deviation and n.

    The interval is the normal one on a scale where the domain has no edge (see
    :func:`_transformed`): a mean of non-negative values gets a log-scale interval that can't
    go below 0, a mean of shares a logit-scale one inside 0 to 1. There is none, and the note
    says why, with fewer than :data:`MIN_INTERVAL_N` values or when they do not vary.
    ``of`` names the values in the note ("posts", "replies"). Works on scalars and on the
    columns of an aggregated table.
    """
    mean = mean.cast("float64")
    se = std / n.cast("float64").sqrt()
    valid = (n >= MIN_INTERVAL_N) & (std > 0) & _inside(mean, domain)
    low, high = _transformed(mean, se, domain)
    count = n.cast("string")
    note = ibis.cases(
        (n < MIN_INTERVAL_N, "n = " + count + f": too few {of} for an interval (it takes "
         f"at least {MIN_INTERVAL_N})"),
        (std.isnull() | (std == 0), "all " + count + f" {of} have the same value: no spread "
         "to build an interval on"),
        (~_inside(mean, domain), "the mean lies on the edge of what it can be: no interval"),
        else_=ibis.null("string"),
    )  # fmt: skip
    nothing = ibis.null("float64")
    return Estimate(
        value=mean,
        low=ibis.ifelse(valid, low, nothing),
        high=ibis.ifelse(valid, high, nothing),
        n=n,
        note=note,
    )


def mean_interval(
    values: ir.NumericColumn,
    *,
    domain: tuple[float | None, float | None],
    of: str = "values",
) -> Estimate:
    """The mean of ``values`` (nulls left out) with its 95 % interval inside ``domain``.

    See :func:`mean_estimate`: a log-scale interval for non-negative means, logit-scale for
    means of shares, never crossing a bound of the domain.
    """
    return mean_estimate(
        values.mean().as_scalar(),
        values.std().as_scalar(),
        values.count().as_scalar(),
        domain=domain,
        of=of,
    )


def ratio_interval(
    mean_a: ir.FloatingScalar,
    var_a: ir.FloatingScalar,
    n_a: ir.IntegerScalar,
    mean_b: ir.FloatingScalar,
    var_b: ir.FloatingScalar,
    n_b: ir.IntegerScalar,
    *,
    of: tuple[str, str] = ("values", "others"),
) -> Estimate:
    """mean_a / mean_b with a 95 % interval by the delta method on the log ratio.

    On the log scale, so never below 0. No interval (and the note says why) when a group
    has fewer than 2 values, when the ratio is 0, or when neither group varies. ``of`` names
    the two groups in the note; ``n`` is both groups together.
    """
    ratio = mean_a / mean_b.nullif(0)
    rel_a = var_a / (n_a.cast("float64") * mean_a * mean_a).nullif(0)
    rel_b = var_b / (n_b.cast("float64") * mean_b * mean_b).nullif(0)
    spread = (Z_95 * (rel_a + rel_b).sqrt()).exp()
    valid = (n_a >= 2) & (n_b >= 2) & (ratio > 0) & (rel_a + rel_b > 0)
    note = ibis.cases(
        ((n_a < 2) | (n_b < 2), n_a.cast("string") + f" {of[0]} and " + n_b.cast("string")
         + f" {of[1]}: too few for an interval (each group takes at least 2)"),
        (ratio == 0, "the ratio is 0: no interval on the log scale, where a ratio is above 0"),
        (rel_a + rel_b == 0, "neither group varies: no spread to build an interval on"),
        else_=ibis.null("string"),
    )  # fmt: skip
    nothing = ibis.null("float64")
    return Estimate(
        value=ratio,
        low=ibis.ifelse(valid, ratio / spread, nothing),
        high=ibis.ifelse(valid, ratio * spread, nothing),
        n=n_a + n_b,
        note=note,
    )


def to_python(value: Any) -> Any:
    """A plain JSON-able Python value (numpy and pandas scalars unwrapped, NaN → None)."""
    if value is None:
        return None
    if isinstance(value, decimal.Decimal):  # DuckDB sums BIGINTs into HUGEINT / DECIMAL
        return int(value) if value == value.to_integral_value() else float(value)
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        with contextlib.suppress(ValueError, AttributeError):
            value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    try:
        import pandas as pd

        if value is pd.NaT or (not isinstance(value, str | list | dict) and pd.isna(value)):
            return None
    except (TypeError, ValueError):
        pass
    return value
