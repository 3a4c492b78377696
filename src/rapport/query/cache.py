"""Small JSON caches beside a store: what a read worked out, kept until it goes stale.

A read command starts in a new process each time, so what it works out that depends only on
the store's content (the survey of :data:`~rapport.query.context.FACTS`) or only on rapport's
code and schema (the SQL the metrics compile to, :mod:`rapport.engines.plans`) is kept in
``<workspace>/.rapport/cache/`` and used again while it holds:

* :func:`store_generation` changes with every write to the store (the DuckDB file and its
  write-ahead log, sizes and times to the nanosecond): an entry keyed by it is never read
  after a write.
* :func:`code_fingerprint` changes with rapport's version and any change to its source (and
  with the versions of Ibis, sqlglot and DuckDB): an entry keyed by it is never read by
  other code.

A cache is only ever a shortcut: an entry that can't be read or written is worked out again,
and ``RAPPORT_CACHE=0`` turns caching off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from rapport._version import __version__

__all__ = ["CACHE_VAR", "JsonCache", "code_fingerprint", "digest", "store_generation"]

CACHE_VAR = "RAPPORT_CACHE"
"""Environment variable: ``0`` turns the caches off (every run works everything out)."""
CACHE_FOLDER = Path(".rapport") / "cache"
"""Where a store's caches live, beside the store file."""


def digest(value: Any) -> str:
    """A short stable hash of a JSON-able value (keys sorted; other values by ``repr``)."""
    text = json.dumps(value, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@functools.cache
def code_fingerprint() -> str:
    """rapport's version, its source files (names, sizes and times) and the versions of the
    libraries that compile and run its queries."""
    package = Path(__file__).resolve().parent.parent
    stats = ((path, path.stat()) for path in package.rglob("*.py"))
    files = sorted((str(p.relative_to(package)), s.st_size, s.st_mtime_ns) for p, s in stats)
    versions: dict[str, str | None] = {}
    for name in ("ibis-framework", "sqlglot", "duckdb"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return digest({"rapport": __version__, "files": files, "libraries": versions})


def store_generation(path: Path) -> str | None:
    """What changes with every write to the store at ``path``: its file's and its write-ahead
    log's sizes and times (None when the store is not a file)."""
    stats: list[tuple[int, int, int] | None] = []
    for file in (path, path.with_name(path.name + ".wal")):
        try:
            info = file.stat()
        except OSError:
            if file == path:
                return None
            stats.append(None)
            continue
        stats.append((info.st_size, info.st_mtime_ns, info.st_ino))
    return digest(stats)


class JsonCache:
    """JSON entries by name in the cache folder beside a store (a no-op when caching is off
    or the store is not a file)."""

    def __init__(self, store_path: Path | None) -> None:
        enabled = os.environ.get(CACHE_VAR, "1").strip() not in ("0", "false", "no", "off")
        self.folder: Path | None = None
        if enabled and store_path is not None and store_path.is_file():
            self.folder = store_path.resolve().parent / CACHE_FOLDER

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def get(self, name: str) -> Any:
        """The entry ``name`` (None when missing or unreadable)."""
        if self.folder is None:
            return None
        try:
            return json.loads((self.folder / f"{name}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, name: str, value: Any) -> None:
        """Write the entry ``name`` whole (readers see the old one or the new one), or
        nothing when the folder can't be written."""
        if self.folder is None:
            return
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{name}.")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    json.dump(value, out, separators=(",", ":"))
                Path(temporary).replace(self.folder / f"{name}.json")
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise

    def prune(self, prefix: str, *, keep: int) -> None:
        """Remove all but the ``keep`` latest entries whose names start with ``prefix``."""
        if self.folder is None:
            return
        with contextlib.suppress(OSError):
            entries = sorted(
                self.folder.glob(f"{prefix}*.json"), key=lambda p: p.stat().st_mtime_ns
            )
            for stale in entries[: max(0, len(entries) - keep)]:
                stale.unlink(missing_ok=True)
