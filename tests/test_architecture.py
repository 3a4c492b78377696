"""The shape of the code: imports run downwards between layers, never in a cycle, and no
package reaches into another's private modules (docs/architecture.md draws the layers).

Imports are read from the source (module level and inside functions alike; only those under
``if TYPE_CHECKING:`` are left out, since they never run)."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest

import rapport
from rapport.models.base import Estimator

SRC = Path(rapport.__file__).resolve().parent.parent

LAYERS: dict[str, int] = {
    "_version": 0, "errors": 0,
    "canonical": 1, "localtime": 1,
    "config": 2, "models": 2, "platforms": 2, "simulate": 2, "utm": 2,
    "text": 3, "query": 3, "importers": 3, "connectors": 3,
    "store": 4,
    "charts": 5, "engines": 5, "metrics": 6,
    "session": 7, "workspace": 8,
    "analyses": 9, "credentials": 9, "strategy": 10, "report": 11,
    "api": 12,
    "web": 13,
    "cli": 14, "__main__": 15, "rapport": 15,
    "api_reference": 16, "docs": 17,
}  # fmt: skip
"""Each part of the package and its layer: a part imports only parts of lower layers."""


def _modules() -> dict[str, Path]:
    found = {}
    for path in (SRC / "rapport").rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, path: Path) -> None:
        self.module, self.path, self.found = module, path, []

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if getattr(test, "id", None) == "TYPE_CHECKING" or getattr(test, "attr", None) == (
            "TYPE_CHECKING"
        ):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.found += [alias.name for alias in node.names]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            package = self.module.split(".")
            if self.path.name != "__init__.py":
                package = package[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join([*package, *([node.module] if node.module else [])])
        for alias in node.names:
            full = f"{base}.{alias.name}"
            self.found.append(full if full in MODULES else base)


def _graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        visitor = _Imports(name, path)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        graph[name] = {m for m in visitor.found if m in MODULES and m != name}
    return graph


GRAPH = _graph()


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "rapport"


def test_every_part_has_a_layer() -> None:
    assert {_part(m) for m in MODULES} == set(LAYERS)


def test_imports_run_downwards() -> None:
    upward = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if _part(module) != _part(target) and LAYERS[_part(target)] >= LAYERS[_part(module)]
    ]
    assert upward == [], "\n".join(sorted(upward))


def _cycles() -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on.add(node)
        for other in sorted(GRAPH[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle() -> None:
    assert _cycles() == []


def _private_crossings() -> Iterator[str]:
    for module, targets in GRAPH.items():
        for target in targets:
            parts = target.split(".")
            for depth, part in enumerate(parts):
                if part.startswith("_") and not part.startswith("__") and part != "_version":
                    owner = ".".join(parts[:depth])
                    if module != owner and not module.startswith(owner + "."):
                        yield f"{module} imports {target}"
                    break


def test_no_package_reaches_into_another_ones_private_modules() -> None:
    assert list(_private_crossings()) == []


def test_the_graph_is_read() -> None:
    """The checks above see real edges (a broken reader would pass them vacuously)."""
    assert "rapport.query.context" in GRAPH["rapport.session"]
    assert "rapport.store.db" in GRAPH["rapport.store.plans"]
    assert any(t.startswith("rapport.api") for t in GRAPH["rapport.cli.data"])


def test_models_never_see_the_store_or_the_session() -> None:
    for module, targets in GRAPH.items():
        if module.startswith("rapport.models"):
            assert all(_part(t) in ("errors", "canonical", "models") for t in targets), module


def _estimators() -> list[type[Estimator]]:
    import rapport.models.content_kind
    import rapport.models.hawkes
    import rapport.models.influence
    import rapport.models.rarity
    import rapport.models.spike_detector  # noqa: F401

    def every(cls: type[Estimator]) -> Iterator[type[Estimator]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from every(sub)

    return sorted(set(every(Estimator)), key=lambda c: c.__name__)


ESTIMATORS = _estimators()


def test_the_text_classifiers_are_estimators_too() -> None:
    assert "ContentKindClassifier" in {c.__name__ for c in ESTIMATORS}


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_every_model_keeps_the_estimator_contract(cls: type[Estimator]) -> None:
    """Keyword-only hyper-parameters stored as given, nothing learned before ``fit``."""
    signature = inspect.signature(cls.__init__)
    params = [p for p in signature.parameters.values() if p.name != "self"]
    assert all(p.kind is p.KEYWORD_ONLY for p in params), cls
    assert all(p.default is not p.empty for p in params), cls
    model = cls()
    assert model.get_params() == {p.name: getattr(model, p.name) for p in params}
    assert not [k for k in vars(model) if k.endswith("_") and not k.startswith("_")]
    assert callable(getattr(model, "fit", None))
