"""The Mastodon archive importer and the CSV export: real samples, own fixtures, bad input."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rapport.errors import InputError, UnreadableFile, UsageError, WrongFormat
from rapport.importers import ImportOptions, KnownAccount, detect, run
from tests.conftest import invoke
from tests.importer_support import assert_refused, fuzz_importer, import_into, rows, zip_folder
from tests.test_mastodon_fuzz import _DELETE, _mutate, _paths, _values

FIXTURES = Path(__file__).parent / "data" / "exports" / "mastodon"
ARCHIVE = FIXTURES / "archive"
ME = "mastodon:https://bakery.example/users/crumb"
UTC = dt.UTC


def _copy(tmp_path: Path, name: str = "archive") -> Path:
    target = tmp_path / name
    shutil.copytree(ARCHIVE, target)
    return target


def _outbox(folder: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((folder / "outbox.json").read_text("utf-8"))
    return data


# -- the real archive ------------------------------------------------------------------------


def test_the_real_archive_imports_its_creates_and_announces(shared: Path, tmp_path: Path) -> None:
    """Numbers counted by hand in outbox.json: 1,476 activities (totalItems says 1,467):
    1,425 Create (1,422 Note + 3 Question) of which 9 are direct messages, and 51 Announce;
    160 of the 1,416 published Creates are replies (151 to the account's own statuses)."""
    source = shared / "samples/mastodon_archive/hikurry_2022-06"
    assert detect(source).name == "mastodon_archive"
    ws = tmp_path / "ws"
    summary = import_into(ws, source)
    posts = rows(ws, "posts")
    assert len(posts) == 1_467 == 1_416 + 51
    boosts = [p for p in posts if p["repost_of"]]
    assert len(boosts) == 51
    replies = [p for p in posts if p["in_reply_to_id"]]
    assert len(replies) == 160
    own_thread = "mastodon:https://o3o.ca/users/purplerain/statuses/"
    assert sum(p["in_reply_to_id"].startswith(own_thread) for p in replies) == 151
    assert sum(p["format"] == "poll" for p in posts) == 3
    assert sum(p["format"] == "video" for p in posts) == 1
    assert sum(p["format"] == "image" for p in posts) == 111
    assert {p["account_id"] for p in posts} == {"mastodon:https://o3o.ca/users/purplerain"}
    assert rows(ws, "post_stats") == []  # the archive has no counts

    first = next(p for p in posts if p["post_id"].endswith("/105965176447809959"))
    assert first["created_at"] == dt.datetime(2021, 3, 28, 2, 57, 55, tzinfo=UTC)
    assert first["text"] == (
        "第一次见沙尘暴......这种天气还要出门做核酸检测，回来觉得人都废了，可能心理作用比较大"
    )
    assert first["language"] == "zh" and first["format"] == "text"
    link = next(p for p in posts if p["post_id"].endswith("/105972301815014139"))
    url = "https://open.spotify.com/track/597wvQ0bqfJgszRg4eDVy1?si=US3OO4LaSFanxZmWuwi3iw"
    assert link["text"] == f"{url}\n\n今年听到的最喜欢的女团曲"
    assert link["links"] == [url] and link["format"] == "link"
    last_boost = next(p for p in boosts if "/108417386428007028/" in p["post_id"])
    assert last_boost["post_id"].endswith("/statuses/108417386428007028/activity")
    assert last_boost["repost_of"] == (
        "mastodon:https://wxw.moe/users/MelancholyVivian/statuses/108413629562079995"
    )
    assert last_boost["created_at"] == dt.datetime(2022, 6, 4, 4, 47, 10, tzinfo=UTC)

    (account,) = rows(ws, "accounts")
    assert account["handle"] == "purplerain@o3o.ca" and account["role"] == "own"
    assert account["created_at"] == dt.datetime(2021, 3, 27, tzinfo=UTC)
    assert account["followers"] is None
    notices = "\n".join(summary.notices)
    assert "totalItems says 1,467 but the file holds 1,476 activities" in notices
    assert "9 direct message(s) skipped" in notices
    assert "likes.json: 498 favourite(s) the account itself gave" in notices
    assert "bookmarks.json: 149 bookmark(s) ignored" in notices
    assert rows(ws, "interactions") == []


def test_the_real_csv_export_gives_people(shared: Path, tmp_path: Path) -> None:
    source = shared / "samples/mastodon_csv_export/following_accounts__mastodon_spec_fixture.csv"
    assert detect(source).name == "mastodon_csv"
    ws = tmp_path / "ws"
    import_into(ws, source)
    people = rows(ws, "people")
    assert [(p["person_id"], p["handle"]) for p in people] == [
        ("mastodon:acct:user@example.com", "user@example.com"),
        ("mastodon:acct:user@test.com", "user@test.com"),
    ]


# -- own fixtures: every mapping ---------------------------------------------------------------


def test_every_activity_maps_as_documented(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    summary = import_into(ws, ARCHIVE)
    posts = {p["post_id"].rpartition("/statuses/")[2]: p for p in rows(ws, "posts")}
    assert sorted(posts) == ["1001", "1002", "1003", "1004", "1006/activity", "1007", "1008"]
    bread = posts["1001"]
    assert bread["text"] == (
        "Sourdough is back & it's warm! Order at "
        "https://shop.bakery.example/bread?utm_source=mastodon #Sourdough"
    )
    assert bread["links"] == ["https://shop.bakery.example/bread?utm_source=mastodon"]
    assert bread["hashtags"] == ["sourdough"] and bread["format"] == "image"
    thanks = posts["1002"]
    assert thanks["in_reply_to_id"] == "mastodon:https://town.example/users/maria/statuses/111"
    assert thanks["text"] == "@maria Thank you! See you Saturday.\n\nSecond line\nthird line"
    assert thanks["links"] == []  # a mention is not an outbound link
    assert posts["1003"]["text"] == "Only for followers: the secret croissant recipe."
    assert posts["1003"]["language"] == "fr-FR"  # contentMap key "frFr", no content field
    assert posts["1004"]["format"] == "poll"
    boost = posts["1006/activity"]
    assert boost["repost_of"] == "mastodon:https://town.example/users/maria/statuses/222"
    assert boost["text"] is None and boost["created_at"] == dt.datetime(2024, 3, 6, 12, tzinfo=UTC)
    assert posts["1007"]["text"] == "Long video\n\nHow we shape baguettes (video)"
    assert posts["1007"]["format"] == "video"
    assert posts["1008"]["in_reply_to_id"] == f"{ME}/statuses/1004"
    (account,) = rows(ws, "accounts")
    assert account == {
        "account_id": ME,
        "platform": "mastodon",
        "handle": "crumb@bakery.example",
        "display_name": "Crumb & Co bakery",
        "role": "own",
        "followers": None,
        "url": "https://bakery.example/@crumb",
        "created_at": dt.datetime(2023, 1, 10, tzinfo=UTC),
    }
    assert any("1 direct message(s) skipped" in n for n in summary.notices)
    assert any("totalItems says 9 but the file holds 8" in n for n in summary.notices)
    assert any("likes.json: 3 favourite(s)" in n for n in summary.notices)


def test_zip_tar_gz_and_folder_import_the_same(tmp_path: Path, cli: CliRunner) -> None:
    zipped = zip_folder(ARCHIVE, tmp_path / "archive.zip", inside="archive-20240310")
    tarred = tmp_path / "archive.tar.gz"
    with tarfile.open(tarred, "w:gz") as archive:
        archive.add(ARCHIVE, arcname=".")
    seen = []
    for source in (ARCHIVE, zipped, tarred):
        ws = tmp_path / f"ws-{source.name}"
        result = invoke(cli, "import", source, "--workspace", ws)
        assert result.exit_code == 0, result.output
        seen.append(rows(ws, "posts"))
    assert seen[0] == seen[1] == seen[2] and len(seen[0]) == 7


def test_importing_the_same_archive_again_changes_nothing(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    import_into(ws, ARCHIVE)
    again = import_into(ws, ARCHIVE)
    assert again.total("added") == 0 and again.total("updated") == 0
    assert again.tables["posts"].unchanged == 7


def test_a_csv_export_beside_the_archive_adds_people(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    shutil.copy(FIXTURES / "following_accounts.csv", folder / "following_accounts.csv")
    ws = tmp_path / "ws"
    summary = import_into(ws, folder)
    assert [p["handle"] for p in rows(ws, "people")] == ["flour@mill.example", "maria@town.example"]
    assert summary.tables["people"].rejected == 1
    assert "line 7" in summary.first_rejections[0]
    assert "'not an address'" in summary.first_rejections[0]


# -- partial archives ------------------------------------------------------------------------


def test_a_partial_archive_imports_what_is_there_and_lists_what_is_missing(
    tmp_path: Path, cli: CliRunner
) -> None:
    folder = _copy(tmp_path)
    (folder / "actor.json").unlink()
    (folder / "likes.json").unlink()
    ws = tmp_path / "ws"
    result = invoke(cli, "import", folder, "--workspace", ws, "--json")
    assert result.exit_code == 0, result.output
    notices = json.loads(result.stdout)["notices"]
    assert any("missing from the archive" in n and "actor.json, likes.json" in n for n in notices)
    (account,) = rows(ws, "accounts")
    assert account["account_id"] == ME and account["handle"] == "crumb@bakery.example"
    assert len(rows(ws, "posts")) == 7


def test_without_actor_json_a_numeric_actor_uri_needs_account(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "actor.json").unlink()
    text = (folder / "outbox.json").read_text("utf-8")
    (folder / "outbox.json").write_text(
        text.replace("https://bakery.example/users/crumb", "https://bakery.example/ap/users/77"),
        "utf-8",
    )
    with pytest.raises(UsageError, match="give the handle of the account it belongs to") as caught:
        run(folder, options=ImportOptions())
    assert caught.value.option == "account" and "--" not in str(caught.value)
    batch = run(folder, options=ImportOptions(account="crumb@bakery.example"))
    (account,) = batch.tables["accounts"].to_pylist()
    assert account["account_id"] == "mastodon:https://bakery.example/ap/users/77"
    assert account["handle"] == "crumb@bakery.example"
    known = KnownAccount(
        "mastodon", "crumb@bakery.example", "mastodon:https://bakery.example/ap/users/77"
    )
    batch = run(folder, options=ImportOptions(own_accounts=(known,)))
    assert batch.tables["accounts"].to_pylist()[0]["handle"] == "crumb@bakery.example"


# -- bad input -------------------------------------------------------------------------------


def test_a_truncated_outbox_is_refused_and_nothing_is_written(
    tmp_path: Path, cli: CliRunner
) -> None:
    ws = tmp_path / "ws"
    import_into(ws, ARCHIVE)
    folder = _copy(tmp_path, "cut")
    data = (folder / "outbox.json").read_bytes()
    (folder / "outbox.json").write_bytes(data[: len(data) // 2])
    line = assert_refused(cli, ws, "import", folder, expect="outbox.json")
    assert "not valid JSON" in line and "line " in line and "download the archive again" in line


def test_an_outbox_in_the_wrong_encoding_is_refused(tmp_path: Path, cli: CliRunner) -> None:
    folder = _copy(tmp_path, "latin")
    text = (folder / "outbox.json").read_text("utf-8").replace("Thank you", "Danke schön")
    (folder / "outbox.json").write_bytes(text.encode("latin-1"))
    ws = tmp_path / "ws"
    import_into(ws, ARCHIVE)
    line = assert_refused(cli, ws, "import", folder, expect="outbox.json")
    assert "not UTF-8" in line


def test_the_wrong_format_is_refused_with_as(tmp_path: Path, cli: CliRunner) -> None:
    ws = tmp_path / "ws"
    import_into(ws, ARCHIVE)
    line = assert_refused(
        cli,
        ws,
        "import",
        FIXTURES / "following_accounts.csv",
        "--as",
        "mastodon_archive",
        expect="expected a Mastodon archive",
    )
    assert "following_accounts.csv" in line
    likes_only = tmp_path / "likes-only"
    likes_only.mkdir()
    shutil.copy(ARCHIVE / "likes.json", likes_only / "outbox.json")
    with pytest.raises(WrongFormat, match="expected a Mastodon archive"):
        run(likes_only, format="mastodon_archive")
    weird = tmp_path / "weird"
    weird.mkdir()
    (weird / "outbox.json").write_text(
        '{"@context": "https://www.w3.org/ns/activitystreams", "type": "OrderedCollection",'
        ' "orderedItems": {"not": "a list"}, "x": {"type": "Create"}}',
        "utf-8",
    )
    with pytest.raises(WrongFormat, match="without an orderedItems list"):
        run(weird, format="mastodon_archive")


def test_a_broken_published_quarantines_that_status_only(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    outbox = _outbox(folder)
    items = outbox["orderedItems"]
    assert isinstance(items, list)
    items[1]["object"]["published"] = "yesterday"
    items[3] = "not an activity"
    (folder / "outbox.json").write_text(json.dumps(outbox), "utf-8")
    ws = tmp_path / "ws"
    summary = import_into(ws, folder)
    assert summary.tables["posts"].added == 5 and summary.tables["posts"].rejected == 2
    first = summary.first_rejections
    assert any(
        "outbox.json item 2: field 'published': expected an ISO 8601 timestamp" in r
        and "found 'yesterday'" in r
        for r in first
    ), first
    assert any("outbox.json item 4" in r and "expected an activity object" in r for r in first)


def test_an_outbox_without_total_items_is_read_whole(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    outbox = _outbox(folder)
    del outbox["totalItems"]
    (folder / "outbox.json").write_text(json.dumps(outbox), "utf-8")
    batch = run(folder)
    assert batch.tables["posts"].num_rows == 7
    assert "outbox.json: no totalItems; 8 activities read" in batch.notices


def test_an_unreadable_likes_file_does_not_stop_the_import(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "likes.json").write_text('{"orderedItems": [', "utf-8")
    batch = run(folder)
    assert batch.tables["posts"].num_rows == 7
    assert any(n.startswith("likes.json:") and "not valid JSON" in n for n in batch.notices)


def test_a_damaged_actor_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    text = (folder / "actor.json").read_text("utf-8")
    (folder / "actor.json").write_text(text[:200], "utf-8")
    with pytest.raises(UnreadableFile, match=r"actor\.json"):
        run(folder)


test_fuzz_outbox = fuzz_importer("mastodon_archive", ARCHIVE / "outbox.json", max_examples=60)
test_fuzz_actor = fuzz_importer("mastodon_archive", ARCHIVE / "actor.json", max_examples=30)
test_fuzz_following = fuzz_importer(
    "mastodon_csv", FIXTURES / "following_accounts.csv", max_examples=30
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzz_outbox_structure(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Values changed anywhere inside the JSON (not just bytes): import or a clear refusal."""
    name = data.draw(st.sampled_from(["outbox.json", "actor.json"]))
    payload = json.loads((ARCHIVE / name).read_text("utf-8"))
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(_paths(payload)))
        new = data.draw(st.one_of(_values, st.just(_DELETE))) if path else data.draw(_values)
        payload = _mutate(payload, path, new)
    folder = tmp_path_factory.mktemp("archive")
    shutil.copytree(ARCHIVE, folder, dirs_exist_ok=True)
    (folder / name).write_text(json.dumps(payload), "utf-8")
    try:
        batch = run(folder, format="mastodon_archive", options=ImportOptions(account="crumb"))
    except InputError:
        return
    assert all(r.reason for r in batch.rejections)
