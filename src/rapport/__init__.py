"""rapport: relationship-first social media analytics.

Read a business's real data, store it in an embedded DuckDB file, compute the metrics that
matter with honest denominators, and turn them into a report, a plan and a daily care list.

In a notebook::

    import rapport

    with rapport.open("mybiz") as session:         # read-only; blocks no other reader
        frame = session.metrics_frame()            # one row per metric, as `metrics --json`
        odds = rapport.account_odds(session)

``rapport.open(path, snapshot=True)`` reads a private copy instead, so that a session kept
open for hours blocks no import. The command line (``rapport --help``) is a thin layer over
the same functions (:mod:`rapport.api`). Names are loaded on first use, so that
``import rapport`` and ``rapport --help`` start fast.
"""

from __future__ import annotations

import datetime as _dt
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapport._version import __version__ as __version__

_EXPORTS = {
    # sessions and workspaces
    "Session": "rapport.session", "Workspace": "rapport.workspace",
    "Config": "rapport.config", "load_config": "rapport.config",
    # data in and out
    "Batch": "rapport.canonical", "read_canonical": "rapport.canonical",
    "write_canonical": "rapport.canonical", "ImportSummary": "rapport.store",
    "Store": "rapport.store", "Tables": "rapport.query",
    "import_path": "rapport.api", "export_workspace": "rapport.api",
    "forget_person": "rapport.api", "workspace_status": "rapport.api",
    "run_demo": "rapport.api", "pull_mastodon": "rapport.api", "pull_bluesky": "rapport.api",
    "pull_competitors": "rapport.api", "pull_instagram": "rapport.api",
    "pull_facebook": "rapport.api", "pull_youtube": "rapport.api",
    # metrics and the report
    "MetricResult": "rapport.api", "run_metrics": "rapport.api", "findings": "rapport.api",
    "metric_table": "rapport.api", "metric_tables": "rapport.api",
    "write_report": "rapport.api", "render_report": "rapport.api",
    # analyses
    "forecast_post": "rapport.api", "forecast_posts": "rapport.api",
    "forecast_cascades": "rapport.api", "backtest_folder": "rapport.api",
    "care_first": "rapport.api", "seeds_from_graph": "rapport.api",
    "account_odds": "rapport.api", "audit_spikes": "rapport.api",
    # strategy
    "competitor_benchmark": "rapport.api", "make_plan": "rapport.api",
    "plan_progress": "rapport.api", "care_list": "rapport.api", "mark_done": "rapport.api",
    "content_calendar": "rapport.api", "what_if": "rapport.api",
    # errors
    "RapportError": "rapport.errors", "InputError": "rapport.errors",
    "InputNotFound": "rapport.errors", "UnreadableFile": "rapport.errors",
    "WrongFormat": "rapport.errors", "SchemaMismatch": "rapport.errors",
    "ConfigError": "rapport.errors", "UsageError": "rapport.errors",
    "WorkspaceError": "rapport.errors", "WorkspaceBusy": "rapport.errors",
    "StoreError": "rapport.errors", "RemoteError": "rapport.errors",
}  # fmt: skip


