"""Importers: one small module per source, registered with :func:`register`."""

from rapport.importers import canonical as _canonical  # noqa: F401  (registers itself)
from rapport.importers._base import (
    Importer,
    ImportOptions,
    detect,
    get_importer,
    importers,
    register,
    run,
)

__all__ = ["ImportOptions", "Importer", "detect", "get_importer", "importers", "register", "run"]
