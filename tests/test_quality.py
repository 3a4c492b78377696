"""Lint and types are part of the test suite: ruff clean, mypy --strict clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; `pip install -e .[dev]` installs it")
    return found


def _run(*command: str) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_check() -> None:
    _run(_tool("ruff"), "check", "src", "tests", "bench", "tools")


def test_ruff_format() -> None:
    _run(_tool("ruff"), "format", "--check", "src", "tests", "bench", "tools")


def test_mypy_strict() -> None:
    _run(_tool("mypy"))
