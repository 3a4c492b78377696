"""The SQL of a metrics run, compiled once and run again without Ibis.

Building and compiling the registered metrics' Ibis expressions takes longer than DuckDB
takes to compute them on a million interactions. The SQL they compile to depends on rapport's
code and schema, the tables' names and the context (accounts, period, config, the surveyed
facts, which needs are met), never on the rows themselves. So the first run on a DuckDB
store records every statement Ibis sends to the connection (the shared blocks it keeps as
temporary tables, then one query per metric), and later runs with the same key send the
same statements again and read the same numbers from them, building no expression.

The key (:meth:`Plans.key`) holds everything the SQL depends on, :func:`code_fingerprint`
included, so a plan is never replayed by other code, against another schema or for
another question; the plans live in the store's cache folder
(:class:`~rapport.query.cache.JsonCache`, off with ``RAPPORT_CACHE=0``). A run that does
anything a plan can't replay (parameters, registered data frames) is not kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import ibis
import ibis.expr.datatypes as dt

from rapport.query.cache import JsonCache, code_fingerprint, digest
from rapport.query.context import Context
from rapport.query.tables import Tables
from rapport.store.migrations import MIGRATIONS

__all__ = [
    "UNUSABLE",
    "Plans",
    "Recorder",
    "drop_tables",
    "recording",
    "replay_rows",
    "self_contained",
]

_CACHED = re.compile(r"\bibis_cached_[a-z0-9]+\b")
"""The name Ibis gives a table kept by ``Table.cache()``."""
_LOOKUPS = re.compile(r"^\s*(SELECT CURRENT_(DATABASE|SCHEMA)\(\)\s*$|DESCRIBE\s)", re.IGNORECASE)
"""Statements Ibis sends to learn about the connection (the current database, a new table's
columns): it read their answers when recording, and a replay needs none of them."""
_PASSIVE = frozenset(
    {"fetchall", "fetchone", "fetchmany", "fetch_arrow_table", "arrow", "description"}
    | {"remove_function"}
)
"""Connection methods a replay need not repeat: they read the result of the last statement,
or (``remove_function``) clear a Python UDF before Ibis registers it again, and a run that
registers one (``create_function``) is not kept."""
_PLANS_KEPT = 8
"""Plans kept per question (one per combination of needs met; the latest first)."""
UNUSABLE: tuple[type[Exception], ...] = (duckdb.Error, KeyError, IndexError, TypeError, ValueError)
"""What a plan that no longer fits raises when sent again (a file edited or cut short, a
statement DuckDB refuses): the run then works everything out with Ibis."""
_QUESTIONS_KEPT = 32
"""Questions (periods, account sets …) whose plans a store's cache keeps, the latest."""


