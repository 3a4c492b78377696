"""The generic conversions CSV, and attribution to posts from end to end."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from rapport.importers import detect, get_importer
from tests.importer_support import assert_refused, fuzz_importer, import_into, rows

DATA = Path(__file__).parent / "data" / "exports"
CONVERSIONS = DATA / "conversions" / "conversions.csv"
CRM = DATA / "conversions" / "crm_export_semicolons.csv"
LINKEDIN_MAPPING = Path(__file__).parents[1] / "docs" / "sources" / "mappings" / "linkedin.toml"
UTC = dt.UTC


def test_the_header_convention(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    summary = import_into(ws, CONVERSIONS)
    conversions = {c["conversion_id"]: c for c in rows(ws, "conversions")}
    assert set(conversions) == {"web:c-1001", "web:c-1002", "web:c-1003", "web:c-1006"}
    sale = conversions["web:c-1001"]
    assert (sale["kind"], sale["value"], sale["currency"]) == ("purchase", 49.9, "EUR")
    assert sale["occurred_at"] == dt.datetime(2024, 5, 3, 10, tzinfo=UTC)
    signup = conversions["web:c-1002"]  # no UTM columns filled: read from the landing URL
    assert (signup["kind"], signup["value"]) == ("signup", None)
    assert (signup["utm_source"], signup["utm_medium"]) == ("facebook", "social")
    assert signup["occurred_at"] == dt.datetime(2024, 5, 4, 9, 30, tzinfo=UTC)  # no zone: UTC
    third = conversions["web:c-1003"]  # "Sale", "eur", and a post URL in post_id
    assert (third["kind"], third["currency"]) == ("purchase", "EUR")
    assert third["occurred_at"] == dt.datetime(2024, 5, 5, 10, tzinfo=UTC)  # +02:00
    assert (
        third["utm_content"] == "https://www.facebook.com/104857600012345/posts/122100000000000042"
    )
    assert summary.first_rejections == [
        "conversions.csv line 5: field 'occurred_at': expected an ISO 8601 time "
        "such as 2024-05-01T12:00:00Z, found 'last tuesday'",
        "conversions.csv line 6: field 'kind': expected a conversion kind "
        "(signup, purchase, lead, download, subscribe, other), found 'refund'",
    ]
    assert any("1 conversion time(s) had no time zone" in n for n in summary.notices)
    again = import_into(ws, CONVERSIONS)
    assert again.total("added") == 0 and again.total("updated") == 0


def test_loose_headers_semicolons_and_options(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    import_into(ws, CRM, extra={"platform": "shop", "timezone": "Europe/Lisbon"})
    conversions = {c["conversion_id"]: c for c in rows(ws, "conversions")}
    assert set(conversions) == {"shop:A-17", "shop:A-18"}
    order = conversions["shop:A-18"]
    assert (order["value"], order["currency"], order["kind"]) == (1249.0, "EUR", "purchase")
    assert (order["utm_source"], order["utm_campaign"]) == ("tiktok", "coral")
    assert order["occurred_at"] == dt.datetime(2024, 5, 8, 23, tzinfo=UTC)  # Lisbon midnight
    lead = conversions["shop:A-17"]
    assert (lead["kind"], lead["utm_source"], lead["utm_medium"]) == (
        "signup",
        "instagram",
        "social",
    )


def test_attribution_end_to_end(tmp_path: Path) -> None:
    """Posts first (a Facebook export and a LinkedIn file through a mapping), then sales."""
    ws = tmp_path / "ws"
    import_into(ws, DATA / "facebook" / "business_suite_posts.csv", account="lisbonbeautylab")
    import_into(
        ws, DATA / "mapped" / "linkedin_all_posts.csv", format="mapped",
        mapping=LINKEDIN_MAPPING, account="lisbon-beauty-lab",
    )  # fmt: skip
    summary = import_into(ws, CONVERSIONS)
    post_of = {c["conversion_id"]: c["post_id"] for c in rows(ws, "conversions")}
    coral = "facebook:104857600012345_122100000000000042"
    assert post_of == {
        "web:c-1001": coral,  # utm_content = the canonical post id
        "web:c-1002": coral,  # landing page = a link in the post, 2 days after it
        "web:c-1003": coral,  # the post's URL
        "web:c-1006": "linkedin:urn:li:activity:7190000000000000001",  # the native id
    }
    assert any("4 conversion(s) attributed to posts" in n for n in summary.notices)


def test_conversions_first_posts_later(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    import_into(ws, CONVERSIONS)
    assert {c["post_id"] for c in rows(ws, "conversions")} == {None}
    import_into(ws, DATA / "facebook" / "business_suite_posts.csv", account="lisbonbeautylab")
    attributed = [c for c in rows(ws, "conversions") if c["post_id"]]
    assert len(attributed) == 3


def test_bad_input(tmp_path: Path, cli: CliRunner) -> None:
    ws = tmp_path / "ws"
    text = CONVERSIONS.read_text()
    no_time = tmp_path / "conversions.csv"
    no_time.write_text(text.replace("occurred_at,", "when,", 1))
    line = assert_refused(
        cli, ws, "import", no_time, "--as", "conversions_csv", expect="column 'occurred_at'"
    )
    assert "conversions.csv" in line
    latin = tmp_path / "latin.csv"
    latin.write_bytes(text.replace("summer", "été").encode("latin-1"))
    assert_refused(cli, ws, "import", latin, expect="not UTF-8")
    assert_refused(
        cli, ws, "import", DATA / "shopify" / "orders_export.csv", "--as", "conversions_csv",
        expect="column 'conversion_id'",
    )  # fmt: skip
    line = assert_refused(cli, ws, "import", CONVERSIONS, "--option", "platform=myshop",
                          expect="the option platform=myshop")  # fmt: skip
    assert line.endswith("(--option KEY=VALUE)")
    cut = tmp_path / "cut.csv"
    cut.write_text(text[:90])
    assert_refused(cli, ws, "import", cut, "--as", "conversions_csv", expect="but no rows")
    cut.write_text(text[: text.index("EUR,face") + 8])  # the first conversion, cut short
    summary = import_into(tmp_path / "ws2", cut)
    assert summary.total("added") == 0
    assert summary.first_rejections == [
        "cut.csv line 2: field 'utm_source': the line has 6 of the header's 12 columns "
        "(cut short, or edited by hand)"
    ]


def test_detection() -> None:
    assert detect(CONVERSIONS).name == "conversions_csv"
    assert detect(CRM).name == "conversions_csv"
    importer = get_importer("conversions_csv")
    for other in (
        DATA / "shopify" / "orders_export.csv",
        DATA / "ga4" / "landing_pages.csv",
        DATA / "facebook" / "insights_post_data.csv",
        DATA / "mapped" / "tiktok_content.csv",
    ):
        assert importer.detect(other) == 0, other


test_fuzz_conversions = fuzz_importer("conversions_csv", CONVERSIONS)
test_fuzz_crm = fuzz_importer("conversions_csv", CRM, max_examples=20)
