"""Docs that can be generated are, and are fresh; docs that can't are tested."""

from __future__ import annotations

import re
from pathlib import Path

import rapport
from rapport.docs import GENERATED
from rapport.metrics import metrics

ROOT = Path(__file__).resolve().parents[1]


def test_generated_docs_are_fresh() -> None:
    for name, build in GENERATED.items():
        path = ROOT / "docs" / name
        assert path.exists(), f"docs/{name} is missing; run `python -m rapport.docs`"
        assert path.read_text(encoding="utf-8") == build(), (
            f"docs/{name} is stale; run `python -m rapport.docs`"
        )


def test_every_metric_is_documented() -> None:
    text = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    for spec in metrics():
        assert f"### `{spec.id}`" in text, spec.id


def test_every_command_is_in_the_cli_reference() -> None:
    from tests.test_cli import COMMANDS

    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for name in COMMANDS:
        assert f"`rapport {name}`" in text, name


def test_readme_gives_exactly_the_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", readme, flags=re.S)
    setup = [line.strip() for block in blocks[:1] for line in block.splitlines() if line.strip()]
    assert setup == ["make demo", "make test"], setup
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, flags=re.M), ".ci/run must run the README's test command"


def test_docs_pages_exist_and_link() -> None:
    for page in (
        "glossary.md",
        "canonical-format.md",
        "simulator.md",
        "architecture.md",
        "cli.md",
        "metrics.md",
        "text.md",
    ):
        assert (ROOT / "docs" / page).exists(), page
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for link in re.findall(r"\]\(((?:docs/)[^)#]+)", readme):
        assert (ROOT / link).exists(), link


def test_every_importer_has_a_source_page() -> None:
    from rapport.importers import importers

    pages = {p.stem for p in (ROOT / "docs" / "sources").glob("*.md")}
    text = " ".join((ROOT / "docs" / "sources" / f"{p}.md").read_text() for p in pages)
    for importer in importers():
        if importer.name != "canonical":
            assert f"`{importer.name}`" in text or importer.name in text, importer.name


def test_public_names_are_sorted_and_importable() -> None:
    assert rapport.__all__ == sorted(rapport.__all__, key=str.casefold) or (
        rapport.__all__ == sorted(rapport.__all__)
    )
    for name in rapport.__all__:
        assert hasattr(rapport, name), name


def test_every_api_name_is_documented() -> None:
    import inspect

    import rapport.api

    for name in rapport.api.__all__:
        value = getattr(rapport.api, name)
        assert inspect.getdoc(value), f"rapport.api.{name} has no docstring"
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    for name in rapport.api.__all__:
        assert f"`{name}`" in text, name


def test_dir_shows_the_public_api() -> None:
    shown = dir(rapport)
    assert set(rapport.__all__) <= set(shown)
    assert "open" in shown and "Session" in shown and "run_metrics" in shown
    assert not [n for n in shown if n.startswith("_") and n != "__version__"]
