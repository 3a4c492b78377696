"""export → import → export gives identical data (Hypothesis over the storage boundary)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.canonical import (
    PLATFORMS,
    TABLE_ORDER,
    Batch,
    arrow_schema,
    read_canonical,
    write_canonical,
)
from rapport.canonical.schema import CONTENT_KINDS, CONVERSION_KINDS, INTERACTION_KINDS
from rapport.store import Store

_counter = itertools.count()

texts = st.text(max_size=40)  # any Unicode, emoji and other non-BMP characters included
maybe_text = st.none() | texts
native_ids = st.one_of(
    st.integers(min_value=2**53, max_value=2**64).map(str),  # X ids beyond a float's reach
    st.text(min_size=1, max_size=20).filter(lambda text: bool(text.strip())),
    st.just("https://social.example/users/ana/statuses/110000000000000001"),
)
moments = st.datetimes(  # the plausible range an import accepts, a day's margin for zones
    min_value=dt.datetime(2000, 1, 2),
    max_value=dt.datetime(2026, 1, 1),
    timezones=st.timezones(),
)
maybe_moment = st.none() | moments
counts = st.none() | st.integers(min_value=0, max_value=2**63 - 1)
string_lists = st.none() | st.lists(texts, max_size=3)


def ids(platform: str | None = None) -> st.SearchStrategy[str]:
    prefixes = st.just(platform) if platform else st.sampled_from(PLATFORMS)
    return st.builds(lambda p, n: f"{p}:{n}", prefixes, native_ids)


@st.composite
def data_sets(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    accounts = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "account_id": ids(),
                    "platform": st.sampled_from(PLATFORMS),
                    "handle": texts,
                    "display_name": maybe_text,
                    "role": st.sampled_from(["own", "competitor", "watch"]),
                    "followers": counts,
                    "url": maybe_text,
                    "created_at": maybe_moment,
                }
            ),
            min_size=1,
            max_size=3,
            unique_by=lambda r: r["account_id"],
        )
    )
    account_ids = [a["account_id"] for a in accounts]
    posts = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "post_id": ids(),
                    "account_id": st.sampled_from(account_ids),
                    "created_at": moments,
                    "text": maybe_text,
                    "url": maybe_text,
                    "format": st.none()
                    | st.sampled_from(["text", "image", "video", "link", "poll", "other"]),
                    "in_reply_to_id": maybe_text,
                    "repost_of": maybe_text,
                    "links": string_lists,
                    "hashtags": string_lists,
                    "language": maybe_text,
                    "content_kind": st.none() | st.sampled_from(CONTENT_KINDS),
                }
            ),
            max_size=4,
            unique_by=lambda r: r["post_id"],
        )
    )
    post_ids = [p["post_id"] for p in posts] or ["x:none"]
    people = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "person_id": ids(),
                    "platform": st.sampled_from(PLATFORMS),
                    "handle": maybe_text,
                    "display_name": maybe_text,
                    "bio": maybe_text,
                    "followers": counts,
                    "following": counts,
                    "url": maybe_text,
                    "first_seen_at": maybe_moment,
                }
            ),
            max_size=3,
            unique_by=lambda r: r["person_id"],
        )
    )
    interactions = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "interaction_id": ids(),
                    "platform": st.sampled_from(PLATFORMS),
                    "kind": st.sampled_from(INTERACTION_KINDS),
                    "person_id": st.none() | ids(),
                    "account_id": st.sampled_from(account_ids),
                    "post_id": st.none() | ids(),
                    "occurred_at": maybe_moment,
                    "text": maybe_text,
                    "in_reply_to_id": maybe_text,
                    "actor_followers": counts,
                }
            ),
            max_size=4,
            unique_by=lambda r: r["interaction_id"],
        )
    )
    stats = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "post_id": st.sampled_from(post_ids),
                    "observed_at": moments,
                    **{
                        name: counts
                        for name in (
                            "impressions",
                            "reach",
                            "likes",
                            "reposts",
                            "replies",
                            "quotes",
                            "clicks",
                            "saves",
                            "video_views",
                        )
                    },
                }
            ),
            max_size=4,
            unique_by=lambda r: (r["post_id"], r["observed_at"]),
        )
    )
    follower_counts = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "account_id": st.sampled_from(account_ids),
                    "observed_at": moments,
                    "followers": st.integers(min_value=0, max_value=2**63 - 1),
                }
            ),
            max_size=4,
            unique_by=lambda r: (r["account_id"], r["observed_at"]),
        )
    )
    conversions = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "conversion_id": ids(),
                    "occurred_at": moments,
                    "kind": st.sampled_from(CONVERSION_KINDS),
                    "value": st.none() | st.floats(allow_nan=False, allow_infinity=False),
                    "currency": st.none() | st.sampled_from(["EUR", "USD"]),
                    "person_id": st.none() | ids(),
                    **{
                        f"utm_{n}": maybe_text
                        for n in ("source", "medium", "campaign", "content", "term")
                    },
                    "landing_url": maybe_text,
                    "post_id": st.none() | ids(),
                }
            ),
            max_size=3,
            unique_by=lambda r: r["conversion_id"],
        )
    )
    if not posts:
        stats = []
    return {
        "accounts": accounts,
        "people": people,
        "posts": posts,
        "interactions": interactions,
        "post_stats": stats,
        "follower_counts": follower_counts,
        "conversions": conversions,
    }


def _arrow(rows: dict[str, list[dict[str, Any]]]) -> dict[str, pa.Table]:
    return {
        name: pa.Table.from_pylist(
            [
                {
                    k: (v.astimezone(dt.UTC) if isinstance(v, dt.datetime) else v)
                    for k, v in r.items()
                }
                for r in rows[name]
            ],
            schema=arrow_schema(name),
        )
        for name in TABLE_ORDER
    }


def _import(folder: Path, store_path: Path) -> dict[str, pa.Table]:
    with Store(store_path) as store:
        summary = store.apply(read_canonical(folder))
        assert summary.total("rejected") == 0, summary.first_rejections
        return store.export_tables()


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=data_sets())
def test_export_import_export_is_identical(
    fmt: str, data: dict[str, list[dict[str, Any]]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp(f"roundtrip{next(_counter)}")
    with Store(root / "first.duckdb") as store:
        summary = store.apply(Batch.from_tables(_arrow(data), source="test", origin="hypothesis"))
        assert summary.total("rejected") == 0, summary.first_rejections
        first = store.export_tables()
    write_canonical(first, root / "a", format=fmt)  # type: ignore[arg-type]
    second = _import(root / "a", root / "second.duckdb")
    write_canonical(second, root / "b", format=fmt)  # type: ignore[arg-type]
    third = _import(root / "b", root / "third.duckdb")
    for name in TABLE_ORDER:
        assert second[name].equals(first[name]), name
        assert third[name].equals(first[name]), name
    # Nothing the generator made is lost on the way (history tables may drop repeats).
    for name in ("accounts", "people", "posts", "interactions", "conversions"):
        assert first[name].num_rows == len(data[name]), name


def test_big_ids_and_emoji_survive_jsonl(tmp_path: Path) -> None:
    account = {
        "account_id": "x:18446744073709551615",
        "platform": "x",
        "handle": "🦄 shop",
        "role": "own",
        "followers": 2**63 - 1,
        "display_name": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "url": None,
        "created_at": dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC),
    }
    tables = {"accounts": pa.Table.from_pylist([account], schema=arrow_schema("accounts"))}
    write_canonical(tables, tmp_path / "out", format="jsonl")
    line = (tmp_path / "out" / "accounts.jsonl").read_text(encoding="utf-8")
    assert '"account_id": "x:18446744073709551615"' in line
    assert "🦄 shop" in line and '"created_at": "2026-01-01T12:00:00Z"' in line
    batch = read_canonical(tmp_path / "out")
    assert batch.tables["accounts"].to_pylist()[0]["followers"] == 2**63 - 1
