"""Shared fixtures: real DuckDB stores, canonical tables built from rows, the CLI, Chromium."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from rapport.canonical import TABLE_ORDER, Batch, TableBuilder
from rapport.cli import app
from rapport.store import Store

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHARED = Path(__file__).resolve().parents[2] / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="Rewrite the golden files in tests/snapshots instead of comparing.",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's RAPPORT_WORKSPACE, and the machine's time zone is UTC
    for every test (a workspace without ``timezone`` shows times in the machine's zone;
    tests of local time set it themselves). The caches beside a store are off
    (``RAPPORT_CACHE=0``): every test computes what it checks, and a workspace shared between
    tests keeps no plan of another's; tests/test_metrics_plans.py turns them on."""
    monkeypatch.delenv("RAPPORT_WORKSPACE", raising=False)
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("RAPPORT_CACHE", "0")


@pytest.fixture(scope="session", autouse=True)
def _key_outside_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The connections' key in a file of this test run, never ~/.config/rapport/secret.key,
    for the whole run (the web server's threads read it between tests too)."""
    names = ("RAPPORT_KEY_FILE", "RAPPORT_SECRET_KEY")
    saved = {name: os.environ.get(name) for name in names}
    os.environ["RAPPORT_KEY_FILE"] = str(tmp_path_factory.mktemp("key") / "secret.key")
    os.environ.pop("RAPPORT_SECRET_KEY", None)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "rapport.duckdb"


@pytest.fixture
def fresh_store(store_path: Path) -> Iterator[Store]:
    store = Store(store_path)
    yield store
    store.close()


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str | os.PathLike[str]) -> Any:
    """Run the CLI in-process; stdout and stderr are kept apart."""
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _build(
    rows: Mapping[str, list[dict[str, Any]]],
) -> tuple[dict[str, pa.Table], dict[str, list[str]]]:
    tables, locators = {}, {}
    for name, records in rows.items():
        builder = TableBuilder(name, f"{name}.jsonl")
        for index, record in enumerate(records, start=1):
            if not builder.add(record, locator=f"line {index}"):
                raise AssertionError(builder.rejections[-1].describe())
        tables[name], locators[name] = builder.finish()
    return tables, locators


def build_tables(rows: Mapping[str, list[dict[str, Any]]]) -> dict[str, pa.Table]:
    """Canonical Arrow tables from plain rows (values as in JSONL); fails on a bad row."""
    return _build(rows)[0]


def batch_of(rows: Mapping[str, list[dict[str, Any]]], *, source: str = "test") -> Batch:
    """A checked batch from plain rows, each located as ``line N`` of ``<table>.jsonl``."""
    tables, locators = _build(rows)
    return Batch.from_tables(
        tables,
        source=source,
        origin="tests",
        locators=locators,
        sources={name: f"{name}.jsonl" for name in tables},
    )


def snapshot(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (canonical and bookkeeping), for before/after comparisons."""
    con = store.connection
    names = [
        *TABLE_ORDER,
        "imports",
        "import_files",
        "quarantine",
        "erasures",
        "meta",
        "_migrations",
    ]
    result = {}
    for name in names:
        table = con.sql(f'SELECT * FROM "{name}"').to_arrow_table()
        rows = table.to_pylist()
        result[name] = sorted(rows, key=repr)
    return result


def snapshot_file(path: Path) -> dict[str, list[dict[str, Any]]] | None:
    """:func:`snapshot` of the store at ``path`` (None when there is no store)."""
    if not path.exists():
        return None
    with Store(path) as store:
        return snapshot(store)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, or a skip with the reason (a failure when CI requires it)."""
    if CHROMIUM is None:
        reason = "Chromium is not installed (apt-get install chromium); .ci/run installs it"
        if os.environ.get("RAPPORT_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared samples folder beside the repository, or a skip with the reason."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: the real sample files live there")
    return SHARED


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo workspace (3,000 people, 120 days to 2026-11-30, seed 3) made once by
    `rapport demo`.

    Shared: tests that change it must work on a copy (``shutil.copytree``).
    """
    root = tmp_path_factory.mktemp("demo-workspace") / "demo"
    args = ("demo", "--people", "3000", "--days", "120", "--seed", "3", "--end", "2026-11-30",
            "--workspace", root)  # fmt: skip
    result = invoke(CliRunner(), *args)
    assert result.exit_code == 0, result.output
    return root


def invoke_json(*args: str | os.PathLike[str]) -> Any:
    """Run the CLI with --json; it must succeed; the parsed JSON."""
    result = invoke(CliRunner(), *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


from tests.replay_server import replay  # noqa: E402,F401  (a recorded API on 127.0.0.1)
from tests.web_support import browser, web  # noqa: E402,F401  (one server, one Chromium)
