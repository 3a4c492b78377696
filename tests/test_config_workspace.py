"""rapport.toml and workspaces: defaults, validation, `rapport init`, where a workspace is."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rapport.config import (
    AccountRef,
    Accounts,
    Config,
    Goal,
    load_config,
    parse_config,
    render_config,
)
from rapport.errors import ConfigError, UnreadableFile
from rapport.workspace import Workspace
from tests.conftest import invoke


def test_the_default_file_parses_to_the_defaults() -> None:
    assert parse_config(tomllib.loads(render_config()), path=Path("r.toml")) == Config()


def test_a_filled_in_file_round_trips() -> None:
    config = Config(
        goal=Goal(objective="sales", target_audience='Home bakers 🍞 who say "sourdough"\nin Lyon'),
        accounts=Accounts(
            own=[AccountRef(platform="bluesky", handle="shop.example")],
            competitors=[AccountRef(platform="mastodon", handle="@a@b.example")],
        ),
    )
    assert parse_config(tomllib.loads(render_config(config)), path=Path("r.toml")) == config


@pytest.mark.parametrize(
    ("data", "key", "fix"),
    [
        ({"goal": {"objective": "fame"}}, "goal.objective", "expected 'signups'"),
        (
            {"targets": {"post_per_week": 3}},
            "targets.post_per_week",
            "did you mean 'posts_per_week'",
        ),
        (
            {"targets": {"posts_per_week": "lots"}},
            "targets.posts_per_week",
            "expected a number from 0.1 to 100",
        ),
        (
            {"targets": {"max_promotional_share": 1.5}},
            "targets.max_promotional_share",
            "expected a number from 0 to 1",
        ),
        (
            {"accounts": {"own": [{"platform": "myspace", "handle": "a"}]}},
            "accounts.own[0].platform",
            "'bluesky'",
        ),
        ({"accounts": {"own": [{"handle": "a"}]}}, "accounts.own[0].platform", "required"),
        (
            {"colour": "blue"},
            "colour",
            "known keys here: timezone, goal, accounts, targets, community",
        ),
    ],
)
def test_every_problem_names_key_value_and_fix(data: dict[str, object], key: str, fix: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, path=Path("rapport.toml"))
    message = str(caught.value)
    assert message.startswith(f"rapport.toml: {key} = ")
    assert fix in message
    assert "\n" not in message


def test_broken_toml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "rapport.toml"
    path.write_text("[goal]\nobjective = signups\n")
    with pytest.raises(UnreadableFile, match="line 2"):
        load_config(path)


def test_workspace_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert Workspace.resolve().root == tmp_path
    monkeypatch.setenv("RAPPORT_WORKSPACE", str(tmp_path / "env"))
    assert Workspace.resolve().root == tmp_path / "env"
    assert Workspace.resolve(tmp_path / "opt").root == tmp_path / "opt"


def test_init_writes_a_commented_file(tmp_path: Path, cli: CliRunner) -> None:
    ws = tmp_path / "shop"
    result = invoke(
        cli,
        "init",
        "--objective",
        "leads",
        "--audience",
        "Architects in Leeds",
        "--own",
        "bluesky:studio.example",
        "--competitor",
        "x:rival",
        "--workspace",
        ws,
    )
    assert result.exit_code == 0, result.output
    text = (ws / "rapport.toml").read_text()
    assert "# What is social media for" in text
    config = load_config(ws / "rapport.toml")
    assert config.goal.objective == "leads"
    assert config.goal.target_audience == "Architects in Leeds"
    assert config.accounts.own == [AccountRef(platform="bluesky", handle="studio.example")]
    assert config.accounts.competitors == [AccountRef(platform="x", handle="rival")]
    again = invoke(cli, "init", "--workspace", ws)
    assert again.exit_code == 2 and "--force" in again.stderr


def test_init_refuses_a_bad_objective(tmp_path: Path, cli: CliRunner) -> None:
    result = invoke(cli, "init", "--objective", "fame", "--workspace", tmp_path / "w")
    assert result.exit_code == 2
    assert "--objective 'fame'" in result.stderr
    assert not (tmp_path / "w").exists()


def test_the_environment_variable_selects_the_workspace(
    tmp_path: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAPPORT_WORKSPACE", str(tmp_path / "from-env"))
    result = invoke(cli, "init", "--objective", "community")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "from-env" / "rapport.toml").exists()


def test_reading_commands_on_an_empty_workspace_say_what_to_do(
    tmp_path: Path, cli: CliRunner
) -> None:
    result = invoke(cli, "report", "--workspace", tmp_path)
    assert result.exit_code == 2
    assert "rapport import PATH" in result.stderr
    result = invoke(cli, "report", "--workspace", tmp_path / "missing")
    assert result.exit_code == 2
    assert "no such workspace folder" in result.stderr
