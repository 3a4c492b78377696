"""Shared pieces of the command line: consoles, options, error handling, progress."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from rapport.errors import InputError, RapportError, UsageError, WorkspaceError
from rapport.workspace import ENV_VAR, Workspace

__all__ = [
    "DebugOption",
    "JsonOption",
    "SinceOption",
    "UntilOption",
    "WorkspaceOption",
    "err",
    "handle_errors",
    "out",
    "parse_date",
    "print_json",
    "progress_bar",
    "resolve_workspace",
    "summary_table",
]

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

P = ParamSpec("P")
R = TypeVar("R")

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        envvar=ENV_VAR,
        show_envvar=True,
        help="Workspace folder (rapport.toml and the store). Default: the current folder.",
    ),
]
JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print the result as JSON on stdout (progress stays on stderr)."),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.")]
SinceOption = Annotated[
    str | None, typer.Option("--since", help="Start of the period (YYYY-MM-DD, UTC, inclusive).")
]
UntilOption = Annotated[
    str | None, typer.Option("--until", help="End of the period (YYYY-MM-DD, UTC, exclusive).")
]


def handle_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn rapport errors into one line on stderr and an exit code (2: input, 1: store)."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        debug = bool(kwargs.get("debug", False))
        try:
            return command(*args, **kwargs)
        except RapportError as exc:
            if debug:
                raise
            err.print(f"[bold red]error:[/] {escape(str(exc))}")
            code = 2 if isinstance(exc, InputError | WorkspaceError) else 1
            raise typer.Exit(code=code) from None
        except KeyboardInterrupt:
            err.print("interrupted; nothing was written by the step that was running")
            raise typer.Exit(code=130) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:  # a bug: say so plainly, keep the traceback for --debug
            if debug:
                raise
            err.print(
                f"[bold red]internal error:[/] {escape(type(exc).__name__)}: {escape(str(exc))}. "
                "This is a bug in rapport; run the command again with --debug and report the "
                "traceback."
            )
            raise typer.Exit(code=1) from None

    return wrapper


def parse_date(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {value!r}: expected a date such as 2026-01-31") from None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


@contextmanager
def progress_bar(
    enabled: bool, description: str, total: int | None = None
) -> Iterator[Callable[..., None]]:
    """A Rich progress bar on stderr; yields ``advance(label=None, done=None, total=None)``."""
    if not enabled or not err.is_terminal:
        yield lambda *a, **k: None
        return
    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(description, total=total)

        def advance(
            label: str | None = None, *, done: int | None = None, total: int | None = None
        ) -> None:
            if total is not None:
                bar.update(task, total=total)
            if done is not None:
                bar.update(task, completed=done)
            else:
                bar.advance(task)
            if label:
                bar.update(task, description=f"{description}: {label}")

        yield advance


def summary_table(summary: dict[str, Any]) -> Table:
    """The per-table counts of an import."""
    table = Table(title=None, show_edge=False, header_style="bold")
    for column in ("table", "received", "added", "updated", "unchanged", "rejected"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for name, counts in summary["tables"].items():
        table.add_row(
            name,
            *(f"{counts[k]:,}" for k in ("received", "added", "updated", "unchanged", "rejected")),
        )
    return table


def resolve_workspace(option: Path | None, *, default: Path | None = None) -> Workspace:
    if option is None and default is not None and not os.environ.get(ENV_VAR):
        return Workspace(default)
    return Workspace.resolve(option)
