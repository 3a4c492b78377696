"""Every metric's value and interval stay inside the domain its spec declares (issue 10).

A fraction stays within 0 to 1, a count, a mean per post or a ratio never goes below 0, a
mood stays within −1 to +1: by the method that builds the interval (Wilson, the log or logit
scale), never by cutting it off afterwards. Checked on random small data sets (Hypothesis),
on the shared demo workspace, on the hand-built data of the foundation tests, and on three
data sets that used to give a negative lower bound.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import rapport
from rapport.canonical import write_canonical
from rapport.canonical.schema import CONTENT_KINDS, CONVERSION_KINDS, INTERACTION_KINDS
from rapport.charts.figure import Figure
from rapport.config import Config, Goal
from rapport.metrics import metrics, run_metrics
from rapport.metrics.builtin import content, promotion, timing
from rapport.metrics.run import MetricResult
from rapport.metrics.spec import UNIT_DOMAINS
from rapport.query.common import Z_95
from rapport.session import Session
from rapport.store import Store
from tests.conftest import batch_of, build_tables, invoke
from tests.test_metrics_foundation import HAND_BUILT

AUDIENCE = "home bakers who love sourdough bread"
START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _inside(x: float, domain: tuple[float | None, float | None]) -> bool:
    low, high = domain
    return (low is None or x >= low) and (high is None or x <= high)


def domain_problems(results: Iterable[MetricResult]) -> list[str]:
    """Every way an ok result leaves its domain, or has neither an interval nor a note."""
    problems = []
    for r in results:
        if not r.ok:
            continue
        value = float(r.value)
        if not _inside(value, r.domain):
            problems.append(f"{r.id}: value {value} outside {r.domain}")
        if r.interval is None:
            if not r.interval_note:
                problems.append(f"{r.id}: no interval and no note saying why")
            continue
        low, high = r.interval
        if not (_inside(low, r.domain) and _inside(high, r.domain)):
            problems.append(f"{r.id}: interval {r.interval} outside {r.domain}")
        slack = 1e-12 * max(1.0, abs(value))  # the last bit of a logit-scale bound
        if not low - slack <= value <= high + slack:
            problems.append(f"{r.id}: value {value} outside its interval {r.interval}")
    return problems


def rate_tables(session: Session) -> dict[str, Any]:
    """The per-kind, per-slot and promotion-group tables behind the figures' interval bars."""
    t, c = session.tables, session.context
    return {
        "content_kinds": session.frame(content.kind_performance(t, c)),
        "timing_hours": session.frame(timing.performance_by(t, c, slot="hour")),
        "timing_weekdays": session.frame(timing.performance_by(t, c, slot="weekday")),
        "promotion_groups": session.frame(promotion.promo_comparison(t, c)),
    }


def table_problems(tables: dict[str, Any]) -> list[str]:
    """Rows whose interval goes below 0 or misses its mean, or that lack both interval and
    note."""
    problems = []
    for name, frame in tables.items():
        for row in frame.to_dict("records"):
            low, high, mean = row["low"], row["high"], row["mean_rate"]
            if low is None or high is None or math.isnan(low) or math.isnan(high):
                if not isinstance(row["interval_note"], str) or not row["interval_note"]:
                    problems.append(f"{name}: {row}: no interval and no note")
                continue
            if low < 0 or not low <= mean <= high:
                problems.append(f"{name}: {row}: interval leaves 0 and up or misses the mean")
    return problems


def figure_bars(figures: list[Figure]) -> list[tuple[float, float]]:
    """The (low, high) of every interval bar drawn in ``figures``."""
    bars = []
    for figure in figures:
        for rows in (figure.spec or {}).get("datasets", {}).values():
            for row in rows:
                if row.get("low") is not None and row.get("high") is not None:
                    bars.append((float(row["low"]), float(row["high"])))
    return bars


def _metrics_of(store: Store, config: Config | None = None) -> list[MetricResult]:
    with Session.over(store, config=config) as session:
        return run_metrics(session)


