"""Data in and out of a workspace: imports, live pulls, exports, erasure, status, the demo.

Each writer reads and checks its input first, then opens a writing session for one
transaction and closes it; nothing here keeps the store open. Results are typed (frozen
dataclasses) with a ``to_dict()`` for JSON.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapport import credentials
from rapport.analyses.coverage import KINDS, Coverage, DataKind, coverage
from rapport.canonical.batch import Batch
from rapport.canonical.io import ExportFormat, write_canonical
from rapport.config import AccountRef, Accounts, Config, Goal, Targets
from rapport.engines.export import DATASET_FOLDER
from rapport.errors import InputNotFound, UsageError
from rapport.importers import ImportOptions, KnownAccount
from rapport.importers import run as run_importer
from rapport.localtime import LocalZone, resolve
from rapport.store import ImportRecord, ImportSummary, Store, erasure, privacy
from rapport.store.tombstones import key_path
from rapport.workspace import Workspace

__all__ = [
    "AccountStatus",
    "DemoResult",
    "ExportResult",
    "StoreStatus",
    "WorkspaceStatus",
    "export_workspace",
    "forget_person",
    "import_path",
    "known_own_accounts",
    "pull_bluesky",
    "pull_competitors",
    "pull_facebook",
    "pull_instagram",
    "pull_mastodon",
    "pull_youtube",
    "run_demo",
    "workspace_status",
]

Progress = Callable[[str], None]
Waiting = Callable[[str], None]


def known_own_accounts(
    workspace: Workspace, *, on_wait: Waiting | None = None
) -> tuple[KnownAccount, ...]:
    """The workspace's own accounts: rapport.toml's, and those earlier imports stored."""
    found: dict[tuple[str, str], KnownAccount] = {}
    for ref in workspace.config().accounts.own:
        found[(ref.platform, ref.handle.lstrip("@").lower())] = KnownAccount(
            ref.platform, ref.handle.lstrip("@"), ref.account_id
        )
    if workspace.has_store():
        with workspace.session(on_wait=on_wait) as session:
            rows = session.store.own_accounts()
        for row in rows:
            key = (row.platform, row.handle.lstrip("@").lower())
            known = found.get(key)
            if known is None or known.account_id is None:
                found[key] = KnownAccount(row.platform, row.handle, row.account_id)
    return tuple(found[key] for key in sorted(found))


def _write(
    workspace: Workspace,
    batch: Batch,
    *,
    purpose: str,
    progress: Progress | None,
    on_wait: Waiting | None,
) -> ImportSummary:
    """Store a checked batch in one transaction of a short writing session."""
    with workspace.session(
        read_only=False, create=True, purpose=purpose, on_wait=on_wait
    ) as session:
        return session.store.apply(
            batch, audience=session.config.goal.target_audience, progress=progress
        )


def import_path(
    path: Path,
    *,
    workspace: Workspace,
    format: str | None = None,
    account: str | None = None,
    mapping: Path | None = None,
    extra: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    on_wait: Waiting | None = None,
) -> ImportSummary:
    """Import a file, folder or archive into the workspace (created when missing).

    The input is read and checked completely before the store is opened for writing.
    """
    if not path.exists():
        raise InputNotFound(path)
    if mapping is not None and not mapping.exists():
        raise InputNotFound(mapping, what="mapping file")
    workspace.check_no_writer()  # a second import is refused at once, never queued
    options = ImportOptions(
        account=account,
        own_accounts=known_own_accounts(workspace, on_wait=on_wait),
        origin=path.name,
        mapping=mapping,
        extra=dict(extra or {}),
    )
    batch = run_importer(path, format=format, options=options)
    return _write(workspace, batch, purpose="an import", progress=progress, on_wait=on_wait)


def _pull(
    workspace: Workspace,
    prefix: str,
    fetch: Callable[[dict[str, str]], Batch],
    progress: Progress | None,
    on_wait: Waiting | None,
) -> ImportSummary:
    """Fetch with the cursors earlier pulls left, then store data and new cursors together."""
    workspace.config()
    workspace.check_no_writer()
    state: dict[str, str] = {}
    if workspace.has_store():
        with workspace.session(on_wait=on_wait) as session:
            state = session.store.sync_state(prefix)
    batch = fetch(state)
    return _write(workspace, batch, purpose="a pull", progress=progress, on_wait=on_wait)


def pull_mastodon(
    *,
    workspace: Workspace,
    instance: str,
    token: str,
    progress: Progress | None = None,
    on_wait: Waiting | None = None,
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
        on_wait,
    )


def pull_bluesky(
    *,
    workspace: Workspace,
    handle: str,
    app_password: str,
    service: str,
    progress: Progress | None = None,
    on_wait: Waiting | None = None,
    saved: str | None = None,
    keep: Callable[[str], None] | None = None,
) -> ImportSummary:
    """Pull an own Bluesky account (incremental after the first); ``saved`` and ``keep``:
    a session to reuse instead of logging in, and where to keep the session afterwards."""
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
            saved=saved,
            keep=keep,
        ),
        progress,
        on_wait,
    )


def pull_instagram(
    *,
    workspace: Workspace,
    token: str,
    account: str | None = None,
    api_url: str | None = None,
    api_version: str | None = None,
    progress: Progress | None = None,
    on_wait: Waiting | None = None,
) -> ImportSummary:
    """Pull an Instagram professional account through Meta's Graph API (incremental after
    the first): media with counts and insights, comments and replies with who wrote them,
    the account's own replies, follower counts. ``account``: its id, when the token reaches
    several."""
    from rapport.connectors import GRAPH_URL, GRAPH_VERSION
    from rapport.connectors import instagram as connector

    return _pull(
        workspace,
        "instagram:",
        lambda state: connector.pull_account(
            token=token,
            account=account or None,
            state=state,
            progress=progress,
            base_url=api_url or GRAPH_URL,
            version=api_version or GRAPH_VERSION,
        ),
        progress,
        on_wait,
    )


def pull_facebook(
    *,
    workspace: Workspace,
    token: str,
    page: str | None = None,
    api_url: str | None = None,
    api_version: str | None = None,
    progress: Progress | None = None,
    on_wait: Waiting | None = None,
) -> ImportSummary:
    """Pull a Facebook Page through Meta's Graph API (incremental after the first): posts
    with counts and insights, comments and replies with who wrote them, the Page's own
    replies, follower counts. ``page``: its id, when the token reaches several."""
    from rapport.connectors import GRAPH_URL, GRAPH_VERSION
    from rapport.connectors import facebook as connector

    return _pull(
        workspace,
        "facebook:",
        lambda state: connector.pull_page(
            token=token,
            page=page or None,
            state=state,
            progress=progress,
            base_url=api_url or GRAPH_URL,
            version=api_version or GRAPH_VERSION,
        ),
        progress,
        on_wait,
    )


def pull_youtube(
    *,
    workspace: Workspace,
    channel: str,
    api_key: str | None = None,
    oauth_token: str | None = None,
    api_url: str | None = None,
    progress: Progress | None = None,
    on_wait: Waiting | None = None,
) -> ImportSummary:
    """Pull a YouTube channel through the Data API v3 (incremental after the first): its
    uploads with statistics, comment threads and replies with their authors, the channel's
    own replies; the quota units the pull used are in the summary's notices."""
    from rapport.connectors import YOUTUBE_URL
    from rapport.connectors import youtube as connector

    return _pull(
        workspace,
        "youtube:",
        lambda state: connector.pull_channel(
            channel=channel,
            api_key=api_key,
            oauth_token=oauth_token,
            state=state,
            progress=progress,
            base_url=api_url or YOUTUBE_URL,
        ),
        progress,
        on_wait,
    )


