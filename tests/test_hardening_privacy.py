"""Erasure leaves no trace anywhere in the workspace, and pseudonymised exports name nobody.

Every person here is invented. The hostile inputs are built in ``tmp_path``: a person who is
mentioned in the shop's own posts and links, quoted in a reply, scored for relevance, kept in
the quarantine, named in a report and an export inside the workspace, then erased and
imported again from an export taken before the erasure.
"""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rapport.canonical import write_canonical
from rapport.store import Store
from tests.conftest import build_tables, invoke, snapshot_file

SHOP = "bluesky:did:plc:shopbakery000000000000aa"
DID = "did:plc:zq7erasedperson00000000"
PERSON = f"bluesky:{DID}"
HANDLE = "zephyrine-quill.example"
NAME = "Zéphyrine Quillfeather"
PHRASE = "marmalade-glazed unicorn"
REPLY = f"bluesky:at://{DID}/app.bsky.feed.post/3kzqreply00"
OTHER = "bluesky:did:plc:tomstays0000000000000000"

ROWS: dict[str, list[dict[str, Any]]] = {
    "accounts": [
        {"account_id": SHOP, "platform": "bluesky", "handle": "crumb.example", "role": "own"}
    ],
    "people": [
        {
            "person_id": PERSON,
            "platform": "bluesky",
            "handle": HANDLE,
            "display_name": NAME,
            "bio": f"Baker at heart, owner of a {PHRASE}",
        },
        {
            "person_id": OTHER,
            "platform": "bluesky",
            "handle": "tom-stays.example",
            "display_name": "Tom Stays",
            "bio": "sourdough and croissants",
        },
    ],
    "posts": [
        {
            "post_id": f"bluesky:at://{SHOP[8:]}/app.bsky.feed.post/3kshop0001",
            "account_id": SHOP,
            "created_at": "2026-01-05T09:00:00Z",
            "text": f"Thanks @{HANDLE} for the photo of our croissants!",
            "links": [f"https://bsky.app/profile/{HANDLE}/post/3kzqphoto0"],
        },
        {
            "post_id": f"bluesky:at://{SHOP[8:]}/app.bsky.feed.post/3kshop0002",
            "account_id": SHOP,
            "created_at": "2026-01-05T11:00:00Z",
            "text": "Glad you liked it!",
            "in_reply_to_id": REPLY,
        },
    ],
    "interactions": [
        {
            "interaction_id": REPLY,
            "platform": "bluesky",
            "kind": "reply",
            "person_id": PERSON,
            "account_id": SHOP,
            "occurred_at": "2026-01-05T10:00:00Z",
            "text": f"My {PHRASE} loves your croissants, do you ship to Lyon?",
        },
        {
            "interaction_id": "bluesky:at://did:plc:tomstays0000000000000000/app.bsky.feed.post/1",
            "platform": "bluesky",
            "kind": "reply",
            "person_id": OTHER,
            "account_id": SHOP,
            "occurred_at": "2026-01-05T12:00:00Z",
            "text": f"@{HANDLE} is right, the croissants are great",
            "in_reply_to_id": REPLY,
        },
    ],
    "conversions": [
        {
            "conversion_id": "shop:1",
            "occurred_at": "2026-01-06T10:00:00Z",
            "kind": "purchase",
            "value": 12.0,
            "currency": "EUR",
            "person_id": PERSON,
        }
    ],
}
DANGLING = {
    # a reply to an account the store does not know: quarantined with its raw JSON
    "interaction_id": f"bluesky:at://{DID}/app.bsky.feed.post/3kzqlost00",
    "platform": "bluesky",
    "kind": "reply",
    "person_id": PERSON,
    "account_id": "bluesky:did:plc:unknownaccount0000000000",
    "occurred_at": "2026-01-07T10:00:00Z",
    "text": f"Another word about my {PHRASE}",
}
SECRETS = (HANDLE, DID, NAME, PHRASE, "Quillfeather", "zephyrine")


def _source(folder: Path, *, with_dangling: bool = True) -> Path:
    rows = {name: list(values) for name, values in ROWS.items()}
    if with_dangling:
        rows["interactions"].append(DANGLING)
    write_canonical(build_tables(rows), folder, format="jsonl")
    return folder


