"""The canonical format itself (what `rapport export` writes)."""

from __future__ import annotations

from pathlib import Path

from rapport.canonical.batch import Batch
from rapport.canonical.io import is_canonical_dir, read_canonical
from rapport.importers._base import ImportOptions, register


@register(
    "canonical",
    description="a rapport canonical data set: manifest.json plus Parquet or JSONL tables",
    detect=lambda path: path.is_dir() and is_canonical_dir(path),
)
def read(path: Path, options: ImportOptions) -> Batch:
    return read_canonical(path)
