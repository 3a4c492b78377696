"""Library messages never name a command-line flag; the CLI adds the flag itself.

Library code (everything under src/rapport but the CLI and docs.py) is used by the command
line, the web app and Python callers alike, so its messages say what to set in neutral words
and put the API option in ``error.option``; :func:`rapport.cli.command.describe` appends the
flag for command-line users.
"""

from __future__ import annotations

import ast
import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rapport.cli.command import FLAGS, describe
from rapport.errors import UsageError
from tests.conftest import invoke

SRC = Path(__file__).resolve().parents[1] / "src" / "rapport"
DATA = Path(__file__).parent / "data"
EXPORTS = DATA / "exports"
FLAG = re.compile(r"--[a-z]")

MESSAGE_KEYWORDS = frozenset({"fix", "reason", "problem", "hint"})
"""Keyword arguments whose text reaches the user (``WrongFormat(fix=...)``, rejections …)."""

ALLOWED: dict[str, tuple[str, ...]] = {
    # its own tiny command line: `python -m rapport.models.forecaster ... [--hawkes-prior]`
    "models/forecaster.py": ("--hawkes-prior",),
    # the report page tells its reader which command to run next
    "report/": ("rapport seeds --k", "rapport plan --progress", "rapport metrics --table"),
}
"""Texts that may name a flag, by module (a path under src/rapport, or a folder ending
with /)."""


def _library_modules() -> Iterator[Path]:
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative.startswith("cli/") or relative == "docs.py":
            continue
        yield path


