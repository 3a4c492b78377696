"""The one decorator every command goes through, and the pieces commands share.

:func:`command` registers a function on a Typer group and gives it what every command has:

- ``--workspace`` (or ``$RAPPORT_WORKSPACE``), ``--json`` and ``--debug`` (and, with
  ``period=True``, ``--since``/``--until``);
- the workspace or a session, opened for it and closed after it: a function that declares a
  ``session: Session`` parameter gets a read-only session (``writes=True``: a writing one);
  one that declares ``workspace: Workspace`` gets the workspace and opens what it needs;
- its result printed: under ``--json`` as JSON on stdout (``result.to_dict()`` unless the
  command says otherwise), else by the command's ``show`` function;
- a spinner on stderr once the work has lasted a second, on a terminal only, never on stdout
  (:mod:`rapport.cli.working`; progress bars and prompts take its place while they show);
- errors made human: a :class:`~rapport.errors.RapportError` becomes one line on stderr and
  exit code 2 (bad input, workspace) or 1 (store, service); under ``--json`` it is also a
  JSON object on stdout, ``{"error": {"message", "file", "field", "fix"}, "exit_code": N}``.
  ``--debug`` shows the traceback instead.

This module is, with the functions it wraps, the only place where errors become messages
and exit codes.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import json as json_module
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import click
import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from rapport.cli.terminal import console, json_text, one_line
from rapport.cli.working import Working, paused
from rapport.config import ENV_VAR
from rapport.errors import InputError, RapportError, UsageError, WorkspaceError

if TYPE_CHECKING:
    from rapport.store import ImportSummary
    from rapport.workspace import Workspace

__all__ = [
    "FLAGS",
    "Waiting",
    "asking",
    "command",
    "describe",
    "err",
    "error_object",
    "exit_code",
    "out",
    "parse_date",
    "print_json",
    "progress_bar",
    "summary_table",
]

out = console(soft_wrap=True, highlight=False)
err = console(stderr=True, soft_wrap=True, highlight=False)

R = TypeVar("R")
Waiting = Callable[[str], None]
"""What a command is told while it waits for a store another process holds."""

_INJECTED = ("session", "workspace", "quiet", "on_wait", "context")
"""Parameters the decorator fills in; the command line never sees them."""


def _option(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
    )


def _common_options(default_workspace: Path | None, period: bool) -> list[inspect.Parameter]:
    workspace_help = "Workspace folder (rapport.toml and the store). Default: the current folder."
    if default_workspace is not None:
        workspace_help = f"Workspace folder. Default: ./{default_workspace} (or ${ENV_VAR})."
    options = [
        _option(
            "workspace_option",
            Annotated[
                Path | None,
                typer.Option(
                    "--workspace",
                    "-w",
                    envvar=ENV_VAR,
                    show_envvar=default_workspace is None,
                    help=workspace_help,
                ),
            ],
            None,
        ),
        _option(
            "json_option",
            Annotated[
                bool,
                typer.Option(
                    "--json",
                    help="Print the result as JSON on stdout (errors too; progress stays on "
                    "stderr).",
                ),
            ],
            False,
        ),
        _option(
            "debug_option",
            Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.")],
            False,
        ),
    ]
    if period:
        options[:0] = [
            _option(
                "since_option",
                Annotated[
                    str | None,
                    typer.Option(
                        "--since", help="Start of the period (YYYY-MM-DD, UTC, inclusive)."
                    ),
                ],
                None,
            ),
            _option(
                "until_option",
                Annotated[
                    str | None,
                    typer.Option("--until", help="End of the period (YYYY-MM-DD, UTC, exclusive)."),
                ],
                None,
            ),
        ]
    return options


def command(
    group: typer.Typer,
    name: str | None = None,
    *,
    show: Callable[[Any], None] | None = None,
    to_json: Callable[[Any], Any] | None = None,
    writes: bool = False,
    purpose: str = "a rapport command",
    period: bool = False,
    callback: bool = False,
    default_workspace: Path | None = None,
    working: str | None = None,
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Register ``function`` as the command ``name`` of ``group`` (see the module docstring).

    ``show(result)`` prints the result for people; ``to_json(result)`` gives its JSON (by
    default ``result.to_dict()``). ``writes`` opens the session for writing; ``purpose``
    says what the writer does, for readers that wait on it. ``callback`` registers a group's
    callback (its body runs only when no subcommand is given). ``working`` is what the
    spinner says after a second of work (default: the command and "working…").
    """

    def register(function: Callable[..., R]) -> Callable[..., R]:
        signature = inspect.signature(function)  # annotations as text (postponed)
        wanted = {p for p in signature.parameters if p in _INJECTED}
        own = [  # only the options' annotations are evaluated: the rest may be heavy to import
            p.replace(annotation=_evaluate(p.annotation, function))
            for p in signature.parameters.values()
            if p.name not in _INJECTED
        ]
        parameters = [*own, *_common_options(default_workspace, period)]
        if callback:  # Typer hands a group's callback its context, to see the subcommand
            context = inspect.Parameter(
                "context", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context
            )
            parameters.insert(0, context)

        @functools.wraps(function)
        def wrapper(**kwargs: Any) -> Any:
            context: typer.Context | None = kwargs.pop("context", None)
            if context is not None and context.invoked_subcommand is not None:
                return None
            as_json = bool(kwargs.pop("json_option"))
            debug = bool(kwargs.pop("debug_option"))
            option = kwargs.pop("workspace_option")
            since_text = kwargs.pop("since_option", None)
            until_text = kwargs.pop("until_option", None)
            with _errors(as_json=as_json, debug=debug):
                with Working(working or _working_label(function), console=err):
                    since = parse_date(since_text, "--since")
                    until = parse_date(until_text, "--until")
                    workspace = _resolve(option, default_workspace)
                    on_wait = _waiting
                    with ExitStack() as stack:
                        if "session" in wanted:
                            kwargs["session"] = stack.enter_context(
                                workspace.session(
                                    since=since,
                                    until=until,
                                    read_only=not writes,
                                    purpose=purpose,
                                    on_wait=on_wait,
                                )
                            )
                        if "workspace" in wanted:
                            kwargs["workspace"] = workspace
                        if "quiet" in wanted:
                            kwargs["quiet"] = as_json
                        if "on_wait" in wanted:
                            kwargs["on_wait"] = on_wait
                        result: Any = function(**kwargs)
                if result is None:
                    return None
                if as_json:
                    print_json(to_json(result) if to_json else result.to_dict())
                elif show is not None:
                    show(result)
            return None

        wrapper.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        del wrapper.__wrapped__  # Typer must see the new signature, not the function's
        if callback:
            group.callback(invoke_without_command=True)(wrapper)
        else:
            group.command(name)(wrapper)
        return function

    return register


