"""People's data: pseudonymised exports and erasure on request.

Handles, names, bios and replies are personal data. Two operations protect them:

* :func:`pseudonymise` rewrites exported tables so that nobody can be identified: person ids,
  and the ids of what people wrote (which often hold their name), become keyed hashes (the
  same person keeps the same pseudonym across exports of one workspace, and replies still link
  to what they answer), handles become ``person-<hash>``, names, bios and profile URLs are
  dropped, and ``@mentions`` inside any text are masked. Own and competitor
  accounts are businesses and keep their names.
* :func:`forget_person` erases one person from the store: their people row, their
  interactions and their quarantined records go; conversions stay (the sale happened) but
  lose the link to them. A keyed hash of their id is kept so that a later import of an old
  archive does not bring them back.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from rapport.errors import UsageError
from rapport.store._sql import scalar
from rapport.store.db import Store

__all__ = ["MENTION_PATTERN", "ErasureSummary", "forget_person", "pseudonymise"]

MENTION_PATTERN = r"@[A-Za-z0-9_][A-Za-z0-9_.\-]*(?:@[A-Za-z0-9.\-]+)?"
"""An @handle, including Mastodon's @user@instance."""

_PERSON_ID_COLUMNS = {
    "people": ("person_id",),
    "interactions": ("person_id", "interaction_id", "in_reply_to_id"),
    "conversions": ("person_id",),
    "posts": ("in_reply_to_id", "repost_of"),
}
"""Columns whose values can name a person: a person id, or the id or URL of something a person
wrote (Mastodon ids are URIs holding the author's name). Ids of tracked posts are kept."""
_DROPPED_COLUMNS = {"people": ("display_name", "bio", "url")}
_MASKED_TEXT = {"interactions": ("text",), "posts": ("text",)}


def _pseudonym(salt: bytes, person_id: str) -> str:
    platform, _, _ = person_id.partition(":")
    digest = hmac.new(salt, person_id.encode("utf-8"), hashlib.sha256).hexdigest()[:16]
    return f"{platform}:anon-{digest}"


def _map_ids(
    array: pa.ChunkedArray, salt: bytes, *, keep: frozenset[str] = frozenset()
) -> pa.ChunkedArray:
    unique = [v for v in pc.unique(array).to_pylist() if v is not None]
    mapping = {value: value if value in keep else _pseudonym(salt, value) for value in unique}
    return pa.chunked_array(
        [pa.array([None if v is None else mapping[v] for v in array.to_pylist()], pa.string())]
    )


def _replace(table: pa.Table, name: str, values: pa.ChunkedArray | pa.Array) -> pa.Table:
    index = table.schema.get_field_index(name)
    return table.set_column(index, table.schema.field(index), values)


def pseudonymise(tables: dict[str, pa.Table], *, salt: str) -> dict[str, pa.Table]:
    """Pseudonymised copies of canonical tables (see the module docstring)."""
    key = salt.encode("utf-8")
    result = dict(tables)
    posts = result.get("posts")
    tracked = frozenset(posts.column("post_id").to_pylist()) if posts is not None else frozenset()
    for name, columns in _PERSON_ID_COLUMNS.items():
        table = result.get(name)
        if table is None:
            continue
        for column in columns:
            table = _replace(table, column, _map_ids(table.column(column), key, keep=tracked))
        result[name] = table
    people = result.get("people")
    if people is not None:
        handles = pc.utf8_slice_codeunits(
            pc.replace_substring_regex(people.column("person_id"), r"^[a-z]+:anon-", ""), 0, 8
        )
        people = _replace(people, "handle", pc.binary_join_element_wise("person-", handles, ""))
        for column in _DROPPED_COLUMNS["people"]:
            people = _replace(people, column, pa.nulls(people.num_rows, pa.string()))
        result["people"] = people
    for name, columns in _MASKED_TEXT.items():
        table = result.get(name)
        if table is None:
            continue
        for column in columns:
            masked = pc.replace_substring_regex(table.column(column), MENTION_PATTERN, "@someone")
            table = _replace(table, column, masked)
        result[name] = table
    return result


@dataclass(frozen=True)
class ErasureSummary:
    person_id: str
    people: int
    interactions: int
    conversions_unlinked: int
    quarantine: int
    care_items: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "person_id": self.person_id,
            "people_rows_deleted": self.people,
            "interactions_deleted": self.interactions,
            "conversions_unlinked": self.conversions_unlinked,
            "quarantine_rows_deleted": self.quarantine,
            "care_items_deleted": self.care_items,
        }


def _resolve_person(store: Store, person: str) -> str:
    con = store.connection
    if scalar(con, "SELECT count(*) FROM people WHERE person_id = ?", [person]):
        return person
    if scalar(con, "SELECT count(*) FROM interactions WHERE person_id = ?", [person]):
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


def forget_person(store: Store, person: str) -> ErasureSummary:
    """Erase one person (by id or handle) from the store, in one transaction."""
    person_id = _resolve_person(store, person)
    salt = store.meta("salt") or ""
    handle = scalar(store.connection, "SELECT handle FROM people WHERE person_id = ?", [person_id])
    with store.transaction() as con:
        people = int(scalar(con, "SELECT count(*) FROM people WHERE person_id = ?", [person_id]))
        interactions = int(
            scalar(con, "SELECT count(*) FROM interactions WHERE person_id = ?", [person_id])
        )
        conversions = int(
            scalar(con, "SELECT count(*) FROM conversions WHERE person_id = ?", [person_id])
        )
        patterns = [f"%{person_id}%"] + ([f"%{handle}%"] if handle else [])
        where = " OR ".join("raw LIKE ?" for _ in patterns)
        quarantine = int(scalar(con, f"SELECT count(*) FROM quarantine WHERE {where}", patterns))
        care = int(scalar(con, "SELECT count(*) FROM care_done WHERE person_id = ?", [person_id]))
        con.execute("DELETE FROM people WHERE person_id = ?", [person_id])
        con.execute("DELETE FROM care_done WHERE person_id = ?", [person_id])
        con.execute("DELETE FROM interactions WHERE person_id = ?", [person_id])
        con.execute("UPDATE conversions SET person_id = NULL WHERE person_id = ?", [person_id])
        con.execute(f"DELETE FROM quarantine WHERE {where}", patterns)
        con.execute("INSERT INTO erasures VALUES (sha256(? || ?), now())", [salt, person_id])
    return ErasureSummary(person_id, people, interactions, conversions, quarantine, care)


def mask_mentions(text: str) -> str:
    """``text`` with every @handle replaced by ``@someone``."""
    return re.sub(MENTION_PATTERN, "@someone", text)
