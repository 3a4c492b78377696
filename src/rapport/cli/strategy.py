"""Commands that say what to do next: benchmark, plan, care, calendar and what-if."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import click
import typer
from rich.markup import escape
from rich.table import Table

from rapport import api
from rapport.cli.app import app, care_app
from rapport.cli.command import Waiting, asking, command, err, out, progress_bar

if TYPE_CHECKING:
    from rapport.session import Session
    from rapport.workspace import Workspace

__all__: list[str] = []

WindowOption = Annotated[
    int,
    typer.Option(
        "--window-days", help="Compare over the last N days of the data.", min=7, max=3650
    ),
]

_ACTION_WORDS = {"answer": "Answer", "welcome": "Welcome", "thank": "Thank",
                 "re_engage": "Re-engage"}  # fmt: skip


def _notices(lines: Iterable[str]) -> None:
    for line in lines:
        out.print(f"[dim]• {escape(line)}[/dim]")


def _round(value: float | None, digits: int = 6) -> float | None:
    """As the JSON gives it: rounded, None where unknown."""
    return None if value is None else round(value, digits)


def _show_past(bench: api.Benchmark) -> None:
    from rapport.strategy.benchmark import ADD_COMPETITORS, Value, format_gap, format_value

    window, before = bench.window, bench.past_window
    start, end = (m.astimezone(dt.UTC).date().isoformat() for m in (window.start, window.end))
    out.print(
        f"No competitor data: you against your own past and your targets. Now: {start} to "
        f"{end} ({escape(window.rule)})"
        + (f"; then: the {before.days:.0f} days before." if before is not None else ".")
    )
    table = Table(show_edge=False, header_style="bold")
    for column in ("area", "now", "then", "change", "target", "gap"):
        table.add_column(column, justify="left" if column == "area" else "right")
    moves = {"better": "better", "worse": "worse", "unchanged": "unchanged", "not known": "—"}
    for area in bench.past:
        unit = area.spec.unit

        def shown(value: Value, unit: str = unit) -> str:
            return (format_value(unit, _round(value.value)) if value.ok else "") or (
                "not computable"
            )

        target = area.target
        aim = "—"
        if target is not None:
            bound = "≥" if target.direction == "higher" else "≤"
            aim = f"{bound} {format_value(unit, target.value)}"
            aim += " ✓" if area.on_target else ""
        gap = "" if area.gap is None else ("none" if area.gap == 0 else format_gap(unit, area.gap))
        table.add_row(
            escape(f"{area.spec.title} ({area.platform})"),
            shown(area.now),
            shown(area.then),
            moves[area.movement],
            escape(aim),
            gap,
        )
    out.print(table)
    _notices(bench.notices)
    out.print(escape(ADD_COMPETITORS))


def _show_benchmark(bench: api.Benchmark) -> None:
    from rapport.strategy.benchmark import format_gap, format_value

    if bench.mode == "own_past":
        _show_past(bench)
        return
    window = bench.window
    start, end = (m.astimezone(dt.UTC).date().isoformat() for m in (window.start, window.end))
    out.print(f"Window: {start} to {end} ({window.rule}).")
    table = Table(show_edge=False, header_style="bold")
    for column in ("area", "you", "rank", "leader", "gap"):
        table.add_column(column, justify="left" if column in ("area", "leader") else "right")
    for area in bench.areas:
        unit = area.spec.unit
        own = next((v for v in area.values if v.role == "own"), None)
        you = (format_value(unit, _round(own.value)) if own and own.ok else "") or (
            "not computable"
        )
        ranked = sum(1 for v in area.values if v.rank is not None)
        rank = f"{area.own_rank} of {ranked}" if area.own_rank else "—"
        leader = area.leader
        leader_text = (
            f"{escape(leader.handle)} {format_value(unit, _round(leader.value))}"
            if leader is not None
            else escape(area.note or "—")
        )
        table.add_row(
            escape(f"{area.spec.title} ({area.platform})"),
            you,
            rank,
            leader_text,
            format_gap(unit, _round(area.gap)),
        )
    out.print(table)
    _notices(bench.notices)


@command(app, "benchmark", show=_show_benchmark)
def benchmark(session: Session, window_days: WindowOption = 90) -> api.Benchmark:
    """Your account against each closest competitor, area by area: the value, your rank,
    the leader and the gap, each with its denominator and the observation window. Without
    competitor data, your account against its own past (the window before) and your targets,
    and how to add competitors."""
    return api.workspace_benchmark(session, window_days=window_days)


def _show_progress(progress: api.Progress) -> None:
    if progress.plan_id is None:
        _notices(progress.notices)
        return
    then = progress.data_end_then
    now = progress.data_end_now.astimezone(dt.UTC).isoformat()[:10]
    weeks = progress.weeks_between
    since = then.astimezone(dt.UTC).isoformat()[:10] if then else "an unknown day"
    later = "" if weeks is None else f", {weeks:.1f} weeks later"
    out.print(f"Since plan {progress.plan_id} (data up to {since}; now {now}{later}):")
    if progress.unchanged:
        out.print("  Unchanged: nothing moved in the areas the plan follows.")
    for area in (*progress.areas, *progress.leads):
        out.print(f"  {escape(area.words)}")
    _notices(progress.notices)


def _show_plan(result: api.PlanResult) -> None:
    from rapport.strategy.plan import start_words

    plan = result.plan
    against = (
        "toward your targets, without competitors"
        if plan.mode == "own_past"
        else "toward number one among your competitors"
    )
    out.print(
        f"Plan {result.plan_id} for {escape(str(plan.objective or 'no objective set'))} "
        f"({against}): {round(plan.planned_hours_per_week, 2):.1f} extra hours a week planned "
        f"of {round(plan.available_hours_per_week, 2):.1f} available ({plan.weekly_hours:g} h "
        f"budget, about {round(plan.current_hours_per_week, 2):.1f} h already spent)."
    )
    for step in plan.steps:
        starts = start_words(step.start_week, result.reference)
        out.print(
            f"  {step.order}. [bold]{escape(step.title)}[/bold] ({escape(step.platform)}), "
            f"starts {escape(starts)}: {escape(step.action)}"
        )
        out.print(f"     [dim]{escape(step.reason)}[/dim]")
    if not plan.steps:
        out.print("  No area can be planned within the budget now: the lines below say why.")
    for lead in plan.already_leading:
        out.print(f"  Already number one: {escape(_metric_title(lead.metric))} (keep it).")
    for kept in plan.on_target:
        out.print(f"  On target: {escape(_metric_title(kept.metric))} (keep it).")
    for skipped in plan.skipped:
        title = escape(_metric_title(skipped.metric))
        out.print(f"  [dim]Not now: {title}: {escape(skipped.reason)}[/dim]")
    _notices(plan.notices)


@dataclass(frozen=True)
class Planned:
    """What ``rapport plan`` did: a new stored plan, or (``--progress``) the movement since."""

    result: api.PlanResult | None = None
    progress: api.Progress | None = None

    def to_dict(self) -> dict[str, Any]:
        done = self.result if self.result is not None else self.progress
        return done.to_dict() if done is not None else {}


def _show_planned(planned: Planned) -> None:
    if planned.progress is not None:
        _show_progress(planned.progress)
    elif planned.result is not None:
        _show_plan(planned.result)


@command(app, "plan", show=_show_planned)
def plan(
    workspace: Workspace,
    quiet: bool,
    on_wait: Waiting,
    progress: Annotated[
        bool,
        typer.Option("--progress", help="Show the movement since the last stored plan instead."),
    ] = False,
    window_days: WindowOption = 90,
) -> Planned:
    """The plan: the few areas where you can become number one among your closest
    competitors with manageable effort (without competitor data: the steps toward your
    targets), one after another, within the weekly hours of rapport.toml. Each plan is
    stored; --progress shows the movement since the last one."""
    if progress:
        with (
            progress_bar(not quiet, "Progress since the last plan", total=3) as advance,
            workspace.session(on_wait=on_wait) as session,
        ):
            return Planned(
                progress=api.plan_progress(
                    session, window_days=window_days, progress=lambda label: advance(label)
                )
            )
    with progress_bar(not quiet, "Planning", total=4) as advance:
        return Planned(
            result=api.make_plan(
                workspace=workspace,
                window_days=window_days,
                on_wait=on_wait,
                progress=lambda label: advance(label),
            )
        )


def _show_care(care: api.CareList) -> None:
    if not care.items:
        out.print("Nobody to look after today.")
    table = Table(show_edge=False, header_style="bold")
    for column in ("id", "do", "who", "why", f"when ({care.timezone})", "min"):
        table.add_column(column, justify="right" if column == "min" else "left")
    for item in care.items:
        who = item.handle or item.person or ""
        reason = escape(item.reason)
        if item.link:
            reason += f"\n[link={escape(item.link)}]{escape(item.link)}[/link]"
        table.add_row(
            item.id,
            _ACTION_WORDS.get(item.action, item.action),
            escape(f"@{who}" if item.handle else str(who)),
            reason,
            f"{care.local(item.at):%a %d %b %H:%M}",
            f"{item.minutes:g}",
        )
    if care.items:
        out.print(table)
        out.print(
            f"{care.minutes:g} of {care.minutes_per_day:g} minutes. When one is done: "
            "rapport care done ID"
        )
    _notices(care.notes)


@command(care_app, show=_show_care, callback=True)
def care(session: Session) -> api.CareList:
    """Today's care list (`rapport care done ID` records an item as handled)."""
    return api.care_list(session)