def _working_label(function: Callable[..., Any]) -> str:
    """``rapport metrics: working…`` (the command as typed, from the running Click context)."""
    context = click.get_current_context(silent=True)
    path = context.command_path if context is not None else f"rapport {function.__name__}"
    return f"{path}: working…"


@contextmanager
def asking() -> Iterator[None]:
    """A block that asks the user something: no spinner over the question."""
    with paused():
        yield


def _evaluate(annotation: Any, function: Callable[..., Any]) -> Any:
    if not isinstance(annotation, str):
        return annotation
    return eval(annotation, function.__globals__)


def _resolve(option: Path | None, default: Path | None) -> Workspace:
    from rapport.workspace import Workspace  # here, not at the top: `--help` stays fast

    if option is None and default is not None and not os.environ.get(ENV_VAR):
        return Workspace(default)
    return Workspace.resolve(option)


def _waiting(message: str) -> None:
    err.print(f"[dim]{escape(message)}[/dim]")


FLAGS = {
    "format": "--as FORMAT",
    "account": "--account HANDLE",
    "mapping": "--mapping FILE",
    "extra": "--option KEY=VALUE",
    "instance": "--instance URL",
    "token": "--token",
    "app_password": "--app-password",
    "handle": "--handle",
    "service": "--service",
    "post": "--post",
    "platform": "--platform",
    "weeks": "--weeks",
    "months": "--months",
    "runs": "--runs",
    "strategies": "--strategy",
    "model": "--model",
    "cascade_format": "--format",
    "people": "--people",
    "days": "--days",
    "table": "--table",
    "k": "--k",
    "end": "--end",
    "text": "--text",
    "cancel": "--cancel",
    "connection_id": "--connection ID",
    "at": "--at",
    "slot": "--slot",
    "override": "--override",
    "reason": "--reason",
    "engine": "--engine",
    "spark_master": "--spark-master",
    "out": "--out",
    "block_people": "--block-people",
    "force": "--force",
    "page": "--page ID",
    "channel": "--channel ID",
    "api_key": "--api-key",
    "oauth_token": "--oauth-token-stdin",
    "api_url": "--api-url",
    "api_version": "--api-version",
}
"""The command line's flag for each API option an error can point at (``error.option``)."""


