"""X competitors from a CSV of their public posts and counts, through the mapped importer.

The example in docs/examples/x-competitor/ (an invented account, ``example_rival_bakery``) is
imported with the mappings in docs/sources/mappings/ into a workspace whose own X account
(``own_bakery_example``, built here) posts 6 original posts between 1 January and 12 February
2026; the benchmark then ranks the competitor: 11 original posts (and 2 answers to people)
over its data's 42.375 days (1 January 00:00, its first follower count, to 12 February
09:00, when its counts were read).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rapport.store import Store
from rapport.workspace import Workspace
from tests.conftest import batch_of, invoke, invoke_json, snapshot_file

DOCS = Path(__file__).resolve().parents[1] / "docs"
EXAMPLE = DOCS / "examples" / "x-competitor"
MAPPINGS = DOCS / "sources" / "mappings"
HANDLE = "example_rival_bakery"
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _own_workspace(root: Path) -> Path:
    assert invoke(CliRunner(), "init", "--workspace", root).exit_code == 0
    posts = [
        {"post_id": f"x:9{i}", "account_id": "x:own_bakery_example",
         "created_at": (START + dt.timedelta(days=1 + 7 * i)).isoformat(),
         "text": f"fresh bread, day {i}"}
        for i in range(6)
    ]  # fmt: skip
    rows = {
        "accounts": [{"account_id": "x:own_bakery_example", "platform": "x",
                      "handle": "own_bakery_example", "role": "own"}],
        "posts": posts,
        "follower_counts": [
            {"account_id": "x:own_bakery_example", "observed_at": d, "followers": 300}
            for d in ("2026-01-01T00:00:00+00:00", "2026-02-11T00:00:00+00:00")
        ],
    }  # fmt: skip
    with Store(root / "rapport.duckdb") as store:
        store.apply(batch_of(rows))
    return root


def _import(root: Path, name: str, *extra: str) -> object:
    mapping = MAPPINGS / f"x-competitor-{name}.toml"
    return invoke(CliRunner(), "import", EXAMPLE / f"{name}.csv", "--as", "mapped",
                  "--mapping", mapping, *extra, "--workspace", root)  # fmt: skip


def test_the_example_competitor_is_imported_and_ranked(tmp_path: Path) -> None:
    root = _own_workspace(tmp_path / "ws")
    for name in ("posts", "followers"):
        done = _import(root, name, "--option", f"competitor={HANDLE}")
        assert done.exit_code == 0, done.output  # type: ignore[attr-defined]
    with Workspace(root).session() as session:
        con = session.store.connection
        accounts = con.execute("SELECT account_id, role FROM accounts ORDER BY 1").fetchall()
        posts = con.execute(
            "SELECT count(*), count(in_reply_to_id) FROM posts WHERE account_id = ?",
            [f"x:{HANDLE}"],
        ).fetchone()
        stats = con.execute(
            "SELECT likes, reposts, replies, quotes, observed_at FROM post_stats "
            "WHERE post_id = 'x:1900000000000000007'"
        ).fetchone()
        follows = con.execute(
            "SELECT count(*), max(followers) FROM follower_counts WHERE account_id = ?",
            [f"x:{HANDLE}"],
        ).fetchone()
    assert accounts == [(f"x:{HANDLE}", "competitor"), ("x:own_bakery_example", "own")]
    assert posts == (13, 2)
    assert stats is not None and stats[:4] == (70, 15, 9, 3)
    assert stats[4] == dt.datetime(2026, 2, 12, 9, tzinfo=dt.UTC)
    assert follows == (4, 1240)
    bench = invoke_json("benchmark", "--workspace", root)
    assert bench["mode"] == "competitors"
    assert {(a["handle"], a["role"]) for a in bench["accounts"]} == {
        (HANDLE, "competitor"), ("own_bakery_example", "own"),
    }  # fmt: skip
    area = next(a for a in bench["areas"] if a["area"] == "x:posts_per_week")
    values = {v["handle"]: v for v in area["values"]}
    weeks = 42.375 / 7 + 0.001 / (7 * 86400)  # its span includes its last moment
    assert values[HANDLE]["value"] == pytest.approx(11 / weeks, rel=1e-6)
    assert (values[HANDLE]["rank"], values["own_bakery_example"]["rank"]) == (1, 2)
    assert area["leader"]["handle"] == HANDLE and area["own_rank"] == 2
    growth = next(a for a in bench["areas"] if a["area"] == "x:follower_growth")
    rival = next(v for v in growth["values"] if v["handle"] == HANDLE)
    assert rival["status"] == "ok" and rival["value"] > 0  # 1,180 → 1,240
    planned = invoke_json("plan", "--workspace", root)
    assert planned["mode"] == "competitors"
    assert any(s["leader_handle"] == HANDLE for s in planned["steps"]) or planned["skipped"]


def test_a_competitor_option_that_names_the_own_account_is_refused(tmp_path: Path) -> None:
    root = _own_workspace(tmp_path / "ws")
    before = snapshot_file(root / "rapport.duckdb")
    refused = _import(root, "posts", "--option", "competitor=own_bakery_example")
    assert refused.exit_code == 2  # type: ignore[attr-defined]
    assert "competitor=own_bakery_example names your own x account" in (
        refused.stderr  # type: ignore[attr-defined]
    )
    assert snapshot_file(root / "rapport.duckdb") == before


def test_a_competitor_option_goes_with_posts_and_counts_only(tmp_path: Path) -> None:
    mapping = tmp_path / "conversions.toml"
    mapping.write_text(
        'table = "conversions"\nplatform = "web"\n[id]\ncolumn = "id"\n'
        '[columns]\noccurred_at = "when"\nkind = "what"\n',
        encoding="utf-8",
    )
    data = tmp_path / "conversions.csv"
    data.write_text("id,when,what\n1,2026-01-02T00:00:00Z,signup\n", encoding="utf-8")
    result = invoke(CliRunner(), "import", data, "--as", "mapped", "--mapping", mapping,
                    "--option", f"competitor={HANDLE}", "--workspace", tmp_path / "w")  # fmt: skip
    assert result.exit_code == 2
    assert "goes with a mapping of posts, interactions or follower counts" in result.stderr
