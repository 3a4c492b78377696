"""Erasure on request: ``rapport forget`` removes every trace of one person.

* Every table is visited, enumerated from the store's own catalogue (``duckdb_tables()``),
  so a table added later can't escape. A row keyed by the person or by something they wrote
  (people, interactions, text features, relevance scores, handled care items, sync cursors…)
  is deleted; a row that only refers to them keeps its value but loses the link
  (``conversions.person_id``, ``in_reply_to_id``, ``repost_of`` become null).
* Every text and list column is then searched for their ids, handles and display name:
  mentions in the account's own posts and in other people's replies become ``@someone``,
  other traces ``[erased]``; quarantined records that name them are deleted.
* Tombstones (keyed hashes, see :mod:`rapport.store.tombstones`) keep them out of later
  imports; the store file is rewritten so that freed pages don't keep the data, and the
  rapport outputs in the workspace that name them are deleted (:func:`outputs_naming`).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from rapport.canonical.schema import FORMAT_NAME
from rapport.errors import UsageError
from rapport.store._sql import scalar
from rapport.store.db import Store
from rapport.store.enrich import enrich_texts, refresh_relevance
from rapport.store.tombstones import Identity, Tombstones, read_or_create_key, tombstone_keys

__all__ = ["ErasureSummary", "OutputFiles", "forget_person", "identify", "outputs_naming"]

_UNLINKED = frozenset({("conversions", "person_id")})
"""Columns whose rows stay when they point at the person (the sale happened)."""
_REFERENCES = frozenset({"in_reply_to_id", "repost_of"})
"""Columns that only point at something (the row is someone else's): nulled, not deleted."""
_DROPPED_WHEN_NAMED = frozenset({"quarantine", "care_done"})
"""Tables where a row naming the person goes altogether, rather than being masked."""
_UNTOUCHED = frozenset({"erasures"})
_COUNTED = ("people", "interactions", "conversions", "quarantine", "care_done")
_MASTODON_URI = re.compile(r"^https?://([^/]+)/users/([^/]+)$")


@dataclass(frozen=True)
class ErasureSummary:
    """What ``rapport forget`` erased."""

    person_id: str
    people: int
    interactions: int
    conversions_unlinked: int
    quarantine: int
    care_items: int = 0
    other_rows: int = 0
    """Rows of other tables (text features, relevance scores, cursors…) deleted."""
    masked: int = 0
    """Values (posts and replies that mention them, bookkeeping) where they were masked."""
    files_removed: tuple[str, ...] = ()
    """rapport outputs in the workspace that named them (a report, a calendar, an export)."""
    files_naming_them: tuple[str, ...] = ()
    """Other files in the workspace that name them: not rapport's, so left for the user."""

    def to_dict(self) -> dict[str, object]:
        return {
            "person_id": self.person_id,
            "people_rows_deleted": self.people,
            "interactions_deleted": self.interactions,
            "conversions_unlinked": self.conversions_unlinked,
            "quarantine_rows_deleted": self.quarantine,
            "care_items_deleted": self.care_items,
            "other_rows_deleted": self.other_rows,
            "values_masked": self.masked,
            "files_removed": list(self.files_removed),
            "files_naming_them": list(self.files_naming_them),
        }


def _resolve(con: duckdb.DuckDBPyConnection, person: str) -> str:
    for table in ("people", "interactions"):
        if scalar(con, f"SELECT count(*) FROM {table} WHERE person_id = ?", [person]):
            return person
    handle = person.lstrip("@")
    rows = con.execute(
        "SELECT DISTINCT person_id FROM people WHERE lower(handle) = lower(?) "
        "OR lower(handle) = lower(?)",
        [handle, "@" + handle],
    ).fetchall()
    if len(rows) == 1:
        return str(rows[0][0])
    if len(rows) > 1:
        ids = ", ".join(sorted(str(r[0]) for r in rows))
        raise UsageError(f"{person!r} matches several people ({ids}); give the person id")
    raise UsageError(
        f"no person {person!r} in this workspace; give a person id such as "
        "'bluesky:did:plc:...' or a handle as it appears in `rapport status`"
    )


def identify(store: Store, person: str) -> Identity:
    """Everything that names ``person`` (an id or a handle) in the store; the person id first."""
    con = store.connection
    person_id = _resolve(con, person)
    rows = con.execute(
        "SELECT handle, display_name FROM people WHERE person_id = ?", [person_id]
    ).fetchall()
    handles = {str(h).lstrip("@").lower() for h, _ in rows if h}
    names = {str(n) for _, n in rows if n and str(n).strip()}
    _, _, bare = person_id.partition(":")
    uri = _MASTODON_URI.match(bare)
    if uri:
        handles.add(f"{uri.group(2)}@{uri.group(1)}".lower())
    ids = [person_id] + ([bare] if bare else [])
    return Identity(ids=tuple(ids), handles=tuple(sorted(handles)), names=tuple(sorted(names)))


def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, bool]]]:
    """Every base table of the store and its text columns (name, is a list)."""
    rows = con.execute(
        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
        "JOIN duckdb_tables() t ON t.table_name = c.table_name AND t.schema_name = c.table_schema "
        "WHERE c.table_schema = 'main' AND NOT t.temporary "
        "ORDER BY c.table_name, c.ordinal_position"
    ).fetchall()
    found: dict[str, list[tuple[str, bool]]] = {}
    for table, column, kind in rows:
        found.setdefault(str(table), [])
        if str(kind) in ("VARCHAR", "JSON"):
            found[str(table)].append((str(column), False))
        elif str(kind) in ("VARCHAR[]", "JSON[]"):
            found[str(table)].append((str(column), True))
    return {t: c for t, c in found.items() if t not in _UNTOUCHED}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _counts(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, int]:
    return {t: int(scalar(con, f"SELECT count(*) FROM {_q(t)}") or 0) for t in tables}


