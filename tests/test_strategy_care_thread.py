"""A care item's context: the exchange a reply belongs to, read up its ``in_reply_to_id`` chain
to the post it started from, and what the person did lately; the CLI's ``care show`` and the
web's item page say the same."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import rapport
from rapport import api
from rapport.strategy.care_list import thread_of
from tests.conftest import invoke, invoke_json


@pytest.fixture(scope="module")
def ws(demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shared demo workspace (some tests edit its store)."""
    root = tmp_path_factory.mktemp("thread") / "demo"
    shutil.copytree(demo_workspace, root)
    return root


def _sql(ws: Path, query: str, *args: object) -> list[tuple[object, ...]]:
    with duckdb.connect(str(ws / "rapport.duckdb"), read_only=True) as con:
        return con.execute(query, list(args)).fetchall()


def test_an_answer_shows_the_exchange_from_the_post_to_the_reply(ws: Path) -> None:
    with rapport.open(ws) as session:
        care = api.care_list(session)
        answers = [i for i in care.items if i.action == "answer"]
        assert answers, "the demo has replies waiting"
        own = set(session.context.account_ids)
        for item in answers:
            thread = thread_of(session, item)
            chain = thread.chain
            assert chain[-1].ref == item.target and not chain[-1].own  # ends at the reply
            assert chain[0].kind == "post"  # starts at the post it is under
            for earlier, later in itertools.pairwise(chain):  # each replies to the one before
                (parent,) = _sql(ws, "SELECT coalesce(in_reply_to_id, post_id) FROM interactions "
                                 "WHERE interaction_id = ? UNION ALL SELECT in_reply_to_id FROM "
                                 "posts WHERE post_id = ?", later.ref, later.ref)[0:1]  # fmt: skip
                assert parent[0] == earlier.ref
            for said in chain:
                if said.kind == "post":
                    (account,) = _sql(ws, "SELECT account_id FROM posts WHERE post_id = ?",
                                      said.ref)[0]  # fmt: skip
                    assert said.own == (account in own)
            (total,) = _sql(ws, "SELECT count(*) FROM interactions WHERE person_id = ?",
                            item.person)[0]  # fmt: skip
            assert thread.engagements == total
            assert not {s.ref for s in thread.recent} & {s.ref for s in chain}
            moments = [s.at for s in thread.recent if s.at]
            assert moments == sorted(moments, reverse=True)  # newest first


def test_the_cli_and_the_api_say_the_same(ws: Path) -> None:
    care = invoke_json("care", "--workspace", ws)
    item = care["items"][0]["id"]
    shown = invoke_json("care", "show", item, "--workspace", ws)
    with rapport.open(ws) as session:
        assert shown == api.care_thread(session, item).to_dict()
    text = invoke(CliRunner(), "care", "show", item, "--workspace", ws).stdout
    assert "What they did lately" in text
    unknown = invoke(CliRunner(), "care", "show", "0000000000", "--workspace", ws)
    assert unknown.exit_code == 2 and "not on today's care list" in unknown.stderr


def test_a_missing_parent_or_a_loop_ends_the_chain_with_a_note(ws: Path) -> None:
    with rapport.open(ws) as session:
        item = next(i for i in api.care_list(session).items if i.action == "answer")
    with duckdb.connect(str(ws / "rapport.duckdb")) as con:  # an export holding one side only
        con.execute("UPDATE interactions SET in_reply_to_id = 'mastodon:gone' "
                    "WHERE interaction_id = ?", [item.target])  # fmt: skip
    with rapport.open(ws) as session:
        thread = thread_of(session, item)
    assert [s.ref for s in thread.chain] == [item.target]
    assert any("not in the store" in n for n in thread.notes)
    with duckdb.connect(str(ws / "rapport.duckdb")) as con:  # data that replies to itself
        con.execute("UPDATE interactions SET in_reply_to_id = interaction_id "
                    "WHERE interaction_id = ?", [item.target])  # fmt: skip
    with rapport.open(ws) as session:
        thread = thread_of(session, item)
    assert len(thread.chain) == 1 and any("loop" in n for n in thread.notes)
