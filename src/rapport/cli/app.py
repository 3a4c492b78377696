"""The ``rapport`` Typer application and its groups; the commands register themselves on them
from :mod:`rapport.cli.data`, :mod:`~rapport.cli.metrics`, :mod:`~rapport.cli.analyses` and
:mod:`~rapport.cli.strategy`."""

from __future__ import annotations

from typing import Annotated, Any

import typer
import typer.core

from rapport._version import __version__
from rapport.cli.command import out, print_json

__all__ = [
    "app",
    "care_app",
    "connect_app",
    "forecast_app",
    "publish_app",
    "pull_app",
    "user_app",
]


class RapportGroup(typer.core.TyperGroup):
    """The root group: under ``--json``, a mistake on the command line itself (an unknown
    option, a value out of range) is a JSON error object on stdout too, as every other
    error is (see :mod:`rapport.cli.command`)."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Any = None,
        **extra: Any,
    ) -> Any:
        self._json = "--json" in args
        return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except typer.TyperException as error:
            if getattr(self, "_json", False):
                param = getattr(error, "param", None)
                print_json(
                    {
                        "error": {
                            "message": error.format_message(),
                            "file": None,
                            "field": getattr(param, "name", None),
                            "fix": "see --help for the command's options",
                        },
                        "exit_code": error.exit_code,
                    }
                )
            raise


app = typer.Typer(
    cls=RapportGroup,
    name="rapport",
    help="Relationship-first social media analytics: find your people, keep them, turn them "
    "into customers, and beat your closest competitors one area at a time.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        out.print(f"rapport {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """rapport reads your social media data and tells you, with honest numbers, where you
    stand on what matters and what to do next.

    Start with `rapport demo` to see a report on a synthetic business, or `rapport init`
    then `rapport import PATH` for your own data.
    """


pull_app = typer.Typer(
    help="Pull data live from a platform's API (incremental: a second pull fetches only what "
    "is new).",
    no_args_is_help=True,
)
connect_app = typer.Typer(
    help="Connected accounts: keep a Mastodon token, a Bluesky app password, a Graph API token "
    "(Instagram, Facebook) or a YouTube API key, encrypted, so that `rapport pull PLATFORM` (and "
    "the web workplace's schedule) needs no secret each time. Alone or with --list: the "
    "connections; --remove ID removes one.",
)
forecast_app = typer.Typer(
    help="Forecast how far a post will spread: final reshares with an interval, or "
    "'supercritical' when no finite forecast exists.",
    no_args_is_help=True,
)
care_app = typer.Typer(
    help="The daily care list: who to answer, welcome, thank and re-engage today, with links "
    "and reasons, capped at the minutes a day set in rapport.toml [care].",
)
publish_app = typer.Typer(
    help="Posts from the content calendar, written by you, checked against your rules "
    "(promotion ceiling, cadence, gap) and published at most once: Mastodon keeps its own "
    "schedule; Bluesky posts go out with `rapport publish --due` (run it from cron).",
)
user_app = typer.Typer(
    help="The people who use the web workplace (`rapport serve`) and their roles.",
    no_args_is_help=True,
)