# -- the declarations -----------------------------------------------------------------------
def test_every_metric_declares_a_domain_its_unit_allows() -> None:
    for spec in metrics():
        low, high = spec.domain
        assert low is None or high is None or low < high, spec.id
        assert spec.unit in UNIT_DOMAINS or spec.unit == "score", spec.id
    by_id = {spec.id: spec for spec in metrics()}
    assert by_id["reply_rate"].domain == (0.0, 1.0)
    assert by_id["likes_per_post"].domain == (0.0, None)
    assert by_id["best_hour"].domain == (0.0, 23.0)
    assert by_id["best_weekday"].domain == (0.0, 6.0)
    assert by_id["reply_sentiment"].domain == (-1.0, 1.0)
    # declared apart from their units: an engagement rate can pass 1 (people who do not
    # follow engage too), and conversion values can be negative (refunds)
    assert by_id["engagement_rate"].domain == (0.0, None)
    assert by_id["conversion_value"].domain == (None, None)


def test_a_score_must_declare_its_domain() -> None:
    from rapport.metrics.spec import metric

    with pytest.raises(ValueError, match="unit 'score' implies no domain"):
        metric(id="_x", area="engagement", title="x", unit="score", denominator="x",
               direction="higher", description="x", why="x")  # fmt: skip
    with pytest.raises(ValueError, match="is empty"):
        metric(id="_y", area="engagement", title="y", unit="count", denominator="y",
               direction="higher", description="y", why="y", domain=(1.0, 1.0))  # fmt: skip


# -- random small data sets -----------------------------------------------------------------
POST_TEXTS = (
    None,
    "Buy our new sourdough loaf today, 20% off! Order now",
    "What's your favourite bread for breakfast?",
    "How to shape a baguette: a short guide",
    "Throwback to our first bakery in 2015 #tbt",
    "Behind the scenes: the ovens at 4 am",
)
REPLY_TEXTS = (
    None, "Love it! 😍", "This is terrible.", "Do you deliver?", "ok", "Sourdough, obviously?",
    "meh 🙄", "Best bakery in town, thank you!!",
)  # fmt: skip
BIOS = (None, "Home baker, sourdough every weekend", "Football fan", "I love bread", "Crypto")
PEOPLE = tuple(f"x:u{i}" for i in range(6))


