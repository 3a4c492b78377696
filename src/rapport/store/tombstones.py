"""Recognising people erased on request, without keeping who they were.

``rapport forget`` leaves tombstones: keyed hashes (HMAC-SHA256) of the erased person's id,
the id without its platform prefix, their handles and the ids of what they wrote. The key is
a per-workspace secret kept in a file beside the store (``rapport.duckdb.key``, mode 0600),
never in the store itself, so the store alone can't be used to test a guessed handle.

An import hashes what it reads (person ids, handles, @mentions, ids and the people named in
URLs) and compares: the records of an erased person are refused and counted, references to
them are nulled, mentions of them in the text of others are masked, and rejected records that
name them are not kept in the quarantine.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from rapport.canonical.batch import Batch
from rapport.canonical.schema import TABLES
from rapport.errors import StoreError, WorkspaceError

__all__ = [
    "KEY_SUFFIX",
    "Identity",
    "Tombstones",
    "Withheld",
    "candidates",
    "key_path",
    "read_or_create_key",
    "tombstone_keys",
    "withhold",
]

KEY_SUFFIX = ".key"
"""The key file is the store's name plus this suffix (``rapport.duckdb.key``)."""
_PREFIX = "hmac:"
"""Tombstones made with the key start with this; older ones are sha256(salt || person_id)."""
_WORD = r"A-Za-z0-9_"
_MENTION = re.compile(r"@([A-Za-z0-9_][A-Za-z0-9_.\-]*(?:@[A-Za-z0-9.\-]+[A-Za-z0-9])?)")
_URL = re.compile(r"(?:https?://|at://)[^\s\"'<>]+")
_SCHEME = re.compile(r"^(?:https?://|at://)")


def key_path(store: Path) -> Path:
    """Where the store's erasure key lives."""
    return store.with_name(store.name + KEY_SUFFIX)


def read_or_create_key(store: Path, *, create: bool) -> bytes | None:
    """The workspace's secret key (created with mode 0600 when ``create`` and missing)."""
    path = key_path(store)
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        if not create:
            return None
    except (OSError, ValueError) as exc:
        raise StoreError(
            path, problem=f"the erasure key can't be read ({exc}); restore it from a backup"
        ) from None
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    key = secrets.token_bytes(32)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")
    return key


def _longest_first(values: Iterable[str]) -> list[str]:
    return sorted(values, key=lambda s: (-len(s), s))


def _forms(value: str) -> set[str]:
    """``value`` and the ways files spell it (JSON and HTML escapes)."""
    return {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1],
            html.escape(value), html.escape(value, quote=False)}  # fmt: skip


@dataclass(frozen=True)
class Identity:
    """Everything that names one person: ids, handles, names, the ids of what they wrote.

    Built by ``rapport forget`` from the store (in plain text, for the one erasure), or by an
    import from the tombstones it recognised in its own input.
    """

    ids: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    def _exact(self) -> list[str]:
        values = (*self.ids, *self.handles, *self._locals())
        return _longest_first({f for v in values if v for f in _forms(v)})

    def _names(self) -> list[str]:
        return _longest_first({f for v in self.names if v.strip() for f in _forms(v)})

    def needles(self) -> list[str]:
        """Plain strings to look for (any case), in every spelling a file may use."""
        return _longest_first({*self._exact(), *self._names()})

    def _locals(self) -> list[str]:
        return [h.split("@", 1)[0] for h in self.handles if "@" in h.strip("@")]

    def pattern(self) -> re.Pattern[str] | None:
        """A regex matching a mention, id or handle of the person (any case) or their name
        (as written), each as a whole word."""
        exact, names = self._exact(), self._names()
        if not exact and not names:
            return None
        parts = []
        if exact:
            parts.append("(?i:" + "|".join("@?" + re.escape(n) for n in exact) + ")")
        if names:
            parts.append("|".join(re.escape(n) for n in names))
        return re.compile(f"(?<![{_WORD}@])(?:{'|'.join(parts)})(?![{_WORD}]|@[{_WORD}])")

    def mask(self, text: str) -> str:
        """``text`` with the person's mentions as ``@someone`` and other traces as
        ``[erased]``."""
        pattern = self.pattern()
        if pattern is None:
            return text
        return pattern.sub(lambda m: "@someone" if m.group(0).startswith("@") else "[erased]", text)

    def names_them(self, text: str) -> bool:
        pattern = self.pattern()
        return pattern is not None and pattern.search(text) is not None


