"""Commands for virality reality: forecasts, backtests, who to care for first, the odds of
going viral and the spike audit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from rapport import api
from rapport.cli.app import app, forecast_app
from rapport.cli.command import command, out

if TYPE_CHECKING:
    from rapport.analyses.spike_audit import Measured, Spike
    from rapport.session import Session
    from rapport.workspace import Workspace

__all__: list[str] = []

ObserveOption = Annotated[
    str, typer.Option(help="How long the cascade has been observed: 600s, 10m or 1h.")
]
ModelOption = Annotated[str, typer.Option(help="auto (rapport's forecaster), seismic or hawkes.")]


def _seconds(text: str) -> float:
    from rapport.models.forecast import parse_duration  # here: `--help` stays fast

    return parse_duration(text)


def _interval(interval: tuple[float, float | None] | None) -> str:
    """``(low, high)`` in words; a missing upper end is "or more"."""
    if interval is None:
        return ""
    low, high = interval
    if high is None:
        return f"{low:,.0f} or more"
    return f"{low:,.0f} to {high:,.0f}"


@dataclass(frozen=True)
class Forecasts:
    """One or more forecasts, as ``rapport forecast`` prints them."""

    forecasts: list[api.Forecast]

    def to_json(self) -> Any:
        rows = [f.to_dict() for f in self.forecasts]
        return rows if len(rows) > 1 else rows[0]


def _show_forecasts(result: Forecasts) -> None:
    table = Table(show_edge=False, header_style="bold")
    middle = any(f.interval_50 is not None for f in result.forecasts)
    columns = ("cascade", "observed", "forecast final", "90 % interval")
    for column in (*columns, *(("50 % interval",) if middle else ()), "R", "model"):
        table.add_column(column, justify="left" if column in ("cascade", "model") else "right")
    for f in result.forecasts:
        final = (
            "supercritical"
            if f.supercritical or f.predicted_final is None
            else f"{f.predicted_final:,.0f}"
        )
        table.add_row(
            escape(f.id),
            f"{f.observed:,}",
            final,
            _interval(f.interval),
            *((_interval(f.interval_50),) if middle else ()),
            "" if f.r is None else f"{f.r:.2f}",
            f.model,
        )
    out.print(table)


@command(forecast_app, "cascade", show=_show_forecasts, to_json=Forecasts.to_json)
def forecast_cascade(
    path: Annotated[Path, typer.Argument(help="A cascade file (or a folder of them).")],
    observe: ObserveOption = "1h",
    format: Annotated[
        str, typer.Option(help="auto, seismic (TiDeH/SEISMIC text), csv (R-written) or casflow.")
    ] = "auto",
    model: ModelOption = "auto",
) -> Forecasts:
    """Forecast the final number of reshares of research cascades, from the first part of
    each (only events up to --observe are used). Counts never include the original post."""
    return Forecasts(
        api.forecast_cascades(path, format=format, observe=_seconds(observe), model=model)
    )


@command(forecast_app, "post", show=_show_forecasts, to_json=Forecasts.to_json)
def forecast_post(
    session: Session,
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
) -> Forecasts:
    """Forecast the final reshares of one of your posts from its reshares so far."""
    seconds = _seconds(observe) if observe else None
    return Forecasts([api.forecast_post(session, post_id, model=model, observe=seconds)])


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def _show_backtest(result: api.Backtest) -> None:
    median = result.median_ape or 0.0
    p95 = result.p95_ape or 0.0
    out.print(
        f"{result.n} cascades observed for {_duration(result.observe)}: median absolute "
        f"percentage error {median:.1%}, 95th percentile {p95:.1%}, "
        f"{result.supercritical} supercritical (counted as 100 % error)."
    )
    table = Table(show_edge=False, header_style="bold")
    for column in (
        "final size",
        "cascades",
        "median error",
        "p95 error",
        "in 50 % interval",
        "in 90 % interval",
        "no further growth: median / p95",
        "double what is seen: median / p95",
    ):
        table.add_column(column, justify="left" if column == "final size" else "right")
    data = result.to_dict()
    for name, scores in [("all", data), *data["bands"].items()]:
        base = scores["baselines"]
        table.add_row(
            name,
            f"{scores['n']:,}",
            _share(scores["median_ape"]),
            _share(scores["p95_ape"]),
            _share(scores["coverage"]["50"]),
            _share(scores["coverage"]["90"]),
            *(
                f"{_share(base[key]['median_ape'])} / {_share(base[key]['p95_ape'])}"
                for key in ("no_further_growth", "double_what_is_seen")
            ),
        )
    out.print(table)


def _duration(seconds: float) -> str:
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


@command(app, "backtest", show=_show_backtest)
def backtest(
    folder: Annotated[
        Path, typer.Argument(help="A folder of cascades whose final sizes are known.")
    ],
    observe: ObserveOption = "1h",
    model: ModelOption = "auto",
    format: Annotated[str, typer.Option(help="auto, seismic, csv or casflow.")] = "auto",
) -> api.Backtest:
    """Measure a forecaster on cascades whose end is known: median and 95th-percentile
    absolute percentage error of the final size (a declined forecast counts as 1.0), the
    share of finals inside the 50 % and 90 % intervals, and the naive forecasts "no further
    growth" and "double what is seen", overall and per band of the final size."""
    return api.backtest_folder(folder, observe=_seconds(observe), model=model, format=format)


SHOWN_SEEDS = 20
"""People listed by ``rapport seeds`` (``--json`` lists them all)."""


