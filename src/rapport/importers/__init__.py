"""Importers: one small module per source, each registered with :func:`register`.

Every public module of this package is imported here, so an importer registers itself just
by existing (``importers/<source>.py`` with a ``@register(...)`` function); helpers shared by
several importers live in modules whose names start with an underscore.
"""

import importlib
import pkgutil

from rapport.importers._base import (
    Importer,
    ImportOptions,
    KnownAccount,
    detect,
    get_importer,
    importers,
    register,
    run,
)

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "ImportOptions",
    "Importer",
    "KnownAccount",
    "detect",
    "get_importer",
    "importers",
    "register",
    "run",
]
