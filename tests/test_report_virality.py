"""The report's "virality reality" section: forecasts, odds, spike audit, who to care for first.

A small synthetic world (3,000 people, 120 days, seed 3: ten reshared posts, two spikes) is
imported into a real store; the section's numbers must be the library functions' numbers,
and hostile text from the platforms (handles, replies, post ids, profile links) must stay
text, in the HTML and in real Chromium.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from rapport.analyses.forecasts import forecast_posts
from rapport.analyses.odds import account_odds, one_in
from rapport.analyses.seeds import care_first
from rapport.analyses.spike_audit import audit_spikes
from rapport.canonical import Batch
from rapport.config import Config, Goal
from rapport.report import render_report
from rapport.report.build import Rendered
from rapport.report.virality import CARE_FIRST_K, chance
from rapport.session import Session
from rapport.store import Store
from tests.test_report import assert_drawn_cleanly, open_in_chromium
from tests.worlds import SMALL_WORLD, simulated

WORLD = SMALL_WORLD
CONFIG = Config(goal=Goal(objective="signups", target_audience="home bakers"))
WHEN = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
HOSTILE = '</script><img src=x onerror="window.__hostile=1"><script>window.__hostile=2</script>'


@functools.cache
def world_tables() -> dict[str, pa.Table]:
    """The synthetic world's canonical tables (simulated once per test run)."""
    return dict(simulated(WORLD).tables)


def world_store(path: Path, tables: dict[str, pa.Table] | None = None) -> Store:
    store = Store(path)
    store.apply(Batch.from_tables(tables or world_tables(), source="synthetic", origin="test"))
    return store


def render(store: Store, config: Config = CONFIG) -> Rendered:
    with Session.over(store, config=config) as session:
        return render_report(session, title="@test", generated_at=WHEN)


@functools.cache
def world_report(base: Path) -> tuple[Path, str]:
    """The world's store file (closed) and its report page, made once per test run under
    pytest's ``base`` temporary folder; open the file, or a copy to change it."""
    path = base / "world" / "rapport.duckdb"
    path.parent.mkdir()
    with world_store(path) as store:
        page = render(store).page
    return path, page