def _drop_keyed(con: duckdb.DuckDBPyConnection, columns: dict[str, list[tuple[str, bool]]]) -> int:
    """Delete rows keyed by the ids in ``_erased_ids``; null references to them."""
    unlinked = 0
    for table, cols in columns.items():
        for column, is_list in cols:
            if is_list:
                continue
            where = f"{_q(column)} IN (SELECT value FROM _erased_ids)"
            if (table, column) in _UNLINKED or column in _REFERENCES:
                n = int(scalar(con, f"SELECT count(*) FROM {_q(table)} WHERE {where}") or 0)
                con.execute(f"UPDATE {_q(table)} SET {_q(column)} = NULL WHERE {where}")
                if (table, column) in _UNLINKED:
                    unlinked += n
            else:
                con.execute(f"DELETE FROM {_q(table)} WHERE {where}")
    return unlinked


def _mask_value(identity: Identity, value: Any) -> Any:
    if isinstance(value, list):
        return [_mask_value(identity, v) for v in value]
    return identity.mask(value) if isinstance(value, str) else value


def _sweep(
    con: duckdb.DuckDBPyConnection, columns: dict[str, list[tuple[str, bool]]], identity: Identity
) -> int:
    """Mask (or, in some tables, delete) every value that still names the person."""
    needles = [n.lower() for n in identity.needles()]
    masked = 0
    for table, cols in columns.items():
        for column, is_list in cols:
            value = (
                f"lower(array_to_string({_q(column)}, chr(10)))"
                if is_list
                else (f"lower({_q(column)})")
            )
            where = " OR ".join(f"contains({value}, ?)" for _ in needles)
            rows = con.execute(
                f"SELECT rowid, {_q(column)} FROM {_q(table)} WHERE {where}", needles
            ).fetchall()
            for rowid, old in rows:
                new = _mask_value(identity, old)
                if new == old:
                    continue
                if table in _DROPPED_WHEN_NAMED:
                    con.execute(f"DELETE FROM {_q(table)} WHERE rowid = ?", [rowid])
                else:
                    con.execute(
                        f"UPDATE {_q(table)} SET {_q(column)} = ? WHERE rowid = ?", [new, rowid]
                    )
                    masked += 1
    return masked