def _show_done(item: api.CareItem) -> None:
    who = item.handle or item.person
    out.print(
        f"Done: {_ACTION_WORDS.get(item.action, item.action).lower()} "
        f"{escape(str(who))} ({item.id})."
    )


@command(care_app, "done", show=_show_done, writes=True, purpose="care done")
def care_done(
    session: Session,
    item_id: Annotated[str, typer.Argument(help="The item's id, as `rapport care` lists it.")],
) -> api.CareItem:
    """Record that a care item was handled; it will not come back."""
    return api.mark_done(session, item_id)


def _said(said: api.Said, thread: api.Thread) -> str:
    who = "you" if said.own else (f"@{said.who}" if said.who else "someone")
    when = f"{thread.local(said.at):%a %d %b %H:%M}" if said.at else "at an unknown time"
    text = f": {escape(said.text)}" if said.text else ""
    return f"[bold]{escape(who)}[/bold] ({escape(said.kind)}, {when}){text}"


def _show_thread(thread: api.Thread) -> None:
    item = thread.item
    out.print(f"{_ACTION_WORDS.get(item.action, item.action)} ({item.id}): {escape(item.reason)}")
    if thread.chain:
        out.print(f"\n[bold]The exchange[/bold] (oldest first, times in {thread.timezone})")
        for said in thread.chain:
            out.print(f"  {_said(said, thread)}")
    if thread.recent:
        total = f"{thread.engagements:,} engagement{'s' if thread.engagements != 1 else ''}"
        out.print(f"\n[bold]What they did lately[/bold] ({total} in all)")
        for said in thread.recent:
            out.print(f"  {_said(said, thread)}")
    if item.link:
        out.print(f"\nOpen it: [link={escape(item.link)}]{escape(item.link)}[/link]")
    _notices(thread.notes)


