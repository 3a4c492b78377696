"""rapport's Python API, by domain: the operations behind every command, with typed results.

- :mod:`rapport.api.data`: imports, live pulls, exports, erasure, status, the demo;
- :mod:`rapport.api.connections`: syncing a connected account with its stored credentials;
- :mod:`rapport.api.replies`: answering a person from the care list, at most once;
- :mod:`rapport.api.metrics`: metrics, findings and the rows behind them;
- :mod:`rapport.api.report`: the offline HTML report;
- :mod:`rapport.api.analyses`: forecasts and backtests, who to care for first, the odds of
  going viral, the spike audit;
- :mod:`rapport.api.strategy`: the competitor benchmark, the plan, the care list, the content
  calendar, the what-if simulator.

Functions that read a workspace take a :class:`~rapport.session.Session` (open one with
:func:`rapport.open` or :meth:`~rapport.workspace.Workspace.session`); those that write take
the workspace and open a writing session only for the write. Every result is a frozen
dataclass with ``to_dict()`` for JSON.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "account_odds": "rapport.api.analyses",
    "AccountStatus": "rapport.api.data",
    "audit_spikes": "rapport.api.analyses",
    "Backtest": "rapport.api.analyses",
    "backtest_folder": "rapport.api.analyses",
    "Benchmark": "rapport.api.strategy",
    "Calendar": "rapport.api.strategy",
    "care_first": "rapport.api.analyses",
    "care_thread": "rapport.api.strategy",
    "Said": "rapport.api.strategy",
    "Thread": "rapport.api.strategy",
    "care_list": "rapport.api.strategy",
    "CareFirst": "rapport.api.analyses",
    "CareItem": "rapport.api.strategy",
    "CareList": "rapport.api.strategy",
    "competitor_benchmark": "rapport.api.strategy",
    "content_calendar": "rapport.api.strategy",
    "DemoResult": "rapport.api.data",
    "export_workspace": "rapport.api.data",
    "ExportResult": "rapport.api.data",
    "Finding": "rapport.api.metrics",
    "findings": "rapport.api.metrics",
    "Forecast": "rapport.api.analyses",
    "forecast_cascades": "rapport.api.analyses",
    "forecast_post": "rapport.api.analyses",
    "forecast_posts": "rapport.api.analyses",
    "forget_person": "rapport.api.data",
    "import_path": "rapport.api.data",
    "known_own_accounts": "rapport.api.data",
    "make_plan": "rapport.api.strategy",
    "mark_done": "rapport.api.strategy",
    "metric_table": "rapport.api.metrics",
    "metric_tables": "rapport.api.metrics",
    "MetricResult": "rapport.api.metrics",
    "MetricTable": "rapport.api.metrics",
    "Odds": "rapport.api.analyses",
    "Plan": "rapport.api.strategy",
    "plan_progress": "rapport.api.strategy",
    "PlanResult": "rapport.api.strategy",
    "Progress": "rapport.api.strategy",
    "pull_bluesky": "rapport.api.data",
    "pull_facebook": "rapport.api.data",
    "pull_instagram": "rapport.api.data",
    "pull_youtube": "rapport.api.data",
    "pull_competitors": "rapport.api.data",
    "pull_mastodon": "rapport.api.data",
    "render_report": "rapport.api.report",
    "Replied": "rapport.api.replies",
    "reply_to_care_item": "rapport.api.replies",
    "cancel_queued_reply": "rapport.api.replies",
    "Rendered": "rapport.api.report",
    "Report": "rapport.api.report",
    "run_demo": "rapport.api.data",
    "run_metrics": "rapport.api.metrics",
    "SeedChoice": "rapport.api.analyses",
    "seeds_from_graph": "rapport.api.analyses",
    "SpikeAudit": "rapport.api.analyses",
    "StoreStatus": "rapport.api.data",
    "sync_connection": "rapport.api.connections",
    "SyncResult": "rapport.api.connections",
    "sync_new_credentials": "rapport.api.connections",
    "what_if": "rapport.api.strategy",
    "WhatIf": "rapport.api.strategy",
    "WhatIfResult": "rapport.api.strategy",
    "workspace_benchmark": "rapport.api.strategy",
    "workspace_status": "rapport.api.data",
    "WorkspaceStatus": "rapport.api.data",
    "write_report": "rapport.api.report",
}
"""Where each name lives; loaded on first use, so that ``rapport --help`` starts fast."""


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'rapport.api' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from rapport.api.analyses import (
        Backtest,
        CareFirst,
        Forecast,
        Odds,
        SeedChoice,
        SpikeAudit,
        account_odds,
        audit_spikes,
        backtest_folder,
        care_first,
        forecast_cascades,
        forecast_post,
        forecast_posts,
        seeds_from_graph,
    )
    from rapport.api.connections import SyncResult, sync_connection, sync_new_credentials
    from rapport.api.data import (
        AccountStatus,
        DemoResult,
        ExportResult,
        StoreStatus,
        WorkspaceStatus,
        export_workspace,
        forget_person,
        import_path,
        known_own_accounts,
        pull_bluesky,
        pull_competitors,
        pull_facebook,
        pull_instagram,
        pull_mastodon,
        pull_youtube,
        run_demo,
        workspace_status,
    )
    from rapport.api.metrics import (
        Finding,
        MetricResult,
        MetricTable,
        findings,
        metric_table,
        metric_tables,
        run_metrics,
    )
    from rapport.api.replies import Replied, cancel_queued_reply, reply_to_care_item
    from rapport.api.report import (
        Rendered,
        Report,
        render_report,
        write_report,
    )
    from rapport.api.strategy import (
        Benchmark,
        Calendar,
        CareItem,
        CareList,
        Plan,
        PlanResult,
        Progress,
        Thread,
        WhatIf,
        WhatIfResult,
        care_list,
        care_thread,
        competitor_benchmark,
        content_calendar,
        make_plan,
        mark_done,
        plan_progress,
        what_if,
        workspace_benchmark,
    )

__all__ = [
    "AccountStatus",
    "Backtest",
    "Benchmark",
    "Calendar",
    "CareFirst",
    "CareItem",
    "CareList",
    "DemoResult",
    "ExportResult",
    "Finding",
    "Forecast",
    "MetricResult",
    "MetricTable",
    "Odds",
    "Plan",
    "PlanResult",
    "Progress",
    "Rendered",
    "Replied",
    "Report",
    "Said",
    "SeedChoice",
    "SpikeAudit",
    "StoreStatus",
    "SyncResult",
    "Thread",
    "WhatIf",
    "WhatIfResult",
    "WorkspaceStatus",
    "account_odds",
    "audit_spikes",
    "backtest_folder",
    "cancel_queued_reply",
    "care_first",
    "care_list",
    "care_thread",
    "competitor_benchmark",
    "content_calendar",
    "export_workspace",
    "findings",
    "forecast_cascades",
    "forecast_post",
    "forecast_posts",
    "forget_person",
    "import_path",
    "known_own_accounts",
    "make_plan",
    "mark_done",
    "metric_table",
    "metric_tables",
    "plan_progress",
    "pull_bluesky",
    "pull_competitors",
    "pull_facebook",
    "pull_instagram",
    "pull_mastodon",
    "pull_youtube",
    "render_report",
    "reply_to_care_item",
    "run_demo",
    "run_metrics",
    "seeds_from_graph",
    "sync_connection",
    "sync_new_credentials",
    "what_if",
    "workspace_benchmark",
    "workspace_status",
    "write_report",
]