def pull_competitors(
    *,
    workspace: Workspace,
    bluesky_service: str,
    mastodon_scheme: str = "https",
    progress: Progress | None = None,
    on_wait: Waiting | None = None,
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
                on_wait,
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
                on_wait,
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
    """Where an export went, in which format, and how many rows of each table it holds."""

    path: Path
    format: str
    files: list[Path]
    rows: dict[str, int]
    pseudonymised: bool
    partitioned: bool = False
    """Whether it is the partitioned dataset (``--partitioned``): then ``files`` are
    ``meta.json`` and one folder per table."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "format": self.format,
            "files": [str(f) for f in self.files],
            "rows": self.rows,
            "pseudonymised": self.pseudonymised,
            "partitioned": self.partitioned,
        }


def export_workspace(
    target: Path,
    *,
    workspace: Workspace,
    format: ExportFormat = "parquet",
    pseudonymised: bool = False,
    partitioned: bool = False,
    on_wait: Waiting | None = None,
) -> ExportResult:
    """Write the workspace's data in the canonical format; ``partitioned``: as the
    partitioned Parquet dataset DuckDB and Spark read lazily, with the text features and
    ``meta.json`` (see :mod:`rapport.engines.dataset`)."""
    if partitioned:
        if format != "parquet":
            raise UsageError("a partitioned export is written as Parquet only, not as JSON Lines")
        from rapport.engines.dataset import META_FILE
        from rapport.engines.export import export_partitioned

        with workspace.session(on_wait=on_wait) as session:
            meta = export_partitioned(session, target, pseudonymise=pseudonymised)
        files = [target / META_FILE, *(target / name for name in meta.rows)]
        return ExportResult(target, format, files, dict(meta.rows), pseudonymised, True)
    with workspace.session(on_wait=on_wait) as session:
        tables = session.store.export_tables()
        if pseudonymised:
            tables = privacy.pseudonymise(tables, salt=session.store.meta("salt") or "")
    source = f"rapport export of {workspace.root.resolve().name}"
    if pseudonymised:
        source += " (pseudonymised)"
    files = write_canonical(tables, target, format=format, source=source)
    return ExportResult(
        target, format, files, {n: t.num_rows for n, t in tables.items()}, pseudonymised
    )


def forget_person(
    person: str, *, workspace: Workspace, on_wait: Waiting | None = None
) -> erasure.ErasureSummary:
    """Erase one person from the workspace (see :mod:`rapport.store.erasure`): the store,
    the store file's free pages, and the rapport outputs in the workspace that name them."""
    with workspace.session(read_only=False, purpose="an erasure", on_wait=on_wait) as session:
        identity = erasure.identify(session.store, person)
        summary = erasure.forget_person(
            session.store, identity, audience=session.config.goal.target_audience
        )
    store = workspace.store_path
    companions = {store, key_path(store), workspace.config_path}
    companions |= {store.with_name(store.name + suffix) for suffix in (".wal", ".writer")}
    companions |= {workspace.root / credentials.FILE_NAME, workspace.root / credentials.LOCK_NAME}
    files = erasure.outputs_naming(workspace.root, identity, keep=companions)
    removed = [str(p) for p in files.removed]
    dataset = workspace.root / DATASET_FOLDER  # the Spark engine's copy holds everyone
    if dataset.exists():
        shutil.rmtree(dataset, ignore_errors=True)
        removed.append(str(dataset))
    return dataclasses.replace(
        summary,
        files_removed=tuple(removed),
        files_naming_them=tuple(str(p) for p in files.kept),
    )


# -- status ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class AccountStatus:
    """One account the store holds: its id, handle, role and latest follower count."""

    account_id: str
    handle: str
    role: str
    followers: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "handle": self.handle,
            "role": self.role,
            "followers": self.followers,
        }


