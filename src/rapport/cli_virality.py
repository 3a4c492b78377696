"""Commands for virality reality: forecasts, backtests, who to care for first, the odds of
going viral and the spike audit (registered on the main app by :mod:`rapport.cli`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from rapport._clikit import (
    DebugOption,
    JsonOption,
    WorkspaceOption,
    handle_errors,
    out,
    print_json,
    resolve_workspace,
)

__all__ = ["backtest", "forecast_app", "odds", "seeds", "spikes"]

forecast_app = typer.Typer(
    help="Forecast how far a post will spread: final reshares with an interval, or "
    "'supercritical' when no finite forecast exists.",
    no_args_is_help=True,
)

ObserveOption = Annotated[
    str, typer.Option(help="How long the cascade has been observed: 600s, 10m or 1h.")
]
ModelOption = Annotated[str, typer.Option(help="auto (rapport's forecaster), seismic or hawkes.")]


def _interval(interval: Any) -> str:
    """``[low, high]`` in words; a missing upper end is "or more"."""
    if not interval or interval[0] is None:
        return ""
    if interval[1] is None:
        return f"{interval[0]:,.0f} or more"
    return f"{interval[0]:,.0f} to {interval[1]:,.0f}"


def _print_forecasts(forecasts: list[Any], *, json: bool) -> None:
    rows = [f.to_dict() for f in forecasts]
    if json:
        print_json(rows if len(rows) > 1 else rows[0])
        return
    table = Table(show_edge=False, header_style="bold")
    for column in ("cascade", "observed", "forecast final", "interval", "R", "model"):
        table.add_column(column, justify="left" if column in ("cascade", "model") else "right")
    for row in rows:
        interval = row.get("interval")
        final = ("supercritical" if row.get("supercritical")
                 else f"{row['predicted_final']:,.0f}")  # fmt: skip
        table.add_row(
            escape(str(row.get("id", ""))),
            f"{row['observed']:,}",
            final,
            _interval(interval),
            "" if row.get("r") is None else f"{row['r']:.2f}",
            str(row.get("model", "")),
        )
    out.print(table)


@forecast_app.command("cascade")
@handle_errors
def forecast_cascade(
    path: Annotated[Path, typer.Argument(help="A cascade file (or a folder of them).")],
    observe: ObserveOption = "1h",
    format: Annotated[
        str, typer.Option(help="auto, seismic (TiDeH/SEISMIC text), csv (R-written) or casflow.")
    ] = "auto",
    model: ModelOption = "auto",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Forecast the final number of reshares of research cascades, from the first part of
    each (only events up to --observe are used). Counts never include the original post."""
    from rapport import api
    from rapport.models.forecast import parse_duration

    forecasts = api.forecast_file(path, format=format, observe=parse_duration(observe), model=model)
    _print_forecasts(forecasts, json=json)


