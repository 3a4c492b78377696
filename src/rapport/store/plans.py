"""What rapport itself stores beside the data: plans, handled care items, what-if results.

Plans (migration ``0005_plans_and_care``) keep their content as JSON written by
:mod:`rapport.strategy.plan`; care items marked done never come back on the care list;
what-if results (``0006_whatif_runs``) let the report show the latest comparison without
simulating again. Every write is one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rapport.store.db import Store

__all__ = [
    "CareDone",
    "PlanRow",
    "StoredWhatIf",
    "care_done_detail",
    "care_done_ids",
    "insert_plan",
    "latest_whatif",
    "plan_rows",
    "record_care_done",
    "save_whatif",
]


def _utc(seconds: Any) -> dt.datetime | None:
    return None if seconds is None else dt.datetime.fromtimestamp(float(seconds), tz=dt.UTC)


# -- plans -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanRow:
    """One stored plan: its bookkeeping columns and its JSON payload."""

    plan_id: int
    created_at: dt.datetime
    objective: str | None
    weekly_hours: float | None
    data_end: dt.datetime | None
    payload: Mapping[str, Any]


def insert_plan(
    store: Store,
    payload: Mapping[str, Any],
    *,
    objective: str | None,
    weekly_hours: float | None,
    data_end: dt.datetime | None,
) -> int:
    """Store one plan's payload and return its id."""
    with store.transaction() as con:
        row = con.execute("SELECT coalesce(max(plan_id), 0) + 1 FROM plans").fetchone()
        plan_id = int(row[0]) if row else 1
        con.execute(
            "INSERT INTO plans (plan_id, created_at, objective, weekly_hours, data_end, plan) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                plan_id,
                dt.datetime.now(dt.UTC),
                objective,
                weekly_hours,
                data_end,
                json.dumps(dict(payload), ensure_ascii=False, sort_keys=True),
            ],
        )
    return plan_id


def plan_rows(store: Store, *, n: int = 2) -> list[PlanRow]:
    """The ``n`` most recent stored plans, newest first."""
    rows = store.connection.execute(
        "SELECT plan_id, epoch(created_at), objective, weekly_hours, epoch(data_end), plan "
        "FROM plans ORDER BY plan_id DESC LIMIT ?",
        [n],
    ).fetchall()
    return [
        PlanRow(
            plan_id=int(plan_id),
            created_at=_utc(created_at) or dt.datetime.now(dt.UTC),
            objective=objective,
            weekly_hours=None if weekly_hours is None else float(weekly_hours),
            data_end=_utc(data_end),
            payload=json.loads(text),
        )
        for plan_id, created_at, objective, weekly_hours, data_end, text in rows
    ]


# -- care items ------------------------------------------------------------------------------
def care_done_ids(store: Store) -> dict[str, str]:
    """The care items already handled, with the day (UTC) each was first marked done."""
    rows = store.connection.execute(
        "SELECT item_id, strftime(min(done_at), '%Y-%m-%d') FROM care_done GROUP BY 1"
    )
    return {str(item): str(day) for item, day in rows.fetchall()}


@dataclass(frozen=True)
class CareDone:
    """When a care item was first marked done, by whom, and the answer's address."""

    item_id: str
    done_at: dt.datetime
    by: str | None
    url: str | None


def care_done_detail(store: Store, item_id: str) -> CareDone | None:
    """How the care item ``item_id`` was first marked done; None when it was not."""
    row = store.connection.execute(
        "SELECT done_at, answered_by, url FROM care_done WHERE item_id = ? "
        "ORDER BY done_at LIMIT 1",
        [item_id],
    ).fetchone()
    if row is None:
        return None
    moment: dt.datetime = row[0]
    moment = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
    return CareDone(item_id, moment, row[1], row[2])


def record_care_done(
    store: Store,
    *,
    item_id: str,
    action: str,
    person_id: str | None,
    done_at: dt.datetime,
    by: str | None = None,
    url: str | None = None,
) -> None:
    """Record that a care item was handled (``by`` whom, and the answer's ``url``)."""
    with store.transaction() as con:
        con.execute(
            "INSERT INTO care_done (item_id, action, person_id, done_at, answered_by, url) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [item_id, action, person_id, done_at, by, url],
        )


# -- what-if results -------------------------------------------------------------------------
@dataclass(frozen=True)
class StoredWhatIf:
    """A what-if result as ``rapport whatif`` stored it."""

    run_id: int
    created_at: dt.datetime
    months: int
    runs: int
    seed: int
    result: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "created_at": self.created_at.astimezone(dt.UTC).isoformat(),
            "months": self.months,
            "runs": self.runs,
            "seed": self.seed,
            "result": self.result,
        }


def save_whatif(store: Store, result: Mapping[str, Any], *, seed: int) -> int:
    """Store one what-if result (``WhatIf.to_dict()``) and return its id."""
    with store.transaction() as con:
        row = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM whatif_runs").fetchone()
        run_id = int(row[0]) if row else 1
        con.execute(
            "INSERT INTO whatif_runs (run_id, created_at, months, runs, seed, result) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                run_id,
                dt.datetime.now(dt.UTC),
                int(result.get("months", 0)),
                int(result.get("runs", 0)),
                seed,
                json.dumps(dict(result), ensure_ascii=False, sort_keys=True),
            ],
        )
    return run_id


def latest_whatif(store: Store) -> StoredWhatIf | None:
    """The most recent stored what-if result, or None when ``rapport whatif`` never ran."""
    rows = store.connection.execute(  # fetchall: a half-read result blocks the connection
        "SELECT run_id, epoch(created_at), months, runs, seed, result FROM whatif_runs "
        "ORDER BY run_id DESC LIMIT 1"
    ).fetchall()
    if not rows:
        return None
    run_id, created, months, runs, seed, text = rows[0]
    return StoredWhatIf(
        run_id=int(run_id),
        created_at=_utc(created) or dt.datetime.now(dt.UTC),
        months=int(months),
        runs=int(runs),
        seed=int(seed),
        result=json.loads(text),
    )
