"""The synthetic world's tables: canonical, consistent, deterministic and realistic."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc
import pytest

import rapport.simulate as simulate_module
from rapport.canonical import TABLE_ORDER, Batch, arrow_schema, table_spec
from rapport.simulate import (
    CONTENT_KINDS,
    SEGMENTS,
    TOPICS,
    World,
    WorldParams,
    person_id,
    person_index,
    simulate,
)
from tests.worlds import simulated

SMALL = WorldParams(people=6_000, days=150, seed=11)
YEAR = WorldParams(people=20_000, days=365, seed=3)


def column(table: pa.Table, name: str) -> list[Any]:
    values: list[Any] = table.column(name).to_pylist()
    return values


def own_posts(w: World) -> pa.Table:
    posts = w.tables["posts"]
    return posts.filter(pc.equal(posts.column("account_id"), w.own_account_id))


def broadcasts(w: World) -> pa.Table:
    posts = own_posts(w)
    return posts.filter(pc.is_null(posts.column("in_reply_to_id")))


def numbers(ids: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.int64]:
    """``synthetic:u17`` -> 17 (also for ``synthetic:p17``)."""
    text = pc.utf8_slice_codeunits(ids, len("synthetic:u"))
    return np.asarray(pc.cast(text, pa.int64()).to_numpy(zero_copy_only=False))


def seconds(stamps: pa.ChunkedArray) -> npt.NDArray[np.int64]:
    return np.asarray(pc.cast(stamps, pa.int64()).to_numpy(zero_copy_only=False)) // 1_000_000


def of_kind(w: World, kind: str) -> pa.Table:
    table = w.tables["interactions"]
    return table.filter(pc.equal(table.column("kind"), kind))


def table_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pyarrow.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


# -- the canonical contract ----------------------------------------------------------------------
def test_every_table_has_exactly_its_canonical_schema() -> None:
    tables = simulated(SMALL).tables
    assert list(tables) == list(TABLE_ORDER)
    for name in TABLE_ORDER:
        assert tables[name].schema == arrow_schema(name), name
        assert tables[name].num_rows > 0, name


def test_the_canonical_batch_rejects_nothing() -> None:
    w = simulated(SMALL)
    batch = Batch.from_tables(w.tables, source="synthetic", origin="test")
    assert batch.rejections == []
    assert batch.notices == []
    assert {n: t.num_rows for n, t in batch.tables.items()} == {
        n: t.num_rows for n, t in w.tables.items()
    }


def test_keys_are_unique() -> None:
    for name, table in simulated(SMALL).tables.items():
        key = table_spec(name).key
        rows = list(zip(*(column(table, k) for k in key), strict=True))
        assert len(rows) == len(set(rows)), name


def test_every_reference_points_at_a_row() -> None:
    t = simulated(SMALL).tables
    accounts = set(column(t["accounts"], "account_id"))
    posts = set(column(t["posts"], "post_id"))
    people = set(column(t["people"], "person_id"))
    interaction_ids = set(column(t["interactions"], "interaction_id"))
    assert set(column(t["posts"], "account_id")) <= accounts
    assert set(column(t["interactions"], "account_id")) <= accounts
    assert set(column(t["interactions"], "person_id")) <= people
    assert set(column(t["interactions"], "post_id")) - {None} <= posts
    assert set(column(t["post_stats"], "post_id")) <= posts
    assert set(column(t["follower_counts"], "account_id")) == accounts
    assert set(column(t["conversions"], "person_id")) - {None} <= people
    assert set(column(t["conversions"], "post_id")) - {None} <= posts
    own_replies = own_posts(simulated(SMALL)).filter(
        pc.is_valid(own_posts(simulated(SMALL))["in_reply_to_id"])
    )
    assert own_replies.num_rows > 0
    assert set(column(own_replies, "in_reply_to_id")) <= interaction_ids


def test_ids_are_synthetic_except_conversions_from_web_and_shop() -> None:
    t = simulated(SMALL).tables
    for name, key in (("accounts", "account_id"), ("people", "person_id"), ("posts", "post_id"),
                      ("interactions", "interaction_id")):  # fmt: skip
        assert all(v.startswith("synthetic:") for v in column(t[name], key)), name
    for name in TABLE_ORDER:
        if "platform" in t[name].column_names:
            assert set(column(t[name], "platform")) == {"synthetic"}
    prefixes = {v.split(":")[0] for v in column(t["conversions"], "conversion_id")}
    assert prefixes == {"web", "shop"}


# -- determinism -----------------------------------------------------------------------------------
def test_same_seed_gives_byte_identical_tables_and_another_seed_differs() -> None:
    params = WorldParams(people=2_000, days=60, seed=5)
    first, second = simulate(params), simulate(params)
    other = simulate(WorldParams(people=2_000, days=60, seed=6))
    for name in TABLE_ORDER:
        assert table_bytes(first.tables[name]) == table_bytes(second.tables[name]), name
    assert np.array_equal(first.truth.segment, second.truth.segment)
    assert first.truth.spikes == second.truth.spikes
    assert not first.tables["interactions"].equals(other.tables["interactions"])
    assert not first.tables["people"].equals(other.tables["people"])


def test_progress_is_called_once_per_day() -> None:
    calls: list[tuple[int, int]] = []
    simulate(WorldParams(people=500, days=9, seed=1), progress=lambda d, t: calls.append((d, t)))
    assert calls == [(d, 9) for d in range(1, 10)]


def test_tiny_worlds_still_make_valid_tables() -> None:
    w = simulate(WorldParams(people=200, days=1, seed=0, competitor_count=3))
    batch = Batch.from_tables(w.tables, source="synthetic", origin="tiny")
    assert batch.rejections == []
    assert len(w.competitor_account_ids) == 3


# -- accounts, posts and text ---------------------------------------------------------------------
@pytest.mark.parametrize("count", [3, 5])
def test_one_own_account_and_three_to_five_competitors(count: int) -> None:
    w = simulate(WorldParams(people=1_000, days=20, seed=2, competitor_count=count))
    accounts = w.tables["accounts"]
    roles = Counter(column(accounts, "role"))
    assert roles == {"own": 1, "competitor": count}
    own_row = accounts.filter(pc.equal(accounts["role"], "own"))
    assert column(own_row, "account_id") == [w.own_account_id]
    assert set(w.competitor_account_ids) == set(column(accounts, "account_id")) - {w.own_account_id}


def test_own_posts_cover_every_content_kind_with_fitting_text() -> None:
    w = simulated(YEAR)
    posts = broadcasts(w)
    kinds = column(posts, "content_kind")
    assert set(kinds) == set(CONTENT_KINDS)
    for row in posts.to_pylist():
        assert all(tag == tag.lower() and not tag.startswith("#") for tag in row["hashtags"])
        assert row["hashtags"], row["post_id"]
        if row["content_kind"] == "question":
            assert row["text"].endswith("?"), row["text"]
        if row["content_kind"] == "promo":
            assert row["format"] == "link"
            (link,) = row["links"]
            assert link in row["text"]
            query = parse_qs(urlparse(link).query)
            assert query["utm_source"] == ["synthetic"]
            assert query["utm_medium"] == ["social"]
            assert query["utm_campaign"][0]
            assert query["utm_content"] == [row["post_id"].removeprefix("synthetic:")]
            assert urlparse(link).hostname.endswith(".example")


def test_promo_share_and_mix_follow_the_parameters() -> None:
    w = simulated(YEAR)
    kinds = Counter(column(broadcasts(w), "content_kind"))
    total = sum(kinds.values())
    assert total > 200
    for kind, share in w.params.mix.items():
        tolerance = 3 * np.sqrt(share * (1 - share) / total)
        assert abs(kinds[kind] / total - share) < tolerance, kind


def test_posting_has_quiet_weeks_and_plausible_hours() -> None:
    w = simulated(YEAR)
    times = np.sort(seconds(broadcasts(w)["created_at"]))
    gaps_days = np.diff(times) / 86_400
    assert gaps_days.max() >= 7
    hours = (times % 86_400) // 3600
    assert np.mean((hours >= 7) & (hours <= 21)) > 0.9
    assert not w.truth.active_days.all()


def test_bios_of_the_target_segment_speak_of_the_brand_topic() -> None:
    w = simulated(YEAR)
    people = w.tables["people"]
    segment = w.truth.segment[numbers(people["person_id"])]
    topic = TOPICS[[t.name for t in TOPICS].index(w.truth.brand_topic)]
    words = (*topic.nouns, *topic.roles)
    bios = column(people, "bio")
    about = np.array([any(word in bio for word in words) for bio in bios])
    target = segment == SEGMENTS.index("target")
    irrelevant = segment == SEGMENTS.index("irrelevant")
    assert about[target].mean() > 0.8
    assert about[irrelevant].mean() < 0.35
    assert w.target_audience == topic.audience


def test_person_ids_round_trip() -> None:
    assert person_id(17) == "synthetic:u17"
    assert person_index("synthetic:u17") == 17
    with pytest.raises(ValueError, match="not a synthetic person id"):
        person_index("x:17")
    w = simulated(SMALL)
    first = column(w.tables["people"], "person_id")[0]
    assert w.truth.segment_of(first) in SEGMENTS


def _isort_key(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions (ruff's RUF022 order)."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_public_names_are_sorted() -> None:
    assert simulate_module.__all__ == sorted(simulate_module.__all__, key=_isort_key)
    for name in simulate_module.__all__:
        assert hasattr(simulate_module, name)
