"""The rapport command line (Typer + Rich).

This module and :mod:`rapport._clikit` are the only places where errors become messages and
exit codes: a :class:`~rapport.errors.RapportError` prints one line on stderr and exits with
2 for bad input or usage (1 for a store problem); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from rapport import __version__
from rapport._clikit import (
    DebugOption,
    JsonOption,
    SinceOption,
    UntilOption,
    WorkspaceOption,
    handle_errors,
    out,
    parse_date,
    print_json,
    progress_bar,
    resolve_workspace,
    summary_table,
)
from rapport.config import OBJECTIVES, AccountRef, Accounts, Config, Goal
from rapport.errors import UsageError

if TYPE_CHECKING:
    from rapport.metrics.run import MetricResult

__all__ = ["app", "main"]

app = typer.Typer(
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


def _account(value: str, option: str) -> AccountRef:
    platform, sep, handle = value.partition(":")
    if not sep or not handle:
        raise UsageError(f"{option} {value!r}: expected PLATFORM:HANDLE, e.g. bluesky:shop.example")
    try:
        return AccountRef(platform=platform, handle=handle)
    except ValueError:
        raise UsageError(f"{option} {value!r}: unknown platform {platform!r}") from None


@app.command()
@handle_errors
def init(
    objective: Annotated[
        str | None, typer.Option(help=f"What social media is for here: {', '.join(OBJECTIVES)}.")
    ] = None,
    audience: Annotated[
        str | None,
        typer.Option(
            help="Your target audience in plain words (compared with the bios of people who "
            "engage)."
        ),
    ] = None,
    own: Annotated[
        list[str] | None,
        typer.Option("--own", help="An own account as PLATFORM:HANDLE (repeatable)."),
    ] = None,
    competitor: Annotated[
        list[str] | None,
        typer.Option("--competitor", help="A closest competitor as PLATFORM:HANDLE (repeatable)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing rapport.toml.")
    ] = False,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Create a workspace: a folder with a commented rapport.toml (goal, audience, accounts,
    targets). Edit the file afterwards; every key is explained in it."""
    if objective is not None and objective not in OBJECTIVES:
        raise UsageError(f"--objective {objective!r}: expected one of {', '.join(OBJECTIVES)}")
    config = Config(
        goal=Goal(objective=objective, target_audience=audience or ""),
        accounts=Accounts(
            own=[_account(v, "--own") for v in own or []],
            competitors=[_account(v, "--competitor") for v in competitor or []],
        ),
    )
    ws = resolve_workspace(workspace)
    if ws.config_path.exists() and not force:
        ws.config()  # say so if the existing file is broken
        raise UsageError(f"{ws.config_path}: already exists; edit it, or add --force to replace it")
    ws.create(config=config, overwrite=force)
    if json:
        print_json({"workspace": str(ws.root), "config": str(ws.config_path)})
        return
    out.print(
        f"Wrote {ws.config_path}. Set your goal and audience there, then run "
        f"`rapport import PATH --workspace {ws.root}`."
    )