def _at(hours: float) -> str:
    return (START + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


@st.composite
def data_sets(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    """A small canonical data set: own posts, people's interactions (after what they react
    to), the account's answers (after what they answer), counts, followers, conversions."""
    hours = st.integers(0, 24 * 100)
    # posts cluster on two weekdays, two hours and three kinds, so that kinds and time slots
    # reach the 5 posts the lift and the best time need
    weeks, weekdays = st.integers(0, 14), st.sampled_from((0, 3))
    kinds = st.sampled_from(CONTENT_KINDS[:3]) | st.sampled_from((None, *CONTENT_KINDS))
    posts: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 4) | st.integers(5, 20))):
        day = 7 * draw(weeks) + draw(weekdays)
        posts.append({
            "post_id": f"x:p{i}", "account_id": "x:me",
            "created_at": _at(24 * day + draw(st.sampled_from((9, 18)))),
            "content_kind": draw(kinds), "text": draw(st.sampled_from(POST_TEXTS)),
        })  # fmt: skip
    if draw(st.booleans()):
        posts.append({"post_id": "x:rt", "account_id": "x:me", "created_at": _at(draw(hours)),
                      "repost_of": "x:999"})  # fmt: skip
    interactions: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    originals = [p for p in posts if "repost_of" not in p]
    engaging = st.sampled_from(("like", "like", "repost", "reply", "quote", "mention", "unfollow"))
    delays = st.integers(0, 24 * 3) | st.integers(0, 24 * 30)  # soon, or up to a month later
    for j in range(draw(st.integers(0, 60))):
        kind = draw(engaging | st.sampled_from(INTERACTION_KINDS))
        target = draw(st.sampled_from(originals) | st.none()) if originals else None
        if target is None:
            at: float | None = draw(hours)
        else:  # a reaction comes after the post
            created = dt.datetime.fromisoformat(target["created_at"].replace("Z", "+00:00"))
            at = (created - START).total_seconds() / 3600 + draw(delays)
        if draw(st.integers(0, 9)) == 0:
            at = None  # the source gave no time
        iid = f"x:i{j}"
        interactions.append({
            "interaction_id": iid, "platform": "x", "kind": kind,
            "person_id": draw(st.sampled_from((None, *PEOPLE))), "account_id": "x:me",
            "post_id": None if target is None else target["post_id"],
            "occurred_at": None if at is None else _at(at),
            "text": draw(st.sampled_from(REPLY_TEXTS)) if kind in ("reply", "mention", "quote")
            else None,
        })  # fmt: skip
        if kind in ("reply", "mention") and at is not None and draw(st.booleans()):
            answers.append({  # the account answers, after the reply it answers
                "post_id": f"x:a{j}", "account_id": "x:me", "in_reply_to_id": iid,
                "created_at": _at(at + draw(st.integers(0, 72))),
            })  # fmt: skip
    counts = st.none() | st.integers(0, 60)
    # a platform reports reach (or impressions) for every post, or for none; now and then 0
    reach = draw(st.sampled_from((st.none(), st.integers(0, 400))))
    impressions = draw(st.sampled_from((st.none(), st.integers(0, 900))))
    stats = [
        {"post_id": p["post_id"], "observed_at": _at(24 * 101), "likes": draw(st.integers(0, 60)),
         "reposts": draw(counts), "replies": draw(counts), "quotes": draw(counts),
         "reach": draw(reach), "impressions": draw(impressions)}
        for p in (originals if draw(st.booleans()) else [])
    ]  # fmt: skip
    followers = [
        {"account_id": "x:me", "observed_at": _at(draw(hours)),
         "followers": draw(st.integers(0, 300))}
        for _ in range(draw(st.integers(0, 3)))
    ]  # fmt: skip
    conversions = [
        {"conversion_id": f"web:{k}", "occurred_at": _at(draw(hours)),
         "kind": draw(st.sampled_from(CONVERSION_KINDS)),
         "value": draw(st.none() | st.floats(-50, 200, allow_nan=False)),
         "currency": draw(st.sampled_from(("EUR", "EUR", "USD"))),
         "post_id": draw(st.sampled_from([None, *(p["post_id"] for p in originals)]))}
        for k in range(draw(st.integers(0, 4)))
    ]  # fmt: skip
    people = [
        {"person_id": person, "platform": "x", "handle": person[2:],
         "bio": draw(st.sampled_from(BIOS))}
        for person in PEOPLE
    ]  # fmt: skip
    return {
        "accounts": [
            {
                "account_id": "x:me",
                "platform": "x",
                "handle": "me",
                "role": "own",
                "followers": draw(st.none() | st.integers(0, 300)),
            },
            {"account_id": "x:rival", "platform": "x", "handle": "rival", "role": "competitor"},
        ],
        "people": people,
        "posts": posts + answers,
        "interactions": interactions,
        "post_stats": stats,
        "follower_counts": followers,
        "conversions": conversions,
    }


@settings(max_examples=20, deadline=None)
@given(rows=data_sets())
def test_every_metric_stays_inside_its_domain_on_random_data(
    tmp_path_factory: pytest.TempPathFactory, rows: dict[str, list[dict[str, Any]]]
) -> None:
    path = tmp_path_factory.mktemp("domain") / "rapport.duckdb"
    config = Config(goal=Goal(target_audience=AUDIENCE))
    with Store(path) as store:
        store.apply(batch_of(rows), audience=AUDIENCE)
        with Session.over(store, config=config) as session:
            results = run_metrics(session)
            tables = rate_tables(session)
    assert len(results) == len(metrics())
    assert domain_problems(results) == []
    assert table_problems(tables) == []


