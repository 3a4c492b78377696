"""WorldParams: every field documented and checked; a bad value names its field."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
from pathlib import Path

import pytest

from rapport.errors import RapportError, UsageError
from rapport.simulate import (
    ABLATION_SWITCHES,
    CONTENT_KINDS,
    InvalidWorldParameter,
    WorldParams,
    parameter_table,
    simulate,
)
from rapport.simulate.params import parameters_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs" / "simulator.md"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("people", -5, "a value from 100 to"),
        ("people", 1000.5, "a whole number"),
        ("days", 0, "a value from 1 to 3650"),
        ("seed", True, "a whole number"),
        ("brand_promo_share", 1.5, "a value from 0 to 1"),
        ("brand_reply_prob", float("nan"), "a finite number"),
        ("audience_mismatch_erodes", "yes", "true or false"),
        ("brand_topic", "knitting", "one of baking, coffee"),
        ("competitor_count", 6, "a value from 3 to 5"),
        ("competitor_count", 2, "a value from 3 to 5"),
        ("audience_irrelevant_share", 0.95, "so that target + irrelevant shares"),
        ("brand_content_mix", (("educational", 1.0),), "one weight for each of"),
        ("brand_content_mix", tuple((k, -1.0) for k in CONTENT_KINDS[1:]), "non-negative"),
        ("start", dt.datetime(2026, 1, 5), "a timezone-aware datetime"),
        ("conversion_currency", "euro", "a three-letter ISO 4217 code"),
    ],
)
def test_a_bad_value_raises_a_usage_error_naming_the_field(
    field: str, value: object, expected: str
) -> None:
    with pytest.raises(InvalidWorldParameter) as caught:
        WorldParams(**{field: value})  # type: ignore[arg-type]
    error = caught.value
    assert isinstance(error, UsageError)
    assert isinstance(error, RapportError)
    assert isinstance(error, ValueError)
    assert error.field == field
    assert str(error).startswith(f"WorldParams.{field} = ")
    assert expected in str(error)


def test_the_error_survives_pickling() -> None:
    error = InvalidWorldParameter("days", 0, "a value from 1 to 3650")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.field, str(copy)) == ("days", str(error))


def test_replace_is_checked_too() -> None:
    with pytest.raises(InvalidWorldParameter, match=r"WorldParams\.days"):
        dataclasses.replace(WorldParams(), days=-1)


def test_every_parameter_is_documented_and_in_the_docs() -> None:
    table = parameter_table()
    names = [name for name, _, _ in table]
    assert names == [f.name for f in dataclasses.fields(WorldParams)]
    assert all(len(doc) > 20 for _, _, doc in table)
    prefixes = {name.split("_")[0] for name in names} - {"seed", "people", "days", "start"}
    assert prefixes == {"audience", "feed", "content", "brand", "conversion", "competitor"}
    text = DOCS.read_text(encoding="utf-8")
    assert parameters_markdown() in text, (
        "docs/simulator.md is stale: paste the output of "
        "`python -c 'from rapport.simulate.params import parameters_markdown as m; print(m())'`"
    )
    for switch in ABLATION_SWITCHES:
        assert isinstance(getattr(WorldParams(), switch), bool)
        assert f"`{switch}`" in text


def test_expected_posts_per_week_matches_the_schedule() -> None:
    params = WorldParams(days=3650, seed=4)
    from rapport.simulate.run import Stream, stream
    from rapport.simulate.schedule import draw_schedule

    schedule = draw_schedule(params, stream(params, Stream.SCHEDULE))
    observed = schedule.count / (params.days / 7)
    assert observed == pytest.approx(params.brand_posts_per_week, rel=0.1)


def test_the_content_mix_is_a_distribution() -> None:
    mix = WorldParams(brand_promo_share=0.4).mix
    assert set(mix) == set(CONTENT_KINDS)
    assert sum(mix.values()) == pytest.approx(1.0)
    assert mix["promo"] == 0.4


def test_simulate_checks_its_params_and_defaults_to_the_demo() -> None:
    assert WorldParams().people == 20_000
    assert WorldParams().days == 365
    assert WorldParams().start == dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    world = simulate(WorldParams(people=300, days=3))
    assert world.params.people == 300
    assert world.row_count == sum(t.num_rows for t in world.tables.values())


def test_a_world_ending_on_a_date_starts_days_before_it() -> None:
    params = WorldParams.ending(dt.date(2026, 3, 31), days=60, people=500)
    assert params.start == dt.datetime(2026, 1, 30, tzinfo=dt.UTC)
    assert params.end == dt.datetime(2026, 3, 31, tzinfo=dt.UTC)
    assert (params.days, params.people) == (60, 500)
    year = WorldParams.ending(dt.date(2026, 12, 7))  # the default length: 365 days
    assert year.start == dt.datetime(2025, 12, 7, tzinfo=dt.UTC) and year.days == 365
    # the fixed default start stays, for tests and research that must not move with the day
    assert WorldParams().start == dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    with pytest.raises(InvalidWorldParameter, match=r"WorldParams\.start = .*the end sets it"):
        WorldParams.ending(dt.date(2026, 3, 31), start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(InvalidWorldParameter, match=r"WorldParams\.end = .*a date"):
        WorldParams.ending(dt.datetime(2026, 3, 31, tzinfo=dt.UTC))
    with pytest.raises(InvalidWorldParameter, match="a value from 1 to 3650"):
        WorldParams.ending(dt.date(2026, 3, 31), days=0)


def test_the_world_ending_on_a_date_has_nothing_after_it() -> None:
    world = simulate(WorldParams.ending(dt.date(2026, 3, 31), days=30, people=800, seed=2))
    end = dt.datetime(2026, 3, 31, tzinfo=dt.UTC)
    for table, column in (("posts", "created_at"), ("interactions", "occurred_at")):
        moments = world.tables[table].column(column).to_pylist()
        assert moments and max(moments) < end, table
        assert max(moments) >= end - dt.timedelta(days=2), table  # the data runs to the end
    closing = world.tables["follower_counts"].column("observed_at").to_pylist()
    assert max(closing) == end  # the closing count, observed as the last day ends
