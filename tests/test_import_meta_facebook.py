"""Facebook: Page post insights CSV (three shapes) and "Download your information" JSON."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from hashlib import sha256
from pathlib import Path

from typer.testing import CliRunner

from rapport.importers import detect, get_importer
from tests.conftest import invoke
from tests.importer_support import assert_refused, fuzz_importer, import_into, rows

DATA = Path(__file__).parent / "data" / "exports"
LEGACY = DATA / "facebook" / "insights_post_data.csv"
SUITE = DATA / "facebook" / "business_suite_posts.csv"
DYI = DATA / "facebook" / "dyi"
UCI = (
    "samples/meta_facebook_page_insights/uci_facebook_metrics_cosmetics_brand/dataset_Facebook.csv"
)
UTC = dt.UTC


def _stats_by_post(ws: Path) -> dict[str, dict[str, object]]:
    return {r["post_id"]: r for r in rows(ws, "post_stats")}


# --- the real sample: UCI "Facebook metrics" (split dates, CR-only line endings, no ids) ---


def test_split_date_export_needs_the_year(shared: Path, tmp_path: Path, cli: CliRunner) -> None:
    line = assert_refused(
        cli, tmp_path / "ws", "import", shared / UCI, "--account", "brand",
        expect="needs the option year=",
    )  # fmt: skip
    assert "facebook_insights" in line and "not the year" in line
    assert line.endswith("(--option KEY=VALUE)")


def test_uci_sample_imports_every_post_with_its_lifetime_counts(
    shared: Path, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    summary = import_into(ws, shared / UCI, account="brand", extra={"year": "2014"})
    assert summary.source == "facebook_insights"
    posts = rows(ws, "posts")
    stats = rows(ws, "post_stats")
    assert len(posts) == 500 and len(stats) == 500
    assert summary.total("rejected") == 0
    formats = {f: sum(p["format"] == f for p in posts) for f in ("image", "text", "link", "video")}
    assert formats == {
        "image": 426,
        "text": 45,
        "link": 22,
        "video": 7,
    }  # Photo, Status, Link, Video
    assert sum(s["reach"] for s in stats) == 6_951_680
    # line 2 (the newest post): Photo, Category 2, month 12, weekday 4, hour 3
    first = next(s for s in stats if s["reach"] == 2752)
    assert (first["impressions"], first["likes"], first["replies"], first["reposts"]) == (
        5091, 79, 4, 17,
    )  # fmt: skip
    assert first["clicks"] == 159  # Lifetime Post Consumptions
    post = next(p for p in posts if p["post_id"] == first["post_id"])
    # weekday 4 = Wednesday: the first Wednesday of December 2014, 03:00 Pacific = 11:00 UTC
    assert post["created_at"] == dt.datetime(2014, 12, 3, 11, 0, tzinfo=UTC)
    assert post["content_kind"] == "promo" and post["account_id"] == "facebook:brand"
    # line 113: empty like and share cells stay unknown, never 0
    empty = next(s for s in stats if s["reach"] == 1261 and s["impressions"] == 2158)
    assert (empty["likes"], empty["reposts"], empty["replies"]) == (None, None, 0)
    # the oldest post (last line, no line ending): 1 January 2014 was a Wednesday
    oldest = next(p for p in posts if p["post_id"] == next(
        s["post_id"] for s in stats if s["reach"] == 4188 and s["impressions"] == 7292
    ))  # fmt: skip
    assert oldest["created_at"] == dt.datetime(2014, 1, 1, 12, 0, tzinfo=UTC)
    assert rows(ws, "accounts")[0]["followers"] == 139_441  # Page total likes on line 2
    assert any("not its day" in n and "weekday 1 = Sunday" in n for n in summary.notices)


def test_reimporting_the_uci_sample_changes_nothing(shared: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    import_into(ws, shared / UCI, account="brand", extra={"year": "2014"})
    before = {t: rows(ws, t) for t in ("posts", "post_stats", "accounts", "follower_counts")}
    again = import_into(ws, shared / UCI, account="brand", extra={"year": "2014"})
    assert again.total("added") == 0 and again.total("updated") == 0
    assert {t: rows(ws, t) for t in before} == before


def test_a_missing_required_column_names_file_and_column(
    shared: Path, tmp_path: Path, cli: CliRunner
) -> None:
    lines = (shared / UCI).read_text().split("\r")
    header = lines[0].split(",")
    drop = header.index("Type")
    cut = [
        "\r".join(",".join(c for i, c in enumerate(line.split(",")) if i != drop) for line in lines)
    ]
    target = tmp_path / "dataset_Facebook.csv"
    target.write_text(cut[0])
    line = assert_refused(
        cli, tmp_path / "ws", "import", target, "--account", "brand", "--option", "year=2014",
        expect="column 'Type'",
    )  # fmt: skip
    assert "dataset_Facebook.csv" in line


# --- our fixtures in the real shapes ---


def test_legacy_insights_export(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    summary = import_into(ws, LEGACY, account="lisbonbeautylab")
    posts = {p["post_id"]: p for p in rows(ws, "posts")}
    assert len(posts) == 3
    post = posts["facebook:104857600012345_104857600099003"]
    # "4/18/2024 9:30" in Pacific daylight time
    assert post["created_at"] == dt.datetime(2024, 4, 18, 16, 30, tzinfo=UTC)
    assert post["format"] == "image" and post["hashtags"] == ["springsale", "skincare"]
    assert post["url"] == "https://www.facebook.com/lisbonbeautylab/posts/104857600099003"
    stats = _stats_by_post(ws)[post["post_id"]]
    assert (stats["reach"], stats["impressions"], stats["clicks"]) == (5210, 8730, 655)
    assert (stats["likes"], stats["replies"], stats["reposts"]) == (151, 12, 9)  # stories counts
    assert stats["observed_at"] == post["created_at"]  # the newest post time in the file
    account = rows(ws, "accounts")[0]
    assert (account["account_id"], account["handle"]) == (
        "facebook:104857600012345",
        "lisbonbeautylab",
    )
    # the description row is skipped; the spreadsheet-mangled time is quarantined
    assert summary.total("rejected") == 1
    assert summary.first_rejections == [
        "insights_post_data.csv line 6: field 'Posted': expected a time "
        "such as 10/1/2015 21:00, found 'yesterday'"
    ]


def test_the_timezone_option_moves_post_times(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    import_into(ws, LEGACY, account="lisbonbeautylab", extra={"timezone": "Europe/Lisbon"})
    created = {p["post_id"]: p["created_at"] for p in rows(ws, "posts")}
    assert created["facebook:104857600012345_104857600099003"] == dt.datetime(
        2024, 4, 18, 8, 30, tzinfo=UTC
    )


def test_business_suite_export(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    import_into(ws, SUITE, account="lisbonbeautylab")
    posts = {p["post_id"]: p for p in rows(ws, "posts")}
    coral = posts["facebook:104857600012345_122100000000000042"]
    assert coral["links"] == ["https://lisbonbeauty.example/coral"]
    assert coral["created_at"] == dt.datetime(2024, 5, 2, 18, 30, tzinfo=UTC)
    reel = posts["facebook:104857600012345_122100000000000041"]
    assert (reel["text"], reel["format"]) == ("Packing orders", "video")
    stats = _stats_by_post(ws)
    assert (stats[coral["post_id"]]["impressions"], stats[coral["post_id"]]["reach"]) == (
        4210,
        3050,
    )
    assert stats[reel["post_id"]]["clicks"] is None  # an empty cell is unknown


def test_a_lone_export_goes_to_the_only_own_facebook_account(
    tmp_path: Path, cli: CliRunner
) -> None:
    ws = tmp_path / "ws"
    assert_refused(
        cli,
        ws,
        "import",
        LEGACY,
        expect="give the handle of the account it belongs to (--account HANDLE)",
    )
    ws.mkdir()
    (ws / "rapport.toml").write_text('[[accounts.own]]\nplatform = "facebook"\nhandle = "lbl"\n')
    result = invoke(cli, "import", LEGACY, "--workspace", ws)
    assert result.exit_code == 0, result.output
    assert {a["handle"] for a in rows(ws, "accounts")} == {"lbl"}


# --- Download your information ---


def test_dyi_sample_posts_with_repaired_text(shared: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    summary = import_into(
        ws, shared / "samples/meta_facebook_dyi_json/your_posts_1.json", account="owner"
    )
    posts = sorted(rows(ws, "posts"), key=lambda p: p["created_at"])
    # 31 entries: 26 with a text or a link in data, 2 links shared through an app with an
    # empty data (posts too: "liked an article in the KWEJK.pl app"), 3 with only a title
    assert len(posts) == 28
    assert posts[0]["created_at"] == dt.datetime.fromtimestamp(1372444612, UTC)
    assert posts[0]["links"] == ["http://kwejk.pl/obrazek/1839282"] and posts[0]["format"] == "link"
    emoji = next(p for p in posts if p["created_at"] == dt.datetime.fromtimestamp(1521369074, UTC))
    assert emoji["text"] == "🐸👌"  # was "\u00f0\u009f\u0090\u00b8\u00f0\u009f\u0091\u008c"
    assert sum(p["format"] == "text" for p in posts) == 9
    assert sum(p["format"] == "link" for p in posts) == 19
    app = next(p for p in posts if p["created_at"] == dt.datetime.fromtimestamp(1384601500, UTC))
    assert (app["text"], app["links"]) == (None, ["http://kwejk.pl/obrazek/1949319"])
    assert all(p["text"] is None or p["text"].strip() for p in posts)  # no empty posts
    assert summary.notices == [
        "3 timeline entries with no text, photo, video or link were not imported as posts: 3 "
        "with only a title (a feeling, a life event, a recommendation, a check-in or app "
        "activity)"
    ]
    again = import_into(
        ws, shared / "samples/meta_facebook_dyi_json/your_posts_1.json", account="owner"
    )
    assert again.total("added") == 0 and again.total("updated") == 0


def test_dyi_folder_posts_and_comments(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    summary = import_into(ws, DYI, account="lisbonbeautylab")
    posts = {p["created_at"]: p for p in rows(ws, "posts")}
    assert len(posts) == 4  # the quiz's link shared by an app is a link post
    quiz = posts[dt.datetime(2024, 5, 4, 8, 0, tzinfo=UTC)]
    assert (quiz["format"], quiz["text"]) == ("link", None)
    first = posts[dt.datetime(2024, 5, 1, 8, 0, tzinfo=UTC)]
    assert first["text"] == "Nouvelle crème au café ☕ disponible demain ! #Lancement"
    assert first["hashtags"] == ["lancement"] and first["post_id"].startswith("facebook:dyi-")
    assert posts[dt.datetime(2024, 5, 3, 8, 0, tzinfo=UTC)]["format"] == "image"
    assert any("2 comment(s) you wrote were not imported" in n for n in summary.notices)
    assert summary.first_rejections == [
        "dyi: your_posts_1.json item 5: field 'timestamp': expected Unix seconds"
    ]


MEDIA_ONLY = [
    {  # a photo posted without text: data is empty, the photo is in attachments
        "timestamp": 1714723200,
        "attachments": [
            {
                "data": [
                    {
                        "media": {
                            "uri": "posts/media/your_posts/p1.jpg",
                            "creation_timestamp": 1714723200,
                            "title": "",
                        }
                    }
                ]
            }
        ],
        "data": [],
        "title": "Lisbon Beauty Lab added a new photo.",
    },
    {  # a second photo in the same second
        "timestamp": 1714723200,
        "attachments": [{"data": [{"media": {"uri": "posts/media/your_posts/p2.jpg"}}]}],
        "data": [],
    },
    {  # a video without text; data holds only its update time
        "timestamp": 1714809600,
        "attachments": [{"data": [{"media": {"uri": "posts/media/your_videos/v1.mp4"}}]}],
        "data": [{"update_timestamp": 1714809600}],
    },
    {  # a text with a photo: imported before too, its id must not change
        "timestamp": 1714896000,
        "attachments": [{"data": [{"media": {"uri": "posts/media/your_posts/p3.jpg"}}]}],
        "data": [{"post": "Atelier day"}],
    },
    {"timestamp": 1714982400, "attachments": [], "data": [{"update_timestamp": 1714982400}]},
    {"timestamp": 1715068800, "data": [{"update_timestamp": 1715068800}]},
    {"timestamp": 1715155200, "data": [], "title": "Lisbon Beauty Lab is feeling festive."},
    {"timestamp": 1715241600, "data": [{"post": "   "}], "title": "Lisbon Beauty Lab"},
]


def test_dyi_media_only_posts_are_posts(tmp_path: Path) -> None:
    """Photo and video posts without text (issue 10 counted 22 of 464 and 52 of 729 entries
    in two real exports) are imported with their format; only entries with nothing of their
    own are skipped, counted by kind."""
    export = tmp_path / "your_posts_1.json"
    export.write_text(json.dumps(MEDIA_ONLY))
    ws = tmp_path / "ws"
    summary = import_into(ws, export, account="lisbonbeautylab")
    posts = sorted(rows(ws, "posts"), key=lambda p: (p["created_at"], p["post_id"]))
    assert [(p["format"], p["text"]) for p in posts] == [
        ("image", None), ("image", None), ("video", None), ("image", "Atelier day"),
    ]  # fmt: skip
    assert len({p["post_id"] for p in posts}) == 4  # two photos of one second stay two posts
    assert posts[0]["created_at"] == dt.datetime(2024, 5, 3, 8, 0, tzinfo=UTC)
    account = posts[3]["account_id"]
    material = "\x1f".join([account, "1714896000", "Atelier day"])  # the id before the change
    assert posts[3]["post_id"] == "facebook:dyi-" + sha256(material.encode()).hexdigest()[:24]
    assert summary.notices == [
        "3 photo or video post(s) without text imported (format image or video, no text)",
        "4 timeline entries with no text, photo, video or link were not imported as posts: 2 "
        "with only a title (a feeling, a life event, a recommendation, a check-in or app "
        "activity) and 2 with only a timestamp (the export keeps no content for them)",
    ]
    again = import_into(ws, export, account="lisbonbeautylab")
    assert again.total("added") == 0 and again.total("updated") == 0


def test_dyi_a_single_file_names_itself_once_in_rejections(tmp_path: Path) -> None:
    summary = import_into(tmp_path / "ws", DYI / "your_posts_1.json", account="lisbonbeautylab")
    assert summary.first_rejections == [
        "your_posts_1.json item 5: field 'timestamp': expected Unix seconds"
    ]


def test_dyi_bad_input(tmp_path: Path, cli: CliRunner) -> None:
    ws = tmp_path / "ws"
    truncated = tmp_path / "your_posts_1.json"
    truncated.write_bytes((DYI / "your_posts_1.json").read_bytes()[:300])
    line = assert_refused(
        cli,
        ws,
        "import",
        truncated,
        "--as",
        "facebook_dyi",
        "--account",
        "x",
        expect="not valid JSON",
    )
    assert "your_posts_1.json" in line and "line " in line
    latin = tmp_path / "posts.json"
    latin.write_bytes('[{"timestamp": 1, "data": [{"post": "café"}]}]'.encode("latin-1"))
    assert_refused(
        cli, ws, "import", latin, "--as", "facebook_dyi", "--account", "x", expect="not UTF-8"
    )
    assert_refused(
        cli, ws, "import", LEGACY, "--as", "facebook_dyi", "--account", "x",
        expect="can't be read: not valid JSON",
    )  # fmt: skip


def test_insights_bad_input(tmp_path: Path, cli: CliRunner) -> None:
    ws = tmp_path / "ws"
    latin = tmp_path / "insights.csv"
    latin.write_bytes(LEGACY.read_text().replace("chemist", "químico").encode("latin-1"))
    assert_refused(cli, ws, "import", latin, "--account", "x", expect="not UTF-8")
    assert_refused(
        cli, ws, "import", DYI / "your_posts_1.json", "--as", "facebook_insights", "--account", "x",
        expect="expected a Facebook Page post insights CSV",
    )  # fmt: skip
    truncated = tmp_path / "cut.csv"
    truncated.write_text(LEGACY.read_text()[:200])
    assert_refused(
        cli, ws, "import", truncated, "--as", "facebook_insights", "--account", "x",
        expect="cut.csv: can't be read: the post insights table has a header on line 1 but no rows",
    )  # fmt: skip
    cut = tmp_path / "cut_in_a_row.csv"
    cut.write_bytes(LEGACY.read_bytes()[:-30])  # the last line loses its last cells
    summary = import_into(tmp_path / "ws2", cut, account="x")
    assert summary.total("rejected") == 1 and len(rows(tmp_path / "ws2", "posts")) == 3
    assert summary.first_rejections[0].endswith(
        "line 6: field 'Lifetime Post Total Impressions': the line has 12 of the header's 25 "
        "columns (cut short, or edited by hand)"
    )
    bad_year = invoke(cli, "import", LEGACY, "--account", "x", "--option", "timezone=Mars/Olympus",
                      "--workspace", ws)  # fmt: skip
    assert bad_year.exit_code == 2 and "unknown time zone" in bad_year.stderr


def test_detection_by_content(tmp_path: Path) -> None:
    assert detect(LEGACY).name == "facebook_insights"
    assert detect(SUITE).name == "facebook_insights"
    assert detect(DYI).name == "facebook_dyi"
    renamed = tmp_path / "export.json"
    shutil.copy(DYI / "your_posts_1.json", renamed)
    assert detect(renamed).name == "facebook_dyi"
    others = [
        DATA / "shopify" / "orders_export.csv",
        DATA / "ga4" / "landing_pages.csv",
        DATA / "conversions" / "conversions.csv",
        DATA / "instagram" / "followers_1.json",
        DATA / "mapped" / "tiktok_content.csv",
    ]
    for name in ("facebook_insights", "facebook_dyi"):
        for other in others:
            assert get_importer(name).detect(other) == 0, (name, other)
    assert get_importer("facebook_insights").detect(DYI) == 0
    assert get_importer("facebook_dyi").detect(LEGACY) == 0


def test_uci_sample_is_detected(shared: Path) -> None:
    assert detect(shared / UCI).name == "facebook_insights"


def test_dyi_comments_alone_need_no_account(tmp_path: Path) -> None:
    folder = tmp_path / "dyi"
    folder.mkdir()
    shutil.copy(DYI / "comments.json", folder / "comments.json")
    summary = import_into(tmp_path / "ws", folder)
    assert summary.total("added") == 0
    assert any("2 comment(s)" in n for n in summary.notices)


test_fuzz_insights = fuzz_importer("facebook_insights", LEGACY)
test_fuzz_suite = fuzz_importer("facebook_insights", SUITE, max_examples=20)
test_fuzz_dyi = fuzz_importer("facebook_dyi", DYI / "your_posts_1.json")
