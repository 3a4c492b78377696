"""rapport: relationship-first social media analytics.

Read a business's real data, store it in an embedded DuckDB file, compute the metrics that
matter with honest denominators, and turn them into a report. The command line
(``rapport --help``) is a thin layer over the functions re-exported here; they are loaded on
first use, so that ``rapport --help`` starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "compute_metrics": "rapport.api", "erase_person": "rapport.api",
    "export_workspace": "rapport.api", "import_path": "rapport.api",
    "run_demo": "rapport.api", "workspace_status": "rapport.api",
    "Batch": "rapport.canonical", "read_canonical": "rapport.canonical",
    "write_canonical": "rapport.canonical",
    "Config": "rapport.config", "load_config": "rapport.config",
    "ConfigError": "rapport.errors", "InputError": "rapport.errors",
    "InputNotFound": "rapport.errors", "RapportError": "rapport.errors",
    "SchemaMismatch": "rapport.errors", "StoreError": "rapport.errors",
    "UnreadableFile": "rapport.errors", "UsageError": "rapport.errors",
    "WorkspaceError": "rapport.errors", "WrongFormat": "rapport.errors",
    "MetricResult": "rapport.metrics", "run_metrics": "rapport.metrics",
    "write_report": "rapport.report",
    "ImportSummary": "rapport.store", "Store": "rapport.store",
    "Tables": "rapport.query.tables",
    "Workspace": "rapport.workspace",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rapport' has no attribute {name!r}")


if TYPE_CHECKING:
    from rapport.api import (
        compute_metrics,
        erase_person,
        export_workspace,
        import_path,
        run_demo,
        workspace_status,
    )
    from rapport.canonical import Batch, read_canonical, write_canonical
    from rapport.config import Config, load_config
    from rapport.errors import (
        ConfigError,
        InputError,
        InputNotFound,
        RapportError,
        SchemaMismatch,
        StoreError,
        UnreadableFile,
        UsageError,
        WorkspaceError,
        WrongFormat,
    )
    from rapport.metrics import MetricResult, run_metrics
    from rapport.query.tables import Tables
    from rapport.report import write_report
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
    "SchemaMismatch",
    "Store",
    "StoreError",
    "Tables",
    "UnreadableFile",
    "UsageError",
    "Workspace",
    "WorkspaceError",
    "WrongFormat",
    "compute_metrics",
    "erase_person",
    "export_workspace",
    "import_path",
    "load_config",
    "read_canonical",
    "run_demo",
    "run_metrics",
    "workspace_status",
    "write_canonical",
    "write_report",
]
