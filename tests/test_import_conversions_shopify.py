"""Shopify orders export: one purchase per order, multi-line orders counted once, no PII."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from typer.testing import CliRunner

from rapport.importers import detect, get_importer
from rapport.store import Store
from tests.importer_support import assert_refused, fuzz_importer, import_into, rows

DATA = Path(__file__).parent / "data" / "exports"
ORDERS = DATA / "shopify" / "orders_export.csv"
SAMPLE = (
    "samples/shopify_orders_csv/orders_export_1__ramkumar03ace_dev_store_2025_multi_lineitem.csv"
)
UTC = dt.UTC


def test_sample_one_conversion_per_order(shared: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    summary = import_into(ws, shared / SAMPLE)
    conversions = {c["conversion_id"]: c for c in rows(ws, "conversions")}
    # 121 line-item rows, 51 orders (#1001 … #1051)
    assert len(conversions) == 51 and summary.total("rejected") == 0
    order = conversions["shop:6798481490219"]  # #1050: four line items, Total on the first
    assert (order["value"], order["currency"], order["kind"]) == (11594.0, "INR", "purchase")
    assert order["occurred_at"] == dt.datetime(2025, 12, 6, 15, 37, 30, tzinfo=UTC)  # -0500
    assert round(sum(c["value"] for c in conversions.values()), 2) == 590683.29
    assert {c["person_id"] for c in conversions.values()} == {None}
    stored = repr(rows(ws, "conversions")) + repr(summary.to_dict())
    assert "@" not in stored  # no customer e-mail anywhere


def test_fixture_orders(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    summary = import_into(ws, ORDERS)
    conversions = {c["conversion_id"]: c for c in rows(ws, "conversions")}
    assert set(conversions) == {"shop:5550000000001", "shop:5550000000003", "shop:5550000000005"}
    first = conversions["shop:5550000000001"]  # two line items
    assert (first["value"], first["currency"]) == (59.7, "EUR")
    assert first["occurred_at"] == dt.datetime(2024, 5, 3, 9, 1, 40, tzinfo=UTC)  # +0200
    # utm_* from the Note Attributes a tracking app left
    assert (first["utm_source"], first["utm_medium"], first["utm_campaign"]) == (
        "facebook", "social", "summer",
    )  # fmt: skip
    assert first["utm_content"] == "facebook:104857600012345_122100000000000042"
    assert conversions["shop:5550000000005"]["currency"] == "USD"
    assert conversions["shop:5550000000003"]["value"] == 89.7  # a quoted address with commas
    assert any("1 cancelled order(s)" in n for n in summary.notices)
    # the line numbers count the physical lines of the multi-line Note Attributes cell
    assert summary.first_rejections == [
        "orders_export.csv line 10: field 'Total': expected a number, found '12,50 €'"
    ]
    with Store(ws / "rapport.duckdb") as store:
        (raw,) = store.connection.execute("SELECT raw FROM quarantine").fetchone() or ("",)
    assert '"Total": "12,50 €"' in raw and "@" not in raw and "Billing" not in raw
    again = import_into(ws, ORDERS)
    assert again.total("added") == 0 and again.total("updated") == 0


def test_orders_are_attributed_to_the_post_in_utm_content(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    import_into(ws, DATA / "facebook" / "business_suite_posts.csv", account="lisbonbeautylab")
    import_into(ws, ORDERS)
    post_ids = {c["conversion_id"]: c["post_id"] for c in rows(ws, "conversions")}
    assert post_ids == {
        "shop:5550000000001": "facebook:104857600012345_122100000000000042",
        "shop:5550000000003": None,
        "shop:5550000000005": None,
    }


def test_landing_site_column_and_site_option(tmp_path: Path) -> None:
    table = list(csv.reader(io.StringIO(ORDERS.read_text(), newline="")))
    header = [*table[0], "Landing Site"]
    body = [[*r, "/products/coral?utm_source=instagram&utm_content=instagram:abc" if r[0] ==
             "#2003" and r[11] else ""] for r in table[1:]]  # fmt: skip
    target = tmp_path / "orders_export_1.csv"
    with target.open("w", newline="") as handle:
        csv.writer(handle).writerows([header, *body])
    ws = tmp_path / "ws"
    summary = import_into(ws, target)
    order = next(c for c in rows(ws, "conversions") if c["conversion_id"] == "shop:5550000000003")
    assert order["landing_url"] == "/products/coral?utm_source=instagram&utm_content=instagram:abc"
    assert (order["utm_source"], order["utm_content"]) == ("instagram", "instagram:abc")
    assert any("add the option site=" in n for n in summary.notices)
    ws2 = tmp_path / "ws2"
    import_into(ws2, target, extra={"site": "https://lisbonbeauty.example"})
    order = next(c for c in rows(ws2, "conversions") if c["conversion_id"] == "shop:5550000000003")
    assert order["landing_url"].startswith("https://lisbonbeauty.example/products/coral?")


def test_bad_input(tmp_path: Path, cli: CliRunner) -> None:
    ws = tmp_path / "ws"
    text = ORDERS.read_text()
    no_currency = tmp_path / "orders_export.csv"
    no_currency.write_text(text.replace(",Currency,", ",Devise,", 1))
    line = assert_refused(cli, ws, "import", no_currency, "--as", "shopify", expect="'Currency'")
    assert "orders_export.csv" in line
    latin = tmp_path / "latin.csv"
    latin.write_bytes(text.encode("utf-8").replace("º".encode(), "º".encode("latin-1")))
    assert_refused(cli, ws, "import", latin, expect="not UTF-8")
    assert_refused(
        cli, ws, "import", DATA / "ga4" / "landing_pages.csv", "--as", "shopify",
        expect="expected a Shopify orders export",
    )  # fmt: skip
    header_only = tmp_path / "empty.csv"
    header_only.write_text(text.splitlines()[0] + "\n")
    assert_refused(cli, ws, "import", header_only, expect="no rows")
    cut = tmp_path / "cut.csv"
    cut.write_bytes(ORDERS.read_bytes()[:-200])  # #2005 is gone, #2004 loses its last columns
    summary = import_into(tmp_path / "ws2", cut)
    assert summary.first_rejections == [
        "cut.csv line 10: field 'Id': the line has 56 of the header's 79 columns (cut "
        "short, or edited by hand)"
    ]


def test_detection(shared: Path) -> None:
    assert detect(ORDERS).name == "shopify"
    assert detect(shared / SAMPLE).name == "shopify"
    importer = get_importer("shopify")
    for other in (
        DATA / "conversions" / "conversions.csv",
        DATA / "ga4" / "landing_pages.csv",
        DATA / "facebook" / "insights_post_data.csv",
    ):
        assert importer.detect(other) == 0, other


test_fuzz_shopify = fuzz_importer("shopify", ORDERS)
