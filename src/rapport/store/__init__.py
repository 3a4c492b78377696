"""The workspace store: a DuckDB file, migrations, upserts and the import record."""

from rapport.store.db import (
    STORE_FILE,
    AccountRow,
    ImportRecord,
    ImportSummary,
    Store,
    TableCounts,
)
from rapport.store.migrations import MIGRATIONS, Migration

__all__ = [
    "MIGRATIONS",
    "STORE_FILE",
    "AccountRow",
    "ImportRecord",
    "ImportSummary",
    "Migration",
    "Store",
    "TableCounts",
]
