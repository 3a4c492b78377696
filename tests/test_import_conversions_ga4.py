"""GA4 report CSVs: counts expanded into conversions, dated at the report's granularity."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from rapport.importers import detect, get_importer
from tests.importer_support import assert_refused, fuzz_importer, import_into, rows

DATA = Path(__file__).parent / "data" / "exports"
GA4 = DATA / "ga4"
CHANNELS = "samples/ga4_export_csv/data-export__riav13_NSTEM_channel_group.csv"
EVENTS = "samples/ga4_export_csv/data-export__podmeister81_AptamerGroup_events_2023.csv"
UTC = dt.UTC


def test_channel_group_sample_counts_zero_conversions(shared: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    summary = import_into(ws, shared / CHANNELS)
    assert summary.source == "ga4"
    # the Conversions column is 0 on all six channel rows (and Total revenue too)
    assert rows(ws, "conversions") == []
    assert any("line 11: 0 conversion(s) counted" in n for n in summary.notices)
    # the hand-appended block under the padding is a table of its own, without a count
    assert any(
        "line 34: table (Engagement rates compare) not imported: no conversion count" in n
        for n in summary.notices
    )


def test_events_sample_counts_the_conversion_events(shared: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    import_into(ws, shared / EVENTS)
    conversions = rows(ws, "conversions")
    # default conversion events: purchase, sign_up, generate_lead; the report has generate_lead 3
    assert len(conversions) == 3
    assert {c["kind"] for c in conversions} == {"lead"}
    # no Date column: dated at the start of the report's range (# Start date: 20230101)
    assert {c["occurred_at"] for c in conversions} == {dt.datetime(2023, 1, 1, tzinfo=UTC)}
    assert {c["value"] for c in conversions} == {None}
    assert len({c["conversion_id"] for c in conversions}) == 3


def test_events_option_names_other_conversion_events(shared: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    import_into(ws, shared / EVENTS, extra={"events": "generate_lead,file_download"})
    kinds = Counter(c["kind"] for c in rows(ws, "conversions"))
    assert kinds == {"download": 1976, "lead": 3}  # file_download 1976, generate_lead 3
    again = import_into(ws, shared / EVENTS, extra={"events": "generate_lead,file_download"})
    assert again.total("added") == 0 and again.total("updated") == 0


def test_source_medium_by_date(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    summary = import_into(ws, GA4 / "traffic_acquisition_source_medium.csv")
    conversions = rows(ws, "conversions")
    by_source = Counter((c["utm_source"], c["utm_medium"], c["occurred_at"]) for c in conversions)
    assert by_source == {
        ("instagram", "social", dt.datetime(2024, 5, 2, tzinfo=UTC)): 2,
        (None, None, dt.datetime(2024, 5, 2, tzinfo=UTC)): 1,  # (direct) / (none)
        ("facebook", "social", dt.datetime(2024, 5, 3, tzinfo=UTC)): 3,
    }
    assert {c["kind"] for c in conversions} == {"other"}
    assert summary.first_rejections == [
        "traffic_acquisition_source_medium.csv line 15: "
        "field 'Key events': expected a whole number of conversions, found 1.5 (fractional "
        "counts come from data-driven attribution; export the report with a last-click model)"
    ]
    assert any("revenue 89.70 was not split" in n for n in summary.notices)
    assert any("line 18: table (Nth day, Sessions) not imported" in n for n in summary.notices)


def test_timezone_and_kind_options(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    import_into(
        ws,
        GA4 / "traffic_acquisition_source_medium.csv",
        extra={"timezone": "Europe/Lisbon", "kind": "signup"},
    )
    conversions = rows(ws, "conversions")
    assert {c["kind"] for c in conversions} == {"signup"}
    # 2 May 2024 at midnight in Lisbon (summer time, UTC+1)
    assert min(c["occurred_at"] for c in conversions) == dt.datetime(2024, 5, 1, 23, tzinfo=UTC)


def test_landing_pages_attribute_conversions_to_posts(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    import_into(ws, DATA / "facebook" / "insights_post_data.csv", account="lisbonbeautylab")
    summary = import_into(
        ws, GA4 / "landing_pages.csv", extra={"site": "https://lisbonbeauty.example"}
    )
    conversions = rows(ws, "conversions")
    assert len(conversions) == 7  # 2 on the tagged serum page, 5 on the home page
    tagged = [c for c in conversions if c["utm_content"]]
    assert len(tagged) == 2
    assert {c["post_id"] for c in tagged} == {"facebook:104857600012345_104857600099003"}
    assert tagged[0]["landing_url"].startswith("https://lisbonbeauty.example/spring-serum?")
    assert (tagged[0]["utm_source"], tagged[0]["utm_campaign"]) == ("facebook", "spring")
    assert {c["post_id"] for c in conversions if not c["utm_content"]} == {None}
    assert any("2 conversion(s) attributed to posts" in n for n in summary.notices)


def test_a_header_only_table_imports_nothing(tmp_path: Path) -> None:
    summary = import_into(tmp_path / "ws", GA4 / "header_only.csv")
    assert summary.total("added") == 0
    assert any("0 conversion(s) counted (the table has no rows)" in n for n in summary.notices)


def test_bad_input(tmp_path: Path, cli: CliRunner) -> None:
    ws = tmp_path / "ws"
    source = GA4 / "traffic_acquisition_source_medium.csv"
    cut = tmp_path / "cut.csv"
    cut.write_bytes(source.read_bytes()[:200])  # only comment lines survive
    assert_refused(cli, ws, "import", cut, "--as", "ga4", expect="cut.csv: expected a GA4 report")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(source.read_text().replace("Lisbon", "Lisboa – São").encode("cp1252"))
    assert_refused(cli, ws, "import", latin, "--as", "ga4", expect="not UTF-8")
    assert_refused(
        cli, ws, "import", DATA / "shopify" / "orders_export.csv", "--as", "ga4",
        expect="expected a GA4 report",
    )  # fmt: skip
    line = assert_refused(
        cli, ws, "import", source, "--option", "table=2", expect="column 'Key events'"
    )
    assert "traffic_acquisition_source_medium.csv" in line
    assert_refused(cli, ws, "import", source, "--option", "table=9", expect="has 3 table(s)")
    line = assert_refused(
        cli, ws, "import", source, "--option", "kind=refund", expect="the option kind=refund"
    )
    assert line.endswith("(--option KEY=VALUE)")


def test_detection() -> None:
    assert detect(GA4 / "landing_pages.csv").name == "ga4"
    assert detect(GA4 / "traffic_acquisition_source_medium.csv").name == "ga4"
    importer = get_importer("ga4")
    for other in (
        DATA / "shopify" / "orders_export.csv",
        DATA / "conversions" / "conversions.csv",
        DATA / "facebook" / "insights_post_data.csv",
        DATA / "instagram" / "followers_1.json",
    ):
        assert importer.detect(other) == 0, other


def test_samples_are_detected(shared: Path) -> None:
    assert detect(shared / CHANNELS).name == "ga4"
    assert detect(shared / EVENTS).name == "ga4"


test_fuzz_ga4 = fuzz_importer("ga4", GA4 / "traffic_acquisition_source_medium.csv")
