"""Commands that measure: metrics (and the rows behind them) and the report."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from rapport import api
from rapport.canonical.spreadsheet import safe_cell
from rapport.cli.app import app
from rapport.cli.command import command, err, out, progress_bar
from rapport.cli.terminal import clean, json_text
from rapport.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from rapport.session import Session

__all__: list[str] = []


def _show_report(report: api.Report) -> None:
    computable = sum(1 for m in report.metrics if m.ok)
    out.print(
        f"Wrote {report.path}: {report.charts} charts, {computable} of "
        f"{len(report.metrics)} metrics computable."
    )


@command(app, "report", show=_show_report, period=True)
def report(
    session: Session,
    quiet: bool,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Where to write the HTML. Default: report.html in the workspace."
        ),
    ] = None,
) -> api.Report:
    """Write the report: one self-contained HTML file that works offline."""
    with progress_bar(not quiet, "Report", total=3) as step:
        return api.write_report(session, out=out_file, progress=lambda label: step(label))


@dataclass(frozen=True)
class Metrics:
    """The metric results, as ``rapport metrics`` prints them."""

    results: list[api.MetricResult]
    explanations: dict[str, str]
    """A not-computable metric's id → what would make it computable, in the user's words."""
    engine: str = "duckdb"
    """The engine that computed them: ``duckdb`` or ``spark``."""

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {
                **r.to_dict(),
                **({"explanation": self.explanations[r.id]} if r.id in self.explanations else {}),
                "engine": self.engine,
            }
            for r in self.results
        ]


def _show_metrics(metrics: Metrics) -> None:
    from rapport.report.formatting import format_interval, format_value

    table = Table(show_edge=False, header_style="bold", show_lines=False)
    table.add_column("area")
    table.add_column("metric (denominator)")
    table.add_column("value", justify="right")
    table.add_column("interval, sample")
    for r in metrics.results:
        label = f"{escape(r.title)}\n[dim]{escape(r.denominator)}[/]"
        if r.ok:
            table.add_row(r.area, label, format_value(r), format_interval(r))
        else:
            why = metrics.explanations.get(r.id) or r.reason or ""
            table.add_row(r.area, label, "[yellow]not computable[/]", f"[dim]{escape(why)}[/]")
    out.print(table)
    missing = sum(1 for r in metrics.results if not r.ok)
    out.print(
        f"{len(metrics.results) - missing:,} of {len(metrics.results):,} metrics computable; "
        "each value is over the denominator under its name."
        + (" `rapport status` shows what your data covers and what to add." if missing else "")
    )


@command(app, "metrics", show=_show_metrics, to_json=Metrics.to_json, period=True)
def metrics(
    session: Session,
    quiet: bool,
    table: Annotated[
        str | None,
        typer.Option(
            help="Write the rows behind a metric instead (e.g. people, posts, cohorts, "
            "unanswered); --table list shows them all."
        ),
    ] = None,
    format: Annotated[str, typer.Option(help="For --table: csv or json.")] = "csv",
    engine: Annotated[
        str,
        typer.Option(
            help="Where to compute: duckdb (the store, the default) or spark (the "
            "workspace's partitioned dataset, written or refreshed first; needs "
            "rapport[spark] and Java 17). See docs/scale.md."
        ),
    ] = "duckdb",
    spark_master: Annotated[
        str,
        typer.Option(
            "--spark-master",
            help="With --engine spark: local[N], spark://HOST:7077 (a standalone cluster) or "
            "sc://HOST:15002 (Spark Connect).",
        ),
    ] = "local[2]",
) -> Metrics | None:
    """Compute every metric, each with its denominator, interval and sample size.

    With --table ID, write the rows behind the numbers (per post, per person, cohorts, …) as
    CSV or JSON on stdout. With --engine spark, the same metrics are computed by Spark.
    """
    from rapport.engines import check_engine

    if check_engine(engine) == "spark":
        on_spark = session.on_spark(master=spark_master, on_progress=_progress)
        session.close()  # the dataset is written: the store is free for writers again
        with on_spark:
            return _metrics(on_spark, table=table, format=format, quiet=quiet)
    return _metrics(session, table=table, format=format, quiet=quiet)


def _progress(message: str) -> None:
    err.print(f"[dim]{escape(message)}[/dim]")


def _metrics(session: Session, *, table: str | None, format: str, quiet: bool) -> Metrics | None:
    if table is None:
        from rapport.analyses.coverage import coverage, explain

        results = api.run_metrics(session)
        where = coverage(session)
        return Metrics(
            results,
            {r.id: text for r in results if (text := explain(r, where)) is not None},
            engine=session.engine.name,
        )
    if format not in ("csv", "json"):
        raise UsageError(f"--format {format!r}: expected csv or json")
    if table == "list":
        for spec in api.metric_tables():
            out.print(f"{spec.id:16} {spec.title}: {spec.description}")
        return None
    frame = api.metric_table(session, table)
    if format == "json" or quiet:
        text = frame.to_json(orient="records", date_format="iso", force_ascii=False, indent=2)
        sys.stdout.write(json_text(text) + "\n")
    else:
        sys.stdout.write(_csv(frame))
    return None


def _csv(frame: pd.DataFrame) -> str:
    """The rows as CSV: text cells without control characters and safe in a spreadsheet
    (:func:`~rapport.canonical.spreadsheet.safe_cell`); numbers as they are."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or str(safe[column].dtype).startswith("str"):
            safe[column] = safe[column].map(
                lambda value: safe_cell(clean(value)) if isinstance(value, str) else value
            )
    text: str = safe.to_csv(index=False)
    return text
