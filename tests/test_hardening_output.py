"""Hostile data meets the outputs: no control character reaches a terminal, no CSV cell runs
as a formula in a spreadsheet, and every refusal names the user's file and what is wrong
with it (issue 11, items 13-15). Each test builds its own hostile input in ``tmp_path``."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rich.progress import BarColumn, Progress, TextColumn
from typer.testing import CliRunner

from rapport.canonical import write_canonical
from rapport.canonical.spreadsheet import safe_cell
from rapport.cli.terminal import CONTROL, console
from rapport.strategy.calendar.export import csv_text
from rapport.strategy.calendar.slots import Slot
from tests.conftest import build_tables, invoke
from tests.importer_support import assert_refused, zip_folder
from tests.test_analyses_seeds import HAND_BUILT

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\u202e\x9b31m"
"""A window-title change, a bell, a screen clear, a right-to-left override and a C1 CSI."""


def _assert_clean(text: str) -> None:
    assert CONTROL.search(text) is None, repr(text)
    assert "\x1b]0;" not in text and "\x1b[2J" not in text


def _strings(value: Any) -> list[str]:
    """Every string inside a parsed JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


# -- item 13: no control character from data reaches the terminal -------------------------


@pytest.fixture
def hostile_workspace(tmp_path: Path, cli: CliRunner) -> tuple[Path, Any]:
    """A workspace imported from a zip whose folder and file names and whose people's
    handles, names and replies carry escape sequences; the import's own result."""
    rows = copy.deepcopy(HAND_BUILT)
    for person in rows["people"]:
        person["handle"] = "=HYPERLINK(1)" + ESCAPES + person["handle"]
        person["display_name"] = "@evil" + ESCAPES
    for interaction in rows["interactions"]:
        if "text" in interaction:
            interaction["text"] = "-cmd" + ESCAPES
    folder = tmp_path / "source" / ("export" + ESCAPES)
    write_canonical(build_tables(rows), folder)
    (folder / ("notes" + ESCAPES + ".txt")).write_text("not a table")
    archive = zip_folder(tmp_path / "source", tmp_path / "hostile.zip")
    workspace = tmp_path / "ws"
    result = invoke(cli, "import", archive, "--workspace", workspace)
    assert result.exit_code == 0, result.output
    return workspace, result


def test_import_notices_name_archive_members_without_control_characters(
    hostile_workspace: tuple[Path, Any],
) -> None:
    _, result = hostile_workspace
    assert "notes]0;pwned[2J31m.txt" in result.stdout  # the member is named, cleaned
    _assert_clean(result.stdout + result.stderr)


@pytest.mark.parametrize(
    "args",
    [
        ("seeds", "--k", "2"),
        ("metrics", "--table", "people"),
        ("metrics", "--table", "unanswered"),
    ],
)
def test_people_and_their_words_print_without_control_characters(
    cli: CliRunner, hostile_workspace: tuple[Path, Any], args: tuple[str, ...]
) -> None:
    workspace, _ = hostile_workspace
    result = invoke(cli, *args, "--workspace", workspace)
    assert result.exit_code == 0, result.output
    assert "]0;pwned" in result.stdout  # the data is there, only its control characters went
    _assert_clean(result.stdout + result.stderr)


@pytest.mark.parametrize(
    "args",
    [("seeds", "--k", "2", "--json"), ("metrics", "--table", "people", "--format", "json")],
)
def test_json_on_stdout_escapes_control_characters_and_keeps_the_data(
    cli: CliRunner, hostile_workspace: tuple[Path, Any], args: tuple[str, ...]
) -> None:
    workspace, _ = hostile_workspace
    result = invoke(cli, *args, "--workspace", workspace)
    assert result.exit_code == 0, result.output
    _assert_clean(result.stdout)
    assert any(ESCAPES in text for text in _strings(json.loads(result.stdout)))  # unchanged


def test_an_error_naming_a_hostile_file_is_one_clean_line(tmp_path: Path, cli: CliRunner) -> None:
    bad = tmp_path / ("orders" + ESCAPES + "\nsecond line.json")
    bad.write_text("[" * 50)
    result = invoke(cli, "import", bad, "--workspace", tmp_path / "ws")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    _assert_clean(result.stderr)


