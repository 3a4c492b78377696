"""Numbers into words: value formatting and the plain-language lines of each section."""

from __future__ import annotations

from collections.abc import Mapping

from rapport.config import Config
from rapport.metrics.run import MetricResult

__all__ = ["format_interval", "format_value", "section_findings"]


def _number(value: float, unit: str) -> str:
    if unit == "fraction":
        return f"{value:.0%}" if abs(value) >= 0.1 else f"{value:.1%}"
    if unit == "hours":
        return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} days"
    if unit == "days":
        return f"{value:.1f} days"
    if unit == "posts per week":
        return f"{value:.1f} a week"
    if unit == "currency":
        return f"{value:,.2f}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def format_value(result: MetricResult | None) -> str:
    """The value as a person reads it, or 'not computable'."""
    if result is None or not result.ok or result.value is None:
        return "not computable"
    text = _number(float(result.value), result.unit)
    if result.unit == "currency" and result.extra.get("currency"):
        text = f"{text} {result.extra['currency']}"
    return text


def format_interval(result: MetricResult | None) -> str:
    """The interval and sample size, e.g. '95 % CI 48–61 %, n = 212'."""
    if result is None or not result.ok:
        return ""
    parts = []
    if result.interval:
        low, high = result.interval
        label = (
            "middle half of posts"
            if result.unit == "fraction" and result.id == ("engagement_rate")
            else "95 % CI"
        )
        parts.append(f"{label} {_number(low, result.unit)} to {_number(high, result.unit)}")
    if result.n is not None:
        parts.append(f"n = {result.n:,}")
    return ", ".join(parts)


def _get(m: Mapping[str, MetricResult], key: str) -> MetricResult | None:
    result = m.get(key)
    return result if result is not None and result.ok else None


def section_findings(m: Mapping[str, MetricResult], config: Config) -> dict[str, list[str]]:
    """A few sentences per section, each carrying the numbers it rests on."""
    out: dict[str, list[str]] = {"overview": [], "consistency": [], "engagement": []}
    returning = _get(m, "returning_people")
    if returning is not None:
        share = returning.extra.get("share")
        out["overview"].append(
            f"{format_value(returning)} people came back in a second week, out of "
            f"{returning.n:,} who engaged"
            + (f" ({share:.0%})." if isinstance(share, float) else ".")
        )
    reply = _get(m, "reply_rate")
    if reply is not None and reply.n:
        answered = round(float(reply.value) * reply.n)
        out["overview"].append(
            f"You answered {answered:,} of {reply.n:,} replies and mentions "
            f"({format_value(reply)}; target {config.targets.reply_rate:.0%})."
        )
    conversions = _get(m, "conversions")
    attributed = _get(m, "conversions_from_social")
    if conversions is not None:
        text = f"{format_value(conversions)} conversions in the period"
        if attributed is not None:
            text += f", {format_value(attributed)} of them traced to a post"
        out["overview"].append(text + ".")
    ppw = _get(m, "posts_per_week")
    if ppw is not None:
        target = config.targets.posts_per_week
        verdict = "on target" if float(ppw.value) >= target else "below target"
        out["consistency"].append(
            f"{float(ppw.value):.1f} original posts a week against a target of {target:g} "
            f"({verdict})."
        )
    gap = _get(m, "longest_gap_days")
    if gap is not None:
        out["consistency"].append(f"The longest silence between two posts was {format_value(gap)}.")
    since = _get(m, "days_since_last_post")
    if since is not None and float(since.value) > config.targets.max_gap_days:
        out["consistency"].append(
            f"Inactivity alert: no post for {format_value(since)} at the end of the data "
            f"(alert after {config.targets.max_gap_days} days)."
        )
    promo = _get(m, "promotional_share")
    if promo is not None:
        ceiling = config.targets.max_promotional_share
        verdict = "within" if float(promo.value) <= ceiling else "above"
        out["consistency"].append(
            f"{format_value(promo)} of original posts were promotions, {verdict} the ceiling "
            f"of {ceiling:.0%}."
        )
    rate = _get(m, "engagement_rate")
    if rate is not None:
        out["engagement"].append(
            f"A typical post drew engagement from {format_value(rate)} of its denominator "
            f"({format_interval(rate)}); {rate.basis}."
        )
    return out
