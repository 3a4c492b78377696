"""The importer registry.

An importer turns a path (a file, a folder or an archive) into a :class:`~rapport.canonical.Batch`
and never opens the store; the store does the writing. Importers register with
:func:`register`; ``rapport import PATH`` asks each registered importer whether it recognises
the path (by content, not by name) unless ``--as`` names one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rapport.canonical.batch import Batch
from rapport.errors import InputNotFound, UsageError, WrongFormat

__all__ = ["ImportOptions", "Importer", "detect", "get_importer", "importers", "register", "run"]


@dataclass(frozen=True)
class ImportOptions:
    """Options every importer may use (importers ignore what they don't need)."""

    account: str | None = None
    """The own account a file belongs to when the file does not name its author."""


@dataclass(frozen=True)
class Importer:
    name: str
    description: str
    detect: Callable[[Path], bool]
    read: Callable[[Path, ImportOptions], Batch]


_REGISTRY: dict[str, Importer] = {}


def register(
    name: str, *, description: str, detect: Callable[[Path], bool]
) -> Callable[[Callable[[Path, ImportOptions], Batch]], Callable[[Path, ImportOptions], Batch]]:
    """Register ``read(path, options) -> Batch`` as the importer called ``name``."""

    def decorate(
        read: Callable[[Path, ImportOptions], Batch],
    ) -> Callable[[Path, ImportOptions], Batch]:
        if name in _REGISTRY:
            raise ValueError(f"an importer called {name!r} is already registered")
        _REGISTRY[name] = Importer(name, description, detect, read)
        return read

    return decorate


def importers() -> list[Importer]:
    """The registered importers, by name."""
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def get_importer(name: str) -> Importer:
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UsageError(f"--as {name}: unknown format; known formats: {known}") from None


def detect(path: Path) -> Importer:
    """The importer that recognises ``path``, or a WrongFormat naming what was tried."""
    if not path.exists():
        raise InputNotFound(path)
    for importer in importers():
        if importer.detect(path):
            return importer
    known = ", ".join(sorted(_REGISTRY))
    raise WrongFormat(
        path,
        expected=f"a format rapport can read ({known})",
        found="nothing it recognises",
        fix="name the format with --as FORMAT",
    )


def run(path: Path, *, format: str | None = None, options: ImportOptions | None = None) -> Batch:
    """Read ``path`` with the named importer, or the one that recognises it."""
    if not path.exists():
        raise InputNotFound(path)
    importer = get_importer(format) if format else detect(path)
    return importer.read(path, options or ImportOptions())
