"""Helpers for importer tests: import into a real store, refuse bad input, fuzz for tracebacks."""

from __future__ import annotations

import contextlib
import zipfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rapport.api import import_path
from rapport.errors import InputError
from rapport.importers import ImportOptions, run
from rapport.store import ImportSummary, Store
from rapport.workspace import Workspace
from tests.conftest import invoke, snapshot_file

__all__ = [
    "assert_refused",
    "fuzz_importer",
    "import_into",
    "rows",
    "zip_folder",
]


def import_into(workspace: Path, path: Path, **options: Any) -> ImportSummary:
    """Import ``path`` into the workspace through the same function the CLI uses."""
    return import_path(path, workspace=Workspace(workspace), **options)


def rows(workspace: Path, table: str) -> list[dict[str, Any]]:
    """Every row of a canonical table in the workspace, sorted by key."""
    with Store(workspace / "rapport.duckdb") as store:
        result: list[dict[str, Any]] = store.read_table(table).to_pylist()
        return result


def zip_folder(folder: Path, target: Path, *, inside: str = "") -> Path:
    """Zip a folder of fixture files (at test time, so fixtures stay reviewable text)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, str(Path(inside) / file.relative_to(folder)))
    return target


def assert_refused(cli: CliRunner, workspace: Path, *args: str | Path, expect: str) -> str:
    """The command ends with exit code 2, one line naming ``expect``, and the store unchanged."""
    before = snapshot_file(workspace / "rapport.duckdb")
    result = invoke(cli, *args, "--workspace", workspace)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert expect in lines[0], lines[0]
    assert "Traceback" not in result.output + result.stderr
    assert snapshot_file(workspace / "rapport.duckdb") == before
    return lines[0]


def fuzz_importer(
    format: str,
    seed_file: Path,
    *,
    name: str | None = None,
    account: str | None = "fuzzer",
    max_examples: int = 40,
) -> Any:
    """A Hypothesis test: mutations of a real file either import or raise an InputError.

    Mutations: truncation, a flipped byte, random bytes spliced in, and pure random bytes.
    Any other exception (a traceback for the user) fails the test.
    """
    original = seed_file.read_bytes()
    filename = name or seed_file.name
    options = ImportOptions(account=account, own_accounts=(), origin=filename)
    mutations = st.one_of(
        st.integers(0, len(original)).map(lambda n: original[:n]),
        st.tuples(st.integers(0, max(len(original) - 1, 0)), st.integers(0, 255)).map(
            lambda t: original[: t[0]] + bytes([t[1]]) + original[t[0] + 1 :]
        ),
        st.tuples(st.integers(0, len(original)), st.binary(max_size=64)).map(
            lambda t: original[: t[0]] + t[1] + original[t[0] :]
        ),
        st.binary(max_size=256),
    )

    @settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=mutations)
    def test(data: bytes, tmp_path_factory: Any) -> None:
        folder = tmp_path_factory.mktemp("fuzz")
        target = folder / filename
        target.write_bytes(data)
        with contextlib.suppress(InputError):  # a clear refusal is fine; a traceback is not
            run(target, format=format, options=options)

    return test
