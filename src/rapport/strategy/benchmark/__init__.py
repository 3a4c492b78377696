"""The benchmark: the own account against its closest competitors, area by area (platform ×
metric): each value with its denominator, the ranks, the leader and the gap; with no competitor
data, the own account against its own past and the workspace's targets.
"""

from rapport.strategy.benchmark.compare import (
    AREA_SPECS,
    AccountSummary,
    Area,
    AreaSpec,
    Value,
    Window,
    competitor_benchmark,
    format_gap,
    format_value,
)
from rapport.strategy.benchmark.own_past import (
    PAST_SPECS,
    own_past_benchmark,
    workspace_benchmark,
)
from rapport.strategy.benchmark.result import ADD_COMPETITORS, Benchmark, Mode
from rapport.strategy.benchmark.targets import PastArea, Target

__all__ = [
    "ADD_COMPETITORS",
    "AREA_SPECS",
    "PAST_SPECS",
    "AccountSummary",
    "Area",
    "AreaSpec",
    "Benchmark",
    "Mode",
    "PastArea",
    "Target",
    "Value",
    "Window",
    "competitor_benchmark",
    "format_gap",
    "format_value",
    "own_past_benchmark",
    "workspace_benchmark",
]
