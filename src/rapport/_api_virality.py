"""The virality-reality operations behind the CLI (issue 5): forecasts, backtests, who to
care for first, the odds of going viral and the spike audit. Re-exported by
:mod:`rapport.api`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rapport.errors import InputNotFound, UsageError
from rapport.query.context import build_context
from rapport.workspace import Workspace

__all__ = [
    "choose_seeds",
    "forecast_file",
    "forecast_post",
    "moonshot_odds",
    "run_backtest",
    "spike_audit",
]


def forecast_file(
    path: Path, *, format: str = "auto", observe: float, model: str = "auto"
) -> list[Any]:
    """Forecast the final size of each cascade in a file or folder of research files."""
    from rapport.models.cascades import read_cascades
    from rapport.models.forecast import forecast

    if not path.exists():
        raise InputNotFound(path)
    cascades = read_cascades(path, format=format)
    if not cascades:
        raise UsageError(f"{path}: no cascade found")
    return [forecast(cascade, observe=observe, model=model) for cascade in cascades]


def forecast_post(
    post_id: str, *, workspace: Workspace, observe: float | None = None, model: str = "auto"
) -> Any:
    """Forecast the final reshares of one of the workspace's own posts."""
    from rapport.analyses.cascades import cascades_from_store
    from rapport.models.forecast import forecast

    with workspace.open_store(create=False) as store:
        context = build_context(store.ibis, settings={"config": workspace.config()})
        try:
            cascades = cascades_from_store(store.ibis, store.tables(), context, post_ids=[post_id])
        finally:
            context.release()
    if not cascades:
        raise UsageError(
            f"post {post_id!r}: not an own post with reshares in this workspace "
            "(see `rapport metrics --table posts`)"
        )
    cascade = cascades[0]
    if observe is not None:
        horizon = observe
    elif cascade.horizon is not None:  # everything up to the end of the data
        horizon = float(cascade.horizon)
    else:
        horizon = float(cascade.times[-1]) if len(cascade.times) else 0.0
    return forecast(cascade, observe=horizon, model=model)


def run_backtest(folder: Path, *, observe: float, model: str = "auto", format: str = "auto") -> Any:
    """Backtest a forecaster on a folder of cascades whose final sizes are known."""
    from rapport.models.backtest import backtest
    from rapport.models.cascades import read_cascades

    if not folder.exists():
        raise InputNotFound(folder)
    return backtest(read_cascades(folder, format=format), observe=observe, model=model)


def choose_seeds(
    *,
    workspace: Workspace | None = None,
    graph: Path | None = None,
    k: int = 50,
    curve_to: int | None = 100,
) -> Any:
    """Who to care for first: the k people whose care spreads furthest."""
    from rapport.models.influence import choose_seeds as choose
    from rapport.models.influence import read_edgelist

    if graph is not None:
        if not graph.exists():
            raise InputNotFound(graph)
        return choose(read_edgelist(graph), k=k, curve_to=curve_to)
    if workspace is None:
        raise UsageError("give --graph EDGELIST, or a workspace with data")
    from rapport.analyses.seeds import care_first

    with workspace.open_store(create=False) as store:
        context = build_context(store.ibis, settings={"config": workspace.config()})
        try:
            return care_first(store.ibis, store.tables(), context, k=k, curve_to=curve_to)
        finally:
            context.release()


def _virality(workspace: Workspace, function: Callable[..., Any]) -> Any:
    with workspace.open_store(create=False) as store:
        context = build_context(store.ibis, settings={"config": workspace.config()})
        try:
            return function(store.ibis, store.tables(), context)
        finally:
            context.release()


def moonshot_odds(*, workspace: Workspace) -> Any:
    """The odds that a post of this account reaches 100, 1,000, 10,000 reshares."""
    from rapport.analyses.odds import account_odds

    return _virality(workspace, account_odds)


def spike_audit(*, workspace: Workspace) -> Any:
    """Spikes in engagement and followers, and what each one left behind."""
    from rapport.analyses.spike_audit import audit_spikes

    return _virality(workspace, audit_spikes)
