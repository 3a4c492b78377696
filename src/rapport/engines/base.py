"""What a session runs on: an engine gives the Ibis backend, the tables and the zone.

:class:`StoreEngine` is the default: the workspace's DuckDB store. The Spark engine
(:mod:`rapport.engines.spark`) reads the partitioned dataset instead. A
:class:`~rapport.session.Session` is the same whatever its engine; queries branch on
``Context.settings["backend"]`` (the Ibis backend's name: ``duckdb`` or ``pyspark``) where
the two differ.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Literal, Protocol

from rapport.localtime import EXPORT_KEY, LocalZone, resolve

if TYPE_CHECKING:
    from rapport.query.tables import Tables
    from rapport.store import Store

__all__ = ["Engine", "EngineName", "StoreEngine"]

EngineName = Literal["duckdb", "spark"]


class Engine(Protocol):
    """Where a session's queries run."""

    @property
    def name(self) -> EngineName:
        """``duckdb`` or ``spark``."""
        ...

    @property
    def backend(self) -> Any:
        """The Ibis backend the queries run on."""
        ...

    def tables(self, *, audience: str) -> Tables:
        """The canonical and feature tables, relevance scored for ``audience``."""
        ...

    def zone(self, configured: str | None) -> LocalZone:
        """The zone people read times in (``configured``: rapport.toml's, if any)."""
        ...

    def close(self) -> None:
        """Release what the engine holds (the store, the views)."""
        ...


class StoreEngine:
    """The workspace's DuckDB store (closed with the engine when it ``owns`` it)."""

    def __init__(self, store: Store, *, owns: bool = True) -> None:
        self.store = store
        self.owns = owns

    @property
    def name(self) -> EngineName:
        return "duckdb"

    @property
    def backend(self) -> Any:
        return self.store.ibis

    def tables(self, *, audience: str) -> Tables:
        tables = self.store.tables()
        current = self.store.current_relevance(audience)
        if current is not None:
            tables = dataclasses.replace(tables, relevance=self.backend.table(current))
        return tables

    def zone(self, configured: str | None) -> LocalZone:
        return resolve(configured, self.store.sync_state(EXPORT_KEY))

    def close(self) -> None:
        if self.owns:
            self.store.close()
