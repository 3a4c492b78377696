"""rapport's metrics on DuckDB against Spark ``local[2]``, over one partitioned dataset.

For each size (interactions; 1M and 10M by default) the script writes a synthetic world with
``rapport simulate`` (the people needed for about that many interactions over 365 days;
reused when ``--out`` already holds it), then, for each engine, in a fresh child process:

* reads the partitioned canonical dataset with Ibis (DuckDB: ``read_parquet(glob,
  hive_partitioning=true)``; Spark: ``spark.read.parquet(DIR/<table>)``), builds the metric
  context and evaluates every registered metric (``rapport.metrics.run``): the **first** run
  in the process, then a **warm** run (a new context: shared blocks are computed again);
* the parent samples ``/proc`` every 0.1 s and keeps the **peak memory of the whole process
  tree** (the child and its descendants: Spark's JVM included; ``ru_maxrss`` would miss it).

It prints wall times, peak memory, the ratio Spark / DuckDB and how many metric values agree
(1e-9 relative). Sizes that were not run (100M by default is too long for a 2-core machine)
are **extrapolated** linearly from the two largest measured sizes, and printed as such.

Spark session: ``local[2]``, Arrow on, UTC, a temporary warehouse, UI off, 8 shuffle
partitions, driver memory 6g, ``SPARK_LOCAL_IP=127.0.0.1``.

Harness: until ``rapport.open(..., engine="spark")`` exists, the child builds
:class:`rapport.query.tables.Tables` itself (``_tables`` below) and calls
``rapport.metrics.run.evaluate`` per metric (so a metric that fails on one engine is reported,
not fatal); with the engine API this becomes ``rapport.open(DIR, engine=...).metrics()``.

    .venv/bin/python bench/spark.py                                  # 1M and 10M
    .venv/bin/python bench/spark.py --sizes 1e6 --out /tmp/worlds    # keep the datasets
    .venv/bin/python bench/spark.py --sizes 1e6 --engines duckdb

This is a script, not a test: nothing asserts a duration.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

INTERACTIONS_PER_PERSON = 1.45
"""Interactions per person over 365 days in the synthetic world (measured; sets --people)."""
PARTITIONED = ("posts", "interactions", "post_stats", "follower_counts", "conversions")
TABLES = ("accounts", "people", *PARTITIONED)
PAGE = os.sysconf("SC_PAGE_SIZE")


# -- memory of a process tree --------------------------------------------------------------
def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int(Path(f"/proc/{pid}/statm").read_text(encoding="ascii").split()[1]) * PAGE
        todo.extend(children.get(pid, []))
    return total


def _run_sampled(command: list[str], *, env: dict[str, str] | None = None) -> tuple[str, int]:
    """Run ``command``; its stdout and the peak resident bytes of its process tree."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = process.communicate()
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])}… failed with exit code {process.returncode}")
    return stdout, peak


# -- the child: one engine over one dataset ------------------------------------------------
def _spark_session(warehouse: str) -> Any:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .appName("rapport-bench")
        .config("spark.driver.memory", "6g")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.warehouse.dir", warehouse)
        .getOrCreate()
    )


def _tables(backend: Any, engine: str, folder: Path) -> Any:
    """The canonical tables of a partitioned dataset on ``backend`` (the engine API's job,
    later): partition columns dropped, canonical columns only."""
    from rapport.canonical.schema import arrow_schema
    from rapport.query.tables import Tables

    tables = {}
    for name in TABLES:
        if engine == "duckdb":
            glob = str(folder / name / ("**/*.parquet" if name in PARTITIONED else "*.parquet"))
            table = backend.read_parquet(
                glob, table_name=name, hive_partitioning=name in PARTITIONED
            )
        else:
            table = backend.read_parquet(str(folder / name), table_name=name)
        tables[name] = table.select(*arrow_schema(name).names)
    return Tables(**tables)


def _evaluate(backend: Any, engine: str, folder: Path, own: list[str]) -> dict[str, Any]:
    from rapport.config import Config
    from rapport.metrics.run import _needs_met, evaluate
    from rapport.metrics.spec import metrics
    from rapport.query.context import build_context

    tables = _tables(backend, engine, folder)
    context = build_context(
        backend,
        tables=tables,
        account_ids=own,
        settings={"backend": "duckdb" if engine == "duckdb" else "pyspark", "zone": "UTC",
                  "config": Config()},
    )  # fmt: skip
    specs = metrics()
    with contextlib.suppress(Exception):  # the per-metric calls below report it
        _needs_met(backend, specs, tables, context)  # one query for every need, as run_metrics
    values: dict[str, Any] = {}
    for spec in specs:
        try:
            (result,) = evaluate(backend, tables, context, ids=[spec.id])
            values[spec.id] = {"status": result.status, "value": _plain(result.value),
                               "n": result.n}  # fmt: skip
        except Exception as error:  # a metric the engine can't run yet
            message = f"{type(error).__name__}: {error}"
            values[spec.id] = {"status": "error", "error": message[:300]}
    context.release()
    return values


def _plain(value: Any) -> Any:
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    return str(value)


def _child(engine: str, folder: Path, runs: int) -> None:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    started = time.perf_counter()
    warehouse = tempfile.mkdtemp(prefix="rapport-bench-warehouse-")
    import ibis

    if engine == "duckdb":
        backend = ibis.duckdb.connect()
        backend.raw_sql("SET threads = 2")
    else:
        backend = ibis.pyspark.connect(_spark_session(warehouse))
    start = time.perf_counter() - started
    times, values = [], {}
    for _ in range(runs):
        clock = time.perf_counter()
        values = _evaluate(backend, engine, folder, meta["own_account_ids"])
        times.append(time.perf_counter() - clock)
    rows = backend.execute(_tables(backend, engine, folder).interactions.count())
    if engine == "spark":
        backend._session.stop()
    shutil.rmtree(warehouse, ignore_errors=True)
    print(json.dumps({"engine": engine, "start": start, "times": times, "values": values,
                      "interactions": int(rows)}))  # fmt: skip