# -- real-sized and hand-built data ---------------------------------------------------------
def test_the_demo_workspace_stays_inside_every_domain(demo_workspace: Path) -> None:
    with rapport.open(demo_workspace) as session:
        results = run_metrics(session)
        tables = rate_tables(session)
        figures = [
            *content.report_figures(session),
            *timing.report_figures(session),
            *promotion.report_figures(session),
        ]
    assert domain_problems(results) == []
    assert table_problems(tables) == []
    ok = {r.id for r in results if r.ok}
    assert len(ok) >= 35  # nearly every metric is computed on the demo, so all are checked
    bars = figure_bars(figures)
    assert len(bars) >= 10  # the kinds, the hours and weekdays, promotions against the rest
    assert all(0 <= low <= high for low, high in bars)


def test_the_hand_built_data_stays_inside_every_domain(fresh_store: Store) -> None:
    fresh_store.apply(batch_of(HAND_BUILT))
    results = _metrics_of(fresh_store)
    assert domain_problems(results) == []
    by_id = {r.id: r for r in results}
    # four posts, so likes per post has an interval; its note is null
    likes = by_id["likes_per_post"]
    assert likes.interval is not None and likes.interval[0] > 0 and likes.interval_note is None
    assert by_id["posts"].interval_note == "a count, not an estimate: no interval"


# -- the three intervals that used to cross 0 -----------------------------------------------
def _normal(values: list[float]) -> tuple[float, float, float]:
    """Mean and the old normal-approximation interval mean ± z·s/√n."""
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    half = Z_95 * sd / math.sqrt(len(values))
    return mean, mean - half, mean + half


def _log_scale(values: list[float]) -> tuple[float, float]:
    """The log-scale interval mean × e^(∓z·se/mean)."""
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    spread = math.exp(Z_95 * sd / math.sqrt(len(values)) / mean)
    return mean / spread, mean * spread


def _rated_posts(rates: list[tuple[str, int, str | None]], reach: int = 1000) -> dict[str, Any]:
    """Posts at (ISO time, engagements, kind), each reaching ``reach`` people."""
    posts, stats = [], []
    for i, (at, likes, kind) in enumerate(rates):
        posts.append({"post_id": f"x:{i}", "account_id": "x:me", "created_at": at,
                      "content_kind": kind})  # fmt: skip
        stats.append({"post_id": f"x:{i}", "observed_at": "2024-03-01T00:00:00Z",
                      "likes": likes, "reposts": 0, "replies": 0, "quotes": 0,
                      "reach": reach})  # fmt: skip
    return {
        "accounts": [{"account_id": "x:me", "platform": "x", "handle": "me", "role": "own"}],
        "posts": posts,
        "post_stats": stats,
    }


def test_likes_per_post_stays_above_0(fresh_store: Store) -> None:
    likes = [0, 0, 0, 0, 3]
    rows = _rated_posts([(f"2024-01-0{i + 1}T10:00:00Z", n, "news") for i, n in enumerate(likes)])
    fresh_store.apply(batch_of(rows))
    result = {r.id: r for r in _metrics_of(fresh_store)}["likes_per_post"]
    mean, old_low, _ = _normal(likes)
    assert old_low == pytest.approx(-0.576, abs=1e-3)  # "0.6 per post, 95 % CI −0.6 to 1.8"
    assert result.value == pytest.approx(mean) == pytest.approx(0.6)
    assert result.interval == pytest.approx(_log_scale(likes))
    assert result.interval is not None and result.interval[0] > 0
    assert result.interval == pytest.approx((0.0845, 4.2594), abs=1e-4)  # 0.6 × 7.10^(∓1)


