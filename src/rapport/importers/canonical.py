"""The canonical format itself (what `rapport export` writes)."""

from __future__ import annotations

from pathlib import Path

from rapport.canonical.batch import Batch
from rapport.canonical.io import is_canonical_dir, read_canonical
from rapport.importers._archive import find_files
from rapport.importers._base import ImportOptions, register


def _root(path: Path) -> Path | None:
    """The folder holding manifest.json (an archive may wrap it in a top folder)."""
    if path.is_dir() and is_canonical_dir(path):
        return path
    for manifest in find_files(path, "manifest.json", max_depth=2):
        if is_canonical_dir(manifest.parent):
            return manifest.parent
    return None


@register(
    "canonical",
    description="a rapport canonical data set: manifest.json plus Parquet or JSONL tables",
    detect=lambda path: 1.0 if _root(path) is not None else 0.0,
    names=("manifest.json", "*.parquet", "*.jsonl"),
)
def read(path: Path, options: ImportOptions) -> Batch:
    return read_canonical(_root(path) or path)
