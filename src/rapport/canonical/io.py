"""Reading and writing canonical data sets (a folder: manifest.json plus one file per table)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

from rapport.canonical.batch import Batch, FileDigest, digest_file
from rapport.canonical.records import (
    Rejection,
    TableBuilder,
    conform_arrow,
    drop_unstorable_times,
    raw_json,
)
from rapport.canonical.schema import FORMAT_NAME, TABLE_ORDER, TABLES, arrow_schema
from rapport.errors import InputNotFound, UnreadableFile, UsageError, WrongFormat

__all__ = ["ExportFormat", "is_canonical_dir", "read_canonical", "write_canonical"]

ExportFormat = Literal["parquet", "jsonl"]
ProgressCallback = Callable[[str], None]


def is_canonical_dir(path: Path) -> bool:
    """Whether ``path`` looks like a canonical data set (used by auto-detection)."""
    manifest = path / "manifest.json"
    if not manifest.is_file():
        return False
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("format") == FORMAT_NAME


def _read_manifest(path: Path) -> dict[str, Any]:
    manifest = path / "manifest.json"
    if not manifest.is_file():
        raise WrongFormat(
            path,
            expected=f"a canonical data set (a folder with manifest.json, format {FORMAT_NAME})",
            found="no manifest.json",
            fix="point at a folder written by a workspace export, or choose another format",
            option="format",
        )
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise UnreadableFile(manifest, reason="not UTF-8 text") from None
    except ValueError as exc:
        raise UnreadableFile(manifest, reason=f"not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise WrongFormat(
            manifest,
            expected=f'"format": "{FORMAT_NAME}"',
            found=repr(found),
            fix="this reader understands version 1 of the canonical format",
        )
    return data


def _table_sources(path: Path, name: str) -> list[Path]:
    found = []
    for candidate in (path / f"{name}.parquet", path / name, path / f"{name}.jsonl"):
        if candidate.exists():
            found.append(candidate)
    return found


def _read_parquet(file: Path, name: str) -> tuple[pa.Table, list[str], list[str], list[Rejection]]:
    parts = sorted(file.glob("*.parquet")) if file.is_dir() else [file]
    tables: list[pa.Table] = []
    locators: list[str] = []
    notices: list[str] = []
    rejections: list[Rejection] = []
    for part in parts:
        try:
            columns = pq.read_schema(part).names
            twice = sorted({c for c in columns if columns.count(c) > 1})
            if twice:
                raise UnreadableFile(
                    part,
                    reason=f"the column {twice[0]!r} appears {columns.count(twice[0])} times",
                    fix="write each column once (export the table again)",
                )
            raw = pq.read_table(part)
        except (pa.ArrowException, OSError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise UnreadableFile(part, reason=f"not a readable Parquet file ({first})") from None
        label = part.name if file.is_dir() else ""
        located = [f"{label} row {i + 1}".strip() for i in range(raw.num_rows)]
        raw, located, unstorable = drop_unstorable_times(
            name, raw, source=file.name, locators=located
        )
        rejections.extend(unstorable)
        table, part_notices = conform_arrow(part, name, raw)
        notices.extend(part_notices)
        locators.extend(located)
        tables.append(table)
    if not tables:
        return pa.table({}, schema=arrow_schema(name)), [], notices, rejections
    return pa.concat_tables(tables), locators, notices, rejections


def _read_jsonl(
    file: Path, name: str
) -> tuple[pa.Table, list[str], list[Rejection], int, set[str]]:
    builder = TableBuilder(name, file.name)
    parsed = failed = 0
    try:
        handle = file.open("rb")
    except OSError as exc:
        raise UnreadableFile(file, reason=str(exc)) from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            locator = f"line {number}"
            try:
                record = json.loads(line.decode("utf-8"))
            except UnicodeDecodeError:
                failed += 1
                builder.rejections.append(
                    Rejection(name, file.name, locator, None, "not UTF-8 text", repr(line[:200]))
                )
                continue
            except ValueError as exc:
                failed += 1
                builder.rejections.append(
                    Rejection(
                        name,
                        file.name,
                        locator,
                        None,
                        f"not valid JSON ({exc})",
                        raw_json(line[:2000].decode("utf-8", "replace")),
                    )
                )
                continue
            parsed += 1
            builder.add(record, locator=locator)
    if failed and not parsed:
        raise UnreadableFile(file, reason="no line is a JSON object (is it really JSON lines?)")
    table, locators = builder.finish()
    return table, locators, builder.rejections, builder.repaired, builder.ignored_fields


def read_canonical(
    path: Path,
    *,
    progress: ProgressCallback | None = None,
    imported_at: dt.datetime | None = None,
) -> Batch:
    """Read a canonical folder into a checked :class:`Batch`.

    Raises an :class:`~rapport.errors.InputError` when the folder or one of its files can't be
    used at all; records that can't be read are rejections in the batch, and so are records
    dated before 2000 or more than a day after ``imported_at`` (default: now).
    """
    if not path.exists():
        raise InputNotFound(path)
    if not path.is_dir():
        raise WrongFormat(
            path,
            expected="a folder holding manifest.json and table files",
            found="a file",
            fix="give the folder `rapport export` wrote",
        )
    manifest = _read_manifest(path)
    tables: dict[str, pa.Table] = {}
    locators: dict[str, list[str]] = {}
    sources: dict[str, str] = {}
    rejections: list[Rejection] = []
    notices: list[str] = []
    files: list[FileDigest] = [digest_file(path / "manifest.json")]
    for name in TABLE_ORDER:
        found = _table_sources(path, name)
        if not found:
            continue
        if len(found) > 1:
            raise WrongFormat(
                path,
                expected=f"one file for table {name!r}",
                found=", ".join(p.name for p in found),
                fix="keep only one of them",
            )
        file = found[0]
        if progress:
            progress(file.name)
        if file.suffix == ".jsonl":
            table, located, rejected, repaired, ignored = _read_jsonl(file, name)
            rejections.extend(rejected)
            if repaired:
                notices.append(
                    f"{file.name}: {repaired} record(s) had broken emoji (lone "
                    "surrogates) replaced by U+FFFD"
                )
            if ignored:
                notices.append(
                    f"{file.name}: extra fields not imported: {', '.join(sorted(ignored))}"
                )
        else:
            table, located, parquet_notices, unstorable = _read_parquet(file, name)
            notices.extend(parquet_notices)
            rejections.extend(unstorable)
        tables[name] = table
        locators[name] = located
        sources[name] = file.name
        parts = sorted(file.glob("*.parquet")) if file.is_dir() else [file]
        files.extend(digest_file(p) for p in parts)
    known = {f"{n}{suffix}" for n in TABLES for suffix in (".parquet", ".jsonl", "")}
    strays = sorted(p.name for p in path.iterdir() if p.name not in known | {"manifest.json"})
    if strays:
        notices.append(f"files that are not canonical tables, not imported: {', '.join(strays)}")
    return Batch.from_tables(
        tables,
        source="canonical",
        origin=str(manifest.get("source") or path),
        locators=locators,
        rejections=rejections,
        notices=notices,
        files=files,
        sources=sources,
        imported_at=imported_at or dt.datetime.now(dt.UTC),
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        # isoformat, not strftime: %Y writes the year 1 as "1", which no reader takes back
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat() + "Z"
    return value


def _prepare_target(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise UsageError(f"{path}: is a file; give a folder to export into")
    if path.is_dir() and any(path.iterdir()) and not (path / "manifest.json").exists():
        raise UsageError(
            f"{path}: the folder is not empty and holds no rapport export; choose an empty "
            "or new folder"
        )
    path.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        for stale in (path / f"{name}.parquet", path / f"{name}.jsonl"):
            stale.unlink(missing_ok=True)
        part_dir = path / name
        if part_dir.is_dir():
            for part in part_dir.glob("*.parquet"):
                part.unlink()
            part_dir.rmdir()


def write_canonical(
    tables: Mapping[str, pa.Table],
    path: Path,
    *,
    format: ExportFormat = "parquet",
    source: str = "rapport export",
    generated_at: dt.datetime | None = None,
) -> list[Path]:
    """Write canonical tables into ``path`` (created if needed); return the files written."""
    if format not in ("parquet", "jsonl"):
        raise UsageError(f"unknown export format {format!r}; use parquet or jsonl")
    _prepare_target(path)
    written: list[Path] = []
    for name in TABLE_ORDER:
        table = tables.get(name)
        if table is None:
            table = arrow_schema(name).empty_table()
        table = table.select(list(arrow_schema(name).names)).cast(arrow_schema(name))
        if format == "parquet":
            target = path / f"{name}.parquet"
            pq.write_table(table, target)
        else:
            target = path / f"{name}.jsonl"
            with target.open("w", encoding="utf-8", newline="\n") as handle:
                for batch in table.to_batches(max_chunksize=10_000):
                    for row in batch.to_pylist():
                        record = {key: _json_value(value) for key, value in row.items()}
                        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        written.append(target)
    moment = (generated_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    manifest = {
        "format": FORMAT_NAME,
        "generated_at": _json_value(moment.replace(microsecond=0)),
        "source": source,
    }
    (path / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    written.append(path / "manifest.json")
    return written