def _traces(root: Path) -> dict[str, list[str]]:
    """For every file under ``root`` (raw bytes), the secrets it holds."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes().lower()
        forms = {s for secret in SECRETS for s in (secret, json.dumps(secret)[1:-1])}
        hits = sorted({s for s in forms if s.lower().encode("utf-8") in data})
        if hits:
            found[str(path.relative_to(root))] = hits
    return found


@pytest.fixture
def workspace(tmp_path: Path, cli: CliRunner) -> Path:
    ws = tmp_path / "ws"
    audience = ("init", "--objective", "sales", "--audience", "people who love croissants",
                "--workspace", ws)  # fmt: skip
    assert invoke(cli, *audience).exit_code == 0
    source = _source(tmp_path / "source")
    result = invoke(cli, "import", source, "--workspace", ws)
    assert result.exit_code == 0, result.output
    return ws


def test_forget_leaves_no_trace_in_any_file_of_the_workspace(
    tmp_path: Path, cli: CliRunner, workspace: Path
) -> None:
    ws = workspace
    # before: she is everywhere, in the store, its quarantine, an export inside the workspace
    assert invoke(cli, "export", ws / "exports" / "old", "--format", "jsonl",
                  "--workspace", ws).exit_code == 0  # fmt: skip
    (ws / "notes.txt").write_text(f"call {NAME} back\n", encoding="utf-8")
    with Store(ws / "rapport.duckdb") as store:
        con = store.connection
        assert con.execute("SELECT count(*) FROM quarantine").fetchall()[0][0] == 1
        assert con.execute("SELECT count(*) FROM relevance").fetchall()[0][0] >= 3
    assert "rapport.duckdb" in _traces(ws)

    result = invoke(cli, "forget", f"@{HANDLE}", "--yes", "--json", "--workspace", ws)
    assert result.exit_code == 0, result.output
    (ws / "notes.txt").unlink()  # the user's own file: rapport names it, the user deletes it

    # an export taken before the erasure, in two formats, brings nothing of hers back
    parquet = tmp_path / "parquet"
    write_canonical(build_tables(ROWS), parquet, format="parquet")
    for folder in (_source(tmp_path / "again"), parquet):
        again = invoke(cli, "import", folder, "--json", "--workspace", ws)
        assert again.exit_code == 0, again.output
        notices = " ".join(json.loads(again.stdout)["notices"])
        assert "people: 1 row(s) about people erased on request were not imported" in notices
        assert "interactions: " in notices and "erased on request" in notices

    assert _traces(ws) == {}
    erased = json.loads(result.stdout)
    assert erased["people_rows_deleted"] == 1 and erased["interactions_deleted"] == 1
    assert erased["quarantine_rows_deleted"] == 1 and erased["conversions_unlinked"] == 1
    assert erased["other_rows_deleted"] >= 2  # text features and relevance of her reply, bio
    assert erased["values_masked"] >= 3  # the shop's post, its link, Tom's reply
    assert any("exports/old" in p for p in erased["files_removed"])
    assert erased["files_naming_them"] == [str(ws / "notes.txt")]
    assert not (ws / "exports" / "old" / "manifest.json").exists()

    with Store(ws / "rapport.duckdb") as store:
        con = store.connection
        keys = [r[0] for r in con.execute("SELECT person_key FROM erasures").fetchall()]
        shop = con.execute("SELECT text, links, in_reply_to_id FROM posts ORDER BY post_id")
        posts = shop.fetchall()
        tom = con.execute("SELECT text, in_reply_to_id FROM interactions").fetchall()
        sale = con.execute("SELECT person_id, value FROM conversions").fetchall()
    assert keys and all(re.fullmatch(r"hmac:[0-9a-f]{64}", k) for k in keys)
    assert posts[0][0] == "Thanks @someone for the photo of our croissants!"
    assert posts[0][1] == ["https://bsky.app/profile/[erased]/post/3kzqphoto0"]
    assert posts[1][2] is None  # the shop's answer to her reply stays, unlinked
    assert tom == [("@someone is right, the croissants are great", None)]
    assert sale == [(None, 12.0)]
    key = ws / "rapport.duckdb.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_forget_deletes_the_report_that_names_them(
    tmp_path: Path, cli: CliRunner, workspace: Path
) -> None:
    report = workspace / "report.html"
    report.write_text(
        '<!doctype html><meta name="generator" content="rapport 0">'
        f"<p>Reply to {NAME} (@{HANDLE})</p>",
        encoding="utf-8",
    )
    untouched = workspace / "other.html"
    untouched.write_text('<meta name="generator" content="rapport 0"><p>croissants</p>')
    result = invoke(cli, "forget", PERSON, "--yes", "--json", "--workspace", workspace)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files_removed"] == [str(report)]
    assert not report.exists() and untouched.exists()


def test_an_import_without_the_erasure_key_is_refused(
    tmp_path: Path, cli: CliRunner, workspace: Path
) -> None:
    assert invoke(cli, "forget", PERSON, "--yes", "--workspace", workspace).exit_code == 0
    (workspace / "rapport.duckdb.key").unlink()
    before = snapshot_file(workspace / "rapport.duckdb")
    result = invoke(cli, "import", tmp_path / "source", "--workspace", workspace)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "rapport.duckdb.key" in lines[0] and "restore" in lines[0]
    assert snapshot_file(workspace / "rapport.duckdb") == before


# -- pseudonymised exports -------------------------------------------------------------------
_DID = re.compile(r"did:[a-z]+:[A-Za-z0-9._:%\-]*[A-Za-z0-9]")
_MENTION = re.compile(r"(?<![A-Za-z0-9_])@([A-Za-z0-9_][A-Za-z0-9_.\-]*[A-Za-z0-9_])")
_IN_URL = re.compile(
    r"(?:(?:x|twitter|instagram|threads)\.(?:com|net)/@?|bsky\.app/profile/|"
    r"https?://[A-Za-z0-9.\-]+/(?:@|users/))([A-Za-z0-9_.:\-]*[A-Za-z0-9_])"
)
_NOT_HANDLES = {"i", "intent", "hashtag", "search", "home", "share", "status", "someone", "web"}


def _exported(folder: Path) -> dict[str, list[dict[str, Any]]]:
    return {
        p.stem: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line]
        for p in folder.glob("*.jsonl")
    }


def _names_in(tables: dict[str, list[dict[str, Any]]]) -> tuple[set[str], set[str]]:
    """Every handle and DID of a person in the input; the businesses' are left out."""
    keep = set()
    for account in tables.get("accounts", []):
        keep.add(str(account["handle"]).lstrip("@").lower())
        keep |= {d.lower() for d in _DID.findall(account["account_id"])}
        keep |= {h.lower() for h in _IN_URL.findall(f"{account['account_id']} {account['url']}")}
    text = json.dumps({k: v for k, v in tables.items() if k != "accounts"}, ensure_ascii=False)
    handles = {str(p["handle"]).lstrip("@").lower() for p in tables.get("people", [])
               if p.get("handle")}  # fmt: skip
    handles |= {m.lower() for m in _MENTION.findall(text)}
    handles |= {m.lower() for m in _IN_URL.findall(text)}
    dids = {d.lower() for d in _DID.findall(text)} - keep
    handles = {h for h in handles if h not in _NOT_HANDLES and not h.startswith("did:")}
    return handles - keep, dids