def test_a_content_lift_stays_above_0(fresh_store: Store) -> None:
    # five questions drew 0, 0, 0, 0 and 10 % of the people reached; five news posts 1 % each
    rates = [
        (f"2024-01-{d:02d}T10:00:00Z", n, "question")
        for d, n in zip(range(1, 6), [0, 0, 0, 0, 100], strict=True)
    ]
    rates += [(f"2024-01-{d:02d}T10:00:00Z", 10, "news") for d in range(6, 11)]  # fmt: skip
    fresh_store.apply(batch_of(_rated_posts(rates)))
    lift = {r.id: r for r in _metrics_of(fresh_store)}["top_content_kind"]
    overall = (0.1 + 5 * 0.01) / 10
    questions = [0.0, 0.0, 0.0, 0.0, 0.1]
    mean, old_low, _ = _normal(questions)
    assert old_low / overall < 0  # the old interval of the lift went below 0×
    assert lift.extra["kind"] == "question"
    assert lift.value == pytest.approx(mean / overall) == pytest.approx(4 / 3)
    low, high = _log_scale(questions)
    assert lift.interval == pytest.approx((low / overall, high / overall))
    assert lift.interval is not None and lift.interval[0] > 0


def test_a_posting_hour_rate_stays_above_0(fresh_store: Store) -> None:
    # five posts at 08:00 drew 0, 0, 0, 1 and 9 %; the two at 21:00 are too few to say
    rates = [
        (f"2024-01-{d:02d}T08:00:00Z", n, "news")
        for d, n in zip(range(1, 6), [0, 0, 0, 10, 90], strict=True)
    ]
    rates += [("2024-01-06T21:00:00Z", 20, "news"), ("2024-01-07T21:00:00Z", 40, "news")]
    fresh_store.apply(batch_of(_rated_posts(rates)))  # fmt: skip
    with Session.over(fresh_store) as session:
        hours = session.frame(timing.performance_by(session.tables, session.context, slot="hour"))
        figures = timing.report_figures(session)
        best = {r.id: r for r in run_metrics(session)}["best_hour"]
    morning = [0.0, 0.0, 0.0, 0.01, 0.09]
    _, old_low, _ = _normal(morning)
    assert old_low == pytest.approx(-0.0145, abs=1e-4)  # the old "2.00 %, −1.45 % to 5.45 %"
    at_eight = hours.set_index("slot").loc[8]
    assert (at_eight["low"], at_eight["high"]) == pytest.approx(_log_scale(morning))
    assert at_eight["low"] > 0
    at_nine_pm = hours.set_index("slot").loc[21]
    assert math.isnan(at_nine_pm["low"]) and math.isnan(at_nine_pm["high"])
    assert (
        at_nine_pm["interval_note"] == "n = 2: too few posts for an interval (it takes at least 3)"
    )
    # the figure's table shows the same interval, and the note instead of a bare " to "
    by_hour = next(f for f in figures if f.id == "timing-hour")
    cells = {row[0]: row[3] for row in by_hour.rows}
    low, high = _log_scale(morning)
    assert cells["08"] == f"{low:.2%} to {high:.2%}"
    assert cells["21"] == "n = 2: too few posts for an interval (it takes at least 3)"
    assert all(0 <= lo <= hi for lo, hi in figure_bars([by_hour]))
    # the best hour carries the same interval for its mean rate
    assert best.value == 8
    assert (best.extra["mean_rate_low"], best.extra["mean_rate_high"]) == pytest.approx(
        _log_scale(morning)
    )


# -- where there is no interval, the note says why ------------------------------------------
@pytest.fixture
def two_post_workspace(tmp_path: Path, cli: CliRunner) -> Path:
    rows = _rated_posts([("2024-01-01T10:00:00Z", 3, "news"), ("2024-01-02T10:00:00Z", 5, "news")])
    source = tmp_path / "source"
    write_canonical(build_tables(rows), source)
    ws = tmp_path / "ws"
    assert invoke(cli, "import", source, "--workspace", ws).exit_code == 0
    return ws


