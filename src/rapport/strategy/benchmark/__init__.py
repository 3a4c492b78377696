"""The competitor benchmark: the own account against its closest competitors, area by area
(platform × metric): each value with its denominator, the ranks, the leader and the gap.
"""

from rapport.strategy.benchmark.compare import (
    AREA_SPECS,
    AccountSummary,
    Area,
    AreaSpec,
    Benchmark,
    Value,
    Window,
    competitor_benchmark,
    format_gap,
    format_value,
)

__all__ = [
    "AREA_SPECS",
    "AccountSummary",
    "Area",
    "AreaSpec",
    "Benchmark",
    "Value",
    "Window",
    "competitor_benchmark",
    "format_gap",
    "format_value",
]
