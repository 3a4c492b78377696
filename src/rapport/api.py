"""The operations behind the CLI, as plain functions (rapport's Python API).

Each takes a :class:`~rapport.workspace.Workspace` and keyword options, raises
:class:`~rapport.errors.RapportError` subclasses for bad input, and returns a result object
with a ``to_dict()`` for JSON. Input is always read and checked before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from rapport._api_strategy import (
    PlanResult,
    WhatIfResult,
    care_done,
    care_today,
    competitor_benchmark,
    content_calendar,
    make_plan,
    plan_progress,
    what_if,
)
from rapport._api_virality import (
    choose_seeds,
    forecast_file,
    forecast_post,
    moonshot_odds,
    run_backtest,
    spike_audit,
)
from rapport.canonical.batch import Batch
from rapport.canonical.io import ExportFormat, write_canonical
from rapport.config import AccountRef, Accounts, Config, Goal, Targets
from rapport.errors import InputNotFound, UsageError
from rapport.importers import ImportOptions, KnownAccount
from rapport.importers import run as run_importer
from rapport.metrics.run import MetricResult, run_metrics
from rapport.query.context import build_context
from rapport.store import ImportSummary
from rapport.store.privacy import ErasureSummary, forget_person, pseudonymise
from rapport.workspace import Workspace

__all__ = [
    "DemoResult",
    "ExportResult",
    "PlanResult",
    "WhatIfResult",
    "care_done",
    "care_today",
    "choose_seeds",
    "competitor_benchmark",
    "compute_metrics",
    "content_calendar",
    "erase_person",
    "export_workspace",
    "forecast_file",
    "forecast_post",
    "import_path",
    "known_own_accounts",
    "make_plan",
    "metric_table",
    "metric_table_list",
    "moonshot_odds",
    "plan_progress",
    "pull_bluesky",
    "pull_competitors",
    "pull_mastodon",
    "run_backtest",
    "run_demo",
    "spike_audit",
    "what_if",
    "workspace_status",
]

Progress = Callable[[str], None]


def known_own_accounts(workspace: Workspace) -> tuple[KnownAccount, ...]:
    """The workspace's own accounts: rapport.toml's, and those earlier imports stored."""
    found: dict[tuple[str, str], KnownAccount] = {}
    for ref in workspace.config().accounts.own:
        found[(ref.platform, ref.handle.lstrip("@").lower())] = KnownAccount(
            ref.platform, ref.handle.lstrip("@"), ref.account_id
        )
    if workspace.has_store():
        with workspace.open_store(create=False) as store:
            rows = store.connection.execute(
                "SELECT platform, handle, account_id FROM accounts WHERE role = 'own'"
            ).fetchall()
        for platform, handle, account_id in rows:
            key = (str(platform), str(handle).lstrip("@").lower())
            known = found.get(key)
            if known is None or known.account_id is None:
                found[key] = KnownAccount(str(platform), str(handle), str(account_id))
    return tuple(found[key] for key in sorted(found))


def import_path(
    path: Path,
    *,
    workspace: Workspace,
    format: str | None = None,
    account: str | None = None,
    mapping: Path | None = None,
    extra: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import a file, folder or archive into the workspace (created when missing).

    The input is read and checked completely before the store is opened for writing.
    """
    if not path.exists():
        raise InputNotFound(path)
    if mapping is not None and not mapping.exists():
        raise InputNotFound(mapping, what="mapping file")
    options = ImportOptions(
        account=account,
        own_accounts=known_own_accounts(workspace),
        origin=path.name,
        mapping=mapping,
        extra=dict(extra or {}),
    )
    batch = run_importer(path, format=format, options=options)
    with workspace.open_store(create=True) as store:
        return store.apply(batch, progress=progress)


def _pull(
    workspace: Workspace,
    prefix: str,
    fetch: Callable[[dict[str, str]], Batch],
    progress: Progress | None,
) -> ImportSummary:
    """Fetch with the cursors earlier pulls left, then store data and new cursors together."""
    workspace.config()
    state: dict[str, str] = {}
    if workspace.has_store():
        with workspace.open_store(create=False) as store:
            state = store.sync_state(prefix)
    batch = fetch(state)
    with workspace.open_store(create=True) as store:
        return store.apply(batch, progress=progress)


def pull_mastodon(
    *, workspace: Workspace, instance: str, token: str, progress: Progress | None = None
) -> ImportSummary:
    """Pull the token's own account from a Mastodon instance (incremental after the first)."""
    from rapport.connectors import mastodon

    return _pull(
        workspace,
        "mastodon:",
        lambda state: mastodon.pull_account(
            instance=instance, token=token, state=state, progress=progress
        ),
        progress,
    )


