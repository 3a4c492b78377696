"""The generic importer: any CSV/JSON export through a TOML mapping (LinkedIn, TikTok, a CRM)."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rapport.errors import InputError
from rapport.importers import ImportOptions, get_importer, run
from tests.importer_support import assert_refused, import_into, rows

DATA = Path(__file__).parent / "data" / "exports" / "mapped"
MAPPINGS = Path(__file__).parents[1] / "docs" / "sources" / "mappings"
LINKEDIN = DATA / "linkedin_all_posts.csv"
TIKTOK = DATA / "tiktok_content.csv"
UTC = dt.UTC


def test_linkedin_company_page_posts(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    summary = import_into(
        ws, LINKEDIN, format="mapped", mapping=MAPPINGS / "linkedin.toml", account="lbl"
    )
    posts = {p["post_id"]: p for p in rows(ws, "posts")}
    assert set(posts) == {
        "linkedin:urn:li:activity:7190000000000000001",
        "linkedin:urn:li:activity:7188000000000000002",
        "linkedin:urn:li:ugcPost:7185000000000000003",
    }
    hiring = posts["linkedin:urn:li:activity:7190000000000000001"]
    assert hiring["created_at"] == dt.datetime(2024, 4, 16, tzinfo=UTC)
    assert (hiring["format"], hiring["account_id"]) == ("text", "linkedin:lbl")
    assert hiring["hashtags"] == ["hiring", "lisbon"]
    assert hiring["links"] == ["https://lisbonbeauty.example/jobs"]
    assert posts["linkedin:urn:li:ugcPost:7185000000000000003"]["format"] == "image"  # Carousel
    stats = {s["post_id"]: s for s in rows(ws, "post_stats")}
    carousel = stats["linkedin:urn:li:ugcPost:7185000000000000003"]
    assert (carousel["impressions"], carousel["clicks"], carousel["likes"]) == (10480, 312, 120)
    assert (carousel["replies"], carousel["reposts"], carousel["video_views"]) == (11, 8, None)
    assert stats["linkedin:urn:li:activity:7188000000000000002"]["video_views"] == 640
    # observed at the newest post time in the file
    assert {s["observed_at"] for s in stats.values()} == {dt.datetime(2024, 4, 16, tzinfo=UTC)}
    assert summary.first_rejections == [
        "linkedin_all_posts.csv line 6: field 'Created date': expected %m/%d/%Y, found '2024-13-45'"
    ]
    again = import_into(ws, LINKEDIN, format="mapped", mapping=MAPPINGS / "linkedin.toml",
                        account="lbl")  # fmt: skip
    assert again.total("added") == 0 and again.total("updated") == 0


def test_tiktok_video_analytics(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    summary = import_into(
        ws, TIKTOK, format="mapped", mapping=MAPPINGS / "tiktok.toml", account="lisbonbeautylab"
    )
    posts = {p["post_id"]: p for p in rows(ws, "posts")}
    assert set(posts) == {"tiktok:7360000000000000001", "tiktok:7358000000000000002"}
    video = posts["tiktok:7360000000000000001"]
    assert video["created_at"] == dt.datetime(2024, 4, 20, 19, 5, tzinfo=UTC)
    assert video["format"] == "video" and video["hashtags"] == ["makeup", "behindthescenes"]
    stats = {s["post_id"]: s for s in rows(ws, "post_stats")}["tiktok:7360000000000000001"]
    assert (stats["video_views"], stats["likes"], stats["replies"]) == (15230, 845, 32)
    assert (stats["reposts"], stats["saves"], stats["impressions"]) == (19, 77, None)
    assert summary.first_rejections == [
        "tiktok_content.csv line 4: field 'Total likes': expected a number, found 'not shown'"
    ]


def test_json_records_into_conversions(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    import_into(ws, LINKEDIN, format="mapped", mapping=MAPPINGS / "linkedin.toml", account="lbl")
    summary = import_into(ws, DATA / "crm_leads.json", format="mapped",
                          mapping=DATA / "crm_leads.toml")  # fmt: skip
    conversions = {c["conversion_id"]: c for c in rows(ws, "conversions")}
    assert set(conversions) == {"web:9001", "web:9002"}
    lead = conversions["web:9001"]
    assert (lead["kind"], lead["value"], lead["currency"]) == ("lead", 250.0, "EUR")
    assert lead["occurred_at"] == dt.datetime.fromtimestamp(1714651200, UTC)
    assert (lead["utm_source"], lead["utm_medium"]) == ("linkedin", "social")  # from the URL
    assert lead["post_id"] == "linkedin:urn:li:activity:7190000000000000001"  # attributed
    assert conversions["web:9002"]["kind"] == "signup"
    assert summary.first_rejections == [
        "crm_leads.json record 3: field 'created': expected unix, found 'yesterday'"
    ]


def _mapping(tmp_path: Path, text: str) -> Path:
    target = tmp_path / "bad.toml"
    target.write_text(text)
    return target


def test_mapping_errors_name_the_key_and_the_fix(tmp_path: Path, cli: CliRunner) -> None:
    ws = tmp_path / "ws"
    base = (MAPPINGS / "tiktok.toml").read_text()

    def refused(text: str, expect: str) -> str:
        return assert_refused(
            cli, ws, "import", TIKTOK, "--as", "mapped", "--mapping", _mapping(tmp_path, text),
            "--account", "x", expect=expect,
        )  # fmt: skip

    line = refused(base.replace("created_at =", "created ="), "columns.created = 'Post time'")
    assert "not a field of the posts table; did you mean 'created_at'?" in line
    refused(base.replace('platform = "tiktok"', 'platform = "tiktak"'), "platform = 'tiktak'")
    refused(base.replace('"/video/(\\\\d+)"', '"/video/\\\\d+"'), "id.pattern")
    refused(base.replace("[id]", "[ids]"), "ids = ")
    refused(base.replace('video_views = "Total views"', 'views = "Total views"'), "stats.views")
    refused(base.replace('format = "%Y-%m-%d %H:%M:%S"', 'format = "YYYY-MM-DD"'), "time.format")
    refused(base.replace('timezone = "UTC"', 'timezone = "Europe/Lisbonne"'), "time.timezone")
    refused(base.replace("created_at =", "# created_at ="), "columns.created_at = (missing)")
    refused("table = [", "not valid TOML")
    line = refused(base.replace('"Total views"', '"Views total"'), "column 'Views total'")
    assert "tiktok_content.csv" in line


def test_bad_input(tmp_path: Path, cli: CliRunner) -> None:
    ws = tmp_path / "ws"
    line = assert_refused(cli, ws, "import", TIKTOK, "--as", "mapped", "--account", "x",
                          expect="needs a mapping file (.toml)")  # fmt: skip
    assert line.endswith("(--mapping FILE)")
    mapping = MAPPINGS / "tiktok.toml"
    latin = tmp_path / "content.csv"
    latin.write_bytes(
        TIKTOK.read_text().replace("mistakes", "erros comuns à pele").encode("latin-1")
    )
    assert_refused(cli, ws, "import", latin, "--as", "mapped", "--mapping", mapping,
                   "--account", "x", expect="not UTF-8")  # fmt: skip
    assert_refused(
        cli, ws, "import", DATA / "crm_leads.json", "--as", "mapped", "--mapping", mapping,
        "--account", "x", expect="column 'Post time'",
    )  # fmt: skip
    cut = tmp_path / "leads.json"
    cut.write_bytes((DATA / "crm_leads.json").read_bytes()[:300])
    assert_refused(cli, ws, "import", cut, "--as", "mapped", "--mapping",
                   DATA / "crm_leads.toml", expect="not valid JSON")  # fmt: skip
    line = assert_refused(cli, ws, "import", TIKTOK, "--as", "mapped", "--mapping", mapping,
                          expect="give the handle of the account it belongs to")  # fmt: skip
    assert line.endswith("(--account HANDLE)")


def test_never_detected() -> None:
    importer = get_importer("mapped")
    for sample in (LINKEDIN, TIKTOK, DATA / "crm_leads.json"):
        assert importer.detect(sample) == 0


def _fuzz(seed: Path, mapping: Path) -> Any:
    original = seed.read_bytes()
    mutations = st.one_of(
        st.integers(0, len(original)).map(lambda n: original[:n]),
        st.tuples(st.integers(0, len(original) - 1), st.integers(0, 255)).map(
            lambda t: original[: t[0]] + bytes([t[1]]) + original[t[0] + 1 :]
        ),
        st.tuples(st.integers(0, len(original)), st.binary(max_size=64)).map(
            lambda t: original[: t[0]] + t[1] + original[t[0] :]
        ),
        st.binary(max_size=256),
    )

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=mutations)
    def test(data: bytes, tmp_path_factory: Any) -> None:
        target = tmp_path_factory.mktemp("fuzz") / seed.name
        target.write_bytes(data)
        options = ImportOptions(account="fuzzer", mapping=mapping, origin=seed.name)
        with contextlib.suppress(InputError):
            run(target, format="mapped", options=options)

    return test


test_fuzz_linkedin = _fuzz(LINKEDIN, MAPPINGS / "linkedin.toml")
test_fuzz_json = _fuzz(DATA / "crm_leads.json", DATA / "crm_leads.toml")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cut=st.integers(0, 2000),
    junk=st.text(alphabet='=[]"#.\n abcxyz_0123%', max_size=30),
)
def test_fuzz_the_mapping_itself(cut: int, junk: str, tmp_path_factory: Any) -> None:
    text = (MAPPINGS / "linkedin.toml").read_text()
    mapping = tmp_path_factory.mktemp("mapping") / "m.toml"
    mapping.write_text(text[:cut] + junk + text[cut:])
    options = ImportOptions(account="fuzzer", mapping=mapping, origin=LINKEDIN.name)
    with contextlib.suppress(InputError):
        run(LINKEDIN, format="mapped", options=options)
