"""Commands that bring data in and out: init, demo, import, export, status, forget, pull, utm."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from rapport import api
from rapport.cli.app import app, pull_app
from rapport.cli.command import (
    Waiting,
    asking,
    command,
    out,
    parse_date,
    progress_bar,
    summary_table,
)
from rapport.cli.connect import stored_sync
from rapport.cli.terminal import clean
from rapport.config import OBJECTIVES, AccountRef, Accounts, Config, Goal
from rapport.errors import UsageError
from rapport.localtime import resolve, suggest, valid_zone

if TYPE_CHECKING:
    from rapport.analyses.coverage import Coverage
    from rapport.metrics.run import MetricResult
    from rapport.store import ImportSummary
    from rapport.store.erasure import ErasureSummary
    from rapport.workspace import Workspace

__all__ = ["pulls_json", "show_pulls"]


def _account(value: str, option: str) -> AccountRef:
    platform, sep, handle = value.partition(":")
    if not sep or not handle:
        raise UsageError(f"{option} {value!r}: expected PLATFORM:HANDLE, e.g. bluesky:shop.example")
    try:
        return AccountRef(platform=platform, handle=handle)
    except ValueError:
        raise UsageError(f"{option} {value!r}: unknown platform {platform!r}") from None


def _show_init(workspace: Workspace) -> None:
    zone = resolve(workspace.config().timezone)
    shown = (
        zone.describe()
        if zone.source == "rapport.toml"
        else f"the zone your export names, else this machine's ({zone.name})"
    )
    out.print(
        f"Wrote {workspace.config_path}. Set your goal and audience there, then run "
        f"`rapport import PATH --workspace {workspace.root}`.\nTimes will be shown in {shown}."
    )


@command(
    app,
    "init",
    show=_show_init,
    to_json=lambda ws: {"workspace": str(ws.root), "config": str(ws.config_path)},
)
def init(
    workspace: Workspace,
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
    timezone: Annotated[
        str | None,
        typer.Option(
            help="The zone times are shown in, as an IANA name (Europe/Paris). Default: the "
            "zone your export names, else this machine's."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing rapport.toml.")
    ] = False,
) -> Workspace:
    """Create a workspace: a folder with a commented rapport.toml (goal, audience, accounts,
    targets). Edit the file afterwards; every key is explained in it."""
    if objective is not None and objective not in OBJECTIVES:
        raise UsageError(f"--objective {objective!r}: expected one of {', '.join(OBJECTIVES)}")
    if timezone is not None and not valid_zone(timezone):
        guess = suggest(timezone)
        hint = f"did you mean {guess}?" if guess else "use an IANA name such as Europe/Paris"
        raise UsageError(f"--timezone {timezone!r}: unknown time zone; {hint}")
    config = Config(
        timezone=timezone,
        goal=Goal(objective=objective, target_audience=audience or ""),
        accounts=Accounts(
            own=[_account(v, "--own") for v in own or []],
            competitors=[_account(v, "--competitor") for v in competitor or []],
        ),
    )
    if workspace.config_path.exists() and not force:
        workspace.config()  # say so if the existing file is broken
        raise UsageError(
            f"{workspace.config_path}: already exists; edit it, or add --force to replace it"
        )
    workspace.create(config=config, overwrite=force)
    return workspace


def _headline_table(by_id: dict[str, MetricResult]) -> Table:
    from rapport.report.formatting import format_value

    table = Table(show_edge=False, header_style="bold")
    table.add_column("Vanity numbers")
    table.add_column("", justify="right")
    table.add_column("Relationship numbers")
    table.add_column("", justify="right")
    pairs = [("reach", "returning_people"), ("likes", "reply_rate"), ("followers", "conversions")]

    def label(result: MetricResult | None, fallback: str) -> str:
        if result is None:
            return fallback
        return f"{escape(result.title)}\n[dim]of {escape(result.denominator)}[/]"

    for vanity, relation in pairs:
        left, right = by_id.get(vanity), by_id.get(relation)
        table.add_row(
            label(left, vanity), format_value(left), label(right, relation), format_value(right)
        )
    return table


def _show_demo(result: api.DemoResult) -> None:
    by_id = {m.id: m for m in result.metrics}
    out.print(
        f"[bold]rapport demo[/]: {result.people:,} people over {result.days} days "
        f"(seed {result.seed}), simulated in {result.seconds['simulate']:.1f} s."
    )
    out.print(_headline_table(by_id))
    out.print(f"Report: [bold]{result.report}[/] (open it in a browser; it works offline).")


@command(app, "demo", show=_show_demo, default_workspace=Path("demo"))
def demo(
    workspace: Workspace,
    on_wait: Waiting,
    people: Annotated[
        int, typer.Option(help="People in the synthetic audience.", min=100)
    ] = 20_000,
    days: Annotated[int, typer.Option(help="Days to simulate.", min=28)] = 365,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same world.")] = 7,
    end: Annotated[
        str | None,
        typer.Option(
            help="The day the simulated period ends (YYYY-MM-DD, UTC, exclusive: its last day "
            "is the day before). Default: today, so the data ends yesterday; give a date to get "
            "the same demo on any day."
        ),
    ] = None,
) -> api.DemoResult:
    """Simulate a small business and its audience, import it, and write report.html.

    The synthetic world has one brand, its closest competitors, a target segment and
    irrelevant crowds; see docs/simulator.md. Nothing in it is a real person. Its period
    ends yesterday (or before --end).
    """
    until = parse_date(end, "--end")
    with progress_bar(True, "Simulating", total=days) as step:
        return api.run_demo(
            workspace=workspace,
            people=people,
            days=days,
            seed=seed,
            end=None if until is None else until.date(),
            on_day=lambda done, total: step(done=done, total=total),
            progress=lambda label: step(label),
            on_wait=on_wait,
        )


def _key_values(pairs: list[str], option: str) -> dict[str, str]:
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{option} {pair!r}: expected KEY=VALUE")
        result[key.strip()] = value
    return result


def _counts(summary: ImportSummary) -> str:
    return (
        f"{summary.total('added'):,} added, {summary.total('updated'):,} updated, "
        f"{summary.total('unchanged'):,} unchanged, {summary.total('rejected'):,} rejected."
    )


@dataclass(frozen=True)
class Imported:
    """An import's summary, with the path and the workspace it went into."""

    summary: ImportSummary
    path: Path
    workspace: Path

    def to_dict(self) -> dict[str, Any]:
        return self.summary.to_dict()