@dataclass(frozen=True)
class StoreStatus:
    """What the store holds."""

    path: Path
    rows: Mapping[str, int]
    quarantined: int
    accounts: tuple[AccountStatus, ...]
    posts_from: str | None
    posts_to: str | None
    imports: tuple[ImportRecord, ...]
    demo: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "rows": dict(self.rows),
            "quarantined": self.quarantined,
            "accounts": [a.to_dict() for a in self.accounts],
            "posts_from": self.posts_from,
            "posts_to": self.posts_to,
            "imports": [i.to_dict() for i in self.imports],
            "demo": self.demo,
        }


@dataclass(frozen=True)
class WorkspaceStatus:
    """The workspace, its goal and accounts, and what its store holds (None: no data yet)."""

    workspace: Path
    config: Path | None
    objective: str | None
    own_accounts: tuple[str, ...]
    competitors: tuple[str, ...]
    store: StoreStatus | None
    coverage: Coverage | None = None
    """What the data covers per own platform (None: no data yet)."""
    zone: LocalZone | None = None
    """The zone times are shown in, and where it came from."""

    def to_add(self) -> list[tuple[DataKind, str]]:
        """The kinds of data the workspace lacks, each with how to get it (most useful
        first: the people who engage, their replies, follows, conversions, competitors)."""
        if self.coverage is None:
            return []
        wanted = ("engagers", "replies", "follows", "conversions", "competitors", "counts")
        by_id = {k.id: k for k in KINDS}
        return [
            (by_id[k], self.coverage.how_to_get(by_id[k]))
            for k in wanted
            if not self.coverage.has(k)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "workspace": str(self.workspace),
            "config": None if self.config is None else str(self.config),
            "objective": self.objective,
            "own_accounts": list(self.own_accounts),
            "competitors": list(self.competitors),
            "store": None if self.store is None else self.store.to_dict(),
            "coverage": None if self.coverage is None else self.coverage.to_dict(),
            "to_add": [{"kind": k.id, "how": how} for k, how in self.to_add()],
            "timezone": None
            if self.zone is None
            else {"name": self.zone.name, "source": self.zone.source},
        }


