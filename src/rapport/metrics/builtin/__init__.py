"""The built-in areas, one module each: an :class:`~rapport.metrics.spec.Area` declared once,
its metrics, the tables behind them and the report's figures. Every module of this package is
loaded (in any order: areas sort by their ``position``), so adding an area is adding a module.
"""

import importlib
import pkgutil

AREA_MODULES = tuple(
    importlib.import_module(f"{__name__}.{found.name}")
    for found in pkgutil.iter_modules(__path__)
    if not found.name.startswith("_")
)
"""The area modules, loaded (which registers their areas, metrics and tables)."""