def _show_import(imported: Imported) -> None:
    summary = imported.summary
    out.print(
        f"Imported {imported.path} ({summary.source}) into {imported.workspace} in "
        f"{summary.seconds:.1f} s: {_counts(summary)}"
    )
    out.print(summary_table(summary))
    for _table, source, field, reason, n in summary.rejected_by_reason[:10]:
        shown = f" field {field!r}" if field else ""
        out.print(f"  quarantined {n:,} from {source}{shown}: {reason}")
    for notice in summary.notices:
        out.print(f"  note: {notice}")


@command(app, "import", show=_show_import, purpose="an import")
def import_(
    workspace: Workspace,
    quiet: bool,
    on_wait: Waiting,
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
) -> Imported:
    """Import data into the workspace (created when missing).

    Importing the same data twice changes nothing; a newer export updates values and adds
    count observations. A file that can't be used at all ends with exit code 2 and nothing
    written; records that can't be read are quarantined and counted.
    """
    with progress_bar(not quiet, "Importing") as step:
        summary = api.import_path(
            path,
            workspace=workspace,
            format=as_format,
            account=account,
            mapping=mapping,
            extra=_key_values(option or [], "--option"),
            progress=lambda label: step(label),
            on_wait=on_wait,
        )
    return Imported(summary, path, workspace.root)


def _show_export(result: api.ExportResult) -> None:
    rows = ", ".join(f"{n} {name}" for name, n in result.rows.items())
    kind = result.format + (", partitioned" if result.partitioned else "")
    kind += ", pseudonymised" if result.pseudonymised else ""
    out.print(f"Exported to {result.path} ({kind}): {rows}.")


@command(app, "export", show=_show_export)
def export(
    workspace: Workspace,
    on_wait: Waiting,
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
    partitioned: Annotated[
        bool,
        typer.Option(
            "--partitioned",
            help="Write Parquet partitioned by platform and month (with the text features "
            "and meta.json), which DuckDB and Spark read lazily; see docs/scale.md.",
        ),
    ] = False,
) -> api.ExportResult:
    """Export the workspace in the canonical format (manifest.json plus one file per table),
    or with --partitioned as the dataset the Spark engine reads."""
    if format not in ("parquet", "jsonl"):
        raise UsageError(f"--format {format!r}: expected parquet or jsonl")
    if partitioned and format == "jsonl":
        raise UsageError("--partitioned writes Parquet: leave out --format jsonl")
    return api.export_workspace(
        directory,
        workspace=workspace,
        format="jsonl" if format == "jsonl" else "parquet",
        pseudonymised=pseudonymise,
        partitioned=partitioned,
        on_wait=on_wait,
    )


