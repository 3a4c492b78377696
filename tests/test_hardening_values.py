"""Values that fit their type but can't be real are quarantined with their reason, in every
format, and the rest of the file is imported (issue 11, items 3 and 7).

- NaN and ±inf in a number column (a Parquet float column holds them without complaint);
- times that overflow when converted to UTC (``9999-12-31T23:59:59-05:00``), Parquet times
  beyond what a microsecond timestamp holds, and times before 2000 or more than a day after
  the import;
- a CSV cell longer than Python's default limit of 131,072 characters.

Each test builds its own hostile input in ``tmp_path``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from rapport.canonical import Batch, write_canonical
from rapport.canonical.plausible import EARLIEST, FUTURE_MARGIN
from rapport.importers._csv import MAX_CELL
from rapport.store import ImportSummary
from tests.conftest import build_tables, invoke
from tests.importer_support import assert_refused, import_into, rows

EXPORTS = Path(__file__).parent / "data" / "exports"
UTC = dt.UTC
OVERFLOW = "9999-12-31T23:59:59-05:00"
"""A valid ISO 8601 time whose UTC equivalent is in the year 10000."""

ACCOUNT = {"account_id": "x:shop", "platform": "x", "handle": "shop", "role": "own"}
POST = {"post_id": "x:1", "account_id": "x:shop", "created_at": "2025-01-05T09:00:00Z"}
SALE = {"conversion_id": "web:1", "occurred_at": "2025-01-05T09:00:00Z", "kind": "purchase"}


def _rejected(summary: ImportSummary, table: str) -> int:
    return summary.tables[table].rejected


def _one_reason(summary: ImportSummary, *parts: str) -> str:
    """The one quarantine line that names every part (fails when there is none)."""
    found = [line for line in summary.first_rejections if all(p in line for p in parts)]
    assert len(found) == 1, summary.first_rejections
    return found[0]


# --- item 3: non-finite numbers -------------------------------------------------------------


def test_parquet_nan_and_infinities_are_quarantined_and_the_rest_imported(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "canonical"
    sales = [
        {**SALE, "conversion_id": f"web:{i}", "value": 1.0} for i in range(1, 6)
    ]  # values are set below: Arrow keeps NaN and infinities where JSON could not
    write_canonical(build_tables({"conversions": sales}), folder)
    table = pq.read_table(folder / "conversions.parquet")
    values = pa.array([10.0, float("nan"), float("inf"), float("-inf"), None], pa.float64())
    table = table.set_column(table.schema.get_field_index("value"), "value", values)
    pq.write_table(table, folder / "conversions.parquet")

    ws = tmp_path / "ws"
    summary = import_into(ws, folder)

    kept = {r["conversion_id"]: r["value"] for r in rows(ws, "conversions")}
    assert kept == {"web:1": 10.0, "web:5": None}  # an unknown value stays unknown
    assert _rejected(summary, "conversions") == 3
    for row in (2, 3, 4):
        _one_reason(summary, f"row {row}", "'value'", "finite number")


def _jsonl_with_values(tmp_path: Path) -> Path:
    folder = tmp_path / "canonical"
    write_canonical(
        build_tables({"conversions": [{**SALE, "value": 10.0}]}), folder, format="jsonl"
    )
    with (folder / "conversions.jsonl").open("a", encoding="utf-8") as handle:
        for number, literal in ((2, "NaN"), (3, "Infinity"), (4, "-Infinity")):
            record = {**SALE, "conversion_id": f"web:{number}"}
            handle.write(json.dumps(record)[:-1] + f', "value": {literal}}}\n')
    return folder


def _conversions_csv_with_values(tmp_path: Path) -> Path:
    path = tmp_path / "sales.csv"
    path.write_text(
        "conversion_id,occurred_at,kind,value\n"
        "1,2025-01-05T09:00:00Z,purchase,10\n"
        "2,2025-01-05T09:00:00Z,purchase,1e999\n"
        "3,2025-01-05T09:00:00Z,purchase,-1e999\n"
        "4,2025-01-05T09:00:00Z,purchase,1e400\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "make", [_jsonl_with_values, _conversions_csv_with_values], ids=["jsonl", "csv"]
)
def test_other_formats_quarantine_non_finite_numbers_too(
    tmp_path: Path, make: Callable[[Path], Path]
) -> None:
    ws = tmp_path / "ws"
    summary = import_into(ws, make(tmp_path))
    assert [r["value"] for r in rows(ws, "conversions")] == [10.0]
    assert _rejected(summary, "conversions") == 3
    assert all("finite number" in line for line in summary.first_rejections)


# --- item 7: times that overflow, or lie outside the plausible range ---------------------------


def _canonical_jsonl(tmp_path: Path) -> tuple[Path, str]:
    folder = tmp_path / "canonical"
    write_canonical(build_tables({"accounts": [ACCOUNT], "posts": [POST]}), folder, format="jsonl")
    with (folder / "posts.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({**POST, "post_id": "x:2", "created_at": OVERFLOW}) + "\n")
    return folder, "posts"


def _conversions_csv(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "sales.csv"
    path.write_text(
        "conversion_id,occurred_at,kind,value\n"
        "1,2025-01-05T09:00:00Z,purchase,10\n"
        f"2,{OVERFLOW},purchase,12\n",
        encoding="utf-8",
    )
    return path, "conversions"


def _shopify(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "orders_export.csv"
    path.write_text(
        "Name,Financial Status,Currency,Total,Created at,Lineitem name\n"
        "#1001,paid,EUR,10.00,2025-01-05 10:00:00 +0100,Bread\n"
        "#1002,paid,EUR,12.00,9999-12-31 23:59:59 -0500,Cake\n",
        encoding="utf-8",
    )
    return path, "conversions"


def _mastodon_archive(tmp_path: Path) -> tuple[Path, str]:
    folder = tmp_path / "archive"
    shutil.copytree(EXPORTS / "mastodon" / "archive", folder)
    outbox = json.loads((folder / "outbox.json").read_text("utf-8"))
    first = outbox["orderedItems"][0]
    first["published"] = first["object"]["published"] = OVERFLOW
    (folder / "outbox.json").write_text(json.dumps(outbox), "utf-8")
    return folder, "posts"


@pytest.mark.parametrize(
    "make",
    [_canonical_jsonl, _conversions_csv, _shopify, _mastodon_archive],
    ids=["canonical-jsonl", "conversions-csv", "shopify", "mastodon-archive"],
)
def test_a_time_that_overflows_utc_quarantines_its_record_only(
    tmp_path: Path, make: Callable[[Path], tuple[Path, str]]
) -> None:
    source, table = make(tmp_path)
    ws = tmp_path / "ws"
    summary = import_into(ws, source)
    assert _rejected(summary, table) == 1
    assert summary.tables[table].added >= 1  # the rest of the file is imported
    _one_reason(summary, "years 1 to 9999")
    assert all(r[_time_column(table)].year < 9999 for r in rows(ws, table))


def _time_column(table: str) -> str:
    return "created_at" if table == "posts" else "occurred_at"


def test_parquet_times_beyond_microseconds_are_quarantined(tmp_path: Path) -> None:
    folder = tmp_path / "canonical"
    posts = [{**POST, "post_id": f"x:{i}"} for i in range(1, 4)]
    write_canonical(build_tables({"accounts": [ACCOUNT], "posts": posts}), folder)
    table = pq.read_table(folder / "posts.parquet")
    good = int(dt.datetime(2025, 1, 5, tzinfo=UTC).timestamp() * 1000)
    moments = pa.array([good, 2**62, -(2**62)], pa.timestamp("ms", tz="UTC"))
    table = table.set_column(table.schema.get_field_index("created_at"), "created_at", moments)
    pq.write_table(table, folder / "posts.parquet")

    ws = tmp_path / "ws"
    summary = import_into(ws, folder)

    assert [r["post_id"] for r in rows(ws, "posts")] == ["x:1"]
    assert _rejected(summary, "posts") == 2
    line = _one_reason(summary, "posts.parquet", "row 2", "'created_at'")
    assert f"{2**62} milliseconds after 1970" in line and "microsecond" in line
    _one_reason(summary, "row 3", "before 1970")


def test_parquet_times_after_the_year_9999_are_quarantined(tmp_path: Path) -> None:
    """Microseconds reach the year 294,000, Python's datetimes stop at 9999."""
    folder = tmp_path / "canonical"
    posts = [{**POST, "post_id": f"x:{i}"} for i in range(1, 3)]
    write_canonical(build_tables({"accounts": [ACCOUNT], "posts": posts}), folder)
    table = pq.read_table(folder / "posts.parquet")
    year_20000 = (dt.datetime(9999, 1, 1, tzinfo=UTC) - dt.datetime(1970, 1, 1, tzinfo=UTC)) * 2
    times = table.column("created_at").to_pylist()
    micros = [int(times[0].timestamp()) * 1_000_000, year_20000 // dt.timedelta(microseconds=1)]
    moments = pa.array(micros, pa.timestamp("us", tz="UTC"))
    table = table.set_column(table.schema.get_field_index("created_at"), "created_at", moments)
    pq.write_table(table, folder / "posts.parquet")

    ws = tmp_path / "ws"
    summary = import_into(ws, folder)
    assert [r["post_id"] for r in rows(ws, "posts")] == ["x:1"]
    _one_reason(summary, "posts.parquet", "row 2", "a day after the import")


def test_times_before_2000_or_over_a_day_ahead_are_quarantined(tmp_path: Path) -> None:
    now = dt.datetime.now(UTC).replace(microsecond=0)
    soon = now + FUTURE_MARGIN - dt.timedelta(hours=1)  # a clock an hour or so ahead: fine
    later = now + FUTURE_MARGIN + dt.timedelta(hours=1)
    early = EARLIEST - dt.timedelta(hours=1)
    path = tmp_path / "sales.csv"
    path.write_text(
        "conversion_id,occurred_at,kind\n"
        f"1,{EARLIEST.isoformat()},purchase\n"
        f"2,{soon.isoformat()},purchase\n"
        f"3,{early.isoformat()},purchase\n"
        f"4,{later.isoformat()},purchase\n"
        "5,1970-01-01T00:00:00Z,purchase\n",
        encoding="utf-8",
    )
    ws = tmp_path / "ws"
    summary = import_into(ws, path)
    assert [r["conversion_id"] for r in rows(ws, "conversions")] == ["web:1", "web:2"]
    assert _rejected(summary, "conversions") == 3
    _one_reason(summary, "line 4", "'occurred_at'", "before 2000-01-01")
    _one_reason(summary, "line 6", "'occurred_at'", "before 2000-01-01")
    _one_reason(summary, "line 5", "'occurred_at'", "a day after the import")


def _facebook_dyi_zero_time(tmp_path: Path) -> tuple[Path, dict[str, str], str]:
    folder = tmp_path / "dyi"
    shutil.copytree(EXPORTS / "facebook" / "dyi", folder)
    posts = json.loads((folder / "your_posts_1.json").read_text("utf-8"))
    posts[0]["timestamp"] = 0  # a zero Unix time: 1970-01-01
    (folder / "your_posts_1.json").write_text(json.dumps(posts), "utf-8")
    return folder, {"account": "lisbonbeautylab"}, "posts"


def _ga4_last_century(tmp_path: Path) -> tuple[Path, dict[str, str], str]:
    path = tmp_path / "traffic.csv"
    text = (EXPORTS / "ga4" / "traffic_acquisition_source_medium.csv").read_text("utf-8")
    path.write_text(text.replace("instagram / social,20240502", "instagram / social,19990502"))
    return path, {}, "conversions"


@pytest.mark.parametrize(
    "make", [_facebook_dyi_zero_time, _ga4_last_century], ids=["facebook-dyi", "ga4"]
)
def test_every_importer_goes_through_the_same_plausible_time_rule(
    tmp_path: Path, make: Callable[[Path], tuple[Path, dict[str, str], str]]
) -> None:
    source, options, table = make(tmp_path)
    ws = tmp_path / "ws"
    summary = import_into(ws, source, **options)
    assert summary.tables[table].rejected >= 1 and summary.tables[table].added >= 1
    assert any("before 2000-01-01" in line for line in summary.first_rejections)
    assert all(r[_time_column(table)] >= EARLIEST for r in rows(ws, table))


def test_an_implausible_creation_time_drops_the_time_not_the_account(tmp_path: Path) -> None:
    """A Bluesky profile without a creation record says 0001-01-01: quarantining the own
    account for it would orphan every post; the time becomes unknown instead."""
    folder = tmp_path / "canonical"
    account = {**ACCOUNT, "created_at": "0001-01-01T00:00:00Z"}
    person = {"person_id": "x:9", "platform": "x", "first_seen_at": "1970-01-01T00:00:00Z"}
    tables = {"accounts": [account], "posts": [POST], "people": [person]}
    write_canonical(build_tables(tables), folder, format="jsonl")
    ws = tmp_path / "ws"
    summary = import_into(ws, folder)
    assert summary.total("rejected") == 0, summary.first_rejections
    assert [(a["account_id"], a["created_at"]) for a in rows(ws, "accounts")] == [("x:shop", None)]
    assert [p["first_seen_at"] for p in rows(ws, "people")] == [None]
    assert [p["post_id"] for p in rows(ws, "posts")] == ["x:1"]
    assert any("1 implausible accounts.created_at time(s)" in n for n in summary.notices)
    assert any("1 implausible people.first_seen_at time(s)" in n for n in summary.notices)


def test_an_x_post_dated_9999_is_quarantined_and_the_calendar_stays_in_our_time(
    tmp_path: Path, cli: CliRunner
) -> None:
    archive = tmp_path / "x"
    shutil.copytree(EXPORTS / "x" / "bakery-2025-09", archive)
    tweets = archive / "data" / "tweets.js"
    text = tweets.read_text("utf-8")
    assert text.count("Mon Sep 15 07:00:00 +0000 2025") == 1  # the latest post
    tweets.write_text(text.replace("+0000 2025", "+0000 9999", 1), "utf-8")
    import_into(tmp_path / "clean", EXPORTS / "x" / "bakery-2025-09")
    before = {r["post_id"] for r in rows(tmp_path / "clean", "posts")}

    ws = tmp_path / "ws"
    summary = import_into(ws, archive)
    posts = {r["post_id"]: r for r in rows(ws, "posts")}
    assert len(before - set(posts)) == 1  # that post alone is out, the others are in
    assert all(p["created_at"].year < 9999 for p in posts.values())
    _one_reason(summary, "'created_at'", "a day after the import")

    result = invoke(cli, "calendar", "--workspace", ws)
    assert result.exit_code == 0, result.output
    assert "9999" not in result.stdout


def test_data_that_is_not_an_import_keeps_its_dates_but_not_impossible_ones() -> None:
    """A simulated world may be dated in the future; no data may leave the years 1-9999."""
    future = dt.datetime(2100, 1, 1, tzinfo=UTC)
    tables = build_tables({"accounts": [ACCOUNT], "posts": [{**POST, "created_at": future}]})
    assert Batch.from_tables(tables, source="t", origin="t").tables["posts"].num_rows == 1
    imported = Batch.from_tables(tables, source="t", origin="t", imported_at=dt.datetime.now(UTC))
    assert imported.tables["posts"].num_rows == 0
    assert "a day after the import" in imported.rejections[0].reason

    beyond = dt.datetime(9999, 1, 1, tzinfo=UTC) - dt.datetime(1970, 1, 1, tzinfo=UTC)
    micros = pa.array([2 * beyond // dt.timedelta(microseconds=1)], pa.timestamp("us", tz="UTC"))
    posts = tables["posts"]
    posts = posts.set_column(posts.schema.get_field_index("created_at"), "created_at", micros)
    batch = Batch.from_tables({"posts": posts}, source="t", origin="t")
    assert batch.tables["posts"].num_rows == 0
    (rejection,) = batch.rejections
    assert "years 1 to 9999" in rejection.reason and "18028-" in rejection.raw


# --- item 7: a CSV cell longer than Python's default limit -------------------------------------

FOLLOWING_HEADER = "Account address,Show boosts,Notify on new posts,Languages\n"


def test_a_mastodon_csv_cell_over_131072_characters_is_read(tmp_path: Path) -> None:
    path = tmp_path / "following_accounts.csv"
    long_cell = "en," * 50_000  # 150,000 characters, more than the csv module reads by default
    path.write_text(
        FOLLOWING_HEADER
        + "maria@town.example,true,false,\n"
        + f'flour@mill.example,false,true,"{long_cell}"\n',
        encoding="utf-8",
    )
    ws = tmp_path / "ws"
    import_into(ws, path)
    assert {r["handle"] for r in rows(ws, "people")} == {
        "maria@town.example",
        "flour@mill.example",
    }


def test_a_csv_cell_beyond_the_documented_maximum_refuses_the_file(
    tmp_path: Path, cli: CliRunner
) -> None:
    ws = tmp_path / "ws"
    good = tmp_path / "good" / "following_accounts.csv"
    good.parent.mkdir()
    good.write_text(FOLLOWING_HEADER + "maria@town.example,true,false,\n", encoding="utf-8")
    import_into(ws, good)
    path = tmp_path / "following_accounts.csv"
    path.write_text(
        FOLLOWING_HEADER
        + "ana@town.example,true,false,\n"
        + f'flour@mill.example,false,true,"{"x" * (MAX_CELL + 1)}"\n',
        encoding="utf-8",
    )
    line = assert_refused(cli, ws, "import", path, expect=str(path))
    assert "line 3" in line and f"{MAX_CELL:,} characters" in line