def test_a_progress_bar_prints_no_control_character_from_its_label() -> None:
    """Rich's progress bars render through their own hook, after any hook of ours: the
    console itself must clean what it writes."""
    buffer = io.StringIO()
    shown = console(file=buffer, force_terminal=True, color_system="standard", width=80)
    with Progress(TextColumn("{task.description}"), BarColumn(), console=shown) as bar:
        task = bar.add_task("Importing: " + ESCAPES, total=2)
        bar.advance(task)
        bar.refresh()
    written = buffer.getvalue()
    assert "Importing: ]0;pwned" in written
    assert "\x07" not in written and "\u202e" not in written and "\x9b" not in written
    assert "\x1b]0;" not in written and "\x1b[2J" not in written
    assert "\x1b[2K" in written  # the bar's own cursor control still works


# -- item 14: CSV cells never run as formulas ------------------------------------------------


def test_safe_cell_quotes_formulas_and_keeps_numbers() -> None:
    for formula in ("=1+1", "+cmd", "-cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx", "-", "+-1x"):
        assert safe_cell(formula) == "'" + formula
    for kept in ("-12", "+3.5", "-1e3", "hello", "", "x=1", "2026-01-05"):
        assert safe_cell(kept) == kept


def test_metrics_table_csv_quotes_formula_cells(
    cli: CliRunner, hostile_workspace: tuple[Path, Any]
) -> None:
    workspace, _ = hostile_workspace
    result = invoke(cli, "metrics", "--table", "people", "--workspace", workspace)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and all(r["handle"].startswith("'=HYPERLINK(1)") for r in rows)
    assert all(r["display_name"].startswith("'@evil") for r in rows)
    assert all(float(r["love_score"]) > 0 for r in rows)  # numbers stay numbers
    replies = invoke(cli, "metrics", "--table", "unanswered", "--workspace", workspace)
    texts = [r["text"] for r in csv.DictReader(io.StringIO(replies.stdout))]
    assert texts and all(t.startswith("'-cmd") for t in texts)


def test_calendar_csv_quotes_formula_cells() -> None:
    start = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    slot = Slot(
        start=start,
        end=start + dt.timedelta(hours=1),
        kind="question",
        title='=HYPERLINK("http://evil.example","x")',
        reason="+1 because",
        idea="@everyone -look",
        week=1,
    )
    (row,) = csv.DictReader(io.StringIO(csv_text([slot])))
    assert row["title"] == '\'=HYPERLINK("http://evil.example","x")'
    assert row["reason"] == "'+1 because" and row["idea"] == "'@everyone -look"
    assert row["kind"] == "question" and row["week"] == "1"


# -- item 15: every refusal names the user's file and says what is wrong ---------------------

GOOD = {
    "accounts": [{"account_id": "x:shop", "platform": "x", "handle": "shop", "role": "own"}],
    "posts": [
        {"post_id": "x:1", "account_id": "x:shop", "created_at": "2026-01-05T09:00:00Z"},
    ],
}
GENERIC = "a format rapport can read"


@pytest.fixture
def workspace(tmp_path: Path, cli: CliRunner) -> Path:
    source = tmp_path / "good"
    write_canonical(build_tables(GOOD), source)
    ws = tmp_path / "ws"
    assert invoke(cli, "import", source, "--workspace", ws).exit_code == 0
    return ws


def test_a_truncated_tweets_js_says_what_it_found(
    tmp_path: Path, cli: CliRunner, workspace: Path
) -> None:
    file = tmp_path / "tweets.js"
    file.write_text("window.YTD.twe")
    line = assert_refused(cli, workspace, "import", file, expect="tweets.js")
    assert GENERIC not in line and "window.YTD.twe" in line


def test_an_empty_outbox_json_says_it_is_empty(
    tmp_path: Path, cli: CliRunner, workspace: Path
) -> None:
    file = tmp_path / "outbox.json"
    file.write_text("")
    line = assert_refused(cli, workspace, "import", file, expect="outbox.json")
    assert GENERIC not in line and "an empty file" in line


def test_a_cut_off_outbox_json_names_line_and_column(
    tmp_path: Path, cli: CliRunner, workspace: Path
) -> None:
    file = tmp_path / "outbox.json"
    file.write_text('{"type": "OrderedCollection", "orderedItems": [{"type": "Cre')
    line = assert_refused(cli, workspace, "import", file, expect="outbox.json")
    assert GENERIC not in line and "line 1, column" in line