def _show_seeds(result: api.CareFirst | api.SeedChoice) -> None:
    if isinstance(result, api.SeedChoice):  # an edge list: node ids, no people
        _show_choice(result)
        return
    if result.choice is None:
        out.print(f"Who to care for first: not computable: {escape(result.reason or '')}")
        return
    _show_choice(result.choice)
    for note in result.notes:
        out.print(f"[dim]{escape(note)}[/dim]")


def _show_choice(choice: api.SeedChoice) -> None:
    followers = choice.baselines.get("by_followers")
    if followers is not None:
        baseline = f"choosing by follower count: {followers.estimated_spread:,.0f}"
    else:
        baseline = (
            f"choosing by connection count: {choice.baselines['by_degree'].estimated_spread:,.0f}"
        )
    out.print(
        f"{len(choice.seeds)} people chosen; their care is expected to reach "
        f"{choice.estimated_spread:,.0f} people ({baseline}; at random: "
        f"{choice.baselines['by_random'].estimated_spread:,.0f})."
    )
    if choice.handles is None and choice.links is None:
        shown = ", ".join(str(s) for s in choice.seeds[:SHOWN_SEEDS])
        out.print(escape(shown) + (" …" if len(choice.seeds) > SHOWN_SEEDS else ""))
    else:
        table = Table(show_edge=False, header_style="bold")
        table.add_column("#", justify="right")
        table.add_column("who")
        table.add_column("profile", overflow="fold")
        table.add_column("reach of the first k", justify="right")
        for point, person in zip(choice.points(), choice.people()[:SHOWN_SEEDS], strict=False):
            who = f"@{person.handle}" if person.handle else str(person.id)
            table.add_row(
                str(point.k), escape(who), escape(person.link or "—"), f"{point.spread:,.0f}"
            )
        out.print(table)
        if len(choice.seeds) > SHOWN_SEEDS:
            out.print(f"… and {len(choice.seeds) - SHOWN_SEEDS} more (--json lists them all).")
    statement = choice.statement()
    if statement:
        out.print(escape(statement))
    for note in choice.notes:
        out.print(f"[dim]{escape(note)}[/dim]")
    out.print(f"[dim]{escape(choice.method)}[/dim]")


@command(app, "seeds", show=_show_seeds, working="choosing who to care for first…")
def seeds(
    workspace: Workspace,
    graph: Annotated[
        Path | None,
        typer.Option(
            help="An edge list: a first line 'n m', then 'source target' or 'source target p' "
            "lines (p: the chance the source convinces the target; without it 1/the target's "
            "in-degree). Default: the workspace's people."
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
) -> api.CareFirst | api.SeedChoice:
    """Who to care for first: the k people whose care spreads furthest (Independent Cascade,
    reverse-reachable sets), beside choosing by follower count, each with a profile link.

    A workspace where nothing tells people apart (no ties between them, no follower counts)
    gets the reason and what would add ties instead of an arbitrary choice."""
    if graph is not None:
        return api.seeds_from_graph(graph, k=k, curve_to=curve_to)
    with workspace.session() as session:
        return api.care_first(session, k=k, curve_to=curve_to)


def _percent(probability: float) -> str:
    """A small probability as a percentage people can read (two significant digits)."""
    percent = probability * 100
    return f"{percent:.2g} %" if percent >= 0.001 else "under 0.001 %"


def _show_odds(odds: api.Odds) -> None:
    for k, p, (low, high) in zip(odds.thresholds, odds.probabilities, odds.intervals, strict=True):
        out.print(
            f"  {k:>6,} reshares or more: {_percent(p)}"
            + (f" (about 1 post in {1 / p:,.0f})" if p > 0 else "")
            + f"; 95 % interval {_percent(low)} to {_percent(high)}"
        )
    out.print(f"  rests on: {escape(odds.rests_on)}")


@command(app, "odds", show=_show_odds)
def odds(session: Session) -> api.Odds:
    """The odds that a post of yours reaches 100, 1,000 or 10,000 reshares: your own history,
    combined with how rare large cascades are (going viral is a moonshot)."""
    return api.account_odds(session)


def _measure(measure: Measured | None) -> str:
    """One audited number: a share as a percentage of its n, a count as is, or why not."""
    if measure is None:
        return "—"
    if not measure.ok or measure.value is None:
        return "n/a"
    if measure.kept is not None:
        return f"{float(measure.value):.0%}"
    return f"{measure.value:,}"


def _spike_cells(spike: Spike) -> list[str]:
    return [
        _measure(spike.measures.followers_gained),
        _measure(spike.measures.still_following_30d),
        _measure(spike.measures.still_following_90d),
        _measure(spike.measures.new_core_members),
        _measure(spike.measures.conversions),
    ]


def _show_spikes(audit: api.SpikeAudit) -> None:
    if not audit.spikes:
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
        for spike in audit.spikes:
            table.add_row(spike.day, escape(spike.kind.replace("+", ", ")), *_spike_cells(spike))
        out.print(table)
        out.print(
            "[dim]kept: share of a spike's new followers still following 30 and 90 days "
            "later; new core: newcomers who joined the core community; sales: conversions "
            "from the spike's posts.[/dim]"
        )
    if audit.verdict:
        out.print(escape(audit.verdict))


@command(app, "spikes", show=_show_spikes)
def spikes(session: Session) -> api.SpikeAudit:
    """Spikes in engagement and followers, and what each one left behind: followers still
    there after 30 and 90 days, new core members, conversions, against ordinary weeks."""
    return api.audit_spikes(session)