def pull_bluesky(
    *,
    workspace: Workspace,
    handle: str,
    app_password: str,
    service: str,
    progress: Progress | None = None,
) -> ImportSummary:
    """Pull an own Bluesky account (incremental after the first)."""
    from rapport.connectors import bluesky

    return _pull(
        workspace,
        "bluesky:",
        lambda state: bluesky.pull_account(
            handle=handle,
            app_password=app_password,
            service=service,
            state=state,
            progress=progress,
        ),
        progress,
    )


def pull_competitors(
    *,
    workspace: Workspace,
    bluesky_service: str,
    mastodon_scheme: str = "https",
    progress: Progress | None = None,
) -> list[ImportSummary]:
    """Pull the public posts and counts of the competitors named in rapport.toml."""
    from rapport.connectors import bluesky, mastodon

    competitors = workspace.config().accounts.competitors
    by_platform = {
        "bluesky": [a for a in competitors if a.platform == "bluesky"],
        "mastodon": [a for a in competitors if a.platform == "mastodon"],
    }
    others = sorted({a.platform for a in competitors} - set(by_platform))
    if not any(by_platform.values()):
        raise UsageError(
            "rapport.toml names no Bluesky or Mastodon competitors ([[accounts.competitors]] "
            'with platform = "bluesky" or "mastodon"); competitors on other platforms '
            "can be imported from CSV"
        )
    summaries = []
    if by_platform["bluesky"]:
        summaries.append(
            _pull(
                workspace,
                "bluesky-public:",
                lambda state: bluesky.pull_public(
                    by_platform["bluesky"], service=bluesky_service, state=state, progress=progress
                ),
                progress,
            )
        )
    if by_platform["mastodon"]:
        summaries.append(
            _pull(
                workspace,
                "mastodon-public:",
                lambda state: mastodon.pull_public(
                    by_platform["mastodon"], scheme=mastodon_scheme, state=state, progress=progress
                ),
                progress,
            )
        )
    if others:
        summaries[-1].notices.append(
            f"competitors on {', '.join(others)} have no public API rapport can read; "
            "import their counts from CSV"
        )
    return summaries


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    files: list[Path]
    rows: dict[str, int]
    pseudonymised: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "format": self.format,
            "files": [str(f) for f in self.files],
            "rows": self.rows,
            "pseudonymised": self.pseudonymised,
        }


def export_workspace(
    target: Path,
    *,
    workspace: Workspace,
    format: ExportFormat = "parquet",
    pseudonymised: bool = False,
) -> ExportResult:
    """Write the workspace's data in the canonical format."""
    with workspace.open_store(create=False) as store:
        tables = store.export_tables()
        if pseudonymised:
            tables = pseudonymise(tables, salt=store.meta("salt") or "")
    source = f"rapport export of {workspace.root.resolve().name}"
    if pseudonymised:
        source += " (pseudonymised)"
    files = write_canonical(tables, target, format=format, source=source)
    return ExportResult(
        target, format, files, {n: t.num_rows for n, t in tables.items()}, pseudonymised
    )


def erase_person(person: str, *, workspace: Workspace) -> ErasureSummary:
    """Erase one person from the workspace (see :mod:`rapport.store.privacy`)."""
    with workspace.open_store(create=False) as store:
        return forget_person(store, person)