def test_the_cli_shows_why_there_is_no_interval(
    cli: CliRunner, two_post_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rapport.cli.command import out

    monkeypatch.setattr(out, "width", 300)  # one line per metric: the cells are not wrapped
    text = invoke(cli, "metrics", "--workspace", two_post_workspace).stdout
    likes = next(line for line in text.splitlines() if "Likes per post" in line)
    assert likes.split("│")[-1].strip() == (
        "n = 2: too few posts for an interval (it takes at least 3)"
    )  # the note instead of an interval, and n only once
    posts = next(line for line in text.splitlines() if "Original posts" in line)
    assert posts.split("│")[-1].strip() == "a count, not an estimate: no interval, n = 2"
    assert " to ," not in text and "CI  to" not in text
    rows = json.loads(invoke(cli, "metrics", "--workspace", two_post_workspace, "--json").stdout)
    by_id = {r["id"]: r for r in rows}
    likes = by_id["likes_per_post"]
    assert (likes["value"], likes["interval"], likes["n"]) == (4.0, None, 2)
    assert likes["interval_note"] == "n = 2: too few posts for an interval (it takes at least 3)"
    assert likes["domain"] == [0.0, None]
    assert by_id["promotional_share"]["domain"] == [0.0, 1.0]
    assert by_id["promotional_share"]["interval_note"] is None  # it has a Wilson interval
    assert by_id["posts"]["interval_note"] == "a count, not an estimate: no interval"
    keys = list(likes)
    assert keys[: keys.index("interval") + 1] == [
        "id", "area", "title", "value", "unit", "denominator", "interval",
    ]  # fmt: skip
    assert keys.index("n") < keys.index("status") < keys.index("reason") < keys.index("basis")
    assert all(r["interval_note"] for r in rows if r["status"] == "ok" and r["interval"] is None)


# -- the interval helper on each kind of domain ---------------------------------------------
def _evaluate(values: list[float], domain: tuple[float | None, float | None]) -> dict[str, Any]:
    import ibis

    from rapport.query.common import mean_interval

    column = ibis.memtable({"v": values}).v
    mean = mean_interval(column, domain=domain, of="posts")
    con = ibis.duckdb.connect()
    try:
        names = ("value", "low", "high", "n", "note")
        found = [con.execute(getattr(mean, name)) for name in names]
    finally:
        con.disconnect()
    return {
        name: None if isinstance(v, float) and math.isnan(v) else v
        for name, v in zip(names, found, strict=True)
    }


def test_mean_interval_keeps_to_each_kind_of_domain() -> None:
    def expit(x: float) -> float:
        return 1 / (1 + math.exp(-x))

    shares = [0.0, 0.1, 0.2, 1.0]
    mean, _, high = _normal(shares)
    # on the logit scale: logit(p) ± z·se / (p (1 − p)), mapped back; never past 0 or 1
    p, se = mean, (high - mean) / Z_95
    h = Z_95 * se / (p * (1 - p))
    got = _evaluate(shares, (0.0, 1.0))
    logit = math.log(p / (1 - p))
    assert (got["low"], got["high"]) == pytest.approx((expit(logit - h), expit(logit + h)))
    assert 0 < got["low"] < mean < got["high"] < 1 and got["note"] is None
    # a mood close to +1: on the logit scale of −1 to +1 the upper bound stays below 1
    moods = [0.9, 0.95, 0.99, 0.4]
    mean, _, normal_high = _normal(moods)
    assert normal_high > 1  # where the normal interval would end
    got = _evaluate(moods, (-1.0, 1.0))
    assert -1 < got["low"] < mean < got["high"] < 1
    # bounded above only: the log scale of the distance to the bound
    got = _evaluate([-3.0, -1.0, -0.5], (None, 0.0))
    assert got["high"] < 0
    # unbounded: the plain normal interval
    got = _evaluate([-3.0, -1.0, 2.0], (None, None))
    assert (got["low"], got["high"]) == pytest.approx(_normal([-3.0, -1.0, 2.0])[1:])
    # and where there is none, why
    assert _evaluate([1.0, 2.0], (0.0, None))["note"] == (
        "n = 2: too few posts for an interval (it takes at least 3)"
    )
    flat = _evaluate([0.0, 0.0, 0.0], (0.0, None))
    assert (flat["low"], flat["high"]) == (None, None)
    assert flat["note"] == "all 3 posts have the same value: no spread to build an interval on"
