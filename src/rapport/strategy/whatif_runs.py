"""What-if results kept in the store (migration ``0006_whatif_runs``).

``rapport whatif`` simulates for a while; its result is saved so that the report can show
the latest comparison, with its date, without simulating again.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from rapport.store import Store

__all__ = ["StoredWhatIf", "latest_whatif", "save_whatif"]


@dataclass(frozen=True)
class StoredWhatIf:
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


def save_whatif(store: Store, result: dict[str, Any], *, seed: int) -> int:
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
                json.dumps(result, ensure_ascii=False, sort_keys=True),
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
        created_at=dt.datetime.fromtimestamp(float(created), tz=dt.UTC),
        months=int(months),
        runs=int(runs),
        seed=int(seed),
        result=json.loads(text),
    )
