"""The mapping file of the ``mapped`` importer: which column of a CSV/JSON is which field.

A mapping is a small TOML file (docs/sources/mapped.md, examples in docs/sources/mappings/).
It is validated with pydantic for its shape, then checked against the canonical schema; every
problem is one :class:`~rapport.errors.ConfigError` naming the mapping key and the fix, e.g.
``linkedin.toml: columns.created = 'Created date': not a field of the posts table …``.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rapport.canonical.schema import TABLES
from rapport.errors import MISSING, ConfigError, UnreadableFile

__all__ = ["KEYS", "STAT_FIELDS", "Mapping", "load_mapping"]

Platform = Literal[
    "x", "mastodon", "bluesky", "facebook", "instagram", "linkedin", "tiktok", "youtube",
    "web", "shop", "synthetic", "other",
]  # fmt: skip
TableName = Literal[
    "posts", "post_stats", "interactions", "people", "follower_counts", "conversions"
]

KEYS = {
    "posts": "post_id",
    "post_stats": "post_id",
    "interactions": "interaction_id",
    "people": "person_id",
    "follower_counts": "account_id",
    "conversions": "conversion_id",
}
"""The id each table's records need, built by the ``[id]`` rule."""
OWNED = {"posts", "interactions", "follower_counts"}
"""Tables whose ``account_id`` is the own account (``account =``, ``--account`` or the only one)."""
AUTOMATIC = {"platform", "account_id", "hashtags"}
STAT_FIELDS = tuple(c.name for c in TABLES["post_stats"].columns if c.type == "int64")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FileSpec(_Strict):
    format: Literal["csv", "json"] | None = None
    """csv or json (default: from the file's content)."""
    skip_rows: int = Field(0, ge=0, le=1000)
    """CSV rows above the header (LinkedIn puts a description line there)."""
    delimiter: str | None = Field(None, min_length=1, max_length=1)
    records: str | None = None
    """JSON: the dotted path to the list of records (``Video.Videos.VideoList``)."""


class TimeSpec(_Strict):
    format: str = "iso"
    """iso, unix, unix_ms, or a strptime format such as ``%m/%d/%Y %H:%M``."""
    timezone: str = "UTC"
    """The zone of times written without one (an IANA name)."""


class IdSpec(_Strict):
    column: str | None = None
    """The column holding the native id (or a URL holding it: see ``pattern``)."""
    pattern: str | None = None
    """A regular expression whose first group is the native id inside ``column``."""
    hash: list[str] | None = Field(None, min_length=1)
    """Columns whose values, hashed, make a stable id when the file has none."""


class Mapping(_Strict):
    table: TableName
    platform: Platform
    account: str | None = Field(None, min_length=1)
    file: FileSpec = FileSpec()
    time: TimeSpec = TimeSpec()
    id: IdSpec | None = None
    columns: dict[str, str] = Field(min_length=1)
    values: dict[str, dict[str, str]] = {}
    constants: dict[str, str | int | float] = {}
    stats: dict[str, str] = {}
    observed_at: str | None = None
    """The column holding when ``stats`` were observed (default: newest time in the file)."""

    def referenced(self) -> list[tuple[str, str]]:
        """(mapping key, file column) of every column the mapping reads."""
        found = [(f"columns.{k}", v) for k, v in self.columns.items()]
        found += [(f"stats.{k}", v) for k, v in self.stats.items()]
        if self.id and self.id.column:
            found.append(("id.column", self.id.column))
        if self.id and self.id.hash:
            found += [(f"id.hash[{i}]", c) for i, c in enumerate(self.id.hash)]
        if self.observed_at:
            found.append(("observed_at", self.observed_at))
        return found