def _show_status(status: api.WorkspaceStatus) -> None:
    store = status.store
    out.print(f"Workspace {status.workspace}" + (" (demo)" if store and store.demo else ""))
    out.print(f"  goal: {status.objective or 'not set (edit rapport.toml)'}")
    if store is None:
        out.print("  no data yet: run `rapport import PATH` or `rapport demo`.")
        return
    out.print("  rows: " + ", ".join(f"{name} {n:,}" for name, n in store.rows.items()))
    if store.posts_from:
        out.print(f"  posts from {store.posts_from} to {store.posts_to}")
    out.print(f"  quarantined records: {store.quarantined:,}")
    for account in store.accounts:
        followers = "unknown" if account.followers is None else f"{account.followers:,}"
        out.print(
            f"  {account.role}: @{account.handle} ({account.account_id}), {followers} followers"
        )
    for item in store.imports:
        out.print(
            f"  import {item.import_id} at {item.finished_at}: {item.source} "
            f"from {item.origin}: {item.added:,} added, {item.updated:,} updated, "
            f"{item.rejected:,} rejected"
        )
    if status.zone is not None:
        out.print(f"  times are shown in {status.zone.describe()}")
    if status.coverage is not None and status.coverage.platforms:
        out.print(_coverage_table(status.coverage))
        out.print(
            f"Conversions: {status.coverage.conversions:,}. A dash: the workspace holds none."
            if status.coverage.conversions
            else "Conversions: none yet. A dash: the workspace holds none of that kind."
        )
    missing = status.to_add()
    if missing:
        out.print("[bold]To learn more, add[/]:")
        for kind, how in missing:
            out.print(f"  - {kind.label}: {how}")


def _coverage_table(coverage: Coverage) -> Table:
    """One row per kind of data, one column per own platform (fits a narrow terminal)."""
    from rapport.analyses.coverage import COLUMNS

    table = Table(title="What your data covers", show_edge=False, header_style="bold")
    table.add_column("")
    for platform in coverage.platforms:
        table.add_column(f"{platform.platform} ({', '.join(platform.handles)})", justify="right")
    for kind in COLUMNS:
        table.add_row(
            kind.short,
            *[f"{p.counts[kind.id]:,}" if p.has(kind.id) else "—" for p in coverage.platforms],
        )
    table.add_row(
        "[bold]Unlocks[/]", *[", ".join(p.unlocked) or "nothing yet" for p in coverage.platforms]
    )
    return table


@command(app, "status", show=_show_status)
def status(workspace: Workspace, on_wait: Any) -> api.WorkspaceStatus:
    """Show what is in the store, the last imports and the workspace's goal."""
    return api.workspace_status(workspace=workspace, on_wait=on_wait)


def _show_forget(result: ErasureSummary) -> None:
    out.print(
        f"Erased {result.person_id}: {result.interactions} interactions, "
        f"{result.people} profile row(s), {result.quarantine} "
        f"quarantined record(s), {result.other_rows} derived row(s); "
        f"{result.conversions_unlinked} conversion(s) unlinked; {result.masked} mention(s) "
        "masked. The store file was rewritten without them."
    )
    for path in result.files_removed:
        out.print(f"  deleted {path} (it named them; make it again, e.g. `rapport report`)")
    for path in result.files_naming_them:
        out.print(f"  [bold]still names them[/]: {path} (not written by rapport: delete it)")


@command(app, "forget", show=_show_forget)
def forget(
    workspace: Workspace,
    on_wait: Waiting,
    person: Annotated[
        str, typer.Argument(help="The person's id (e.g. bluesky:did:plc:...) or handle.")
    ],
    yes: Annotated[bool, typer.Option("--yes", help="Don't ask for confirmation.")] = False,
) -> ErasureSummary:
    """Erase a person on request: their profile, interactions and quarantined records, the
    rows derived from them, and mentions of them in your posts and others' replies.

    Conversions stay but lose the link to the person. The store file is rewritten so no
    freed page keeps them, and rapport's outputs in the workspace that name them (a report,
    an export) are deleted. A later import of any archive, even one taken before, will not
    bring them back.
    """
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("forget erases data for good: add --yes to confirm")
        with asking():
            typer.confirm(
                clean(f"Erase everything about {person} from {workspace.root}?"), abort=True
            )
    return api.forget_person(person, workspace=workspace, on_wait=on_wait)


def show_pulls(summaries: list[ImportSummary]) -> None:
    for summary in summaries:
        out.print(f"Pulled {summary.origin} in {summary.seconds:.1f} s: {_counts(summary)}")
        out.print(summary_table(summary))
        for notice in summary.notices:
            out.print(f"  note: {notice}")


def pulls_json(summaries: list[ImportSummary]) -> Any:
    return [s.to_dict() for s in summaries] if len(summaries) > 1 else summaries[0].to_dict()


