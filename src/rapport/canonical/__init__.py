"""The canonical format: the one platform-neutral shape every importer produces.

See docs/canonical-format.md (generated from :mod:`rapport.canonical.schema`).
"""

from rapport.canonical.batch import Batch, FileDigest, digest_file
from rapport.canonical.builder import BatchBuilder, newest
from rapport.canonical.io import ExportFormat, is_canonical_dir, read_canonical, write_canonical
from rapport.canonical.records import Rejection, TableBuilder, check_rows, conform_arrow
from rapport.canonical.schema import (
    FORMAT_NAME,
    PLATFORMS,
    TABLE_ORDER,
    TABLES,
    Column,
    TableSpec,
    arrow_schema,
    table_spec,
)

__all__ = [
    "FORMAT_NAME",
    "PLATFORMS",
    "TABLES",
    "TABLE_ORDER",
    "Batch",
    "BatchBuilder",
    "Column",
    "ExportFormat",
    "FileDigest",
    "Rejection",
    "TableBuilder",
    "TableSpec",
    "arrow_schema",
    "check_rows",
    "conform_arrow",
    "digest_file",
    "is_canonical_dir",
    "newest",
    "read_canonical",
    "table_spec",
    "write_canonical",
]