def _check(mapping: Mapping, path: Path) -> None:
    """The rules pydantic can't express: fields exist, ids can be built, patterns compile."""

    def fail(key: str, value: object, fix: str) -> ConfigError:
        return ConfigError(path, key=key, value=value, fix=fix)

    spec = TABLES[mapping.table]
    fields = [c for c in spec.column_names if c not in AUTOMATIC or c == "hashtags"]
    for section, names in (("columns", mapping.columns), ("constants", mapping.constants)):
        for name, value in names.items():
            if name not in spec.column_names or name in AUTOMATIC - {"hashtags"}:
                guess = difflib.get_close_matches(name, fields, n=1)
                hint = f"did you mean {guess[0]!r}?" if guess else f"fields: {', '.join(fields)}"
                raise fail(
                    f"{section}.{name}", value, f"not a field of the {spec.name} table; {hint}"
                )
    for name, table in mapping.values.items():
        if name not in mapping.columns:
            raise fail(f"values.{name}", table, f"map a column to {name!r} under [columns] first")
    if mapping.stats and mapping.table != "posts":
        raise fail("stats", mapping.stats, '[stats] goes with table = "posts" only')
    for name, value in mapping.stats.items():
        if name not in STAT_FIELDS:
            raise fail(f"stats.{name}", value, f"expected one of {', '.join(STAT_FIELDS)}")
    key = KEYS[mapping.table]
    given = mapping.id is not None or key in mapping.columns
    if mapping.table in ("posts", "people", "conversions", "post_stats") and not given:
        raise fail(
            "id",
            MISSING,
            f'say how to build {key}: [id] column = "…" (with an optional pattern) or '
            f'[id] hash = ["…", …], or columns.{key}',
        )
    if mapping.id is not None:
        rule = mapping.id
        if (rule.column is None) == (rule.hash is None):
            raise fail("id", rule.model_dump(), 'give exactly one of column = "…" or hash = […]')
        if rule.pattern is not None:
            if rule.column is None:
                raise fail("id.pattern", rule.pattern, "a pattern goes with id.column")
            try:
                groups = re.compile(rule.pattern).groups
            except re.error as exc:
                raise fail(
                    "id.pattern", rule.pattern, f"not a regular expression ({exc})"
                ) from None
            if groups < 1:
                raise fail("id.pattern", rule.pattern, "put the native id in a (group)")
    required = {c.name for c in spec.columns if c.required} - AUTOMATIC - {key}
    if mapping.table == "post_stats":
        required.add("observed_at")
    for name in sorted(required):
        if name not in mapping.columns and name not in mapping.constants:
            raise fail(
                f"columns.{name}", MISSING, f"the {spec.name} table needs {name}; map a column"
            )
    try:
        ZoneInfo(mapping.time.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise fail(
            "time.timezone", mapping.time.timezone, "use an IANA name such as Europe/Paris"
        ) from None
    fmt = mapping.time.format
    if fmt not in ("iso", "unix", "unix_ms") and "%" not in fmt:
        raise fail("time.format", fmt, "use iso, unix, unix_ms or a strptime format like %d/%m/%Y")


def _describe(path: Path, error: Any) -> ConfigError:
    loc = [str(p) if isinstance(p, str) else f"[{p}]" for p in error["loc"]]
    key = ".".join(loc).replace(".[", "[") or "(top)"
    kind = error["type"]
    value = MISSING if kind == "missing" else error.get("input", MISSING)
    if kind == "extra_forbidden":
        fix = "unknown key; see docs/sources/mapped.md for the keys a mapping may have"
    elif kind == "missing":
        fix = "this key is required; add it"
    elif kind == "literal_error":
        fix = f"expected {error.get('ctx', {}).get('expected', '')}"
    else:
        fix = str(error["msg"]).replace("Input should", "it should")
    return ConfigError(path, key=key, value=value, fix=fix)


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; raise one error naming the key and the fix."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(
            path, reason="not UTF-8 text", fix="save the mapping as UTF-8"
        ) from None
    except OSError as exc:
        raise UnreadableFile(path, reason=str(exc)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableFile(path, reason=f"not valid TOML ({exc})", fix="fix that line") from None
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        raise _describe(path, exc.errors()[0]) from None
    _check(mapping, path)
    return mapping