def forget_person(store: Store, identity: Identity, *, audience: str = "") -> ErasureSummary:
    """Erase the person ``identity`` names (see :func:`identify`) in one transaction, keep
    their tombstones, then rewrite the store file (see the module docstring)."""
    person_id = identity.ids[0]
    key = read_or_create_key(store.path, create=True)
    tombstones = Tombstones(key, frozenset())
    con = store.connection
    with store.transaction():
        columns = _columns(con)
        before = _counts(con, list(columns))
        written = [
            str(r[0])
            for r in con.execute(
                "SELECT interaction_id FROM interactions WHERE person_id = ?", [person_id]
            ).fetchall()
        ]
        con.execute("CREATE OR REPLACE TEMP TABLE _erased_ids (value VARCHAR)")
        con.executemany("INSERT INTO _erased_ids VALUES (?)", [[v] for v in [person_id, *written]])
        unlinked = _drop_keyed(con, columns)
        con.execute("DROP TABLE _erased_ids")
        masked = _sweep(con, columns, identity)
        enrich_texts(con)
        if audience.strip():
            refresh_relevance(con, audience=audience)
        values = tombstone_keys(ids=[*identity.ids, *written], handles=identity.handles)
        con.executemany(
            "INSERT INTO erasures VALUES (?, now())", [[row] for row in tombstones.rows(values)]
        )
        after = _counts(con, list(columns))
    gone = {t: before[t] - after[t] for t in before}
    other = sum(n for t, n in gone.items() if t not in _COUNTED and n > 0)
    store.compact()
    return ErasureSummary(
        person_id=person_id,
        people=gone.get("people", 0),
        interactions=gone.get("interactions", 0),
        conversions_unlinked=unlinked,
        quarantine=gone.get("quarantine", 0),
        care_items=gone.get("care_done", 0),
        other_rows=other,
        masked=masked,
    )


# -- files in the workspace ------------------------------------------------------------------
@dataclass
class OutputFiles:
    """Files in a workspace that name an erased person."""

    removed: list[Path] = field(default_factory=list)
    """rapport's own outputs (a report, a calendar, a canonical export): deleted."""
    kept: list[Path] = field(default_factory=list)
    """Files rapport did not write: listed, for the user to delete."""


def _text_of(path: Path) -> str:
    if path.suffix == ".parquet":
        try:
            table = pq.read_table(path)
        except (OSError, pa.ArrowException):
            return path.read_bytes().decode("utf-8", "replace")
        return json.dumps(table.to_pylist(), default=str, ensure_ascii=False)
    return path.read_bytes().decode("utf-8", "replace")


def _canonical_export(folder: Path) -> bool:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == FORMAT_NAME


def _written_by_rapport(path: Path, text: str) -> bool:
    head = text[:4096]
    return (
        '<meta name="generator" content="rapport' in head
        or "PRODID:-//rapport//" in head
        or head.startswith("week,date,weekday,")
        or _canonical_export(path.parent)
    )


def outputs_naming(root: Path, identity: Identity, *, keep: set[Path]) -> OutputFiles:
    """Delete the rapport outputs under ``root`` that name the person; list the other files
    that do (``keep``: the store and its companions, never touched)."""
    found = OutputFiles()
    kept = {p.resolve() for p in keep}
    for folder, _dirs, files in os.walk(root):
        for name in sorted(files):
            path = Path(folder) / name
            if path.resolve() in kept or path.is_symlink():
                continue
            try:
                text = _text_of(path)
            except OSError:
                continue
            if not identity.names_them(text):
                continue
            if _written_by_rapport(path, text):
                targets = [path]
                if _canonical_export(path.parent):
                    targets = [p for p in path.parent.iterdir() if p.is_file()]
                for target in targets:
                    if target.exists():
                        target.unlink()
                        found.removed.append(target)
            else:
                found.kept.append(path)
    return found
