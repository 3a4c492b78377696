"""Running metrics on a backend: check needs, evaluate, attach intervals."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from rapport.engines.plans import (
    UNUSABLE,
    Plans,
    Recorder,
    drop_tables,
    recording,
    replay_rows,
    self_contained,
)
from rapport.metrics.portability import unsupported
from rapport.metrics.spec import Measure, MetricSpec, get_metric, metrics
from rapport.query.cache import JsonCache
from rapport.query.common import to_python
from rapport.query.context import Context
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["MetricResult", "evaluate", "evaluate_each", "run_metrics", "wilson_interval"]

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class MetricResult:
    """One metric on one piece of data: its value with denominator, interval and sample
    size, or `not_computable` with the reason."""

    id: str
    area: str
    title: str
    unit: str
    denominator: str
    direction: str
    vanity: bool
    status: str
    value: Any = None
    interval: tuple[float, float] | None = None
    n: int | None = None
    reason: str | None = None
    basis: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    domain: tuple[float | None, float | None] = (None, None)
    """The values the metric can take (lowest, highest; None: unbounded), from its spec."""
    interval_note: str | None = None
    """Why a value has no interval ("n = 2: too few posts for an interval")."""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "area": self.area,
            "title": self.title,
            "value": self.value,
            "unit": self.unit,
            "denominator": self.denominator,
            "interval": list(self.interval) if self.interval else None,
            "domain": list(self.domain),
            "interval_note": self.interval_note,
            "n": self.n,
            "status": self.status,
            "reason": self.reason,
            "basis": self.basis,
            "direction": self.direction,
            "vanity": self.vanity,
            **{k: v for k, v in self.extra.items() if k not in _RESERVED},
        }


_RESERVED = {"id", "value", "status", "domain", "interval_note"}
"""Keys of :meth:`MetricResult.to_dict` that a metric's extra numbers can't take over."""


def wilson_interval(successes: int, n: int, *, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion (95 % by default).

    It lies inside 0 to 1 by construction (and always holds ``successes / n``); the bounds
    are only kept from straying past 0 or 1 by rounding (1e-17 below 0 for 0 successes).
    """
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


COUNT_NOTE = "a count, not an estimate: no interval"
"""The interval note of a count or a number of people."""
TOTAL_NOTE = "a total, not an estimate: no interval"
"""The interval note of a sum of money."""


@dataclass(frozen=True)
class _Shape:
    """What a result needs to know of its measure besides the numbers."""

    basis: str | None
    interval: bool
    """Whether the measure gives explicit bounds."""
    successes: bool
    """Whether the measure gives successes (for a Wilson interval)."""

    @classmethod
    def of(cls, measure: Measure) -> _Shape:
        return cls(measure.basis, measure.interval is not None, measure.successes is not None)


def _interval_note(spec: MetricSpec, measure: _Shape, note: Any) -> str:
    """Why a result with a value has no interval: the metric's own words, else the unit's."""
    if note is not None:
        return str(note)
    if measure.interval or measure.successes:
        return "no interval could be computed from these values"
    if spec.unit in ("count", "people"):
        return COUNT_NOTE
    if spec.unit == "currency":
        return TOTAL_NOTE
    return "not an estimate from a sample: no interval"


def _named(measure: Measure) -> dict[str, Any]:
    """Every number of a measure by name: Ibis expressions, or plain values passed through."""
    named: dict[str, Any] = {"value": measure.value, "n": measure.n, "successes": measure.successes}
    named["interval_note"] = measure.interval_note
    if measure.interval is not None:
        named["low"], named["high"] = measure.interval
    named.update({f"extra:{k}": v for k, v in measure.extra.items()})
    return named