def tombstone_keys(*, ids: Iterable[str], handles: Iterable[str]) -> list[str]:
    """The plain values a tombstone covers: ``id:`` ids (with and without the platform
    prefix) and ``handle:`` handles (lower case, without ``@``)."""
    values = set()
    for value in ids:
        values.add("id:" + value)
        _, sep, bare = value.partition(":")
        if sep and bare:
            values.add("id:" + bare)
    for handle in handles:
        if handle.strip("@"):
            values.add("handle:" + handle.strip().lstrip("@").lower())
    return sorted(values)


def candidates(text: str) -> Iterator[str]:
    """What in ``text`` could name a person, as tombstone values: the text as an id or a
    handle, its @mentions, and for every URL its prefixes (ids are often URLs), its
    authority (a DID in an ``at://`` URI) and its path segments (``x.com/<handle>/...``)."""
    value = text.strip()
    if not value:
        return
    if len(value) <= 300:
        yield "id:" + value
        yield "handle:" + value.lstrip("@").lower()
    for mention in _MENTION.finditer(text):
        yield "handle:" + mention.group(1).lower()
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?)]}")
        rest = _SCHEME.sub("", url)
        scheme = url[: len(url) - len(rest)]
        parts = re.split(r"[/?#]", rest)
        for end in range(1, len(parts) + 1):
            prefix = "/".join(parts[:end])
            yield "id:" + scheme + prefix
            yield "id:" + prefix
        host = parts[0].lower()
        for index, part in enumerate(parts):
            if not part:
                continue
            yield "handle:" + part.lstrip("@").lower()
            yield "id:" + part
            if index and part.startswith("@") and "@" not in part[1:]:
                yield f"handle:{part[1:].lower()}@{host}"
            if index > 1 and parts[index - 1] == "users":
                yield f"handle:{part.lower()}@{host}"


