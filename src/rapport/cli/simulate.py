"""``rapport simulate``: a large synthetic world written as a partitioned canonical dataset."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from rapport.cli.app import app
from rapport.cli.command import command, err, out

if TYPE_CHECKING:
    from rapport.simulate.partitioned import PartitionedWorld


def _show(result: PartitionedWorld) -> None:
    rows = sum(result.rows.values())
    out.print(
        f"[bold]rapport simulate[/]: {result.people:,} people over {result.days} days (seed "
        f"{result.seed}, {result.blocks} blocks): {rows:,} rows "
        f"({result.rows['interactions']:,} interactions) in {result.files:,} files, "
        f"{result.bytes / 2**20:,.1f} MiB, {result.seconds:,.0f} s."
    )
    out.print(f"Dataset: [bold]{escape(str(result.out))}[/] (Parquet, Hive-style partitions).")


@command(app, "simulate", show=_show, working="rapport simulate: writing…")
def simulate(
    out_folder: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Folder to write the dataset to: new or empty (see --force).",
        ),
    ],
    people: Annotated[
        int, typer.Option(help="People in the synthetic world (at least 100).")
    ] = 1_000_000,
    days: Annotated[int, typer.Option(help="Days to simulate (1 to 3650).")] = 365,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 7,
    block_people: Annotated[
        int,
        typer.Option(
            help="People simulated at once (a block is a world of its own; memory grows "
            "with it, not with --people)."
        ),
    ] = 100_000,
    force: Annotated[
        bool,
        typer.Option(help="Replace a dataset already in --out (other files there are kept)."),
    ] = False,
) -> PartitionedWorld:
    """Write a large synthetic world as a partitioned canonical dataset, in bounded memory.

    Parquet files in Hive-style partitions (DIR/<table>/platform=<p>/month=YYYY-MM/ for the
    tables with a time, DIR/accounts and DIR/people, and DIR/meta.json), readable by DuckDB
    and Spark; see docs/scale.md. People are simulated in blocks that see the same posts,
    so memory stays the same whatever --people. Progress goes to stderr. Nothing in it is
    a real person.
    """
    from rapport.errors import UsageError
    from rapport.simulate.params import WorldParams
    from rapport.simulate.partitioned import write_partitioned_world

    if people < 100:
        raise UsageError(f"people = {people}: at least 100 people", option="people")
    if not 1 <= days <= 3650:
        raise UsageError(f"days = {days}: from 1 to 3650 days", option="days")
    if block_people < 100:
        raise UsageError(f"block-people = {block_people}: at least 100", option="block_people")
    if seed < 0:
        raise UsageError(f"seed = {seed}: a whole number from 0", option="seed")
    return write_partitioned_world(
        WorldParams(people=people, days=days, seed=seed),
        out_folder,
        block_people=block_people,
        force=force,
        report=lambda line: err.print(f"[dim]{escape(line)}[/dim]"),
    )