class _Tables(HTMLParser):
    """The cells (text, unescaped) of every table, by the id of the figure around it."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, list[list[str]]] = {}
        self._figure: str | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "figure":
            self._figure = str(found.get("id", "")).removeprefix("figure-")
            self.figures[self._figure] = []
        elif tag == "tr" and self._figure is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._figure is not None:
            self.figures[self._figure].append(self._row)
            self._row = None
        elif tag == "figure":
            self._figure = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table(page: str, figure: str) -> list[list[str]]:
    """The rows of the table in ``figure-<figure>``, the header first."""
    parser = _Tables()
    parser.feed(page)
    return parser.figures[figure]


def block(page: str, block_id: str) -> str:
    """The HTML of one block of the strategy or virality section."""
    start = page.index(f'<div class="block" id="block-{block_id}"')
    ends = [page.find(mark, start + 1) for mark in ('<div class="block"', "</section>")]
    return page[start : min(e for e in ends if e > 0)]


def text(fragment: str) -> str:
    """Visible text of an HTML fragment, unescaped, whitespace collapsed."""
    without = re.sub(r"<script.*?</script>", " ", fragment, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", without))).strip()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    path, page = world_report(tmp_path_factory.getbasetemp())
    with Store(path) as store:
        yield store, page


@pytest.fixture(scope="module")
def expected(world: tuple[Store, str]) -> dict[str, Any]:
    store, _ = world
    with Session.over(store, config=CONFIG) as session:
        return {
            "forecasts": [f.to_dict() for f in forecast_posts(session)],
            "odds": account_odds(session).to_dict(),
            "spikes": audit_spikes(session).to_dict(),
            "care_first": care_first(session, k=CARE_FIRST_K).to_dict(),
        }


def test_the_section_has_its_four_blocks(world: tuple[Store, str]) -> None:
    _, page = world
    section = page[page.index('<section id="virality">') : page.index('<section id="metrics">')]
    blocks = re.findall(r'data-block="([^"]+)" data-status="([^"]+)"', section)
    assert blocks == [(b, "ok") for b in ("forecasts", "odds", "spikes", "care-first")]
    assert '<a href="#virality">virality reality</a>' in page


def test_forecasts_are_the_library_forecasts(world: tuple[Store, str], expected: Any) -> None:
    _, page = world
    rows = table(page, "forecasts")[1:]
    forecasts = expected["forecasts"]
    assert len(forecasts) == 10
    assert [r[0] for r in rows] == [f["id"] for f in forecasts]  # newest first, as given
    for row, f in zip(rows, forecasts, strict=True):
        assert row[4] == f"{f['observed']:,}"
        if f["predicted_final"] is None:
            assert row[5] == "none: still spreading faster than it fades"
        else:
            assert row[5] == f"{round(f['predicted_final']):,}"
            low, high = f["interval"]
            assert row[6] == (
                f"{round(low):,} or more (no upper end)"
                if high is None
                else f"{round(low):,} to {round(high):,}"
            )
        assert row[7] == f"{f['r']:,.2f}"
        assert len(row) == 8 or f["model"] not in row  # the model is named in the methods
    assert 'data-chart="forecasts"' in page


def test_odds_are_the_library_odds(world: tuple[Store, str], expected: Any) -> None:
    _, page = world
    odds = expected["odds"]
    rows = table(page, "odds")[1:]
    assert [r[0] for r in rows] == [f"{t['reshares']:,}" for t in odds["thresholds"]]
    for row, t in zip(rows, odds["thresholds"], strict=True):
        assert row[1] == chance(t["probability"])
        assert row[2] == one_in(1 / t["one_in"])  # rounded to what it can support
        assert row[4] == one_in(t["published_average"])
    weights = table(page, "odds-mixture")[1:]
    assert [float(r[0]) for r in weights] == pytest.approx(
        odds["mixture"]["reproduction_numbers"], abs=1e-3
    )
    assert [r[1] for r in weights] == [chance(w) for w in odds["mixture"]["weights"]]
    shown = text(block(page, "odds"))
    assert odds["summary"] in shown
    methods = page[page.index('<section id="methods">') :]  # "How these numbers are made"
    assert odds["rests_on"] in text(methods)


def test_the_spike_audit_is_the_library_audit(world: tuple[Store, str], expected: Any) -> None:
    _, page = world
    audit = expected["spikes"]
    assert len(audit["spikes"]) == 2
    assert audit["verdict"] in text(block(page, "spikes"))
    rows = table(page, "spikes")[1:]
    assert [r[0] for r in rows] == [
        *[s["day"] if s["day"] == s["last_day"] else f"{s['day']} to {s['last_day']}"
          for s in audit["spikes"]],
        "all spikes together",
        "ordinary days",
    ]  # fmt: skip
    for row, spike in zip(
        rows, [*audit["spikes"], audit["in_spikes"], audit["ordinary"]], strict=True
    ):
        gained = spike["followers_gained"]
        assert row[4] == (f"{gained['value']:,}" if gained["status"] == "ok" else "not computable")
        core = spike["new_core_members"]
        assert row[7].startswith(f"{core['value']:,} of {core['newcomers']:,} newcomers")
    for spike, row in zip(audit["spikes"], rows, strict=False):
        assert row[3] == ", ".join(spike["post_ids"])


def test_who_to_care_for_first_is_the_library_choice(
    world: tuple[Store, str], expected: Any
) -> None:
    _, page = world
    choice = expected["care_first"]
    rows = table(page, "care-first")[1:]
    assert len(rows) == CARE_FIRST_K
    who = [h or s for h, s in zip(choice["handles"], choice["seeds"], strict=True)]
    assert [r[1] for r in rows] == who
    assert [r[2] for r in rows] == [f"{round(p['spread']):,}" for p in choice["curve"]]
    shown = text(block(page, "care-first"))
    assert f"an estimated {round(choice['estimated_spread']):,} people" in shown
    assert f"by follower count: {round(choice['by_followers']['estimated_spread']):,}" in shown
    assert "rapport seeds --k 50" in shown  # the report's k is said, and how to get more


def test_an_empty_store_degrades_block_by_block(fresh_store: Store) -> None:
    page = render(fresh_store, Config()).page
    for block_id, reason in (
        ("forecasts", "needs reposts or quotes of your own original posts"),
        ("spikes", "Nothing to audit: needs posts or interactions of your own accounts"),
        ("care-first", "nobody has interacted with the own accounts"),
    ):
        shown = block(page, block_id)
        assert 'data-status="not_computable"' in shown, block_id
        assert reason in text(shown), (block_id, text(shown))
    assert "the published average, not yet this account&#39;s own odds" in block(page, "odds")


# -- hostile text ----------------------------------------------------------------------------
def _hostile_tables() -> dict[str, pa.Table]:
    """The world with hostile handles, reply texts, profile links and post ids."""
    tables = dict(world_tables())
    people = tables["people"]
    handles = pc.binary_join_element_wise(people["handle"], pa.scalar(HOSTILE), "")
    url = (
        'https://evil.example/"onmouseover="window.__hostile=3"><script>window.__hostile=4</script>'
    )
    people = people.set_column(people.schema.get_field_index("handle"), "handle", handles)
    people = people.set_column(
        people.schema.get_field_index("url"), "url", pa.array([url] * people.num_rows, pa.string())
    )
    tables["people"] = people
    interactions = tables["interactions"]
    replies = pc.if_else(
        pc.equal(interactions["kind"], "reply"), pa.scalar(HOSTILE), interactions["text"]
    )
    tables["interactions"] = interactions.set_column(
        interactions.schema.get_field_index("text"), "text", replies
    )
    suffix = "<script>window.__hostile=5</script>"
    for name, table_ in tables.items():
        for column in ("post_id", "in_reply_to_id", "repost_of", "quote_of"):
            if column in table_.column_names and pa.types.is_string(table_[column].type):
                renamed = pc.replace_substring_regex(
                    table_[column], pattern=r"^(synthetic:p\d+)$", replacement=r"\1" + suffix
                )
                table_ = table_.set_column(table_.schema.get_field_index(column), column, renamed)
        tables[name] = table_
    return tables


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    with world_store(folder / "rapport.duckdb", _hostile_tables()) as store:
        page = render(store).page
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def test_hostile_text_is_escaped(hostile_report: Path) -> None:
    page = hostile_report.read_text(encoding="utf-8")
    assert HOSTILE not in page and "<script>window.__hostile" not in page
    assert "<img src=x" not in page
    assert not re.search(r"<script\b", page)  # charts are inline SVG: no script at all
    escaped = html.escape(HOSTILE)
    for block_id in ("care-list", "care-first"):  # handles, reply excerpts
        assert escaped[:30] in block(page, block_id), block_id
    for block_id in ("forecasts", "spikes"):  # post ids
        assert "&lt;script&gt;window.__hostile=5&lt;/script&gt;" in block(page, block_id)
    care = block(page, "care-list")
    assert 'href="https://evil.example/&#34;onmouseover=&#34;window.__hostile=3&#34;&gt;' in care
    assert "onmouseover=" not in care.replace("&#34;onmouseover=&#34;", "")


@pytest.mark.browser
def test_hostile_text_runs_no_script_in_chromium(hostile_report: Path, chromium: str) -> None:
    seen = open_in_chromium(hostile_report, chromium)
    assert {"forecasts", "care-first"} <= set(seen["marks"])
    assert_drawn_cleanly(seen)