def _leaks(folder: Path, handles: set[str], dids: set[str]) -> list[str]:
    """The handles and DIDs still in the export: a DID anywhere; a handle as a mention, as a
    whole value, or where URLs name people (``host/<handle>``, ``host/@<handle>``)."""
    tables = _exported(folder)
    for row in tables.get("posts", []):
        row.pop("hashtags", None)  # a hashtag that happens to be someone's handle is a topic
    text = json.dumps(tables, ensure_ascii=False).lower()
    found = [d for d in dids if d in text]
    for handle in handles:
        h = re.escape(handle)
        named = rf'(?:(?<![a-z0-9_.\-])@|://[a-z0-9.\-]+/@?)({h})(?:["/?#\s@]|$)'
        if re.search(named, text) or f'"{handle}"' in text:
            found.append(handle)
    return sorted(found)


def _check_pseudonymised(cli: CliRunner, ws: Path, out: Path) -> dict[str, Any]:
    plain, anon = out / "plain", out / "anon"
    assert invoke(cli, "export", plain, "--format", "jsonl", "--workspace", ws).exit_code == 0
    result = invoke(cli, "export", anon, "--pseudonymise", "--format", "jsonl", "--workspace", ws)
    assert result.exit_code == 0, result.output
    tables = _exported(plain)
    handles, dids = _names_in(tables)
    assert _leaks(anon, handles, dids) == []
    return {"handles": handles, "dids": dids, "anon": _exported(anon)}