@app.command()
@handle_errors
def demo(
    people: Annotated[
        int, typer.Option(help="People in the synthetic audience.", min=100)
    ] = 20_000,
    days: Annotated[int, typer.Option(help="Days to simulate.", min=28)] = 365,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same world.")] = 7,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Where to put the demo workspace. Default: ./demo (or $RAPPORT_WORKSPACE).",
        ),
    ] = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Simulate a small business and its audience, import it, and write report.html.

    The synthetic world has one brand, its closest competitors, a target segment and
    irrelevant crowds; see docs/simulator.md. Nothing in it is a real person.
    """
    from rapport import api

    ws = resolve_workspace(workspace, default=Path("demo"))
    with progress_bar(True, "Simulating", total=days) as step:
        result = api.run_demo(
            workspace=ws,
            people=people,
            days=days,
            seed=seed,
            on_day=lambda done, total: step(done=done, total=total),
            progress=lambda label: step(label),
        )
    if json:
        print_json(result.to_dict())
        return
    by_id = {m.id: m for m in result.metrics}
    out.print(
        f"[bold]rapport demo[/]: {people:,} people over {days} days (seed {seed}), "
        f"simulated in {result.seconds['simulate']:.1f} s."
    )
    out.print(_headline_table(by_id))
    out.print(f"Report: [bold]{result.report}[/] (open it in a browser; it works offline).")


def _headline_table(by_id: dict[str, MetricResult]) -> Table:
    from rapport.report.formatting import format_value

    table = Table(show_edge=False, header_style="bold")
    table.add_column("Vanity numbers")
    table.add_column("", justify="right")
    table.add_column("Relationship numbers")
    table.add_column("", justify="right")
    pairs = [("reach", "returning_people"), ("likes", "reply_rate"), ("followers", "conversions")]
    for vanity, relation in pairs:
        left, right = by_id.get(vanity), by_id.get(relation)
        table.add_row(
            left.title if left else vanity,
            format_value(left),
            right.title if right else relation,
            format_value(right),
        )
    return table


def _key_values(pairs: list[str], option: str) -> dict[str, str]:
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{option} {pair!r}: expected KEY=VALUE")
        result[key.strip()] = value
    return result


@app.command("import")
@handle_errors
def import_(
    path: Annotated[Path, typer.Argument(help="A file, folder or archive to import.")],
    as_format: Annotated[
        str | None,
        typer.Option("--as", help="The format, when auto-detection can't tell (e.g. canonical)."),
    ] = None,
    account: Annotated[
        str | None,
        typer.Option(help="The own account a file belongs to, when the file does not say."),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(help="A mapping file (TOML) for --as mapped: which column is which field."),
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            help="KEY=VALUE a format needs (repeatable); see the format's page in docs/sources.",
        ),
    ] = None,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Import data into the workspace (created when missing).

    Importing the same data twice changes nothing; a newer export updates values and adds
    count observations. A file that can't be used at all ends with exit code 2 and nothing
    written; records that can't be read are quarantined and counted.
    """
    from rapport import api

    ws = resolve_workspace(workspace)
    with progress_bar(not json, "Importing") as step:
        summary = api.import_path(
            path,
            workspace=ws,
            format=as_format,
            account=account,
            mapping=mapping,
            extra=_key_values(option or [], "--option"),
            progress=lambda label: step(label),
        )
    data = summary.to_dict()
    if json:
        print_json(data)
        return
    out.print(
        f"Imported {path} ({summary.source}) into {ws.root} in {summary.seconds:.1f} s: "
        f"{data['added']:,} added, {data['updated']:,} updated, "
        f"{data['unchanged']:,} unchanged, {data['rejected']:,} rejected."
    )
    out.print(summary_table(data))
    for item in data["rejected_by_reason"][:10]:
        field = f" field {item['field']!r}" if item["field"] else ""
        out.print(f"  quarantined {item['count']:,} from {item['source']}{field}: {item['reason']}")
    for notice in summary.notices:
        out.print(f"  note: {notice}")


