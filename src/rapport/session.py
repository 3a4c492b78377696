"""A session: one piece of work on a workspace, with everything it reads built once.

Every analysis (metrics, findings, benchmark, plan, care list, calendar, forecasts, odds,
spikes, seeds, the report) takes a :class:`Session`: the workspace, its validated config, the
open store, the canonical tables as Ibis expressions, the metric context (whose accounts,
which period, what the data holds) and a way to execute queries. It is opened by
:meth:`rapport.workspace.Workspace.session` or :func:`rapport.open` and released once, by
``with`` or :meth:`Session.close`.

A reading session opens the store **read-only**: any number of readers (commands, notebooks,
a server) can work at once. No process keeps a workspace's file open between operations,
because DuckDB lets no other process open a file, not even to read, while one has it open for
writing (see :mod:`rapport.store.locking`). A notebook that keeps a session open for long
blocks imports meanwhile; ``rapport.open(path, snapshot=True)`` reads a private copy instead
and blocks nothing.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from rapport.config import Config
from rapport.engines.base import Engine, StoreEngine
from rapport.errors import UsageError
from rapport.localtime import LocalZone
from rapport.store import Store

if TYPE_CHECKING:  # Ibis and pandas load with the first query, not with the session
    import pandas as pd

    from rapport.metrics.run import MetricResult
    from rapport.query.cache import JsonCache
    from rapport.query.context import Context
    from rapport.query.tables import Tables
    from rapport.workspace import Workspace

__all__ = ["METRIC_COLUMNS", "Session"]

METRIC_COLUMNS = (
    "id", "area", "title", "value", "unit", "denominator", "interval", "n", "status", "reason",
)  # fmt: skip
"""The columns of :meth:`Session.metrics_frame`, as in ``rapport metrics --json``."""


class Session:
    """The workspace, its config and store, the tables and the metric context, for one piece
    of work. Build it with :meth:`Workspace.session` or :func:`rapport.open`."""

    def __init__(
        self,
        workspace: Workspace | None,
        store: Store | None,
        *,
        config: Config,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        snapshot: Path | None = None,
        owns_store: bool = True,
        engine: Engine | None = None,
    ) -> None:
        """A session over ``store`` (the DuckDB engine), or over ``engine`` (another
        engine, e.g. Spark: then ``store`` is None)."""
        if engine is None:
            if store is None:
                raise ValueError("a session needs a store or an engine")
            engine = StoreEngine(store, owns=owns_store)
        self.workspace = workspace
        self._store = store
        self.engine: Engine = engine
        self.config = config
        self.since = since
        self.until = until
        self._snapshot = snapshot
        self._tables: Tables | None = None
        self._context: Context | None = None
        self._zone: LocalZone | None = None
        self._closed = False

    @classmethod
    def over(
        cls,
        store: Store,
        *,
        config: Config | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> Session:
        """A session over a store that is already open (tests, benchmarks, engines that
        manage their own connection); closing the session leaves the store open."""
        return cls(None, store, config=config or Config(), since=since, until=until,
                   owns_store=False)  # fmt: skip

    @classmethod
    def on_dataset(
        cls,
        location: str | Path,
        *,
        master: str = "local[2]",
        config: Config | None = None,
        workspace: Workspace | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        on_progress: Callable[[str], None] | None = None,
    ) -> Session:
        """A session on Spark (``master``: ``local[N]``, ``spark://…``, ``sc://…``) over
        the partitioned dataset at ``location`` (a folder, or any URI Spark reads);
        ``config`` defaults to the settings the dataset was written with."""
        from rapport.engines.spark_engine import dataset_engine

        engine = dataset_engine(location, master=master, on_progress=on_progress)
        return cls(workspace, None, config=config or engine.settings(), since=since,
                   until=until, engine=engine)  # fmt: skip

    def on_spark(
        self, *, master: str = "local[2]", on_progress: Callable[[str], None] | None = None
    ) -> Session:
        """The same workspace and period on Spark: its dataset (in
        ``<workspace>/.rapport/spark-dataset/``) is written or refreshed from this
        session's store first, when the store changed since. Close both when done."""
        from rapport.engines.export import refresh_dataset
        from rapport.engines.spark import check_master

        check_master(master)
        folder, _, _ = refresh_dataset(self, on_progress=on_progress)
        return Session.on_dataset(folder, master=master, config=self.config,
                                  workspace=self.workspace, since=self.since, until=self.until,
                                  on_progress=on_progress)  # fmt: skip

    # -- what it holds ---------------------------------------------------------------------
    @property
    def store(self) -> Store:
        """The workspace's store (a session on the DuckDB engine only)."""
        if self._store is None:
            raise UsageError(
                f"this session computes on the {self.engine.name} engine and has no store "
                "open; use the default engine (duckdb) for this"
            )
        return self._store

    @property
    def read_only(self) -> bool:
        """Whether the store is open for reading only (every session but a writer's; a
        session on another engine only reads)."""
        return True if self._store is None else self._store.read_only

    @property
    def snapshot(self) -> bool:
        """Whether this session reads a private copy of the store (blocking nothing)."""
        return self._snapshot is not None

    @property
    def backend(self) -> Any:
        """The Ibis backend the queries run on: DuckDB over the store by default."""
        self._check_open()
        return self.engine.backend

    @property
    def tables(self) -> Tables:
        """The canonical tables and the text features, as Ibis table expressions.

        Audience relevance is for the config's target audience: where the stored scores are
        for another description (rapport.toml changed since the last import), the session
        scores the texts into a temporary table and writes nothing (the next import stores
        them).
        """
        self._check_open()
        if self._tables is None:
            self._tables = self.engine.tables(audience=self.config.goal.target_audience)
        return self._tables

    @property
    def zone(self) -> LocalZone:
        """The zone people read times in: rapport.toml's ``timezone``, else the zone an
        imported export names, else the machine's (see :mod:`rapport.localtime`)."""
        self._check_open()
        if self._zone is None:
            self._zone = self.engine.zone(self.config.timezone)
        return self._zone

    @property
    def context(self) -> Context:
        """The metric context: the own accounts, the period, the config and the facts the
        data holds (surveyed when first asked for, and read from the cache until the store's
        next write)."""
        self._check_open()
        if self._context is None:
            from rapport.query.context import build_context

            self._context = build_context(
                self.backend,
                tables=self.tables,
                since=self.since,
                until=self.until,
                settings={"config": self.config, "zone": self.zone.name},
                cache=self.cache,
                generation=self.generation,
            )
        return self._context

    @property
    def cache(self) -> JsonCache | None:
        """The caches beside the store (see :mod:`rapport.query.cache`); None on another
        engine than DuckDB, and for a writer (its own writes would make them stale)."""
        if self._store is None or not self._store.read_only:
            return None
        from rapport.query.cache import JsonCache

        return JsonCache(self._store.path)

    @property
    def generation(self) -> str | None:
        """What changes with every write to the store (None on another engine): caches
        keyed by it are not read after a write."""
        from rapport.query.cache import store_generation

        return None if self._store is None else store_generation(self._store.path)

    @property
    def facts(self) -> frozenset[str]:
        """What the data holds (:data:`rapport.query.FACTS` that are true)."""
        return frozenset(self.context.settings.get("facts", frozenset()))

    # -- running queries -------------------------------------------------------------------
    def execute(self, expr: Any) -> Any:
        """Run an Ibis expression on the store: a scalar, a pandas Series or DataFrame."""
        return self.backend.execute(expr)

    def frame(self, expr: Any) -> pd.DataFrame:
        """An Ibis table expression's rows as a DataFrame (weeks as ``YYYY-MM-DD`` text)."""
        import pandas as pd

        result = self.execute(expr)
        frame = result if isinstance(result, pd.DataFrame) else pd.DataFrame(result)
        if "week" in frame:
            frame["week"] = pd.to_datetime(frame["week"]).dt.strftime("%Y-%m-%d")
        return frame

    def metrics(self, *, ids: list[str] | None = None) -> list[MetricResult]:
        """Every registered metric (or those of ``ids``) on this session's data."""
        from rapport.metrics.run import run_metrics

        return run_metrics(self, ids=ids)

    def metrics_frame(self) -> pd.DataFrame:
        """One row per registered metric, with the columns of ``rapport metrics --json``
        (:data:`METRIC_COLUMNS`)."""
        import pandas as pd

        rows = [{k: r.to_dict()[k] for k in METRIC_COLUMNS} for r in self.metrics()]
        # object columns: an unknown value stays None, as in the JSON, never NaN
        return pd.DataFrame(rows, columns=list(METRIC_COLUMNS), dtype=object)

    # -- life cycle ------------------------------------------------------------------------
    def close(self) -> None:
        """Release what the session built and close the store (idempotent)."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._context is not None:
                self._context.release()
        finally:
            self._context = None
            self._tables = None
            self.engine.close()
            if self._snapshot is not None:
                shutil.rmtree(self._snapshot, ignore_errors=True)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (a closed session can't be used again)."""
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise UsageError("this session is closed; open a new one (rapport.open(path))")

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "snapshot" if self.snapshot else "read-only" if self.read_only else "writing"
        if self.engine.name != "duckdb":
            mode += f", {self.engine.name}"
        state = ", closed" if self._closed else ""
        where = (
            str(self.workspace.root)
            if self.workspace
            else str(self._store.path)
            if self._store is not None
            else repr(self.engine)
        )
        return f"<rapport Session {where!r} ({mode}{state})>"


def snapshot_copy(path: Path, **open_options: Any) -> Path:
    """Copy the store at ``path`` into a new private folder (consistently: no writer can be
    active while a reader holds the file) and return the copy's path."""
    folder = Path(tempfile.mkdtemp(prefix="rapport-snapshot-"))
    with Store(path, read_only=True, **open_options):
        target = folder / path.name
        shutil.copy2(path, target)
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            shutil.copy2(wal, folder / wal.name)
    return target
