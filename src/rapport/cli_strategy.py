"""Commands that say what to do next: benchmark, plan, care, calendar and what-if (registered
on the main app by :mod:`rapport.cli`)."""

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
    progress_bar,
    resolve_workspace,
)

__all__ = ["benchmark", "calendar", "care_app", "plan", "whatif"]

WindowOption = Annotated[
    int,
    typer.Option(
        "--window-days", help="Compare over the last N days of the data.", min=7, max=3650
    ),
]

_ACTION_WORDS = {"answer": "Answer", "welcome": "Welcome", "thank": "Thank",
                 "re_engage": "Re-engage"}  # fmt: skip


def _notices(lines: list[str]) -> None:
    for line in lines:
        out.print(f"[dim]• {escape(line)}[/dim]")


@handle_errors
def benchmark(
    window_days: WindowOption = 90,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Your account against each closest competitor, area by area: the value, your rank,
    the leader and the gap, each with its denominator and the observation window."""
    from rapport import api
    from rapport.strategy.benchmark import format_gap, format_value

    data = api.competitor_benchmark(
        workspace=resolve_workspace(workspace), window_days=window_days
    ).to_dict()
    if json:
        print_json(data)
        return
    window = data["window"]
    out.print(f"Window: {window['start'][:10]} to {window['end'][:10]} ({window['rule']}).")
    table = Table(show_edge=False, header_style="bold")
    for column in ("area", "you", "rank", "leader", "gap"):
        table.add_column(column, justify="left" if column in ("area", "leader") else "right")
    for area in data["areas"]:
        own = next((v for v in area["values"] if v["role"] == "own"), None)
        leader = area.get("leader") or {}
        unit = area.get("unit", "")
        you = (format_value(unit, own["value"]) if own and own["status"] == "ok" else "") or (
            "not computable"
        )
        ranked = sum(1 for v in area["values"] if v.get("rank") is not None)
        rank = f"{area['own_rank']} of {ranked}" if area.get("own_rank") else "—"
        leader_text = (
            f"{escape(str(leader.get('handle')))} {format_value(unit, leader.get('value'))}"
            if leader
            else escape(area.get("note") or "—")
        )
        table.add_row(
            escape(f"{area['title']} ({area['platform']})"),
            you,
            rank,
            leader_text,
            format_gap(unit, area.get("gap")),
        )
    out.print(table)
    _notices(data.get("notices", []))


def _print_progress(data: dict[str, Any]) -> None:
    if data.get("plan_id") is None:
        _notices(data.get("notices", []))
        return
    out.print(
        f"Since plan {data['plan_id']} (data up to {str(data['then'])[:10]}; now "
        f"{str(data['now'])[:10]}, {data.get('weeks_between')} weeks later):"
    )
    for area in [*data.get("areas", []), *data.get("leads", [])]:
        out.print(
            f"  {escape(area.get('metric', area.get('area', '')))}: {area.get('movement')}"
            f" (gap {area.get('gap_then')} → {area.get('gap_now')})"
        )
    _notices(data.get("notices", []))


@handle_errors
def plan(
    progress: Annotated[
        bool,
        typer.Option("--progress", help="Show the movement since the last stored plan instead."),
    ] = False,
    window_days: WindowOption = 90,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """The industry-rule plan: the few areas where you can become number one among your
    closest competitors with manageable effort, one after another, within the weekly hours
    of rapport.toml. Each plan is stored; --progress shows movement since the last one."""
    from rapport import api

    ws = resolve_workspace(workspace)
    if progress:
        data = api.plan_progress(workspace=ws, window_days=window_days).to_dict()
        if json:
            print_json(data)
        else:
            _print_progress(data)
        return
    result = api.make_plan(workspace=ws, window_days=window_days)
    data = result.to_dict()
    if json:
        print_json(data)
        return
    out.print(
        f"Plan {data['plan_id']} for {escape(str(data['objective'] or 'no objective set'))}: "
        f"{data['planned_hours_per_week']:.1f} extra hours a week planned of "
        f"{data['available_hours_per_week']:.1f} available ({data['weekly_hours']:g} h budget, "
        f"about {data['current_hours_per_week']:.1f} h already spent)."
    )
    for step in data["steps"]:
        out.print(
            f"  {step['order']}. [bold]{escape(step['title'])}[/bold] from week "
            f"{step['start_week'] + 1}: {escape(step['action'])}"
        )
        out.print(f"     [dim]{escape(step['reason'])}[/dim]")
    if not data["steps"]:
        out.print("  No area where number one is reachable within the budget.")
    for lead in data.get("already_leading", []):
        out.print(f"  Already number one: {escape(lead['metric'])} (keep it).")
    for skipped in data.get("skipped", []):
        out.print(f"  [dim]Not now: {escape(skipped['metric'])}: {escape(skipped['reason'])}[/dim]")
    _notices(data.get("notices", []))


care_app = typer.Typer(
    help="The daily care list: who to answer, welcome, thank and re-engage today, with links "
    "and reasons, capped at the minutes a day set in rapport.toml [care].",
    invoke_without_command=True,
)


@care_app.callback()
@handle_errors
def care(
    context: typer.Context,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Today's care list (`rapport care done ID` records an item as handled)."""
    if context.invoked_subcommand is not None:
        return
    from rapport import api

    data = api.care_today(workspace=resolve_workspace(workspace)).to_dict()
    if json:
        print_json(data)
        return
    if not data["items"]:
        out.print("Nobody to look after today.")
    table = Table(show_edge=False, header_style="bold")
    for column in ("id", "do", "who", "why", "min"):
        table.add_column(column, justify="right" if column == "min" else "left")
    for item in data["items"]:
        who = item.get("handle") or item.get("person") or ""
        reason = escape(str(item["reason"]))
        if item.get("link"):
            reason += f"\n[link={escape(item['link'])}]{escape(item['link'])}[/link]"
        table.add_row(
            item["id"],
            _ACTION_WORDS.get(item["action"], item["action"]),
            escape(f"@{who}" if item.get("handle") else str(who)),
            reason,
            f"{item['minutes']:g}",
        )
    if data["items"]:
        out.print(table)
        out.print(
            f"{data['minutes']:g} of {data['minutes_per_day']:g} minutes. When one is done: "
            "rapport care done ID"
        )
    _notices(data.get("notices", data.get("notes", [])))


@care_app.command("done")
@handle_errors
def care_done(
    item_id: Annotated[str, typer.Argument(help="The item's id, as `rapport care` lists it.")],
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Record that a care item was handled; it will not come back."""
    from rapport import api

    item = api.care_done(item_id, workspace=resolve_workspace(workspace)).to_dict()
    if json:
        print_json(item)
        return
    who = item.get("handle") or item.get("person")
    out.print(
        f"Done: {_ACTION_WORDS.get(item['action'], item['action']).lower()} "
        f"{escape(str(who))} ({item['id']})."
    )


@handle_errors
def calendar(
    weeks: Annotated[int, typer.Option(help="How many weeks to plan.", min=1, max=104)] = 4,
    ics: Annotated[
        Path | None, typer.Option(help="Also write the plan as an iCalendar file (.ics).")
    ] = None,
    csv: Annotated[Path | None, typer.Option(help="Also write the plan as CSV.")] = None,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """The content plan: dated slots at your best times that keep your cadence target, keep
    promotions under the ceiling and mix questions, resources, news, behind-the-scenes and
    a weekly throwback, each with the reason it was chosen."""
    from rapport import api

    data = api.content_calendar(
        workspace=resolve_workspace(workspace), weeks=weeks, ics=ics, csv=csv
    ).to_dict()
    if json:
        print_json(data)
        return
    table = Table(show_edge=False, header_style="bold")
    for column in ("when (UTC)", "post", "idea"):
        table.add_column(column)
    for slot in data["slots"]:
        table.add_row(
            f"{slot['weekday'][:3]} {slot['start'][:10]} {slot['start'][11:16]}",
            escape(slot["title"]),
            escape(slot.get("idea") or ""),
        )
    out.print(table)
    _notices(data.get("notes", []))
    for label, path in (("iCalendar", ics), ("CSV", csv)):
        if path is not None:
            out.print(f"{label}: {escape(str(path))}")


@handle_errors
def whatif(
    months: Annotated[int, typer.Option(help="How far ahead to simulate.", min=1, max=36)] = 12,
    runs: Annotated[
        int, typer.Option(help="Simulated runs per strategy (different seeds).", min=1)
    ] = 20,
    strategy: Annotated[
        list[str] | None,
        typer.Option(
            help="A strategy to run (repeatable): as_now, current_plan, chase_viral, "
            "promo_heavy, inconsistent, relationship_first. Default: all."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the first run.")] = 0,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Calibrate the synthetic world to your workspace, then run strategies side by side
    for months with many seeds: followers, core community, conversions and hours spent,
    as medians with 10th–90th percentile bands. Strategies change only your own behaviour."""
    from rapport import api

    ws = resolve_workspace(workspace)
    with progress_bar(not json, "simulating strategies") as advance:
        result = api.what_if(
            workspace=ws,
            months=months,
            runs=runs,
            strategies=strategy,
            seed=seed,
            progress=lambda done, total: advance(done=done, total=total),
        )
    data = result.to_dict()
    if json:
        print_json(data)
        return
    table = Table(show_edge=False, header_style="bold")
    table.add_column("strategy")
    for column in ("followers", "core community", "conversions", "hours", "peak reach"):
        table.add_column(column, justify="right")
    for row in data["strategies"]:
        cells = [
            f"{row[key]['median']:,.0f}\n[dim]{row[key]['p10']:,.0f}–{row[key]['p90']:,.0f}[/dim]"
            for key in ("followers", "core_community", "conversions", "hours", "peak_reach")
        ]
        table.add_row(escape(row["name"].replace("_", " ")), *cells)
    out.print(
        f"{data['months']} months, {data['runs']} runs per strategy: median (10th–90th percentile)."
    )
    out.print(table)
    calibration = data.get("calibration", {})
    for note in calibration.get("notes", []) if isinstance(calibration, dict) else []:
        out.print(f"[dim]• {escape(str(note))}[/dim]")
