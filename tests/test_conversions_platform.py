"""Conversions attributed to a platform: the rule that reads UTM tags (in Python and as an Ibis
expression), Shopify's Referring Site and Landing Site, GA4's source / medium columns, and the
conversions_by_platform metric on a workspace, counted by hand."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pytest
from typer.testing import CliRunner

from rapport.canonical.schema import PLATFORMS
from rapport.platforms.referrers import (
    SOCIAL_PLATFORMS,
    SOURCES,
    conversion_platform,
    conversion_platform_expr,
    normalized_source,
    referrer_platform,
)
from tests.conftest import invoke
from tests.importer_support import import_into, rows
from tests.spark_support import spark_fixture  # noqa: F401  (the `spark` fixture)

DATA = Path(__file__).parent / "data" / "exports"
ORDERS = DATA / "shopify" / "orders_export.csv"
POSTS = DATA / "facebook" / "business_suite_posts.csv"
SHOP = "https://lisbonbeauty.example"
CORAL = "facebook:104857600012345_122100000000000042"  # posted 2 May 2024
REEL = "facebook:104857600012345_122100000000000041"  # posted 28 April 2024

# (utm_source, utm_medium, landing_url) → platform
CASES: list[tuple[str | None, str | None, str | None, str | None]] = [
    ("instagram", "social", None, "instagram"),
    ("Instagram", None, None, "instagram"),
    ("ig", "paid", None, "instagram"),
    ("l.instagram.com", "referral", None, "instagram"),
    ("instagram.com", "referral", None, "instagram"),
    ("https://www.instagram.com/", "referral", None, "instagram"),
    ("facebook", "social", None, "facebook"),
    ("FB", "cpc", None, "facebook"),
    ("fb\t", " Social ", None, "facebook"),
    ("tv", "social", None, "other"),
    ("fav", "video", None, None),
    ("m.facebook.com", "referral", None, "facebook"),
    ("l.facebook.com", "referral", None, "facebook"),
    ("lm.facebook.com", "referral", None, "facebook"),
    ("https://lm.facebook.com/l.php?u=https%3A%2F%2Fshop", "referral", None, "facebook"),
    ("youtube", "video", None, "youtube"),
    ("youtube.com", "referral", None, "youtube"),
    ("m.youtube.com", "referral", None, "youtube"),
    ("t.co", "referral", None, "x"),
    ("x.com", "referral", None, "x"),
    ("twitter", "social", None, "x"),
    ("mobile.twitter.com", "referral", None, "x"),
    ("bsky.app", "referral", None, "bluesky"),
    ("bluesky", "social", None, "bluesky"),
    ("linkedin", "social", None, "linkedin"),
    ("lnkd.in", "referral", None, "linkedin"),
    ("www.linkedin.com", "referral", None, "linkedin"),
    ("tiktok", "social", None, "tiktok"),
    ("mastodon", "social", None, "mastodon"),
    ("mastodon.social", "referral", None, "mastodon"),
    ("pinterest", "social", None, "other"),
    ("some-forum", "social", None, "other"),
    ("partner", "paid_social", None, "other"),
    ("partner", "social-network", None, "other"),
    ("partner", "Organic Social", None, "other"),
    ("google", "organic", None, None),
    ("google.com", "referral", None, None),
    ("(direct)", "(none)", None, None),
    ("newsletter", "email", None, None),
    ("news.example", "referral", None, None),
    (None, None, None, None),
    ("", "", "", None),
    (None, None, f"{SHOP}/?utm_source=IG&utm_medium=social", "instagram"),
    (None, None, "/coral?utm_medium=paid_social&utm_content=x", "other"),
    (None, None, "/coral?utm_source=newsletter&utm_medium=email", None),
    ("newsletter", "email", "/?utm_source=instagram&utm_medium=social", None),  # given tags win
    (None, "email", "/?utm_source=t.co", "x"),
]


@pytest.mark.parametrize(("source", "medium", "landing", "platform"), CASES)
def test_the_platform_a_visit_came_from(
    source: str | None, medium: str | None, landing: str | None, platform: str | None
) -> None:
    assert referrer_platform(source, medium, landing) == platform


def test_every_platform_named_is_canonical() -> None:
    assert set(SOURCES.values()) <= set(SOCIAL_PLATFORMS) <= set(PLATFORMS)
    assert "web" not in SOCIAL_PLATFORMS and "shop" not in SOCIAL_PLATFORMS
    assert normalized_source(" https://WWW.Bsky.App:443/profile/x ") == "bsky.app"
    assert normalized_source("   ") is None


def test_a_post_decides_before_the_tags() -> None:
    assert conversion_platform(post_id=CORAL, utm_source="instagram", utm_medium=None) == (
        "facebook"
    )
    assert conversion_platform(post_id="web:1", utm_source=None, utm_medium=None) == "other"
    assert conversion_platform(post_id=None, utm_source="t.co", utm_medium=None) == "x"


def _records() -> list[dict[str, str | None]]:
    posts = [None, "x:1", "Mastodon:me@example.social/1", "web:2", "nocolon"]
    return [
        {"utm_source": s, "utm_medium": m, "landing_url": u, "post_id": None}
        for s, m, u, _ in CASES
    ] + [
        {"utm_source": "google", "utm_medium": "organic", "landing_url": None, "post_id": p}
        for p in posts
    ]


def _platforms(table: ibis.Table) -> list[str | None]:
    got = table.select(platform=conversion_platform_expr(table)).to_pandas()["platform"]
    return [None if pd.isna(v) else str(v) for v in got]


def test_the_ibis_expression_gives_what_the_function_gives() -> None:
    records = _records()
    table = ibis.memtable(pd.DataFrame(records, dtype="string"))
    assert _platforms(table) == [conversion_platform(**r) for r in records]


@pytest.mark.spark
def test_the_ibis_expression_on_spark(spark: Any) -> None:
    """Spark reads escapes in SQL strings its own way ('\\v' is the letter v): the rule trims
    and matches there as DuckDB does."""
    records = _records()
    spark.createDataFrame(
        records, "utm_source string, utm_medium string, landing_url string, post_id string"
    ).createOrReplaceTempView("platform_cases")
    table = ibis.pyspark.connect(spark).table("platform_cases")
    assert _platforms(table) == [conversion_platform(**r) for r in records]


# -- Shopify: Landing Site and Referring Site, in the real export's layout -------------------
def _orders(path: Path, orders: list[dict[str, str]]) -> Path:
    """An orders export with the real file's 79 columns, then Landing Site and Referring
    Site; each order one line item."""
    with ORDERS.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    header = [*header, "Landing Site", "Referring Site"]
    lines = []
    for number, order in enumerate(orders, start=1):
        cells = {
            "Name": f"#{1000 + number}",
            "Financial Status": "paid",
            "Currency": "EUR",
            "Subtotal": "20.00",
            "Total": "20.00",
            "Created at": f"2024-05-{2 + number:02d} 10:00:00 +0200",
            "Lineitem quantity": "1",
            "Lineitem name": "Coral lipstick",
            "Lineitem price": "20.00",
            "Id": f"555000000{number:04d}",
            **order,
        }
        lines.append([cells.get(name, "") for name in header])
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *lines])
    return path


ORDER_ROWS: list[dict[str, str]] = [
    # 1: the landing page's tags, its utm_content the id of a post → that post
    {"Landing Site": f"/products/coral?utm_source=facebook&utm_medium=social&utm_content={CORAL}"},
    # 2: only a referrer → l.instagram.com / referral
    {"Referring Site": "https://l.instagram.com/?u=https%3A%2F%2Flisbonbeauty.example"},
    # 3: a search engine → google.com / referral, not social
    {"Referring Site": "https://www.google.com/"},
    # 4: tags given: the referrer never replaces them
    {"Landing Site": "/?utm_source=newsletter&utm_medium=email",
     "Referring Site": "https://t.co/abc"},
    # 5: note attributes first, then the landing page's tags for what they lack
    {"Note Attributes": "utm_source: bsky.app\nutm_medium: social",
     "Landing Site": "/?utm_source=instagram&utm_campaign=spring"},
    # 6: a referrer within the shop itself: nothing
    {"Landing Site": "/collections/summer", "Referring Site": f"{SHOP}/collections"},
    # 7: a referrer, and a medium from the landing page, which stays
    {"Landing Site": "/?utm_medium=paid_social", "Referring Site": "https://www.youtube.com/watch?v=1"},
]  # fmt: skip


def test_shopify_landing_and_referring_site(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    import_into(ws, _orders(tmp_path / "orders_export_1.csv", ORDER_ROWS), extra={"site": SHOP})
    got = {
        c["conversion_id"]: (c["utm_source"], c["utm_medium"], c["utm_campaign"], c["utm_content"])
        for c in rows(ws, "conversions")
    }
    assert got == {
        "shop:5550000000001": ("facebook", "social", None, CORAL),
        "shop:5550000000002": ("l.instagram.com", "referral", None, None),
        "shop:5550000000003": ("google.com", "referral", None, None),
        "shop:5550000000004": ("newsletter", "email", None, None),
        "shop:5550000000005": ("bsky.app", "social", "spring", None),
        "shop:5550000000006": (None, None, None, None),
        "shop:5550000000007": ("youtube.com", "paid_social", None, None),
    }
    landing = {c["conversion_id"]: c["landing_url"] for c in rows(ws, "conversions")}
    assert landing["shop:5550000000006"] == f"{SHOP}/collections/summer"
    assert landing["shop:5550000000002"] is None


def test_shopify_referrer_in_note_attributes(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    orders = [{"Note Attributes": "referring_site: https://www.linkedin.com/feed/"}]
    import_into(ws, _orders(tmp_path / "orders_export_1.csv", orders))
    (order,) = rows(ws, "conversions")
    assert (order["utm_source"], order["utm_medium"]) == ("linkedin.com", "referral")


# -- GA4: source / medium, as one column or two, and manual ad content ------------------------
GA4_HEAD = """# ----------------------------------------
# Traffic acquisition: Session source / medium
# Account: Lisbon Beauty Lab
# Property: lisbonbeauty.example - GA4
# ----------------------------------------
#
# All Users
# Start date: 20240501
# End date: 20240507
"""


def _ga4(path: Path, table: str) -> Path:
    path.write_text(GA4_HEAD + table, encoding="utf-8")
    return path


GA4_TWO_COLUMNS = f"""\
Session source,Session medium,Session manual ad content,Date,Sessions,Key events
t.co,referral,(not set),20240503,10,2
lnkd.in,referral,(not set),20240503,4,1
google,organic,(not set),20240504,50,3
facebook,paid_social,{REEL},20240504,8,1
(direct),(none),(not set),20240505,20,1
"""
GA4_PAIR = """\
Session source / medium,Session manual ad content,Date,Sessions,Conversions
l.instagram.com / referral,(not set),20240503,10,1
newsletter / email,spring,20240503,10,2
"""


def test_ga4_source_and_medium_columns(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    import_into(ws, _ga4(tmp_path / "ga4_sources.csv", GA4_TWO_COLUMNS))
    tags = sorted(
        (c["utm_source"] or "", c["utm_medium"] or "", c["utm_content"] or "")
        for c in rows(ws, "conversions")
    )
    assert tags == [
        ("", "", ""),  # (direct) / (none)
        ("facebook", "paid_social", REEL),
        ("google", "organic", ""),
        ("google", "organic", ""),
        ("google", "organic", ""),
        ("lnkd.in", "referral", ""),
        ("t.co", "referral", ""),
        ("t.co", "referral", ""),
    ]
    ws2 = tmp_path / "ws2"
    import_into(ws2, _ga4(tmp_path / "ga4_pair.csv", GA4_PAIR))
    tags = sorted(
        (c["utm_source"], c["utm_medium"], c["utm_content"]) for c in rows(ws2, "conversions")
    )
    assert tags == [
        ("l.instagram.com", "referral", None),
        ("newsletter", "email", "spring"),
        ("newsletter", "email", "spring"),
    ]


# -- the metric on a workspace ----------------------------------------------------------------
def _metrics(cli: CliRunner, ws: Path) -> dict[str, dict[str, Any]]:
    result = invoke(cli, "metrics", "--json", "--workspace", ws)
    assert result.exit_code == 0, result.output
    return {m["id"]: m for m in json.loads(result.stdout)}


def test_conversions_by_platform_not_computable_without_conversions(
    tmp_path: Path, cli: CliRunner
) -> None:
    ws = tmp_path / "ws"
    import_into(ws, POSTS, account="lisbonbeautylab")
    result = _metrics(cli, ws)["conversions_by_platform"]
    assert result["status"] == "not_computable" and result["value"] is None
    assert "conversions" in result["reason"]


def test_conversions_by_platform_end_to_end(tmp_path: Path, cli: CliRunner) -> None:
    ws = tmp_path / "ws"
    import_into(ws, POSTS, account="lisbonbeautylab")
    import_into(ws, _orders(tmp_path / "orders_export_1.csv", ORDER_ROWS), extra={"site": SHOP})
    import_into(ws, _ga4(tmp_path / "ga4_sources.csv", GA4_TWO_COLUMNS))
    tied = {c["conversion_id"]: c["post_id"] for c in rows(ws, "conversions") if c["post_id"]}
    # Shopify #1 names the coral post in its landing page's utm_content; GA4's facebook
    # row names the reel in Session manual ad content
    assert tied["shop:5550000000001"] == CORAL
    assert sorted(tied.values()) == sorted([CORAL, REEL])
    # by hand: Shopify 7 orders: facebook (post), instagram (l.instagram.com), google,
    # newsletter, bluesky (note attribute), within the shop, youtube (referrer);
    # GA4 8 conversions: x 2 (t.co), linkedin 1 (lnkd.in), google 3, facebook 1 (post),
    # (direct) 1. Social: facebook 2, x 2, instagram 1, bluesky 1, youtube 1, linkedin 1.
    counts = {"facebook": 2, "x": 2, "instagram": 1, "bluesky": 1, "youtube": 1, "linkedin": 1}
    result = _metrics(cli, ws)["conversions_by_platform"]
    assert result["status"] == "ok"
    assert result["denominator"] == "all conversions in the period"
    assert result["value"] == pytest.approx(8 / 15)
    assert result["n"] == 15 and result["from_social"] == 8
    for platform in SOCIAL_PLATFORMS:
        assert result[f"from_{platform}"] == counts.get(platform, 0), platform
    low, high = result["interval"]
    assert low < 8 / 15 < high
    table = invoke(
        cli, "metrics", "--table", "conversions_by_platform", "--format", "json",
        "--workspace", ws,
    )  # fmt: skip
    assert table.exit_code == 0, table.output
    by_platform = {r["platform"]: r for r in json.loads(table.stdout)}
    assert {p: r["conversions"] for p, r in by_platform.items()} == {
        **counts, "not from social": 7,
    }  # fmt: skip
    assert by_platform["facebook"]["tied_to_a_post"] == 2
    assert by_platform["x"]["share"] == pytest.approx(2 / 15)
    assert {r["all_conversions"] for r in by_platform.values()} == {15}


def test_the_report_draws_a_bar_per_platform(tmp_path: Path) -> None:
    from rapport.metrics.builtin.conversions import report_figures
    from rapport.session import Session
    from rapport.store import Store

    ws = tmp_path / "ws"
    import_into(ws, _ga4(tmp_path / "ga4_sources.csv", GA4_TWO_COLUMNS))
    with Store(ws / "rapport.duckdb") as store, Session.over(store) as session:
        figures = {f.id: f for f in report_figures(session)}
    figure = figures["platforms"]
    assert figure.spec is not None
    assert [row[:3] for row in figure.rows] == [
        ["not from social", "4", "50.00%"],
        ["x", "2", "25.00%"],
        ["facebook", "1", "12.50%"],
        ["linkedin", "1", "12.50%"],
    ]
    bars = json.dumps(figure.spec)
    assert '"linkedin"' in bars and "not from social" not in bars
