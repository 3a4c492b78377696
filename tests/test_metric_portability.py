"""Every metric can run on Spark: it compiles to Spark SQL without a cluster, and no new code
reaches for a construct that only DuckDB has (or that two engines answer differently).

The numbers themselves are compared on a real Spark in tests/test_spark_parity.py; this module
needs no Java and runs in seconds.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from typing import Any

import ibis
import pytest

from rapport.config import Config, Goal
from rapport.metrics import NOT_ON_SPARK, metrics
from rapport.metrics.portability import unsupported
from rapport.metrics.run import _named, evaluate
from rapport.metrics.spec import MetricSpec
from rapport.metrics.tables import MetricTable, metric_tables
from rapport.query import FACTS, Context, Tables
from rapport.query.common import TIE_TOLERANCE, best_row
from rapport.session import Session
from rapport.store import Store
from tests.conftest import batch_of
from tests.edge_world import edge_config, edge_world

SRC = Path(__file__).resolve().parents[1] / "src" / "rapport"

FACT_SETS = {
    "every fact": frozenset(FACTS),
    "interactions only": frozenset({"interactions.engagement", "follower_counts"}),
    "nothing": frozenset(),
}
"""The facts decide which source a metric reads (post_stats or interactions, reach or
followers): each set compiles other branches."""


@pytest.fixture(scope="module")
def spark_dialect() -> None:
    """Ibis's PySpark options are registered when its backend loads (which imports pyspark)."""
    try:
        ibis.pyspark  # noqa: B018
    except ImportError as exc:
        reason = f"pyspark is not installed ({exc}): pip install 'rapport[spark]'"
        if os.environ.get("RAPPORT_REQUIRE_SPARK") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def _context(facts: frozenset[str], zone: str = "Europe/Paris") -> Context:
    config = Config(timezone=zone, goal=Goal(target_audience="home bakers"))
    return Context(
        account_ids=("x:me", "mastodon:me@example.social"),
        settings={"backend": "pyspark", "zone": zone, "facts": facts, "config": config},
    )


def _sql(expr: Any) -> str:
    return str(ibis.to_sql(expr, dialect="pyspark"))


@pytest.mark.parametrize("spec", metrics(), ids=lambda s: s.id)
@pytest.mark.usefixtures("spark_dialect")
def test_metric_compiles_to_spark_sql(spec: MetricSpec) -> None:
    t = Tables.unbound()
    for label, facts in FACT_SETS.items():
        c = _context(facts)
        for need in spec.needs:
            assert _sql(need.check(t, c).as_scalar()), (label, need.label)
        named = _named(spec.compute(t, c))
        exprs = {k: v.as_scalar() for k, v in named.items() if isinstance(v, ibis.Expr)}
        sql = _sql(ibis.struct({f"f{i}": e for i, e in enumerate(exprs.values())}))
        # never Ibis's portable epoch_seconds (whole seconds on Spark) nor a DuckDB builtin
        assert not re.search(r"\b(UNIX_TIMESTAMP|EPOCH|TIMEZONE)\(", sql.upper()), label


@pytest.mark.parametrize("table", metric_tables(), ids=lambda m: m.id)
@pytest.mark.usefixtures("spark_dialect")
def test_metric_table_compiles_to_spark_sql(table: MetricTable) -> None:
    t = Tables.unbound()
    for facts in FACT_SETS.values():
        assert _sql(table.build(t, _context(facts)))


@pytest.mark.usefixtures("spark_dialect")
def test_counts_with_a_condition_are_zero_over_no_rows_on_spark() -> None:
    """Ibis writes SUM(CAST(c AS BIGINT)) for Spark, NULL over no rows; rapport's dialect
    correction makes it COUNT_IF, 0 as on DuckDB."""
    t = Tables.unbound().interactions
    sql = _sql(t.count(where=t.kind == "like"))
    assert "COUNT_IF(" in sql and "SUM(" not in sql