# -- the parent ------------------------------------------------------------------------------
def _label(size: float) -> str:
    exponent = round(math.log10(size))
    return f"1e{exponent}" if 10**exponent == size else f"{int(size)}"


def _generate(folder: Path, size: float) -> dict[str, Any]:
    """The dataset for ``size`` interactions (reused when complete); generation figures."""
    if (folder / "meta.json").exists():
        return {"reused": True}
    people = max(100, int(size / INTERACTIONS_PER_PERSON))
    command = [sys.executable, "-m", "rapport", "simulate", "--people", str(people), "--days",
               "365", "--seed", "7", "--out", str(folder), "--force", "--json"]  # fmt: skip
    clock = time.perf_counter()
    stdout, peak = _run_sampled(command)
    result = json.loads(stdout)
    return {"reused": False, "seconds": time.perf_counter() - clock, "peak": peak,
            "people": people, "rows": result["rows"], "bytes": result["bytes"],
            "files": result["files"]}  # fmt: skip


def _agree(left: dict[str, Any], right: dict[str, Any]) -> bool:
    """The same status and value (numbers to 1e-9 relative) on both engines."""
    x, y = left.get("value"), right.get("value")
    if left.get("status") != right.get("status"):
        return False
    if isinstance(x, float | int) and isinstance(y, float | int):
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
    return bool(x == y)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1e6,1e7", help="interactions, comma-separated")
    parser.add_argument("--out", type=Path, help="folder for the datasets (kept; reused)")
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--runs", type=int, default=2, help="runs per process (first, warm…)")
    parser.add_argument("--extrapolate", default="1e8", help="sizes to extrapolate to")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]), args.runs)
        return
    sizes = [float(s) for s in args.sizes.split(",") if s]
    engines = [e for e in args.engines.split(",") if e]
    root = args.out or Path(tempfile.mkdtemp(prefix="rapport-bench-spark-"))
    print(f"{dt.date.today()}, machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; datasets in {root}")  # fmt: skip
    measured: dict[str, list[tuple[int, float, float]]] = {e: [] for e in engines}
    header = (f"{'size':>6} {'engine':>7} {'interactions':>12} {'start s':>8} {'first s':>8} "
              f"{'warm s':>8} {'peak MiB':>9} {'ok':>6} {'× duckdb (warm, peak)':>22}")  # fmt: skip
    lines = [header]
    for size in sizes:
        folder = root / _label(size)
        made = _generate(folder, size)
        if not made["reused"]:
            print(f"{_label(size)}: simulated {made['people']:,} people, "
                  f"{made['rows']['interactions']:,} interactions, {made['files']} files, "
                  f"{made['bytes'] / 2**20:,.0f} MiB in {made['seconds']:.0f} s, peak "
                  f"{made['peak'] / 2**20:,.0f} MiB (process tree)", flush=True)  # fmt: skip
        results: dict[str, dict[str, Any]] = {}
        for engine in engines:
            command = [sys.executable, __file__, "--child", engine, str(folder), "--runs",
                       str(args.runs)]  # fmt: skip
            stdout, peak = _run_sampled(command, env={**os.environ, "PYTHONWARNINGS": "ignore"})
            result = json.loads(stdout.strip().splitlines()[-1])
            result["peak"] = peak
            results[engine] = result
            times = result["times"]
            warm = min(times[1:]) if len(times) > 1 else times[0]
            ok = sum(v["status"] == "ok" for v in result["values"].values())
            failed = sum(v["status"] == "error" for v in result["values"].values())
            ratio = ""
            if engine != "duckdb" and "duckdb" in results:
                base = results["duckdb"]
                base_warm = min(base["times"][1:]) if len(base["times"]) > 1 else base["times"][0]
                ratio = f"{warm / base_warm:.1f}×, {peak / base['peak']:.1f}×"
            measured[engine].append((result["interactions"], warm, peak))
            line = (f"{_label(size):>6} {engine:>7} {result['interactions']:>12,} "
                    f"{result['start']:>8.2f} {times[0]:>8.2f} {warm:>8.2f} "
                    f"{peak / 2**20:>9,.0f} {ok:>3}/{len(result['values']):<2} "
                    f"{ratio:>22}")  # fmt: skip
            if failed:
                line += f"  ({failed} failed)"
            lines.append(line)
            print(line, flush=True)
        if "duckdb" in results and "spark" in results:
            left, right = results["duckdb"]["values"], results["spark"]["values"]
            differing = [k for k in left if not _agree(left[k], right.get(k, {}))]
            print(f"{_label(size)}: {len(left) - len(differing)}/{len(left)} metrics agree "
                  f"(1e-9 relative); differing: {', '.join(differing) or 'none'}",
                  flush=True)  # fmt: skip
    print()
    print("\n".join(lines))
    for target in (float(s) for s in args.extrapolate.split(",") if s):
        for engine, points in measured.items():
            points = sorted(points)
            if len(points) < 2 or any(p[0] >= target for p in points):
                continue
            (n1, t1, _), (n2, t2, _) = points[-2], points[-1]
            slope = (t2 - t1) / (n2 - n1)
            estimate = t2 + slope * (target - n2)
            print(f"extrapolated, not measured: {engine} at {target:,.0f} interactions ≈ "
                  f"{estimate:,.0f} s warm (linear from {n1:,} and {n2:,})")  # fmt: skip


if __name__ == "__main__":
    main()