def workspace_status(*, workspace: Workspace, on_wait: Waiting | None = None) -> WorkspaceStatus:
    """What the store holds, the last imports and the goal, for ``rapport status``."""
    config = workspace.config()
    store: StoreStatus | None = None
    covered: Coverage | None = None
    zone = resolve(config.timezone)
    if workspace.has_store():
        with workspace.session(on_wait=on_wait) as session:
            covered = coverage(session)
            zone = session.zone
            s = session.store
            span = s.post_span()
            store = StoreStatus(
                path=s.path,
                rows=s.row_counts(),
                quarantined=s.quarantine_count(),
                accounts=tuple(
                    AccountStatus(a.account_id, a.handle, a.role, a.followers) for a in s.accounts()
                ),
                posts_from=span[0],
                posts_to=span[1],
                imports=tuple(s.recent_imports(limit=5)),
                demo=s.meta("demo") == "true",
            )
    return WorkspaceStatus(
        workspace=workspace.root,
        config=workspace.config_path if workspace.config_path.exists() else None,
        objective=config.goal.objective,
        own_accounts=tuple(f"{a.platform}:{a.handle}" for a in config.accounts.own),
        competitors=tuple(f"{a.platform}:{a.handle}" for a in config.accounts.competitors),
        store=store,
        coverage=covered,
        zone=zone,
    )


# -- the demo --------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoResult:
    """What `rapport demo` made: the workspace, its report, the import and the headline
    metrics."""

    workspace: Path
    report: Path
    summary: ImportSummary
    people: int
    days: int
    seed: int
    metrics: list[Any] = field(default_factory=list)
    """The report's :class:`~rapport.metrics.run.MetricResult` list."""
    seconds: dict[str, float] = field(default_factory=dict)
    end: dt.date | None = None
    """The day the simulated period ends (exclusive: its last day is the day before)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "workspace": str(self.workspace),
            "report": str(self.report),
            "end": None if self.end is None else self.end.isoformat(),
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


def _prepare_demo_workspace(workspace: Workspace, on_wait: Waiting | None) -> None:
    if workspace.has_store():
        with Store(workspace.store_path, read_only=True, on_wait=on_wait) as store:
            is_demo = store.meta("demo") == "true"
        if not is_demo:
            raise UsageError(
                f"{workspace.root}: this workspace holds your own data; run the demo in "
                "another folder"
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
    end: dt.date | None = None,
    on_day: Callable[[int, int], None] | None = None,
    progress: Progress | None = None,
    on_wait: Waiting | None = None,
) -> DemoResult:
    """Simulate a world, import it into the workspace and write report.html there.

    The simulated period ends as ``end`` begins (UTC; default: today, so that the data ends
    yesterday, as a real export made today would): nothing in it is dated on or after
    ``end`` but the closing follower and post counts, observed at its first instant. Give
    ``end`` for a demo that is the same on any day.
    """
    import time

    from rapport.report import write_report
    from rapport.simulate import WorldParams, simulate

    if people < 100:
        raise UsageError(f"people = {people}: the demo needs at least 100 people", option="people")
    if days < 28:
        raise UsageError(f"days = {days}: the demo needs at least 28 days", option="days")
    _prepare_demo_workspace(workspace, on_wait)
    end = end if end is not None else dt.datetime.now(dt.UTC).date()
    clock = time.perf_counter()
    params = WorldParams.ending(end, people=people, days=days, seed=seed)
    world = simulate(params, progress=on_day)
    seconds = {"simulate": time.perf_counter() - clock}
    config = _demo_config(world)
    workspace.create(config=config, overwrite=True)
    batch = Batch.from_tables(
        world.tables,
        source="synthetic",
        origin=f"rapport demo --people {people} --days {days} --seed {seed} --end {end}",
    )
    clock = time.perf_counter()
    with workspace.session(
        read_only=False, create=True, purpose="the demo's import", on_wait=on_wait
    ) as session:
        summary = session.store.apply(
            batch, audience=session.config.goal.target_audience, progress=progress
        )
        session.store.mark_demo()
    seconds["import"] = time.perf_counter() - clock
    clock = time.perf_counter()
    with workspace.session(on_wait=on_wait) as session:
        report = write_report(session, out=workspace.root / "report.html", progress=progress)
    seconds["report"] = time.perf_counter() - clock
    return DemoResult(
        workspace.root, report.path, summary, people, days, seed, report.metrics, seconds, end
    )