class Tombstones:
    """The keyed hashes of erased people, and the key to test values against them."""

    def __init__(self, key: bytes | None, hashes: frozenset[str]) -> None:
        self.key = key
        self.hashes = hashes

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, store: Path) -> Tombstones:
        rows = con.execute(
            "SELECT person_key FROM erasures WHERE starts_with(person_key, ?)", [_PREFIX]
        ).fetchall()
        hashes = frozenset(str(r[0])[len(_PREFIX) :] for r in rows)
        key = read_or_create_key(store, create=False)
        if hashes and key is None:
            raise WorkspaceError(
                key_path(store),
                problem="the erasure key is missing, so people erased on request can't be "
                "recognised",
                fix=f"restore {key_path(store).name} beside the store from a backup",
            )
        return cls(key, hashes)

    def __bool__(self) -> bool:
        return bool(self.hashes)

    def digest(self, value: str) -> str:
        assert self.key is not None
        return hmac.new(self.key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def rows(self, values: Iterable[str]) -> list[str]:
        """The tombstone rows (``hmac:<hex>``) for plain values."""
        return [_PREFIX + self.digest(v) for v in values]

    def erased(self, value: str) -> bool:
        return bool(self.hashes) and self.digest(value) in self.hashes

    def recognise(self, texts: Iterable[str | None]) -> set[str]:
        """The tombstone values (``id:…``, ``handle:…``) found in ``texts``."""
        if not self.hashes:
            return set()
        seen: dict[str, bool] = {}
        found = set()
        for text in texts:
            if not text:
                continue
            for value in candidates(text):
                hit = seen.get(value)
                if hit is None:
                    hit = seen[value] = self.erased(value)
                if hit:
                    found.add(value)
        return found


# -- imports ---------------------------------------------------------------------------------
_PERSON_TABLES = ("people", "interactions")
_REFERENCES = ("in_reply_to_id", "repost_of")


@dataclass
class Withheld:
    """What an import left out because it named people erased on request."""

    refused: dict[str, int] = field(default_factory=dict)
    """Rows refused per table (the person's own records)."""
    unlinked: int = 0
    masked: int = 0
    quarantine: int = 0

    def notices(self) -> list[str]:
        found = [
            f"{table}: {n} row(s) about people erased on request were not imported"
            for table, n in self.refused.items()
            if n
        ]
        if self.unlinked or self.masked:
            found.append(
                f"people erased on request: {self.unlinked} reference(s) to them removed and "
                f"{self.masked} mention(s) of them masked"
            )
        if self.quarantine:
            found.append(
                f"{self.quarantine} unreadable record(s) naming people erased on request "
                "were dropped, not quarantined"
            )
        return found


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _raw_strings(raw: str) -> list[str]:
    try:
        return [raw, *_strings(json.loads(raw))]
    except ValueError:
        return [raw]


def _texts(column: pa.ChunkedArray) -> list[str]:
    values = pc.unique(pc.list_flatten(column) if pa.types.is_list(column.type) else column)
    return [v for v in values.to_pylist() if v]


def _row_names(tombstones: Tombstones, values: list[Any]) -> list[bool]:
    cache: dict[str, bool] = {}
    result = []
    for value in values:
        if not isinstance(value, str) or not value:
            result.append(False)
            continue
        if value not in cache:
            cache[value] = bool(tombstones.recognise([value]))
        result.append(cache[value])
    return result


def _withhold_table(
    name: str, table: pa.Table, tombstones: Tombstones, withheld: Withheld
) -> tuple[pa.Table, list[bool]] | None:
    """The table without what names erased people, and which rows were kept (None: as is)."""
    spec = TABLES[name]
    texts = [c for c in spec.columns if c.type in ("string", "list<string>")]
    found = tombstones.recognise(t for c in texts for t in _texts(table.column(c.name)))
    if not found:
        return None
    identity = Identity(
        ids=tuple(v[3:] for v in found if v.startswith("id:")),
        handles=tuple(v[7:] for v in found if v.startswith("handle:")),
    )
    keep = [True] * table.num_rows
    columns: dict[str, list[Any]] = {}
    for column in texts:
        values = table.column(column.name).to_pylist()
        named = _row_names(tombstones, values) if column.type == "string" else []
        if (
            column.name in spec.key
            or (column.name == "person_id" and name in _PERSON_TABLES)
            or (name == "people" and column.name == "handle")
        ):
            keep = [k and not n for k, n in zip(keep, named, strict=True)]
        elif (column.is_id and column.name != "account_id") or column.name in _REFERENCES:
            withheld.unlinked += sum(named)
            columns[column.name] = [None if n else v for v, n in zip(values, named, strict=True)]
        else:
            masked = [_mask_any(identity, v) for v in values]
            withheld.masked += sum(1 for a, b in zip(values, masked, strict=True) if a != b)
            columns[column.name] = masked
    for column_name, values in columns.items():
        index = table.schema.get_field_index(column_name)
        field_ = table.schema.field(index)
        table = table.set_column(index, field_, pa.array(values, field_.type))
    refused = keep.count(False)
    if refused:
        withheld.refused[name] = withheld.refused.get(name, 0) + refused
        table = table.filter(pa.array(keep, pa.bool_()))
    return table, keep


def _mask_any(identity: Identity, value: Any) -> Any:
    if isinstance(value, list):
        return [_mask_any(identity, v) for v in value]
    return identity.mask(value) if isinstance(value, str) else value


def withhold(batch: Batch, tombstones: Tombstones) -> Withheld:
    """Take out of ``batch`` (in place) everything of people erased on request: their rows,
    references to them, mentions of them, and the rejected records that name them."""
    withheld = Withheld()
    if not tombstones:
        return withheld
    for name in list(batch.tables):
        result = _withhold_table(name, batch.tables[name], tombstones, withheld)
        if result is None:
            continue
        batch.tables[name], keep = result
        locators = batch.locators.get(name)
        if locators is not None and len(locators) == len(keep):
            batch.locators[name] = [loc for loc, k in zip(locators, keep, strict=True) if k]
    kept = []
    for rejection in batch.rejections:
        if tombstones.recognise([*_raw_strings(rejection.raw), rejection.locator]):
            withheld.quarantine += 1
        else:
            kept.append(rejection)
    batch.rejections[:] = kept
    batch.notices.extend(withheld.notices())
    return withheld