@command(care_app, "show", show=_show_thread)
def care_show(
    session: Session,
    item_id: Annotated[str, typer.Argument(help="The item's id, as `rapport care` lists it.")],
) -> api.Thread:
    """The context of a care item: the exchange a reply belongs to, from the first post, and
    what the person did lately."""
    return api.care_thread(session, item_id)


_EDITOR_NOTE = "# Lines starting with # are dropped. Write your reply above them.\n"


def _from_editor(thread: api.Thread) -> str:
    """Open ``$EDITOR`` on the context (as comments); the text without the comments."""
    lines = ["", _EDITOR_NOTE.rstrip("\n")]
    lines += [f"# {s.who or 'you' if s.own else s.who or 'someone'}: {s.text or ''}"
              for s in thread.chain]  # fmt: skip
    with asking():
        written = click.edit("\n".join(lines) + "\n", require_save=True)
    if written is None:
        return ""
    return "\n".join(line for line in written.splitlines() if not line.startswith("#")).strip()


def _show_replied(replied: api.Replied) -> None:
    where = replied.url or replied.remote_id
    again = " (an earlier attempt had posted it)" if replied.resumed else ""
    out.print(
        f"Answered on {replied.platform}{again}: [link={escape(where)}]{escape(where)}[/link]"
    )
    out.print(f"Care item {replied.item.id} is done.")


@command(care_app, "reply", show=_show_replied, working="rapport care reply: sending…")
def care_reply(
    workspace: Workspace,
    item_id: Annotated[str, typer.Argument(help="The item's id, as `rapport care` lists it.")],
    text: Annotated[str | None, typer.Option("--text", help="The reply, as you wrote it.")] = None,
    editor: Annotated[
        bool, typer.Option("--editor", help="Write the reply in $EDITOR, with the context.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Send without asking.")] = False,
    connection: Annotated[
        str | None, typer.Option("--connection", help="The connection that answers.")
    ] = None,
    cancel: Annotated[
        bool, typer.Option("--cancel", help="Drop the reply queued for the item, unsent.")
    ] = False,
    quiet: bool = False,
    on_wait: Waiting | None = None,
) -> api.Replied | None:
    """Answer the person of a care item with the text you write: the reply is posted once,
    even when a retry follows a failure, and the item is marked done."""
    import sys

    from rapport.errors import UsageError

    if text is not None and editor:
        raise UsageError("give the reply with --text or write it with --editor, not both")
    if cancel:
        if text is not None or editor:
            raise UsageError("--cancel drops the queued reply: give it without --text or --editor")
        dropped = api.cancel_queued_reply(workspace=workspace, item_id=item_id, on_wait=on_wait)
        if not quiet:
            err.print(
                f"Dropped the reply queued for care item {dropped.item_id}: {escape(dropped.text)}"
            )
        return None
    from rapport.api.replies import refuse_answered

    with workspace.session(on_wait=on_wait) as session:
        refuse_answered(session, item_id)
        thread = api.care_thread(session, item_id)
    if not quiet:
        _show_thread(thread)
    if editor:
        text = _from_editor(thread)
    if text is None:
        raise UsageError('write the reply: --text "…" or --editor', option="text")
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("not on a terminal, so nobody can confirm: add --yes to send")
        with asking():
            err.print(f"\nYour reply:\n{escape(text)}\n")
            typer.confirm("Send it?", abort=True)
    return api.reply_to_care_item(
        workspace=workspace, item_id=item_id, text=text, connection_id=connection,
        on_wait=on_wait,
    )  # fmt: skip