@forecast_app.command("post")
@handle_errors
def forecast_post(
    post_id: Annotated[
        str, typer.Argument(help="An own post's id (rapport metrics --table posts).")
    ],
    observe: Annotated[
        str | None,
        typer.Option(
            help="Use only the first 600s, 10m, 1h … of its reshares (default: all the data)."
        ),
    ] = None,
    model: ModelOption = "auto",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Forecast the final reshares of one of your posts from its reshares so far."""
    from rapport import api
    from rapport.models.forecast import parse_duration

    ws = resolve_workspace(workspace)
    result = api.forecast_post(
        post_id, workspace=ws, model=model, observe=parse_duration(observe) if observe else None
    )
    _print_forecasts([result], json=json)


@handle_errors
def backtest(
    folder: Annotated[
        Path, typer.Argument(help="A folder of cascades whose final sizes are known.")
    ],
    observe: ObserveOption = "1h",
    model: ModelOption = "auto",
    format: Annotated[str, typer.Option(help="auto, seismic, csv or casflow.")] = "auto",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Measure a forecaster on cascades whose end is known: median and 95th-percentile
    absolute percentage error of the final size (a declined forecast counts as 1.0)."""
    from rapport import api
    from rapport.models.forecast import parse_duration

    result = api.run_backtest(folder, observe=parse_duration(observe), model=model, format=format)
    data = result.to_dict()
    if json:
        print_json(data)
        return
    out.print(
        f"{data['n']} cascades observed for {observe}: median absolute percentage error "
        f"{data['median_ape']:.1%}, 95th percentile {data['p95_ape']:.1%}, "
        f"{data['supercritical']} supercritical (counted as 100 % error)."
    )


@handle_errors
def seeds(
    graph: Annotated[
        Path | None,
        typer.Option(
            help="An edge list (one 'source target' pair a line). Default: the workspace's people."
        ),
    ] = None,
    k: Annotated[int, typer.Option(help="How many people to choose.", min=1, max=1000)] = 50,
    curve_to: Annotated[
        int,
        typer.Option(
            help="Extend the diminishing-returns curve (spread of the first j seeds) to this j.",
            min=1,
            max=1000,
        ),
    ] = 100,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Who to care for first: the k people whose care spreads furthest (Independent Cascade,
    reverse-reachable sets), beside choosing by follower count."""
    from rapport import api

    result = api.choose_seeds(
        graph=graph,
        k=k,
        curve_to=curve_to,
        workspace=None if graph else resolve_workspace(workspace),
    )
    data = result.to_dict()
    if json:
        print_json(data)
        return
    if "by_followers" in data:
        baseline = f"choosing by follower count: {data['by_followers']['estimated_spread']:,.0f}"
    else:
        baseline = f"choosing by connection count: {data['by_degree']['estimated_spread']:,.0f}"
    out.print(
        f"{len(data['seeds'])} people chosen; their care is expected to reach "
        f"{data['estimated_spread']:,.0f} people ({baseline}; at random: "
        f"{data['by_random']['estimated_spread']:,.0f})."
    )
    names = data.get("handles") or data["seeds"]
    shown = [f"@{n}" if data.get("handles") and n else str(n) for n in names[:20]]
    out.print(escape(", ".join(shown)) + (" …" if len(names) > 20 else ""))
    out.print(f"[dim]{escape(str(data.get('method', '')))}[/dim]")


@handle_errors
def odds(
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """The odds that a post of yours reaches 100, 1,000 or 10,000 reshares: your own history,
    combined with how rare large cascades are (going viral is a moonshot)."""
    from rapport import api

    data = api.moonshot_odds(workspace=resolve_workspace(workspace)).to_dict()
    if json:
        print_json(data)
        return
    for row in data["thresholds"]:
        one_in = row.get("one_in")
        out.print(
            f"  {row['reshares']:>6,} reshares or more: {_percent(row['probability'])}"
            + (f" (about 1 post in {one_in:,.0f})" if one_in else "")
            + _odds_interval(row.get("interval"))
        )
    out.print(f"  rests on: {escape(str(data.get('rests_on', '')))}")


@handle_errors
def spikes(
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Spikes in engagement and followers, and what each one left behind: followers still
    there after 30 and 90 days, new core members, conversions, against ordinary weeks."""
    from rapport import api

    data = api.spike_audit(workspace=resolve_workspace(workspace)).to_dict()
    if json:
        print_json(data)
        return
    if not data.get("spikes"):
        out.print("No spike found in the data.")
    else:
        table = Table(show_edge=False, header_style="bold")
        for column in ("day", "signal", "followers", "kept 30d", "kept 90d", "new core",
                       "sales"):  # fmt: skip
            table.add_column(
                column,
                justify="left" if column in ("day", "signal") else "right",
                no_wrap=column != "signal",
                min_width=11 if column == "signal" else None,
            )
        for spike in data["spikes"]:
            table.add_row(
                spike["day"],
                escape(str(spike["kind"]).replace("+", ", ")),
                _measure(spike.get("followers_gained")),
                _measure(spike.get("still_following_30d")),
                _measure(spike.get("still_following_90d")),
                _measure(spike.get("new_core_members")),
                _measure(spike.get("conversions")),
            )
        out.print(table)
        out.print(
            "[dim]kept: share of a spike's new followers still following 30 and 90 days "
            "later; new core: newcomers who joined the core community; sales: conversions "
            "from the spike's posts.[/dim]"
        )
    if data.get("verdict"):
        out.print(escape(str(data["verdict"])))


def _odds_interval(interval: Any) -> str:
    if not interval or interval[0] is None or interval[1] is None:
        return ""
    return f"; 95 % interval {_percent(interval[0])} to {_percent(interval[1])}"


def _percent(probability: float) -> str:
    """A small probability as a percentage people can read (two significant digits)."""
    percent = probability * 100
    return f"{percent:.2g} %" if percent >= 0.001 else "under 0.001 %"


def _measure(measure: Any) -> str:
    """One audited number: a share as a percentage of its n, a count as is, or why not."""
    if not isinstance(measure, dict):
        return "—"
    if measure.get("status") != "ok":
        return "n/a"
    value = measure.get("value")
    if value is None:
        return "n/a"
    if "kept" in measure:
        return f"{float(value):.0%}"
    return f"{value:,}"
