"""Virality reality: forecasts and backtests, who to care for first, the odds of going
viral, the spike audit. Functions on a workspace take a session; those on research files
take a path."""

from __future__ import annotations

from pathlib import Path

from rapport.analyses.forecasts import forecast_post, forecast_posts
from rapport.analyses.odds import Odds, account_odds
from rapport.analyses.seeds import CareFirst, care_first
from rapport.analyses.spike_audit import SpikeAudit, audit_spikes
from rapport.errors import InputNotFound, UsageError
from rapport.models.backtest import Backtest, backtest
from rapport.models.cascades import read_cascades
from rapport.models.forecast import Forecast, forecast
from rapport.models.influence import SeedChoice, choose_seeds, read_edgelist

__all__ = [
    "Backtest",
    "CareFirst",
    "Forecast",
    "Odds",
    "SeedChoice",
    "SpikeAudit",
    "account_odds",
    "audit_spikes",
    "backtest_folder",
    "care_first",
    "forecast_cascades",
    "forecast_post",
    "forecast_posts",
    "seeds_from_graph",
]


def forecast_cascades(
    path: Path, *, format: str = "auto", observe: float, model: str = "auto"
) -> list[Forecast]:
    """Forecast the final size of each cascade in a research file or folder, from the events
    up to ``observe`` seconds."""
    if not path.exists():
        raise InputNotFound(path)
    cascades = read_cascades(path, format=format)
    if not cascades:
        raise UsageError(f"{path}: no cascade found")
    return [forecast(cascade, observe=observe, model=model) for cascade in cascades]


def backtest_folder(
    folder: Path, *, observe: float, model: str = "auto", format: str = "auto"
) -> Backtest:
    """Backtest a forecaster on a folder of cascades whose final sizes are known."""
    if not folder.exists():
        raise InputNotFound(folder)
    return backtest(read_cascades(folder, format=format), observe=observe, model=model)


def seeds_from_graph(path: Path, *, k: int = 50, curve_to: int | None = 100) -> SeedChoice:
    """Who to care for first in an edge list (one ``source target`` or ``source target p``
    a line; the given probabilities are used as is, the weighted cascade's 1/in-degree
    where none is given)."""
    if not path.exists():
        raise InputNotFound(path)
    graph = read_edgelist(path)
    model = "weighted_cascade" if graph.probabilities is None else "edge"
    return choose_seeds(graph, k=k, curve_to=curve_to, model=model)
