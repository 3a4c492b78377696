"""Numbers into words: value formatting and the plain-language lines of each section."""

from __future__ import annotations

from rapport.metrics.builtin.timing import WEEKDAYS
from rapport.metrics.run import MetricResult

__all__ = ["format_interval", "format_value"]


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
    if unit == "ratio":
        return f"{value:.2f}×"
    if unit == "per post":
        return f"{value:,.1f} per post"
    if unit == "per 1,000 engagements":
        return f"{value:,.1f} per 1,000"
    if unit == "hour of day":
        return f"{int(value):02d}:00 UTC"
    if unit == "weekday":
        return WEEKDAYS[int(value)] if 0 <= int(value) < 7 else str(value)
    if unit == "sentiment":
        return f"{value:+.2f}"
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
    """The interval and sample size, e.g. '95 % CI 48% to 61%, n = 212'; where there is no
    interval, the note saying why ('n = 2: too few posts for an interval …')."""
    if result is None or not result.ok:
        return ""
    parts = []
    sample = None if result.n is None else f"n = {result.n:,}"
    if result.interval:
        low, high = result.interval
        label = "middle half of posts" if result.id == "engagement_rate" else "95 % CI"
        parts.append(f"{label} {_number(low, result.unit)} to {_number(high, result.unit)}")
    elif result.interval_note:
        parts.append(result.interval_note)
        if sample is not None and result.interval_note.startswith(f"n = {result.n}:"):
            sample = None  # the note already gives it
    if sample is not None:
        parts.append(sample)
    return ", ".join(parts)
