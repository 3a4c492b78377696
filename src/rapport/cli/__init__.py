"""The rapport command line (Typer + Rich), a thin front door on :mod:`rapport.api`.

The commands live by domain, as the API does: :mod:`rapport.cli.data` (init, demo, import,
export, status, forget, pull, utm), :mod:`rapport.cli.connect` (connect),
:mod:`rapport.cli.connect_channels` (connect and pull Instagram, Facebook, YouTube),
:mod:`rapport.cli.metrics` (metrics, report), :mod:`rapport.cli.analyses` (forecast,
backtest, seeds, odds, spikes) and :mod:`rapport.cli.strategy` (benchmark, plan, care,
calendar, whatif) and :mod:`rapport.cli.publish` (publish). Every one goes through
:func:`rapport.cli.command.command`, the only place where errors become messages and exit codes.
"""

from __future__ import annotations

from rapport.cli import (
    analyses,
    connect,
    connect_channels,
    data,
    metrics,
    publish,
    serve,
    simulate,
    strategy,
)
from rapport.cli.app import (
    app,
    care_app,
    connect_app,
    forecast_app,
    publish_app,
    pull_app,
    user_app,
)

__all__ = ["app", "main"]

_COMMANDS = (
    data,
    connect,
    connect_channels,
    metrics,
    analyses,
    strategy,
    publish,
    serve,
    simulate,
)  # imported for the commands they register
_ORDER = (
    "init", "demo", "simulate", "import", "export", "report", "metrics", "status", "forget", "utm",
    "backtest", "seeds", "odds", "spikes", "benchmark", "plan", "calendar", "whatif", "serve",
)  # fmt: skip
"""The order of ``rapport --help``: first steps, then analyses, then what to do next."""
app.registered_commands.sort(key=lambda c: _ORDER.index(c.name or ""))
app.add_typer(connect_app, name="connect")
app.add_typer(pull_app, name="pull")
app.add_typer(forecast_app, name="forecast")
app.add_typer(care_app, name="care")
app.add_typer(publish_app, name="publish")
app.add_typer(user_app, name="user")


def main() -> None:
    """Entry point of the `rapport` command."""
    app()