class Recorder:
    """Stands in for the DuckDB connection of an Ibis backend and notes each statement sent
    through it; :meth:`result` marks the last query as the one a step read its numbers
    from. ``replayable`` is False once anything was done that a plan can't repeat."""

    def __init__(self, con: Any) -> None:
        self._con = con
        self.steps: list[dict[str, Any]] = []
        self.replayable = True

    def execute(self, query: Any, *args: Any, **kwargs: Any) -> Recorder:
        self._note(query, args, kwargs)
        self._con.execute(query, *args, **kwargs)
        return self

    def sql(self, query: Any, *args: Any, **kwargs: Any) -> Any:
        self._note(query, args, kwargs)
        return self._con.sql(query, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name not in _PASSIVE:
            self.replayable = False
        return getattr(self._con, name)

    def _note(self, query: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if args or kwargs or not isinstance(query, str):
            self.replayable = False
        self.steps.append({"sql": str(query)})

    def result_count(self) -> int:
        """How many queries were marked so far (the index the next one gets)."""
        return sum(1 for step in self.steps if "result" in step)

    def result(self, dtype: dt.DataType) -> int:
        """Mark the last statement as the query a caller read a struct of numbers from; its
        index among the marked ones."""
        if not self.steps or "result" in self.steps[-1]:
            self.replayable = False
            return -1
        marked = sum(1 for step in self.steps if "result" in step)
        self.steps[-1]["result"] = str(dtype)
        if ibis.dtype(str(dtype)) != dtype:
            self.replayable = False  # the type would not read back the same
        return marked


def self_contained(steps: Sequence[Mapping[str, Any]]) -> bool:
    """Whether every kept table the steps read is made by an earlier one of them (not by
    something before the recording, which a replay would not find)."""
    made: set[str] = set()
    for step in steps:
        sql = str(step["sql"])
        names = _CACHED.findall(sql)
        if sql.lstrip().upper().startswith("CREATE") and names:
            made.add(names[0])
        if any(name not in made for name in names):
            return False
    return True


@contextmanager
def recording(backend: Any) -> Iterator[Recorder]:
    """Note what ``backend`` (an Ibis DuckDB backend) sends to its connection meanwhile."""
    recorder = Recorder(backend.con)
    backend.con = recorder
    try:
        yield recorder
    finally:
        backend.con = recorder._con


def replay_rows(
    con: Any, steps: Sequence[Mapping[str, Any]], names: dict[str, str]
) -> list[dict[str, Any]]:
    """Send ``steps`` to the DuckDB connection ``con`` again and return each marked query's
    struct of numbers, as Ibis would have returned it.

    The tables the steps keep get new names (``names``: recorded name → new one, shared by
    the steps of one run), so that a replay never meets a table of an earlier run.
    """
    from ibis.backends.duckdb.converter import DuckDBPandasData

    rows: list[dict[str, Any]] = []
    for step in steps:
        sql = _CACHED.sub(
            lambda m: names.setdefault(m[0], ibis.util.gen_name("cached")), step["sql"]
        )
        if "result" not in step:
            if not _LOOKUPS.match(sql):
                con.execute(sql).fetchall()
            continue
        dtype = ibis.dtype(step["result"])
        rows.append(_struct_row(DuckDBPandasData, con.sql(sql).to_arrow_table(), dtype))
    return rows


def _struct_row(mapper: Any, table: Any, dtype: dt.DataType) -> dict[str, Any]:
    """The one struct of a one-row result, converted as the Ibis DuckDB backend's
    ``execute`` converts it (``DuckDBPandasData``, then the scalar's own conversion)."""
    import pandas as pd
    import pyarrow.types as pat
    from ibis.formats.pandas import PandasData

    frame = pd.DataFrame(
        {
            name: (
                column.to_pylist()
                if pat.is_nested(column.type) or pat.is_dictionary(column.type) or column.null_count
                else column.to_pandas()
            )
            for name, column in zip(table.column_names, table.columns, strict=True)
        }
    )
    schema = ibis.schema({table.column_names[0]: dtype})
    frame = mapper.convert_table(frame, schema)
    row: dict[str, Any] = PandasData.convert_scalar(frame, dtype)
    return row


def drop_tables(con: Any, names: Mapping[str, str]) -> None:
    """Drop the tables a replay kept (what ``Context.release`` does for a recorded run)."""
    for name in reversed(list(names.values())):
        con.execute(f'DROP TABLE IF EXISTS "{name}"').fetchall()


class Plans:
    """The recorded plans of one question (these metrics, these tables, this context) in a
    store's cache."""

    def __init__(self, cache: JsonCache, key: str) -> None:
        self.cache = cache
        self.key = key
        entry = cache.get(f"metrics-{key}")
        self.entry: dict[str, Any] = entry if isinstance(entry, dict) else {}

    @staticmethod
    def key_of(
        *,
        backend: Any,
        tables: Tables,
        context: Context,
        ids: Sequence[str],
        pending: Sequence[str],
    ) -> str:
        """Everything the run's SQL depends on besides which needs are met."""
        settings = {
            name: value.model_dump(mode="json") if hasattr(value, "model_dump") else value
            for name, value in context.settings.items()
        }
        settings["facts"] = sorted(context.settings.get("facts", ()))
        return digest(
            {
                "code": code_fingerprint(),
                "schema": MIGRATIONS[-1].name if MIGRATIONS else None,
                "backend": getattr(backend, "name", None),
                "tables": tables.names(),
                "accounts": context.account_ids,
                "since": context.since,
                "until": context.until,
                "materialise": context.materialise,
                "settings": settings,
                "ids": list(ids),
                "pending": list(pending),
            }
        )

    @property
    def needs(self) -> list[dict[str, Any]] | None:
        """The steps that tell which needs are met (None: not recorded yet)."""
        steps = self.entry.get("needs")
        return steps if isinstance(steps, list) else None

    def run(self, met: str) -> dict[str, Any] | None:
        """The recorded run for this combination of needs met (a string of 0 and 1)."""
        runs = self.entry.get("runs", {})
        run = runs.get(met) if isinstance(runs, dict) else None
        return run if isinstance(run, dict) else None

    def forget(self) -> None:
        """Drop this question's plans (one failed to run: the next run records anew)."""
        self.entry = {}
        self.cache.put(f"metrics-{self.key}", self.entry)

    def keep(self, *, needs: list[dict[str, Any]] | None, met: str, run: dict[str, Any]) -> None:
        """Add a recorded run (and the needs steps, when recorded now) to the cache."""
        runs = self.entry.get("runs", {})
        runs = {met: run, **{k: v for k, v in runs.items() if k != met}}
        self.entry = {
            "needs": self.needs if needs is None else needs,
            "runs": dict(list(runs.items())[:_PLANS_KEPT]),
        }
        self.cache.put(f"metrics-{self.key}", self.entry)
        self.cache.prune("metrics-", keep=_QUESTIONS_KEPT)
