"""What a query needs besides the tables: whose accounts, which period, what the data holds.

A :class:`Context` names an *account set* (by default the workspace's own accounts) and a
period. Every metric, series and analysis reads the accounts' posts and interactions through
it, so one registered metric can be evaluated for any account: the competitor benchmark
evaluates the same specs for each compared account with :meth:`Context.for_accounts`.

Some numbers can come from more than one source (a platform's aggregate counts or the
individual interactions; reach, impressions or followers as a denominator). The data is
surveyed once when a context is built (:data:`FACTS`); queries then choose their source in
Python, so every result can say which one it used and no two sources are ever mixed silently.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir

from rapport.query.cache import JsonCache, code_fingerprint, digest
from rapport.query.tables import Tables

__all__ = ["FACTS", "Context", "build_context", "survey"]


@dataclass(frozen=True)
class Context:
    """Whose accounts, which period, and settings (the config, the surveyed facts)."""

    account_ids: tuple[str, ...]
    """The accounts measured: the workspace's own accounts, or one compared account."""
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    materialise: bool = False
    """Whether shared building blocks are computed once per run and kept on the backend
    (Ibis ``Table.cache()``); off for compiling SQL on unbound tables."""
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def memo(self, key: str, build: Callable[[], ir.Table]) -> ir.Table:
        """``build()``, once per context: materialised on the backend when ``materialise``."""
        if key not in self._memo:
            table = build()
            self._memo[key] = table.cache() if self.materialise else table
        result: ir.Table = self._memo[key]
        return result

    def release(self) -> None:
        """Drop what :meth:`memo` materialised on the backend (call before closing it).

        Latest first: a block built on another is dropped before it (Spark Connect
        re-reads a cached block's plan, which names the blocks it was built on)."""
        for key, value in reversed(list(self._memo.items())):
            if self.materialise and hasattr(value, "release"):
                value.release()
            del self._memo[key]

    def for_accounts(
        self,
        account_ids: Iterable[str],
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        facts: Iterable[str] | None = None,
        materialise: bool | None = None,
    ) -> Context:
        """The same settings for another account set and period, with a memo of its own.

        ``facts`` replaces the surveyed facts (they describe the accounts measured);
        ``materialise`` (default: as this context) whether shared building blocks are kept on
        the backend. Release the new context when done, as any other.
        """
        settings = dict(self.settings)
        if facts is not None:
            settings["facts"] = frozenset(facts)
        return dataclasses.replace(
            self,
            account_ids=tuple(account_ids),
            since=since,
            until=until,
            settings=settings,
            materialise=self.materialise if materialise is None else materialise,
            _memo={},
        )

    def posts(self, t: Tables) -> ir.Table:
        """The accounts' posts in the period."""
        posts = t.posts.filter(t.posts.account_id.isin(list(self.account_ids)))
        return self.in_period(posts, posts.created_at)

    def original_posts(self, t: Tables) -> ir.Table:
        """The accounts' posts that are neither replies nor reposts."""
        posts = self.posts(t)
        return posts.filter(posts.in_reply_to_id.isnull() & posts.repost_of.isnull())

    def interactions(self, t: Tables) -> ir.Table:
        """Interactions aimed at the accounts in the period."""
        rows = t.interactions.filter(t.interactions.account_id.isin(list(self.account_ids)))
        return self.in_period(rows, rows.occurred_at)

    def in_period(self, table: ir.Table, moment: ir.TimestampValue) -> ir.Table:
        if self.since is not None:
            table = table.filter(moment >= ibis.literal(self.since))
        if self.until is not None:
            table = table.filter(moment < ibis.literal(self.until))
        return table


def _stats(t: Tables, c: Context) -> ir.Table:
    posts = c.posts(t)
    return t.post_stats.filter(t.post_stats.post_id.isin(posts.post_id))


def _engagement_rows(t: Tables, c: Context) -> ir.Table:
    rows = c.interactions(t)
    return rows.filter(
        rows.kind.isin(["like", "repost", "quote", "reply"]) & rows.post_id.notnull()
    )


FACTS: Mapping[str, Callable[[Tables, Context], ir.BooleanScalar]] = {
    "post_stats": lambda t, c: _stats(t, c).count() > 0,
    "post_stats.likes": lambda t, c: _stats(t, c).likes.count() > 0,
    "post_stats.reach": lambda t, c: _stats(t, c).reach.count() > 0,
    "post_stats.impressions": lambda t, c: _stats(t, c).impressions.count() > 0,
    "interactions.engagement": lambda t, c: _engagement_rows(t, c).count() > 0,
    "follower_counts": lambda t, c: (
        t.follower_counts.filter(t.follower_counts.account_id.isin(list(c.account_ids))).count() > 0
    ),
}
"""Named facts; ``Context.settings['facts']`` holds the names of those that are true."""


def survey(execute: Callable[[ir.Expr], Any], t: Tables, c: Context) -> frozenset[str]:
    """The names of the facts that hold for ``c``'s accounts, evaluated in one query."""
    checks = {f"f{i}": check(t, c).as_scalar() for i, check in enumerate(FACTS.values())}
    row = execute(ibis.struct(checks))
    return frozenset(name for i, name in enumerate(FACTS) if bool(row[f"f{i}"]))


def _cached_survey(
    backend: Any,
    tables: Tables,
    base: Context,
    *,
    cache: JsonCache | None,
    generation: str | None,
) -> frozenset[str]:
    """:func:`survey`, or what it found at the same store generation for the same question."""
    if cache is None or generation is None or not cache.enabled:
        return survey(backend.execute, tables, base)
    question = digest(
        {
            "code": code_fingerprint(),
            "backend": getattr(backend, "name", None),
            "tables": tables.names(),
            "accounts": base.account_ids,
            "since": base.since,
            "until": base.until,
        }
    )
    entry = cache.get("survey")
    answers = entry.get("answers", {}) if isinstance(entry, dict) else {}
    if not isinstance(entry, dict) or entry.get("generation") != generation:
        answers = {}
    known = answers.get(question)
    if isinstance(known, list) and all(name in FACTS for name in known):
        return frozenset(known)
    found = survey(backend.execute, tables, base)
    answers[question] = sorted(found)
    cache.put("survey", {"generation": generation, "answers": answers})
    return found


def build_context(
    backend: Any,
    *,
    tables: Tables | None = None,
    account_ids: Iterable[str] | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    settings: Mapping[str, Any] | None = None,
    materialise: bool = True,
    cache: JsonCache | None = None,
    generation: str | None = None,
) -> Context:
    """The context for this data: the own accounts from the store (or ``account_ids``),
    and the survey of what the data holds for them.

    With ``cache`` and the store's ``generation`` (:func:`~rapport.query.cache.store_generation`),
    the survey is taken once per store write and read from the cache until the next one.
    """
    tables = tables or Tables.from_backend(backend)
    if account_ids is None:
        own = tables.accounts.filter(tables.accounts.role == "own").account_id
        account_ids = (str(v) for v in backend.execute(own).tolist())
    ids = tuple(sorted(account_ids))
    base = Context(account_ids=ids, since=since, until=until, settings=dict(settings or {}))
    found = _cached_survey(backend, tables, base, cache=cache, generation=generation)
    return Context(
        account_ids=ids,
        since=since,
        until=until,
        settings={**base.settings, "facts": found, "backend": getattr(backend, "name", None)},
        materialise=materialise,
    )
