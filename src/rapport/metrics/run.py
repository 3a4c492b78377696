"""Running metrics on a backend: check needs, evaluate, attach intervals."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from rapport.metrics.spec import Measure, MetricSpec, get_metric, metrics
from rapport.query.common import to_python
from rapport.query.context import Context
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["MetricResult", "evaluate", "run_metrics", "wilson_interval"]

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class MetricResult:
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
            "n": self.n,
            "status": self.status,
            "reason": self.reason,
            "basis": self.basis,
            "direction": self.direction,
            "vanity": self.vanity,
            **{k: v for k, v in self.extra.items() if k not in {"id", "value", "status"}},
        }


def wilson_interval(successes: int, n: int, *, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion (95 % by default)."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def _evaluate(backend: Any, expr: ir.Scalar | Any) -> Any:
    """Execute an Ibis scalar; plain Python values (settings shown beside a value) pass."""
    if expr is None or not isinstance(expr, ir.Expr):
        return expr
    return to_python(backend.execute(expr))


def _evaluate_all(backend: Any, measure: Measure) -> dict[str, Any]:
    """Every expression of a measure, evaluated in one query (shared subqueries once)."""
    named: dict[str, Any] = {"value": measure.value, "n": measure.n, "successes": measure.successes}
    if measure.interval is not None:
        named["low"], named["high"] = measure.interval
    named.update({f"extra:{k}": v for k, v in measure.extra.items()})
    exprs = {k: v for k, v in named.items() if isinstance(v, ir.Expr)}
    results = {k: v for k, v in named.items() if not isinstance(v, ir.Expr)}
    if exprs:
        keys = list(exprs)
        row = backend.execute(
            ibis.struct({f"f{i}": exprs[k].as_scalar() for i, k in enumerate(keys)})
        )
        results.update({k: to_python(row[f"f{i}"]) for i, k in enumerate(keys)})
    return results


def _needs_met(
    backend: Any, specs: Iterable[MetricSpec], tables: Tables, context: Context
) -> dict[str, bool]:
    """Whether each need of ``specs`` is met, checked in one query (cached per context)."""
    known: dict[str, bool] = context._memo.setdefault("needs", {})
    pending = {}
    for spec in specs:
        for need in spec.needs:
            if need.label not in known and need.label not in pending:
                pending[need.label] = need.check(tables, context)
    if pending:
        labels = list(pending)
        row = backend.execute(
            ibis.struct({f"n{i}": pending[label].as_scalar() for i, label in enumerate(labels)})
        )
        known.update({label: bool(row[f"n{i}"]) for i, label in enumerate(labels)})
    return known


def _run_one(backend: Any, spec: MetricSpec, tables: Tables, context: Context) -> MetricResult:
    common: dict[str, Any] = dict(
        id=spec.id,
        area=spec.area,
        title=spec.title,
        unit=spec.unit,
        denominator=spec.denominator,
        direction=spec.direction,
        vanity=spec.vanity,
    )
    met = _needs_met(backend, [spec], tables, context)
    missing = [need.label for need in spec.needs if not met[need.label]]
    if missing:
        return MetricResult(
            **common, status="not_computable", reason="needs " + "; and ".join(missing)
        )
    measure = spec.compute(tables, context)
    values = _evaluate_all(backend, measure)
    value, n = values.pop("value"), values.pop("n", None)
    successes = values.pop("successes", None)
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
    elif measure.interval is None and measure.successes is not None and n:
        interval = wilson_interval(int(successes or 0), int(n))
    return MetricResult(
        **common,
        status="ok",
        value=value,
        interval=interval,
        n=None if n is None else int(n),
        basis=measure.basis,
        extra=extra,
    )


def evaluate(
    backend: Any,
    tables: Tables,
    context: Context,
    *,
    ids: Iterable[str] | None = None,
) -> list[MetricResult]:
    """Evaluate metrics (all registered ones by default) on ``backend`` for ``context``.

    The engine-level entry: :func:`run_metrics` calls it with a session's backend, tables
    and context.
    """
    specs = [get_metric(i) for i in ids] if ids is not None else metrics()
    _needs_met(backend, specs, tables, context)
    return [_run_one(backend, spec, tables, context) for spec in specs]


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
    return evaluate(session.backend, session.tables, context or session.context, ids=ids)
