"""The report's benchmark block: the own accounts against the closest competitors, or, without
competitor data, against their own past and the workspace's targets (with how to add
competitors). Numbers are the benchmark's, rounded as its JSON gives them."""

from __future__ import annotations

import datetime as dt

from rapport.analyses.coverage import in_words
from rapport.charts.figure import Cell, Figure
from rapport.report.blocks import Block, number
from rapport.strategy.benchmark import (
    ADD_COMPETITORS,
    AccountSummary,
    Benchmark,
    format_gap,
    format_value,
)

__all__ = ["benchmark_block", "past_block"]


def _rounded(value: float | None) -> float | None:
    """As the benchmark's JSON gives it (six decimals), so the page and --json agree."""
    return None if value is None else round(value, 6)


def benchmark_block(bench: Benchmark) -> Block:
    """The competitor benchmark as a table: each account's value and rank, area by area."""
    accounts = bench.accounts
    several = len({a.platform for a in accounts}) > 1

    def who(a: AccountSummary) -> str:
        name = f"{a.handle} (you)" if a.role == "own" else a.handle
        return f"{name}, {a.platform}" if several else name

    rows: list[list[Cell]] = []
    missing: dict[str, tuple[list[str], list[str]]] = {}  # reason -> (handles, areas)
    for area in bench.areas:
        unit = area.spec.unit
        by_id = {v.account_id: v for v in area.values}
        cells: list[Cell] = []
        for account in accounts:
            v = by_id.get(account.account_id)
            if v is None:
                cells.append("")
            elif v.status == "ok":
                cells.append(f"{format_value(unit, _rounded(v.value))} (#{v.rank})")
            else:
                cells.append("not computable")
                handles, areas = missing.setdefault(_lower(in_words(v.reason)), ([], []))
                handles.extend(h for h in [v.handle] if h not in handles)
                areas.extend(a for a in [area.spec.title] if a not in areas)
        leader = area.leader
        title = f"{area.spec.title} ({area.platform})" if several else area.spec.title
        rows.append(
            [
                title,
                *cells,
                f"{leader.handle}: {format_value(unit, _rounded(leader.value))}"
                if leader
                else "nobody",
                f"#{area.own_rank}" if area.own_rank else "not ranked",
                format_gap(unit, _rounded(area.gap)),
                "higher" if area.spec.direction == "higher" else "lower",
                area.spec.denominator,
                area.note or "",
            ]
        )
    window = bench.window
    start, end = (m.astimezone(dt.UTC).date().isoformat() for m in (window.start, window.end))
    notes = [
        f"Not computable for {', '.join(handles)} ({', '.join(areas)}): {why}"
        for why, (handles, areas) in missing.items()
    ]
    return Block(
        "benchmark",
        "You and your closest competitors, area by area",
        lines=[
            f"Observation window: {start} to {end} ({number(round(window.days, 2), 0)} days): "
            f"{window.rule}. Each value is followed by its rank (#1 leads); the gap is how far "
            "you are behind the leader."
        ],
        figures=[
            Figure(
                "benchmark",
                "The competitor benchmark",
                None,
                [
                    "Area",
                    *[who(a) for a in accounts],
                    "Leader",
                    "Your rank",
                    "Gap",
                    "Better",
                    "Denominator",
                    "Note",
                ],
                rows,
                order="in the order of your areas",
            )
        ],
        notes=[*notes, *bench.notices],
    )


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:].rstrip(".")


_MOVES = {"better": "better", "worse": "worse", "unchanged": "unchanged", "not known": ""}


def past_block(bench: Benchmark) -> Block:
    """Without competitors: each own account now and in the window before, with the targets."""
    several = len({p.platform for p in bench.past}) > 1 or len(bench.accounts) > 1
    rows: list[list[Cell]] = []
    for area in bench.past:
        unit = area.spec.unit

        def shown(ok: bool, value: float | None, reason: str | None, unit: str = unit) -> str:
            return (
                format_value(unit, _rounded(value))
                if ok
                else f"not computable: {_lower(in_words(reason))}"
            )

        target = area.target
        aim = ""
        if target is not None:
            bound = "at least" if target.direction == "higher" else "at most"
            aim = f"{bound} {format_value(unit, target.value)} ({target.source})"
        gap = area.gap
        rows.append(
            [
                f"{area.spec.title} ({area.platform})" if several else area.spec.title,
                shown(area.now.ok, area.now.value, area.now.reason),
                shown(area.then.ok, area.then.value, area.then.reason),
                _MOVES[area.movement],
                aim,
                "" if gap is None else ("on target" if gap == 0 else format_gap(unit, gap)),
                area.spec.denominator,
            ]
        )
    window, before = bench.window, bench.past_window
    start, end = (m.astimezone(dt.UTC).date().isoformat() for m in (window.start, window.end))
    then = (
        f"; then: the {number(round(before.days, 2), 0)} days before, "
        f"{before.start.astimezone(dt.UTC).date().isoformat()} to {start}"
        if before is not None
        else ""
    )
    return Block(
        "benchmark",
        "You against your own past and your targets",
        lines=[
            "No competitor data yet, so each of your accounts is compared with its own past "
            "and with the targets of rapport.toml ([targets]) and the practices rapport stands "
            f"for. Now: {start} to {end} ({window.rule}){then}. Better or worse follows each "
            "metric's direction; the gap is how far you are from the target."
        ],
        figures=[
            Figure(
                "benchmark-past",
                "You now and in the window before",
                None,
                ["Area", "Now", "Then", "Moving", "Target", "Gap", "Denominator"],
                rows,
                order="in the order of your areas",
            )
        ],
        notes=[*bench.notices, ADD_COMPETITORS],
    )