@app.command()
@handle_errors
def export(
    directory: Annotated[Path, typer.Argument(help="Folder to write (created if needed).")],
    format: Annotated[str, typer.Option(help="parquet or jsonl.")] = "parquet",
    pseudonymise: Annotated[
        bool,
        typer.Option(
            "--pseudonymise",
            help="Replace people's ids and handles with pseudonyms, drop names, "
            "bios and profile links, and mask @mentions in text.",
        ),
    ] = False,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Export the workspace in the canonical format (manifest.json plus one file per table)."""
    from rapport import api

    if format not in ("parquet", "jsonl"):
        raise UsageError(f"--format {format!r}: expected parquet or jsonl")
    ws = resolve_workspace(workspace)
    result = api.export_workspace(
        directory,
        workspace=ws,
        format=format,  # type: ignore[arg-type]
        pseudonymised=pseudonymise,
    )
    if json:
        print_json(result.to_dict())
        return
    rows = ", ".join(f"{n} {name}" for name, n in result.rows.items())
    out.print(
        f"Exported to {directory} ({format}{', pseudonymised' if pseudonymise else ''}): {rows}."
    )


@app.command()
@handle_errors
def report(
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Where to write the HTML. Default: report.html in the workspace."
        ),
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Write the report: one self-contained HTML file that works offline."""
    from rapport.report import write_report

    ws = resolve_workspace(workspace)
    start, end = parse_date(since, "--since"), parse_date(until, "--until")
    with progress_bar(not json, "Report", total=3) as step:
        result = write_report(
            workspace=ws, out=out_file, since=start, until=end, progress=lambda label: step(label)
        )
    if json:
        print_json(result.to_dict())
        return
    computable = sum(1 for m in result.metrics if m.ok)
    out.print(
        f"Wrote {result.path}: {result.charts} charts, {computable} of "
        f"{len(result.metrics)} metrics computable."
    )


@app.command()
@handle_errors
def metrics(
    table: Annotated[
        str | None,
        typer.Option(
            help="Write the rows behind a metric instead (e.g. people, posts, cohorts, "
            "unanswered); --table list shows them all."
        ),
    ] = None,
    format: Annotated[str, typer.Option(help="For --table: csv or json.")] = "csv",
    since: SinceOption = None,
    until: UntilOption = None,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Compute every metric, each with its denominator, interval and sample size.

    With --table ID, write the rows behind the numbers (per post, per person, cohorts, …) as
    CSV or JSON on stdout.
    """
    from rapport import api
    from rapport.report.formatting import format_interval, format_value

    ws = resolve_workspace(workspace)
    start, end = parse_date(since, "--since"), parse_date(until, "--until")
    if table is not None:
        if format not in ("csv", "json"):
            raise UsageError(f"--format {format!r}: expected csv or json")
        if table == "list":
            for item in api.metric_table_list():
                out.print(f"{item['id']:16} {item['title']}: {item['description']}")
            return
        frame = api.metric_table(table, workspace=ws, since=start, until=end)
        if format == "json" or json:
            sys.stdout.write(
                frame.to_json(orient="records", date_format="iso", force_ascii=False, indent=2)
                + "\n"
            )
        else:
            sys.stdout.write(frame.to_csv(index=False))
        return
    results = api.compute_metrics(workspace=ws, since=start, until=end)
    if json:
        print_json([r.to_dict() for r in results])
        return
    table_view = Table(show_edge=False, header_style="bold", show_lines=False)
    table_view.add_column("area")
    table_view.add_column("metric (denominator)")
    table_view.add_column("value", justify="right")
    table_view.add_column("interval, sample")
    for r in results:
        label = f"{escape(r.title)}\n[dim]{escape(r.denominator)}[/]"
        if r.ok:
            table_view.add_row(r.area, label, format_value(r), format_interval(r))
        else:
            table_view.add_row(
                r.area, label, "[yellow]not computable[/]", f"[dim]{escape(r.reason or '')}[/]"
            )
    out.print(table_view)


@app.command()
@handle_errors
def status(
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Show what is in the store, the last imports and the workspace's goal."""
    from rapport import api

    ws = resolve_workspace(workspace)
    data = api.workspace_status(workspace=ws)
    if json:
        print_json(data)
        return
    out.print(
        f"Workspace {data['workspace']}"
        + (" (demo)" if data["store"] and data["store"]["demo"] else "")
    )
    out.print(f"  goal: {data['objective'] or 'not set (edit rapport.toml)'}")
    store: dict[str, Any] | None = data["store"]
    if store is None:
        out.print("  no data yet: run `rapport import PATH` or `rapport demo`.")
        return
    out.print("  rows: " + ", ".join(f"{name} {n:,}" for name, n in store["rows"].items()))
    if store["posts_from"]:
        out.print(f"  posts from {store['posts_from']} to {store['posts_to']}")
    out.print(f"  quarantined records: {store['quarantined']:,}")
    for account in store["accounts"]:
        followers = account["followers"]
        out.print(
            f"  {account['role']}: @{account['handle']} ({account['account_id']}), "
            f"{'unknown' if followers is None else f'{followers:,}'} followers"
        )
    for item in store["imports"]:
        out.print(
            f"  import {item['import_id']} at {item['finished_at']}: {item['source']} "
            f"from {item['origin']}: {item['added']:,} added, {item['updated']:,} updated, "
            f"{item['rejected']:,} rejected"
        )


@app.command()
@handle_errors
def forget(
    person: Annotated[
        str, typer.Argument(help="The person's id (e.g. bluesky:did:plc:...) or handle.")
    ],
    yes: Annotated[bool, typer.Option("--yes", help="Don't ask for confirmation.")] = False,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Erase a person on request: their profile, interactions and quarantined records.

    Conversions stay but lose the link to the person. A later import of an old archive will
    not bring them back.
    """
    from rapport import api

    ws = resolve_workspace(workspace)
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("forget erases data for good: add --yes to confirm")
        typer.confirm(f"Erase everything about {person} from {ws.root}?", abort=True)
    result = api.erase_person(person, workspace=ws)
    if json:
        print_json(result.to_dict())
        return
    data = result.to_dict()
    out.print(
        f"Erased {data['person_id']}: {data['interactions_deleted']} interactions, "
        f"{data['people_rows_deleted']} profile row(s), {data['quarantine_rows_deleted']} "
        f"quarantined record(s); {data['conversions_unlinked']} conversion(s) unlinked."
    )


pull_app = typer.Typer(
    help="Pull data live from a platform's API (incremental: a second pull fetches only what "
    "is new).",
    no_args_is_help=True,
)
app.add_typer(pull_app, name="pull")


def _print_pull(summaries: list[Any], *, json: bool) -> None:
    if json:
        print_json(
            [s.to_dict() for s in summaries] if len(summaries) > 1 else summaries[0].to_dict()
        )
        return
    for summary in summaries:
        data = summary.to_dict()
        out.print(
            f"Pulled {summary.origin} in {summary.seconds:.1f} s: {data['added']:,} added, "
            f"{data['updated']:,} updated, {data['unchanged']:,} unchanged, "
            f"{data['rejected']:,} rejected."
        )
        out.print(summary_table(data))
        for notice in summary.notices:
            out.print(f"  note: {notice}")


@pull_app.command("mastodon")
@handle_errors
def pull_mastodon(
    instance: Annotated[str, typer.Option(help="The instance, e.g. https://mastodon.social.")],
    token: Annotated[
        str,
        typer.Option(
            envvar="RAPPORT_MASTODON_TOKEN",
            show_envvar=True,
            help="An access token with read scope (Preferences > Development > New application).",
        ),
    ],
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Pull your Mastodon account: statuses with counts, notifications, who favourited and
    boosted, replies, followers. The token is used for this pull only and never stored."""
    from rapport import api

    ws = resolve_workspace(workspace)
    with progress_bar(not json, "Pulling Mastodon") as step:
        summary = api.pull_mastodon(
            workspace=ws, instance=instance, token=token, progress=lambda label: step(label)
        )
    _print_pull([summary], json=json)


@pull_app.command("bluesky")
@handle_errors
def pull_bluesky(
    handle: Annotated[str, typer.Option(help="Your handle, e.g. shop.bsky.social.")],
    app_password: Annotated[
        str,
        typer.Option(
            "--app-password",
            envvar="RAPPORT_BLUESKY_APP_PASSWORD",
            show_envvar=True,
            help="An app password (Settings > Privacy and security > App passwords).",
        ),
    ],
    service: Annotated[str, typer.Option(help="Your PDS or entryway.")] = "https://bsky.social",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Pull your Bluesky account: posts with counts, likes, reposts, quotes, replies,
    followers and notifications. The app password is used for this pull only, never stored."""
    from rapport import api

    ws = resolve_workspace(workspace)
    with progress_bar(not json, "Pulling Bluesky") as step:
        summary = api.pull_bluesky(
            workspace=ws,
            handle=handle,
            app_password=app_password,
            service=service,
            progress=lambda label: step(label),
        )
    _print_pull([summary], json=json)


@pull_app.command("competitors")
@handle_errors
def pull_competitors(
    bluesky_service: Annotated[
        str, typer.Option(help="The public Bluesky AppView to read from.")
    ] = "https://public.api.bsky.app",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Pull the public posts and counts of the competitors in rapport.toml (Bluesky and
    Mastodon; no login needed). Counts are stored as observations, so history builds up."""
    from rapport import api

    ws = resolve_workspace(workspace)
    with progress_bar(not json, "Pulling competitors") as step:
        summaries = api.pull_competitors(
            workspace=ws, bluesky_service=bluesky_service, progress=lambda label: step(label)
        )
    _print_pull(summaries, json=json)


@app.command()
@handle_errors
def utm(
    url: Annotated[str, typer.Argument(help="The page the post will link to.")],
    post: Annotated[
        str | None,
        typer.Option(
            help="The canonical id of the post the link goes into (e.g. bluesky:at://...)."
        ),
    ] = None,
    platform: Annotated[
        str | None,
        typer.Option(help="Where the link will be posted, when --post is not known yet."),
    ] = None,
    campaign: Annotated[str | None, typer.Option(help="utm_campaign (default: social).")] = None,
    medium: Annotated[str, typer.Option(help="utm_medium.")] = "social",
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Build a UTM-tagged link, so the signups and sales it brings are traced to the post.

    Put the printed link in your post; after you import conversions (GA4, Shopify, CSV),
    rapport ties each one to the post by its utm_content, or else by its landing page.
    """
    from rapport.utm import tag_link

    link = tag_link(url, post=post, platform=platform, campaign=campaign, medium=medium)
    if json:
        print_json({"url": url, "tagged": link})
        return
    sys.stdout.write(link + "\n")


from rapport.cli_strategy import benchmark, calendar, care_app, plan, whatif  # noqa: E402
from rapport.cli_virality import backtest, forecast_app, odds, seeds, spikes  # noqa: E402

app.add_typer(forecast_app, name="forecast")
for _command in (backtest, seeds, odds, spikes, benchmark, plan):
    app.command()(_command)
app.add_typer(care_app, name="care")
app.command()(calendar)
app.command()(whatif)


def main() -> None:
    """Entry point of the `rapport` command."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