def compute_metrics(
    *,
    workspace: Workspace,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[MetricResult]:
    """Every registered metric on the workspace's data."""
    config = workspace.config()
    with workspace.open_store(create=False) as store:
        store.refresh_relevance(config.goal.target_audience)
        context = build_context(store.ibis, since=since, until=until, settings={"config": config})
        try:
            return run_metrics(store.ibis, context=context)
        finally:
            context.release()


def metric_table_list() -> list[dict[str, str]]:
    """The tables `rapport metrics --table` can write."""
    from rapport.metrics.tables import metric_tables

    return [{"id": t.id, "title": t.title, "description": t.description} for t in metric_tables()]


def metric_table(
    table: str,
    *,
    workspace: Workspace,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> pd.DataFrame:
    """The rows behind a metric (per post, per person, cohorts …) as a data frame."""
    from rapport.metrics.tables import get_table

    spec = get_table(table)
    config = workspace.config()
    with workspace.open_store(create=False) as store:
        store.refresh_relevance(config.goal.target_audience)
        context = build_context(store.ibis, since=since, until=until, settings={"config": config})
        try:
            frame: pd.DataFrame = store.ibis.execute(spec.build(store.tables(), context))
        finally:
            context.release()
    return frame


def workspace_status(*, workspace: Workspace) -> dict[str, Any]:
    """What the store holds, the last imports and the goal, for `rapport status`."""
    config = workspace.config()
    status: dict[str, Any] = {
        "workspace": str(workspace.root),
        "config": str(workspace.config_path) if workspace.config_path.exists() else None,
        "objective": config.goal.objective,
        "own_accounts": [f"{a.platform}:{a.handle}" for a in config.accounts.own],
        "competitors": [f"{a.platform}:{a.handle}" for a in config.accounts.competitors],
        "store": None,
    }
    if not workspace.has_store():
        return status
    with workspace.open_store(create=False) as store:
        con = store.connection
        accounts = con.execute(
            "SELECT account_id, handle, role, followers FROM accounts ORDER BY role, handle"
        ).fetchall()
        span = con.execute(
            "SELECT min(created_at)::VARCHAR, max(created_at)::VARCHAR FROM posts"
        ).fetchall()[0]
        status["store"] = {
            "path": str(store.path),
            "rows": store.row_counts(),
            "quarantined": store.quarantine_count(),
            "accounts": [
                {"account_id": a, "handle": h, "role": r, "followers": f} for a, h, r, f in accounts
            ],
            "posts_from": span[0],
            "posts_to": span[1],
            "imports": store.recent_imports(limit=5),
            "demo": store.meta("demo") == "true",
        }
    return status


@dataclass
class DemoResult:
    workspace: Path
    report: Path
    summary: ImportSummary
    metrics: list[MetricResult] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "workspace": str(self.workspace),
            "report": str(self.report),
            "import": self.summary.to_dict(),
            "metrics": [m.to_dict() for m in self.metrics],
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
        }


def _demo_config(world: Any) -> Config:
    accounts = world.tables["accounts"].to_pylist()

    def ref(row: dict[str, Any]) -> AccountRef:
        return AccountRef(
            platform=row["platform"], handle=row["handle"], account_id=row["account_id"]
        )

    own = [ref(a) for a in accounts if a["role"] == "own"]
    competitors = [ref(a) for a in accounts if a["role"] == "competitor"]
    params = world.params
    return Config(
        goal=Goal(objective="signups", target_audience=world.target_audience),
        accounts=Accounts(own=own, competitors=competitors),
        targets=Targets(
            # a little above what the simulated brand manages, so the report has a gap to show
            posts_per_week=max(3.0, round(params.brand_posts_per_week + 1)),
            max_promotional_share=0.2,
            reply_time_hours=4.0,
            reply_rate=0.9,
            # the simulated brand spends about 5.5 h a week; leave room for a plan
            weekly_hours=8.0,
        ),
    )


def _prepare_demo_workspace(workspace: Workspace) -> None:
    if workspace.has_store():
        from rapport.store import Store

        with Store(workspace.store_path) as store:
            is_demo = store.meta("demo") == "true"
        if not is_demo:
            raise UsageError(
                f"{workspace.root}: this workspace holds your own data; run the demo in "
                "another folder with --workspace DIR"
            )
        workspace.store_path.unlink()
        wal = workspace.store_path.with_suffix(".duckdb.wal")
        if wal.exists():
            wal.unlink()
    if workspace.root.exists() and not workspace.root.is_dir():
        raise UsageError(f"{workspace.root}: is a file; give a folder for the demo")


def run_demo(
    *,
    workspace: Workspace,
    people: int = 20_000,
    days: int = 365,
    seed: int = 7,
    on_day: Callable[[int, int], None] | None = None,
    progress: Progress | None = None,
) -> DemoResult:
    """Simulate a world, import it into the workspace and write report.html there."""
    import time

    from rapport.report import write_report
    from rapport.simulate import WorldParams, simulate

    if people < 100:
        raise UsageError(f"--people {people}: the demo needs at least 100 people")
    if days < 28:
        raise UsageError(f"--days {days}: the demo needs at least 28 days")
    _prepare_demo_workspace(workspace)
    clock = time.perf_counter()
    world = simulate(WorldParams(people=people, days=days, seed=seed), progress=on_day)
    seconds = {"simulate": time.perf_counter() - clock}
    config = _demo_config(world)
    workspace.create(config=config, overwrite=True)
    batch = Batch.from_tables(
        world.tables,
        source="synthetic",
        origin=f"rapport demo --people {people} --days {days} --seed {seed}",
    )
    clock = time.perf_counter()
    with workspace.open_store(create=True) as store:
        summary = store.apply(batch, progress=progress)
        with store.transaction() as con:
            con.execute("INSERT INTO meta VALUES ('demo', 'true')")
    seconds["import"] = time.perf_counter() - clock
    clock = time.perf_counter()
    report = write_report(
        workspace=workspace, out=workspace.root / "report.html", progress=progress
    )
    seconds["report"] = time.perf_counter() - clock
    return DemoResult(workspace.root, report.path, summary, report.metrics, seconds)