@pytest.mark.usefixtures("spark_dialect")
def test_local_time_and_seconds_use_spark_builtins() -> None:
    t = Tables.unbound().posts
    from rapport.query.common import local_time, seconds

    c = _context(frozenset())
    sql = _sql(t.select(s=seconds(t.created_at, c), h=local_time(t.created_at, c).hour()))
    assert "UNIX_MICROS(" in sql and "FROM_UTC_TIMESTAMP(" in sql and "'Europe/Paris'" in sql


# -- no DuckDB-only construct outside the routed helpers --------------------------------------
SCANNED = ("metrics", "query", "analyses", "strategy")
"""The packages whose Ibis expressions are meant to run on any engine."""
BANNED: dict[str, str] = {
    "delta": "whole-unit differences: DuckDB counts calendar boundaries, Spark elapsed units; "
    "use seconds() arithmetic or week_number()",
    "epoch_seconds": "whole seconds on Spark (unix_timestamp); use rapport.query.common.seconds",
    "approx_nunique": "approximate, and not the same on two engines: use nunique()",
    "approx_median": "approximate, and not the same on two engines: use median()",
    "approx_quantile": "approximate: use quantile()",
    "mode": "picks one of several equally common values, differently per engine",
    "arbitrary": "picks any row, differently per engine",
    "first": "the first of an unordered group differs per engine; rank with a full tie-break",
    "last": "the last of an unordered group differs per engine; rank with a full tie-break",
    "sql": "raw SQL is one engine's dialect",
    "raw_sql": "raw SQL is one engine's dialect",
    "now": "the clock differs per engine and per run; metrics end at the data's end",
    "today": "the clock differs per engine and per run; metrics end at the data's end",
}
ALLOWED: dict[tuple[str, str, str], str] = {
    ("query/common.py", "seconds", "epoch_seconds"): "the fallback for engines other than "
    "DuckDB and Spark, each routed above it",
}
"""(file, enclosing function, construct) → why it is fine there."""
UDF_HOME = "query/common.py"
"""The one module where engine builtins (Ibis UDFs) are declared, routed by backend."""


def _scan(path: Path, root: Path = SRC) -> list[tuple[str, str, str, int]]:
    relative = path.relative_to(root).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, str, str, int]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = child.name
            if (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and child.func.attr in BANNED
                and not _is_python_call(child)
            ):
                found.append((relative, name, child.func.attr, child.lineno))
            if isinstance(child, ast.Attribute) and child.attr == "udf" and relative != UDF_HOME:
                found.append((relative, name, "udf", child.lineno))
            visit(child, name)

    visit(tree, "<module>")
    return found


def _is_python_call(call: ast.Call) -> bool:
    """Calls that are plain Python, not Ibis: ``datetime.now(...)``, ``date.today()``,
    ``dt.datetime.now(dt.UTC)``."""
    target = call.func
    assert isinstance(target, ast.Attribute)
    owner = ast.unparse(target.value)
    return target.attr in ("now", "today") and owner.split(".")[-1] in ("datetime", "date")


def test_no_duckdb_only_construct_outside_the_routed_helpers() -> None:
    offending = []
    for package in SCANNED:
        for path in sorted((SRC / package).rglob("*.py")):
            for relative, function, construct, line in _scan(path):
                if (relative, function, construct) in ALLOWED:
                    continue
                why = BANNED.get(construct, "engine builtins are declared in query/common.py")
                offending.append(f"{relative}:{line} in {function}(): .{construct}(): {why}")
    assert not offending, "not portable to Spark:\n" + "\n".join(offending)


def test_the_scan_finds_what_it_bans(tmp_path: Path) -> None:
    source = tmp_path / "metrics" / "probe.py"
    source.parent.mkdir()
    source.write_text(
        "import datetime\n"
        "@ibis.udf.scalar.builtin\ndef g(x): ...\n"
        "def f(t):\n"
        "    now = datetime.datetime.now(datetime.UTC)\n"
        "    return t.a.delta(t.b, unit='week'), t.c.approx_nunique(), t.d.mode()\n"
    )
    found = {(function, construct) for _, function, construct, _ in _scan(source, tmp_path)}
    assert found == {("f", "delta"), ("f", "approx_nunique"), ("f", "mode"), ("g", "udf")}