@command(pull_app, "mastodon", show=show_pulls, to_json=pulls_json, purpose="a pull")
def pull_mastodon(
    workspace: Workspace,
    quiet: bool,
    on_wait: Waiting,
    instance: Annotated[
        str | None,
        typer.Option(
            help="The instance, e.g. https://mastodon.social (with a stored connection: "
            "which one, when there are several)."
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="RAPPORT_MASTODON_TOKEN",
            show_envvar=True,
            help="An access token with read scope (Preferences > Development > New "
            "application), used for this pull only. Without it: the account connected with "
            "`rapport connect mastodon`.",
        ),
    ] = None,
) -> list[ImportSummary]:
    """Pull your Mastodon account: statuses with counts, notifications, who favourited and
    boosted, replies, followers. Daily use: connect once (`rapport connect mastodon`), then
    `rapport pull mastodon`; a token given here is used for this pull only, never stored."""
    if token is None:
        synced = stored_sync(workspace, "mastodon", account=instance, quiet=quiet,
                             on_wait=on_wait)  # fmt: skip
        return [synced.summary]
    if instance is None:
        raise UsageError("which instance? give its address, e.g. https://mastodon.social",
                         option="instance")  # fmt: skip
    with progress_bar(not quiet, "Pulling Mastodon") as step:
        summary = api.pull_mastodon(
            workspace=workspace,
            instance=instance,
            token=token,
            progress=lambda label: step(label),
            on_wait=on_wait,
        )
    return [summary]


@command(pull_app, "bluesky", show=show_pulls, to_json=pulls_json, purpose="a pull")
def pull_bluesky(
    workspace: Workspace,
    quiet: bool,
    on_wait: Waiting,
    handle: Annotated[
        str | None,
        typer.Option(
            help="Your handle, e.g. shop.bsky.social (with a stored connection: which one, "
            "when there are several)."
        ),
    ] = None,
    app_password: Annotated[
        str | None,
        typer.Option(
            "--app-password",
            envvar="RAPPORT_BLUESKY_APP_PASSWORD",
            show_envvar=True,
            help="An app password (Settings > Privacy and security > App passwords), used for "
            "this pull only. Without it: the account connected with `rapport connect bluesky`.",
        ),
    ] = None,
    service: Annotated[str, typer.Option(help="Your PDS or entryway.")] = "https://bsky.social",
) -> list[ImportSummary]:
    """Pull your Bluesky account: posts with counts, likes, reposts, quotes, replies,
    followers and notifications. Daily use: connect once (`rapport connect bluesky`), then
    `rapport pull bluesky`; an app password given here is used for this pull only."""
    if app_password is None:
        synced = stored_sync(workspace, "bluesky", account=handle, quiet=quiet, on_wait=on_wait)
        return [synced.summary]
    if handle is None:
        raise UsageError("whose account? give the handle, e.g. shop.bsky.social",
                         option="handle")  # fmt: skip
    with progress_bar(not quiet, "Pulling Bluesky") as step:
        summary = api.pull_bluesky(
            workspace=workspace,
            handle=handle,
            app_password=app_password,
            service=service,
            progress=lambda label: step(label),
            on_wait=on_wait,
        )
    return [summary]


@command(pull_app, "competitors", show=show_pulls, to_json=pulls_json, purpose="a pull")
def pull_competitors(
    workspace: Workspace,
    quiet: bool,
    on_wait: Waiting,
    bluesky_service: Annotated[
        str, typer.Option(help="The public Bluesky AppView to read from.")
    ] = "https://public.api.bsky.app",
) -> list[ImportSummary]:
    """Pull the public posts and counts of the competitors in rapport.toml (Bluesky and
    Mastodon; no login needed). Counts are stored as observations, so history builds up."""
    with progress_bar(not quiet, "Pulling competitors") as step:
        return api.pull_competitors(
            workspace=workspace,
            bluesky_service=bluesky_service,
            progress=lambda label: step(label),
            on_wait=on_wait,
        )


@dataclass(frozen=True)
class TaggedLink:
    url: str
    tagged: str

    def to_dict(self) -> dict[str, str]:
        return {"url": self.url, "tagged": self.tagged}


def _show_link(link: TaggedLink) -> None:
    sys.stdout.write(link.tagged + "\n")


@command(app, "utm", show=_show_link)
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
) -> TaggedLink:
    """Build a UTM-tagged link, so the signups and sales it brings are traced to the post.

    Put the printed link in your post; after you import conversions (GA4, Shopify, CSV),
    rapport ties each one to the post by its utm_content, or else by its landing page.
    """
    from rapport.utm import tag_link

    return TaggedLink(
        url, tag_link(url, post=post, platform=platform, campaign=campaign, medium=medium)
    )