@pytest.mark.parametrize("format", [None, "facebook_dyi", "instagram_dyi"])
def test_deeply_nested_json_is_refused_in_one_line(
    tmp_path: Path, cli: CliRunner, workspace: Path, format: str | None
) -> None:
    file = tmp_path / "your_posts_1.json"
    file.write_text("[" * 100_000 + "]" * 100_000)
    args = ("--as", format) if format else ()
    line = assert_refused(cli, workspace, "import", file, *args, expect="your_posts_1.json")
    assert "nested too deeply" in line


def _shopify_orders() -> str:
    header = "Name,Email,Financial Status,Paid at,Currency,Total,Created at,Lineitem name,Id"
    rows = [
        "#1001,a@example.com,paid,,EUR,12.50,2026-01-05 10:00:00 +0100,Bread,501",
        "#1002,b@example.com,paid,,EUR,8.00,2026-01-06 11:00:00 +0100,Cake,502",
    ]
    return "\r\n".join([header, *rows]) + "\r\n"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le"])
def test_a_utf16_csv_with_shopify_headers_is_imported(
    tmp_path: Path, cli: CliRunner, workspace: Path, codec: str
) -> None:
    file = tmp_path / "orders.csv"
    file.write_bytes(_shopify_orders().encode(codec))  # with and without a byte-order mark
    result = invoke(cli, "import", file, "--workspace", workspace)
    assert result.exit_code == 0, result.output
    assert "(shopify)" in result.stdout and "2 added" in result.stdout


def test_a_utf16_file_nothing_reads_is_named_utf16(
    tmp_path: Path, cli: CliRunner, workspace: Path
) -> None:
    file = tmp_path / "notes.txt"
    file.write_bytes("just some notes, nothing else".encode("utf-16-le"))
    line = assert_refused(cli, workspace, "import", file, expect="notes.txt")
    assert "UTF-16" in line and "save it as UTF-8" in line
    assert "\\x00" not in line and "\ufffd" not in line


def test_a_utf16_tweets_js_is_read_as_utf16(
    tmp_path: Path, cli: CliRunner, workspace: Path
) -> None:
    tweet = {
        "tweet": {
            "id_str": "42",
            "full_text": "héllo",
            "created_at": "Mon Jan 05 09:00:00 +0000 2026",
        }
    }
    file = tmp_path / "tweets.js"
    file.write_bytes(f"window.YTD.tweets.part0 = {json.dumps([tweet])}".encode("utf-16"))
    result = invoke(cli, "import", file, "--account", "shop", "--workspace", workspace)
    assert result.exit_code == 0, result.output
    assert "(x_archive)" in result.stdout


def test_an_archive_inside_an_archive_is_refused_naming_the_users_file(
    tmp_path: Path, cli: CliRunner, workspace: Path
) -> None:
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("notes.txt", "hello")
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w") as archive:
        archive.write(inner, "inner.zip")
    line = assert_refused(cli, workspace, "import", outer, expect="outer.zip!inner.zip")
    assert "rapport-import-" not in line and "/tmp" not in line.replace(str(tmp_path), "")
    assert "import inner.zip on its own" in line


def test_a_bad_file_inside_an_archive_is_named_inside_the_users_archive(
    tmp_path: Path, cli: CliRunner, workspace: Path
) -> None:
    folder = tmp_path / "export" / "data"
    folder.mkdir(parents=True)
    (folder / "outbox.json").write_text('{"type": "OrderedCollection", "orderedItems": [')
    archive = zip_folder(tmp_path / "export", tmp_path / "archive.zip")
    line = assert_refused(cli, workspace, "import", archive, expect="archive.zip!data/outbox.json")
    assert "rapport-import-" not in line


def test_parquet_with_a_duplicate_column_is_one_line(
    tmp_path: Path, cli: CliRunner, workspace: Path
) -> None:
    folder = tmp_path / "dup"
    write_canonical(build_tables(GOOD), folder)
    table = pq.read_table(folder / "posts.parquet")
    doubled = pa.Table.from_arrays(
        [*table.columns, table.column("post_id")], names=[*table.column_names, "post_id"]
    )
    pq.write_table(doubled, folder / "posts.parquet")
    line = assert_refused(cli, workspace, "import", folder, expect="posts.parquet")
    assert "'post_id' appears 2 times" in line