def _constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level ``NAME = <expr>`` (so ``fix=_TOKEN_FIX`` is checked too)."""
    found: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            found[node.target.id] = node.value
    return found


def _texts(node: ast.AST, constants: dict[str, ast.expr]) -> Iterator[str]:
    """Every string literal inside ``node``, following names of module-level constants."""
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            yield child.value
        elif isinstance(child, ast.Name) and child.id in constants:
            value = constants[child.id]
            if value is not node:
                yield from _texts(value, {k: v for k, v in constants.items() if k != child.id})


def _user_facing(tree: ast.Module) -> Iterator[tuple[int, ast.AST]]:
    """(line, expression) for what a user reads: raised exceptions, message keywords,
    notices (``builder.note(...)``, ``notices.append(...)``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            yield node.lineno, node.exc
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in MESSAGE_KEYWORDS:
                    yield keyword.value.lineno, keyword.value
            function = node.func
            if isinstance(function, ast.Attribute) and node.args:
                owner = function.value
                is_notices = isinstance(owner, ast.Attribute | ast.Name) and (
                    owner.attr if isinstance(owner, ast.Attribute) else owner.id
                ).endswith("notices")
                if function.attr == "note" or (function.attr == "append" and is_notices):
                    yield node.lineno, node.args[0]


def _allowed(relative: str, text: str) -> bool:
    return any(
        (relative == key or (key.endswith("/") and relative.startswith(key)))
        and any(piece in text for piece in pieces)
        for key, pieces in ALLOWED.items()
    )


def _flagged_messages() -> list[str]:
    found = []
    for path in _library_modules():
        relative = path.relative_to(SRC).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        constants = _constants(tree)
        for line, expression in _user_facing(tree):
            for text in _texts(expression, constants):
                if FLAG.search(text) and not _allowed(relative, text):
                    found.append(f"src/rapport/{relative}:{line}: {text!r}")
    return sorted(set(found))


def test_no_library_message_names_a_command_line_flag() -> None:
    flagged = _flagged_messages()
    assert not flagged, (
        "library messages must not name a CLI flag; say it in neutral words and set "
        "option= (the CLI adds the flag):\n" + "\n".join(flagged)
    )


def test_the_scan_sees_what_it_must() -> None:
    source = """
FIX = "pass it with --token"
def f(x):
    if x:
        raise UsageError(f"{x}: choose with --as")
    builder.note("set it with --option timezone=UTC")
    summary.notices.append(f"see --debug {x}")
    raise WrongFormat(x, expected="a", found="b", fix=FIX)
    raise UsageError("the format", option="format")
"""
    tree = ast.parse(source)
    constants = _constants(tree)
    texts = {t for _, e in _user_facing(tree) for t in _texts(e, constants) if FLAG.search(t)}
    assert texts == set(
        [": choose with --as", "set it with --option timezone=UTC", "see --debug ",
         "pass it with --token"]
    )  # fmt: skip


def test_every_option_a_library_error_names_has_a_flag() -> None:
    """``option="..."`` in library code names a key of FLAGS (a typo would lose the flag)."""
    unknown = []
    for path in _library_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg != "option":
                    continue
                for text in _texts(keyword.value, {}):
                    if text not in FLAGS:
                        unknown.append(f"{path.relative_to(SRC)}:{node.lineno}: {text!r}")
    assert not unknown, unknown


def test_describe_adds_the_flag_once() -> None:
    assert describe(UsageError("x: name the format", option="format")) == (
        "x: name the format (--as FORMAT)"
    )
    assert describe(UsageError("x: no option")) == "x: no option"
    already = UsageError("--as x: unknown format", option="format")
    assert describe(already) == "--as x: unknown format"


# --- through the command line: one error per option kind still shows its flag ---------------


def _split_insights(tmp_path: Path) -> Path:
    """A Facebook split-date insights CSV (month, weekday, hour; no year)."""
    path = tmp_path / "split.csv"
    path.write_text(
        "Page total likes,Type,Category,Post Month,Post Weekday,Post Hour,Paid,"
        "Lifetime Post Total Reach,comment,like,share\n"
        "139441,Photo,2,12,4,3,0,2752,4,79,17\n"
    )
    return path


def _lone_tweets(tmp_path: Path) -> Path:
    path = tmp_path / "tweets.js"
    path.write_bytes((EXPORTS / "x" / "bakery-2025-03" / "data" / "tweets.js").read_bytes())
    return path


def _garbage(tmp_path: Path) -> Path:
    path = tmp_path / "cascade.txt"
    path.write_text("garbage\n")
    return path


def _closed_port() -> int:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


CASES: dict[str, tuple[Callable[[Path], list[str | Path]], str]] = {
    "format": (
        lambda tmp: ["import", EXPORTS / "x"],
        "could be x_archive or x_grailbird; name the format",
    ),
    "extra": (
        lambda tmp: ["import", _split_insights(tmp), "--account", "brand"],
        "the facebook_insights importer needs the option year=...",
    ),
    "account": (
        lambda tmp: ["import", _lone_tweets(tmp)],
        "give the handle of the account it belongs to",
    ),
    "mapping": (
        lambda tmp: [
            "import",
            EXPORTS / "mapped" / "tiktok_content.csv",
            "--as",
            "mapped",
            "--account",
            "x",
        ],
        "the mapped importer needs a mapping file",
    ),
    "instance": (
        lambda tmp: ["pull", "mastodon", "--instance", "ftp://x/y", "--token", "t"],
        "is not a Mastodon instance address",
    ),
    "token": (
        lambda tmp: ["pull", "mastodon", "--instance", "mastodon.example", "--token", " "],
        "the token is empty",
    ),
    "service": (
        lambda tmp: [
            "pull",
            "bluesky",
            "--handle",
            "biz.test",
            "--app-password",
            "x",
            "--service",
            f"http://127.0.0.1:{_closed_port()}",
        ],
        "check the service address",
    ),
    "cascade_format": (
        lambda tmp: ["forecast", "cascade", _garbage(tmp), "--observe", "1h"],
        "name the format (seismic, csv or casflow)",
    ),
    "model": (
        lambda tmp: [
            "forecast",
            "cascade",
            DATA / "cascades" / "tiny_hawkes.csv",
            "--observe",
            "1h",
            "--model",
            "oracle",
        ],
        "unknown model 'oracle'",
    ),
    "post": (lambda tmp: ["utm", "https://shop.example/p"], "the link needs a source"),
    "platform": (
        lambda tmp: ["utm", "https://shop.example/p", "--platform", "myspace"],
        "platform 'myspace': expected one of",
    ),
    "strategies": (
        lambda tmp: ["whatif", "--strategy", "nope"],
        "strategy 'nope': unknown",
    ),
}


@pytest.mark.parametrize("option", sorted(CASES))
def test_the_command_line_shows_the_flag(option: str, tmp_path: Path, cli: CliRunner) -> None:
    arguments, message = CASES[option]
    args = arguments(tmp_path)
    if args[0] in ("import", "pull", "whatif"):
        args += ["--workspace", tmp_path / "ws"]
    result = invoke(cli, *args)
    assert result.exit_code in (1, 2), result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    (line,) = lines
    flag = FLAGS[option]
    assert message in line and line.endswith(f" ({flag})"), line
    library_text = line.removeprefix("error: ").removesuffix(f" ({flag})")
    assert not FLAG.search(library_text), library_text