def describe(error: RapportError) -> str:
    """The error's message, with the flag that sets the option it points at."""
    text = str(error)
    flag = FLAGS.get(error.option or "")
    return f"{text} ({flag})" if flag and flag.split()[0] not in text else text


def exit_code(error: RapportError) -> int:
    """2 for bad input and workspace problems, 1 for the store or a service."""
    return 2 if isinstance(error, InputError | WorkspaceError) else 1


def error_object(error: BaseException, *, code: int) -> dict[str, Any]:
    """An error as the JSON object ``--json`` prints: the message, and the file, field and
    fix where the error knows them."""
    path = getattr(error, "path", None)
    field = getattr(error, "field", None) or getattr(error, "key", None)
    fix = getattr(error, "fix", None) or None
    return {
        "error": {
            "message": describe(error) if isinstance(error, RapportError) else str(error),
            "file": None if path is None else str(path),
            "field": None if field is None else str(field),
            "fix": fix,
        },
        "exit_code": code,
    }


@contextmanager
def _errors(*, as_json: bool, debug: bool) -> Iterator[None]:
    try:
        yield
    except RapportError as error:
        if debug:
            raise
        code = exit_code(error)
        _fail(
            error,
            as_json=as_json,
            code=code,
            text=f"[bold red]error:[/] {escape(one_line(describe(error)))}",
        )
    except KeyboardInterrupt:
        err.print("interrupted; nothing was written by the step that was running")
        raise typer.Exit(code=130) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as error:  # a bug: say so plainly, keep the traceback for --debug
        if debug:
            raise
        _fail(
            error,
            as_json=as_json,
            code=1,
            text=f"[bold red]internal error:[/] {escape(type(error).__name__)}: "
            f"{escape(one_line(str(error)))}. This is a bug in rapport; run the command again with "
            "--debug and report the traceback.",
        )


def _fail(error: BaseException, *, as_json: bool, code: int, text: str) -> None:
    err.print(text)
    if as_json:
        print_json(error_object(error, code=code))
    raise typer.Exit(code=code) from None


def parse_date(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {value!r}: expected a date such as 2026-01-31") from None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def print_json(data: Any) -> None:
    """``data`` as JSON on stdout, control characters from data escaped (:func:`json_text`)."""
    text = json_module.dumps(data, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write(json_text(text) + "\n")


@contextmanager
def progress_bar(
    enabled: bool, description: str, total: int | None = None
) -> Iterator[Callable[..., None]]:
    """A Rich progress bar on stderr; yields ``advance(label=None, done=None, total=None)``."""
    if not enabled or not err.is_terminal:
        yield lambda *a, **k: None
        return
    with paused(), _bar(description, total) as advance:  # the bar takes the spinner's place
        yield advance


@contextmanager
def _bar(description: str, total: int | None) -> Iterator[Callable[..., None]]:
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


def summary_table(summary: ImportSummary) -> Table:
    """The per-table counts of an import."""
    table = Table(title=None, show_edge=False, header_style="bold")
    for column in ("table", "received", "added", "updated", "unchanged", "rejected"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for name, counts in summary.tables.items():
        table.add_row(
            name,
            *(
                f"{getattr(counts, k):,}"
                for k in ("received", "added", "updated", "unchanged", "rejected")
            ),
        )
    return table