def test_pseudonymise_keeps_links_useful_and_names_nobody(tmp_path: Path, cli: CliRunner) -> None:
    rows = {name: list(values) for name, values in ROWS.items()}
    rows["posts"] = [
        *rows["posts"],
        {
            "post_id": f"bluesky:at://{SHOP[8:]}/app.bsky.feed.post/3kshop0003",
            "account_id": SHOP,
            "created_at": "2026-01-06T09:00:00Z",
            "text": f"As {DID} said (at://{DID}/app.bsky.feed.post/3kx): see "
            "https://mastodon.example/@fan_of_bread/1099 and x.com/rival_fan/status/42",
            "links": [
                "https://x.com/rival_fan/status/1234567890",
                f"https://bsky.app/profile/{DID}/post/3kzq",
                f"https://bsky.app/profile/{HANDLE}",
                "https://mastodon.example/users/fan_of_bread/statuses/1099",
                "https://crumb.example/menu",
            ],
        },
    ]
    source = tmp_path / "source"
    write_canonical(build_tables(rows), source)
    ws = tmp_path / "ws"
    assert invoke(cli, "import", source, "--workspace", ws).exit_code == 0
    found = _check_pseudonymised(cli, ws, tmp_path / "out")
    assert {"rival_fan", "fan_of_bread", HANDLE} <= found["handles"] and DID in found["dids"]
    posts = {p["post_id"]: p for p in found["anon"]["posts"]}
    post = posts[f"bluesky:at://{SHOP[8:]}/app.bsky.feed.post/3kshop0003"]  # the shop's id kept
    links = post["links"]
    assert re.fullmatch(r"https://x\.com/person-[0-9a-f]{8}/status/1234567890", links[0])
    reply = next(i for i in found["anon"]["interactions"] if PHRASE in (i["text"] or ""))
    her = next(p["handle"] for p in found["anon"]["people"] if p["person_id"] == reply["person_id"])
    assert links[1] == f"https://bsky.app/profile/{her}/post/3kzq"  # same pseudonym as in people
    assert links[2] == f"https://bsky.app/profile/{her}"
    assert re.fullmatch(r"https://mastodon\.example/users/person-[0-9a-f]{8}/statuses/1099",
                        links[3])  # fmt: skip
    assert links[4] == "https://crumb.example/menu"


SHOP_ACCOUNT = ("--account", "shop")
SAMPLES = {
    "x_archive_2026": ("twitter_archive/milahu104_2026-02-10",),
    "x_archive_2021": ("twitter_archive/larsbrinkhoff_2021-03_tweet.js_era",),
    "x_archive_old": ("twitter_archive/dogsheep_fixtures",),
    "mastodon_archive": ("mastodon_archive/hikurry_2022-06",),
    "mastodon_csv": ("mastodon_csv_export/following_accounts__mastodon_spec_fixture.csv",),
    "bluesky_car": ("bluesky_repo_car/bsky-app.car",),
    "instagram_dyi": (
        "instagram_dyi_json/followers_1__EXCERPT_first3_of_WicfuL-io.json",
        *SHOP_ACCOUNT,
    ),
    "facebook_dyi": ("meta_facebook_dyi_json/your_posts_1.json", *SHOP_ACCOUNT),
    "facebook_insights": (
        "meta_facebook_page_insights/uci_facebook_metrics_cosmetics_brand",
        *SHOP_ACCOUNT,
        "--option",
        "year=2014",
    ),
    "shopify": (
        "shopify_orders_csv/orders_export_1__ramkumar03ace_dev_store_2025_multi_lineitem.csv",
    ),
    "ga4": ("ga4_export_csv/data-export__riav13_NSTEM_channel_group.csv",),
}


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_pseudonymised_samples_name_nobody(
    sample: str, shared: Path, tmp_path: Path, cli: CliRunner
) -> None:
    path, *options = SAMPLES[sample]
    ws = tmp_path / "ws"
    result = invoke(cli, "import", shared / "samples" / path, *options, "--workspace", ws)
    assert result.exit_code == 0, result.output
    _check_pseudonymised(cli, ws, tmp_path)


def test_pseudonymised_bluesky_api_responses_name_nobody(
    shared: Path, tmp_path: Path, cli: CliRunner
) -> None:
    from atproto import models
    from atproto_client.models.utils import get_or_create

    from rapport.canonical.builder import BatchBuilder
    from rapport.connectors._bluesky_map import Collector

    folder = shared / "samples" / "bluesky_api" / "bskyr_recorded_real_responses_2023-2024"

    def load(name: str, model: Any) -> Any:
        return get_or_create(json.loads((folder / name).read_text()), model, strict=False)

    owner = "did:plc:wpe35pganb6d4pg4ekmfy6u5"
    account = f"bluesky:{owner}"
    import datetime as dt

    collector = Collector(dt.datetime(2024, 12, 1, tzinfo=dt.UTC), own_did=owner)
    feed = load("app.bsky.feed.getAuthorFeed-d3a6a5.json", models.AppBskyFeedGetAuthorFeed.Response)
    own = next(item.post.author for item in feed.feed if item.post.author.did == owner)
    collector.account(own, role="own", locator="profile")
    for item in feed.feed:
        collector.feed_item(item, account=account, handle=own.handle, locator="feed")
    notes = load("app.bsky.notification.listNotifications.json",
                 models.AppBskyNotificationListNotifications.Response)  # fmt: skip
    for note in notes.notifications:
        collector.notification(note, account=account, locator="notifications")
    builder = BatchBuilder(source="bluesky_api", origin="recorded responses")
    collector.emit(builder)
    (tmp_path / "ws").mkdir()
    with Store(tmp_path / "ws" / "rapport.duckdb") as store:
        store.apply(builder.build())
    found = _check_pseudonymised(cli, tmp_path / "ws", tmp_path)
    assert found["dids"] and found["handles"]