# -- ties and engines ---------------------------------------------------------------------------
def test_best_row_breaks_near_ties_by_the_smallest_key() -> None:
    con = ibis.duckdb.connect()
    mean = 1.8244658567239211
    rows = ibis.memtable(
        {"slot": [14, 9, 3], "mean_rate": [mean * (1 + TIE_TOLERANCE / 10), mean, 0.5]}
    )
    assert con.execute(best_row(rows, by="mean_rate", key="slot")).slot.tolist() == [9]
    apart = ibis.memtable({"slot": [14, 9], "mean_rate": [mean * (1 + 10 * TIE_TOLERANCE), mean]})
    assert con.execute(best_row(apart, by="mean_rate", key="slot")).slot.tolist() == [14]
    empty = rows.filter(rows.slot > 100)
    assert con.execute(best_row(empty, by="mean_rate", key="slot")).empty


@pytest.fixture(scope="module")
def edge_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    config = edge_config()
    with Store(tmp_path_factory.mktemp("edge") / "rapport.duckdb") as store:
        store.apply(batch_of(edge_world()), audience=config.goal.target_audience)
        with Session.over(store, config=config) as session:
            return {r.id: r for r in session.metrics()}


def test_ties_in_the_edge_world_go_to_the_smallest_key(edge_results: dict[str, Any]) -> None:
    """Educational posts (Mondays 09:xx in Paris) and questions (Tuesdays 14:xx) have the same
    five rates, added up in orders whose double sums differ in the last bit: the best kind,
    hour and weekday are ties, and go to the first kind, hour and weekday."""
    assert edge_results["top_content_kind"].extra["kind"] == "educational"
    assert edge_results["best_hour"].value == 9
    assert edge_results["best_weekday"].value == 0
    assert edge_results["best_hour"].extra["slots_compared"] == 3


def test_edge_world_in_local_time_and_calendar_weeks(edge_results: dict[str, Any]) -> None:
    # 2^53 and 2^53 + 1 are two people; a Sunday 23:59:59.999999 then a Monday 00:00 is two
    # weeks, and so is Monday 10:00 then the next Monday 09:00; Monday 00:00 to Sunday
    # 23:59:59 is one
    returning = edge_results["returning_people"]
    assert returning.value == 8 and returning.n == 11
    # answered 1 h after the reply, across the change to summer time (2 h on the clock),
    # 1 h 20 min across the change back (20 min on the clock), 2 h 10 min 30.5 s and 23 h:
    # the median of the four, to the fraction of a second
    reply = edge_results["time_to_first_reply"]
    assert reply.n == 4
    assert reply.value == pytest.approx((4 / 3 + 2 + 10 / 60 + 30.5 / 3600) / 2, rel=1e-12)


def test_a_metric_listed_for_spark_says_so_instead_of_failing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import rapport.metrics.portability as portability

    assert NOT_ON_SPARK == {}, "every metric runs on Spark; a listed one needs its reason"
    monkeypatch.setitem(portability.UNSUPPORTED, "pyspark", {"posts": "for the test"})
    with Store(tmp_path / "rapport.duckdb") as store:
        store.apply(batch_of(edge_world()))
        with Session.over(store) as session:
            spark_like = Context(
                account_ids=session.context.account_ids,
                settings={**session.context.settings, "backend": "pyspark"},
            )
            (posts,) = evaluate(session.backend, session.tables, spark_like, ids=["posts"])
            (duck,) = evaluate(session.backend, session.tables, session.context, ids=["posts"])
    assert posts.status == "not_computable"
    assert posts.reason == "not computed on Spark: for the test"
    assert unsupported("posts", spark_like) == posts.reason
    assert duck.ok and duck.value == 24