def _metric_title(metric: str) -> str:
    """A benchmark area's or a metric's title ("Weeks with a post"), else its id in words."""
    from rapport.metrics import metrics
    from rapport.strategy.benchmark.own_past import QUESTIONS
    from rapport.strategy.benchmark.values import AREA_SPECS

    titles = {a.metric: a.title for a in (*AREA_SPECS, QUESTIONS)}
    titles.update({m.id: m.title for m in metrics() if m.id not in titles})
    return titles.get(metric, metric.replace("_", " "))


@dataclass(frozen=True)
class WrittenCalendar:
    """A content plan and the files it was written to."""

    calendar: api.Calendar
    ics: Path | None
    csv: Path | None

    def to_dict(self) -> dict[str, Any]:
        return self.calendar.to_dict()


def _show_calendar(written: WrittenCalendar) -> None:
    table = Table(show_edge=False, header_style="bold")
    zone = ZoneInfo(written.calendar.timezone)
    for column in (f"when ({written.calendar.timezone})", "post", "idea"):
        table.add_column(column)
    for slot in written.calendar.slots:
        start = slot.start.astimezone(zone)
        table.add_row(
            f"{slot.weekday[:3]} {start.date().isoformat()} {start:%H:%M}",
            escape(slot.title),
            escape(slot.idea or ""),
        )
    out.print(table)
    _notices(written.calendar.notes)
    for label, path in (("iCalendar", written.ics), ("CSV", written.csv)):
        if path is not None:
            out.print(f"{label}: {escape(str(path))}")


@command(app, "calendar", show=_show_calendar)
def calendar(
    session: Session,
    weeks: Annotated[int, typer.Option(help="How many weeks to plan.", min=1, max=104)] = 4,
    ics: Annotated[
        Path | None, typer.Option(help="Also write the plan as an iCalendar file (.ics).")
    ] = None,
    csv: Annotated[Path | None, typer.Option(help="Also write the plan as CSV.")] = None,
) -> WrittenCalendar:
    """The content plan: dated slots at your best times at the cadence of your stored plan
    (`rapport plan`; without one, your target), promotions under the ceiling, and a mix of
    questions, resources, news, behind-the-scenes and a weekly throwback, each with the
    reason it was chosen."""
    result = api.content_calendar(session, weeks=weeks)
    if ics is not None:
        result.write_ics(ics)
    if csv is not None:
        result.write_csv(csv)
    return WrittenCalendar(result, ics, csv)


def _show_whatif(result: api.WhatIfResult) -> None:
    whatif = result.whatif
    table = Table(show_edge=False, header_style="bold")
    table.add_column("strategy")
    for column in ("followers", "core community", "conversions", "hours", "peak reach"):
        table.add_column(column, justify="right")
    for row in whatif.strategies:
        cells = [
            f"{row.bands[key].median:,.0f}\n"
            f"[dim]{row.bands[key].p10:,.0f}–{row.bands[key].p90:,.0f}[/dim]"
            for key in ("followers", "core_community", "conversions", "hours", "peak_reach")
        ]
        table.add_row(escape(row.name.replace("_", " ")), *cells)
    out.print(
        f"{whatif.months} months, {whatif.runs} runs per strategy: median (10th–90th percentile)."
    )
    out.print(table)
    for note in whatif.calibration.notes:
        out.print(f"[dim]• {escape(note)}[/dim]")


@command(app, "whatif", show=_show_whatif)
def whatif(
    workspace: Workspace,
    quiet: bool,
    on_wait: Waiting,
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
) -> api.WhatIfResult:
    """Calibrate the synthetic world to your workspace, then run strategies side by side
    for months with many seeds: followers, core community, conversions and hours spent,
    as medians with 10th–90th percentile bands. Strategies change only your own behaviour."""
    with progress_bar(not quiet, "simulating strategies") as advance:
        return api.what_if(
            workspace=workspace,
            months=months,
            runs=runs,
            strategies=strategy,
            seed=seed,
            progress=lambda done, total: advance(done=done, total=total),
            on_wait=on_wait,
        )
