"""rapport: relationship-first social media analytics.

Read a business's real data, store it in an embedded DuckDB file, compute the metrics that
matter with honest denominators, and turn them into a report. The command line
(``rapport --help``) is a thin layer over the functions re-exported here.
"""

__version__ = "0.1.0"

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
from rapport.report import write_report
from rapport.store import ImportSummary, Store
from rapport.tables import Tables
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