def open(
    path: str | Path,
    *,
    snapshot: bool = False,
    since: _dt.datetime | None = None,
    until: _dt.datetime | None = None,
    wait: float | None = None,
    on_wait: Callable[[str], None] | None = None,
    engine: str = "duckdb",
    spark_master: str = "local[2]",
) -> Session:
    """Open the workspace at ``path`` for reading and return its :class:`Session`.

    Use it as ``with rapport.open(path) as session:``, or call ``session.close()`` when done:
    while it is open, no import or pull can write to the workspace (DuckDB lets no process
    write a file another has open). ``snapshot=True`` reads a private copy instead and
    blocks nothing, at the cost of not seeing what is imported meanwhile. ``since`` and
    ``until`` set the period the metrics cover; ``wait`` is how long to wait for a writer
    that holds the store (default ``$RAPPORT_WAIT_SECONDS`` or 120 s).

    ``engine="spark"`` computes on Spark (``spark_master``: ``local[N]``, the default
    ``local[2]``, ``spark://HOST:PORT`` or ``sc://HOST:PORT``; needs ``rapport[spark]`` and
    Java 17): over the workspace's partitioned dataset, which rapport writes or refreshes
    first, or, when ``path`` is a partitioned dataset (a folder with ``meta.json``, or any
    URI Spark reads such as ``s3a://bucket/data``), over that dataset. The session is the
    same; see docs/scale.md.
    """
    from rapport.engines import check_engine
    from rapport.workspace import Workspace

    if check_engine(engine) == "spark":
        from rapport.engines.spark_engine import is_uri
        from rapport.session import Session

        folder = None if is_uri(path) else Path(path).expanduser()
        if folder is None or _is_dataset(folder):
            return Session.on_dataset(path, master=spark_master, since=since, until=until)
    return Workspace(Path(path).expanduser()).session(
        snapshot=snapshot,
        since=since,
        until=until,
        wait=wait,
        on_wait=on_wait,
        engine=engine,
        spark_master=spark_master,
    )


def _is_dataset(folder: Path) -> bool:
    """Whether ``folder`` is a partitioned dataset rather than a workspace."""
    from rapport.config import CONFIG_FILE
    from rapport.engines.dataset import META_FILE

    return (folder / META_FILE).is_file() and not (folder / CONFIG_FILE).exists()


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'rapport' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*__all__, "__version__"})


if TYPE_CHECKING:
    from rapport.api import (
        MetricResult,
        account_odds,
        audit_spikes,
        backtest_folder,
        care_first,
        care_list,
        competitor_benchmark,
        content_calendar,
        export_workspace,
        findings,
        forecast_cascades,
        forecast_post,
        forecast_posts,
        forget_person,
        import_path,
        make_plan,
        mark_done,
        metric_table,
        metric_tables,
        plan_progress,
        pull_bluesky,
        pull_competitors,
        pull_facebook,
        pull_instagram,
        pull_mastodon,
        pull_youtube,
        render_report,
        run_demo,
        run_metrics,
        seeds_from_graph,
        what_if,
        workspace_status,
        write_report,
    )
    from rapport.canonical import Batch, read_canonical, write_canonical
    from rapport.config import Config, load_config
    from rapport.errors import (
        ConfigError,
        InputError,
        InputNotFound,
        RapportError,
        RemoteError,
        SchemaMismatch,
        StoreError,
        UnreadableFile,
        UsageError,
        WorkspaceBusy,
        WorkspaceError,
        WrongFormat,
    )
    from rapport.query import Tables
    from rapport.session import Session
    from rapport.store import ImportSummary, Store
    from rapport.workspace import Workspace

__all__ = [
    "Batch",
    "Config",
    "ConfigError",
    "ImportSummary",
    "InputError",
    "InputNotFound",
    "MetricResult",
    "RapportError",
    "RemoteError",
    "SchemaMismatch",
    "Session",
    "Store",
    "StoreError",
    "Tables",
    "UnreadableFile",
    "UsageError",
    "Workspace",
    "WorkspaceBusy",
    "WorkspaceError",
    "WrongFormat",
    "account_odds",
    "audit_spikes",
    "backtest_folder",
    "care_first",
    "care_list",
    "competitor_benchmark",
    "content_calendar",
    "export_workspace",
    "findings",
    "forecast_cascades",
    "forecast_post",
    "forecast_posts",
    "forget_person",
    "import_path",
    "load_config",
    "make_plan",
    "mark_done",
    "metric_table",
    "metric_tables",
    "open",
    "plan_progress",
    "pull_bluesky",
    "pull_competitors",
    "pull_facebook",
    "pull_instagram",
    "pull_mastodon",
    "pull_youtube",
    "read_canonical",
    "render_report",
    "run_demo",
    "run_metrics",
    "seeds_from_graph",
    "what_if",
    "workspace_status",
    "write_canonical",
    "write_report",
]