def _execute_struct(
    backend: Any, exprs: dict[str, Any], *, recorder: Recorder | None = None
) -> dict[str, Any]:
    """Scalar expressions evaluated in one query, by name (plain Python values); the query
    is marked on ``recorder`` when one is recording."""
    if not exprs:
        return {}
    keys = list(exprs)
    struct = ibis.struct({f"f{i}": exprs[k].as_scalar() for i, k in enumerate(keys)})
    row = backend.execute(struct)
    if recorder is not None:
        recorder.result(struct.type())
    return _by_key(row, keys)


def _by_key(row: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    return {k: to_python(row[f"f{i}"]) for i, k in enumerate(keys)}


def _pending_labels(specs: Iterable[MetricSpec], context: Context) -> list[str]:
    """The needs of ``specs`` not checked yet for ``context``, in order."""
    known: dict[str, bool] = context._memo.setdefault("needs", {})
    pending: dict[str, None] = {}
    for spec in specs:
        if unsupported(spec.id, context) is not None:
            continue  # not computed on this engine: its needs are not asked either
        for need in spec.needs:
            if need.label not in known:
                pending.setdefault(need.label)
    return list(pending)


def _pending_needs(
    specs: Iterable[MetricSpec], tables: Tables, context: Context
) -> dict[str, ir.BooleanScalar]:
    specs = list(specs)
    checks = {need.label: need for spec in specs for need in spec.needs}
    return {
        label: checks[label].check(tables, context) for label in _pending_labels(specs, context)
    }


def _needs_met(
    backend: Any,
    specs: Iterable[MetricSpec],
    tables: Tables,
    context: Context,
    *,
    recorder: Recorder | None = None,
) -> dict[str, bool]:
    """Whether each need of ``specs`` is met, checked in one query (cached per context)."""
    known: dict[str, bool] = context._memo.setdefault("needs", {})
    found = _execute_struct(backend, _pending_needs(specs, tables, context), recorder=recorder)
    known.update({label: bool(value) for label, value in found.items()})
    return known


def _common(spec: MetricSpec) -> dict[str, Any]:
    return dict(
        id=spec.id,
        area=spec.area,
        title=spec.title,
        unit=spec.unit,
        denominator=spec.denominator,
        direction=spec.direction,
        vanity=spec.vanity,
        domain=spec.domain,
    )


def _unmet(spec: MetricSpec, known: dict[str, bool], context: Context) -> MetricResult | None:
    """The result of a metric that can't be computed here (its engine can't, or data it
    needs is missing); None when it can."""
    reason = unsupported(spec.id, context)
    if reason is not None:
        return MetricResult(**_common(spec), status="not_computable", reason=reason)
    missing = [need.label for need in spec.needs if not known[need.label]]
    if not missing:
        return None
    return MetricResult(
        **_common(spec), status="not_computable", reason="needs " + "; and ".join(missing)
    )


def _result(spec: MetricSpec, measure: _Shape, values: dict[str, Any]) -> MetricResult:
    """A metric's result from its measure's evaluated numbers."""
    common = _common(spec)
    values = dict(values)
    value, n = values.pop("value"), values.pop("n", None)
    successes = values.pop("successes", None)
    note = values.pop("interval_note", None)
    low, high = values.pop("low", None), values.pop("high", None)
    extra = {name[len("extra:") :]: v for name, v in values.items()}
    if value is None:
        return MetricResult(
            **common,
            status="not_computable",
            n=n,
            basis=measure.basis,
            extra=extra,
            reason=f"no value: nothing to compute it from in this period ({spec.denominator})",
        )
    interval: tuple[float, float] | None = None
    if low is not None and high is not None:
        interval = (float(low), float(high))
    elif not measure.interval and measure.successes and n:
        interval = wilson_interval(int(successes or 0), int(n))
    return MetricResult(
        **common,
        status="ok",
        value=value,
        interval=interval,
        n=None if n is None else int(n),
        basis=measure.basis,
        extra=extra,
        interval_note=None if interval else _interval_note(spec, measure, note),
    )


def _run_one(
    backend: Any,
    spec: MetricSpec,
    tables: Tables,
    context: Context,
    *,
    recorder: Recorder | None = None,
    trace: list[dict[str, Any]] | None = None,
) -> MetricResult:
    """One metric's result; with ``recorder``, what a plan needs to give it again is
    appended to ``trace``."""
    unmet = _unmet(spec, _needs_met(backend, [spec], tables, context), context)
    if unmet is not None:
        if trace is not None:
            trace.append({"id": spec.id})
        return unmet
    measure = spec.compute(tables, context)
    named = _named(measure)
    values = {k: v for k, v in named.items() if not isinstance(v, ir.Expr)}
    exprs = {k: v for k, v in named.items() if isinstance(v, ir.Expr)}
    shape = _Shape.of(measure)
    if trace is not None and recorder is not None:
        if json.loads(json.dumps(values)) != values:
            recorder.replayable = False  # a plain value a plan would not read back the same
        query = recorder.result_count() if exprs else None
        trace.append({"id": spec.id, "shape": [shape.basis, shape.interval, shape.successes],
                      "values": values, "query": query, "keys": list(exprs)})  # fmt: skip
    values.update(_execute_struct(backend, exprs, recorder=recorder))
    return _result(spec, shape, values)


def evaluate(
    backend: Any,
    tables: Tables,
    context: Context,
    *,
    ids: Iterable[str] | None = None,
    cache: JsonCache | None = None,
) -> list[MetricResult]:
    """Evaluate metrics (all registered ones by default) on ``backend`` for ``context``.

    The engine-level entry: :func:`run_metrics` calls it with a session's backend, tables
    and context. With ``cache`` (a DuckDB store's), the SQL of the run is recorded once and
    sent again by later runs that ask the same question (:mod:`rapport.engines.plans`).
    """
    specs = [get_metric(i) for i in ids] if ids is not None else metrics()
    if cache is not None and cache.enabled and getattr(backend, "name", None) == "duckdb":
        return _evaluate_planned(backend, tables, context, specs, cache)
    _needs_met(backend, specs, tables, context)
    return [_run_one(backend, spec, tables, context) for spec in specs]


def _evaluate_planned(
    backend: Any, tables: Tables, context: Context, specs: list[MetricSpec], cache: JsonCache
) -> list[MetricResult]:
    """:func:`evaluate` from a recorded plan, or recording one."""
    labels = _pending_labels(specs, context)
    plans = Plans(
        cache,
        Plans.key_of(backend=backend, tables=tables, context=context,
                     ids=[s.id for s in specs], pending=labels),
    )  # fmt: skip
    known: dict[str, bool] = context._memo.setdefault("needs", {})
    names: dict[str, str] = {}
    con = backend.con
    try:
        needs = plans.needs
        if needs is None:
            with recording(backend) as recorder:
                _needs_met(backend, specs, tables, context, recorder=recorder)
            needs = recorder.steps if recorder.replayable else None
        else:
            try:
                rows = replay_rows(con, needs, names)
                found = _by_key(rows[0], labels) if labels else {}
            except UNUSABLE:
                plans.forget()
                return _unplanned(backend, tables, context, specs, names)
            known.update({label: bool(value) for label, value in found.items()})
        met = "".join("1" if known[label] else "0" for label in labels)
        run = plans.run(met)
        if run is not None and len(run["metrics"]) == len(specs):
            try:
                return _replayed(con, specs, context, run, names)
            except UNUSABLE:
                plans.forget()
                return _unplanned(backend, tables, context, specs, names)
        with recording(backend) as recorder:
            trace: list[dict[str, Any]] = []
            results = [
                _run_one(backend, spec, tables, context, recorder=recorder, trace=trace)
                for spec in specs
            ]
        steps = recorder.steps
        if (
            needs is not None
            and recorder.replayable
            and self_contained(steps if names else [*needs, *steps])
        ):
            plans.keep(needs=needs, met=met, run={"steps": steps, "metrics": trace})
        return results
    finally:
        drop_tables(con, names)


def _unplanned(
    backend: Any, tables: Tables, context: Context, specs: list[MetricSpec], names: dict[str, str]
) -> list[MetricResult]:
    """:func:`evaluate` with Ibis after a plan failed to run (its tables dropped first)."""
    drop_tables(backend.con, names)
    names.clear()
    _needs_met(backend, specs, tables, context)
    return [_run_one(backend, spec, tables, context) for spec in specs]


def _replayed(
    con: Any, specs: list[MetricSpec], context: Context, run: dict[str, Any], names: dict[str, str]
) -> list[MetricResult]:
    """The results of a recorded run, its statements sent again."""
    known: dict[str, bool] = context._memo["needs"]
    rows = replay_rows(con, run["steps"], names)
    results = []
    for spec, item in zip(specs, run["metrics"], strict=True):
        if item["id"] != spec.id:
            raise ValueError(f"a metrics plan lists {item['id']!r} where {spec.id!r} is due")
        unmet = _unmet(spec, known, context)
        if unmet is not None:
            results.append(unmet)
            continue
        values = dict(item["values"])
        if item["query"] is not None:
            values.update(_by_key(rows[item["query"]], item["keys"]))
        results.append(_result(spec, _Shape(*item["shape"]), values))
    return results


def evaluate_each(
    backend: Any, tables: Tables, contexts: Sequence[Context], *, ids: Sequence[str]
) -> list[list[MetricResult]]:
    """The same metrics for each of several contexts (other accounts, other periods), in
    two queries whatever their number: one for every context's needs, one for every value.

    Results are the same as :func:`evaluate` for each context; the competitor benchmark
    uses it to evaluate the registered metrics for every compared account and slice.
    """
    specs = [get_metric(i) for i in ids]
    needs = {
        (i, label): expr
        for i, context in enumerate(contexts)
        for label, expr in _pending_needs(specs, tables, context).items()
    }
    found = _execute_struct(backend, {f"{i}:{label}": e for (i, label), e in needs.items()})
    for (i, label), _ in needs.items():
        contexts[i]._memo.setdefault("needs", {})[label] = bool(found[f"{i}:{label}"])
    planned: list[list[tuple[MetricSpec, Measure | MetricResult]]] = []
    exprs: dict[str, Any] = {}
    for i, context in enumerate(contexts):
        known = context._memo.setdefault("needs", {})
        row: list[tuple[MetricSpec, Measure | MetricResult]] = []
        for j, spec in enumerate(specs):
            unmet = _unmet(spec, known, context)
            if unmet is not None:
                row.append((spec, unmet))
                continue
            measure = spec.compute(tables, context)
            for name, expr in _named(measure).items():
                if isinstance(expr, ir.Expr):
                    exprs[f"{i}:{j}:{name}"] = expr
            row.append((spec, measure))
        planned.append(row)
    values = _execute_struct(backend, exprs)
    results: list[list[MetricResult]] = []
    for i, row in enumerate(planned):
        done: list[MetricResult] = []
        for j, (spec, planned_value) in enumerate(row):
            if isinstance(planned_value, MetricResult):
                done.append(planned_value)
                continue
            named = {
                name: values[f"{i}:{j}:{name}"] if isinstance(expr, ir.Expr) else expr
                for name, expr in _named(planned_value).items()
            }
            done.append(_result(spec, _Shape.of(planned_value), named))
        results.append(done)
    return results


def run_metrics(
    session: Session,
    *,
    ids: Iterable[str] | None = None,
    context: Context | None = None,
) -> list[MetricResult]:
    """Every registered metric (or those of ``ids``) on the session's data.

    ``context`` evaluates them for another account set or period than the session's (see
    :meth:`~rapport.query.context.Context.for_accounts`); the caller releases it.
    """
    return evaluate(
        session.backend, session.tables, context or session.context, ids=ids, cache=session.cache
    )
