"""Per-key feature tables: one score per distinct text, nulls for missing text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pytest

import rapport.text.features as features
from rapport.errors import UsageError
from rapport.models.content_kind import ContentKindDecision
from rapport.models.content_kind_model import ShippedContentKind
from rapport.models.relevance import RelevanceScores, relevance_scores
from rapport.models.sentiment import sentiment_scores
from rapport.text import (
    DISTINCT_TEXTS_KEY,
    default_classifier,
    is_question,
    post_features,
    relevance_features,
    reply_features,
)

THREE = ["20% off every loaf this weekend", "How to feed a starter", "Love this! 🔥"]
AUDIENCE = "home bakers and sourdough lovers"


def distinct_scored(table: pa.Table) -> int:
    return int(table.schema.metadata[DISTINCT_TEXTS_KEY])


def thousand_copies() -> tuple[list[str], list[str]]:
    texts = [THREE[i % 3] for i in range(1000)]
    return [f"k{i}" for i in range(1000)], texts


def test_reply_features_score_each_distinct_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = sentiment_scores

    def spy(texts: Sequence[str]) -> object:
        seen.append(len(texts))
        return real(texts)

    monkeypatch.setattr(features, "sentiment_scores", spy)
    keys, texts = thousand_copies()
    table = reply_features(keys, texts)
    assert seen == [3]
    assert distinct_scored(table) == 3
    assert table.num_rows == 1000
    rows = table.slice(0, 3).to_pylist()
    assert [row["interaction_id"] for row in rows] == ["k0", "k1", "k2"]
    assert rows[2]["sentiment_label"] == "positive"
    assert table.column("sentiment").to_pylist()[2::3] == [rows[2]["sentiment"]] * 333


def test_post_features_classify_each_distinct_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = ShippedContentKind.decide

    def spy(self: ShippedContentKind, texts: Sequence[str]) -> list[ContentKindDecision]:
        seen.append(len(texts))
        return real(self, texts)

    monkeypatch.setattr(ShippedContentKind, "decide", spy)
    keys, texts = thousand_copies()
    table = post_features(keys, texts)
    assert seen == [3]
    assert distinct_scored(table) == 3
    assert table.schema == features.POST_FEATURES_SCHEMA.with_metadata(table.schema.metadata)
    first = table.slice(0, 3).to_pylist()
    assert [row["content_kind"] for row in first[:2]] == ["promo", "educational"]
    assert [row["content_kind_source"] for row in first[:2]] == ["rules", "rules"]
    assert first[2]["content_kind_source"] in ("model", "threshold")
    assert table.column("content_kind").to_pylist()[::3] == ["promo"] * 334


def test_relevance_features_score_each_distinct_text_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[int] = []
    real = relevance_scores

    def spy(texts: Sequence[str | None], **options: Any) -> RelevanceScores:
        seen.append(len(texts))
        return real(texts, **options)

    monkeypatch.setattr(features, "relevance_scores", spy)
    keys, texts = thousand_copies()
    table = relevance_features(keys, texts, audience=AUDIENCE, key_name="person_id")
    assert seen == [3]
    assert table.column_names == ["person_id", "relevance", "relevant"]
    assert table.schema.metadata[b"rapport.relevance_backend"] == b"tfidf"
    assert distinct_scored(table) == 3


MISSING = [None, "", "   ", "\n"]


def test_missing_texts_give_null_features_never_zero() -> None:
    keys = ["a", "b", "c", "d", "e"]
    texts = [*MISSING, "Do you ship to Leeds"]
    replies = reply_features(keys, texts).to_pylist()
    for row in replies[:4]:
        assert row == {
            "interaction_id": row["interaction_id"],
            "sentiment": None,
            "sentiment_label": None,
            "is_question": None,
        }
    assert replies[4]["is_question"] is True and replies[4]["sentiment"] is not None
    posts = post_features(keys, texts).to_pylist()
    assert all(row["content_kind"] is None for row in posts[:4])
    assert posts[4]["content_kind"] is not None
    people = relevance_features(keys, texts, audience=AUDIENCE).to_pylist()
    assert all(row["relevance"] is None and row["relevant"] is None for row in people[:4])
    assert distinct_scored(reply_features(keys, texts)) == 1


def test_all_missing_or_empty_input_gives_typed_empty_columns() -> None:
    table = reply_features(["a"], [None])
    assert table.column("sentiment").type == pa.float64()
    assert distinct_scored(table) == 0
    assert post_features([], []).num_rows == 0
    assert relevance_features([], [], audience=AUDIENCE).num_rows == 0


def test_arrow_arrays_are_accepted() -> None:
    keys = pa.chunked_array([["a", "b"], ["c"]])
    texts = pa.array(["Love it", None, "Love it"], pa.large_string())
    table = reply_features(keys, texts)
    assert table.column("interaction_id").to_pylist() == ["a", "b", "c"]
    assert distinct_scored(table) == 1


@pytest.mark.parametrize(
    ("keys", "texts", "message"),
    [
        (["a", "b"], ["x"], "2 interaction_id values but 1 texts"),
        (["a", None], ["x", "y"], "interaction_id: 1 null keys"),
        (["a"], pa.array([1]), "texts: expected strings, found Arrow type int64"),
    ],
)
def test_bad_input_is_a_usage_error(keys: object, texts: object, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        reply_features(keys, texts)


def test_post_features_take_a_fitted_classifier() -> None:
    table = post_features(["p"], ["Nice weather today"], classifier=default_classifier())
    assert table.column("content_kind_source").to_pylist()[0] in ("model", "threshold")


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Do you ship to Leeds", True),
        ("what time do you open on Sundays", True),
        ("How long does the loaf keep", True),
        ("Any chance of a gluten-free one", True),
        ("Is there parking nearby?", True),
        ("Love this!", False),
        ("What a loaf!", False),
        ("How good is this", False),
        ("See https://shop.example/p?id=3 for details", False),
        ("Thanks, see you Saturday", False),
    ],
)
def test_is_question(text: str, asks: bool) -> None:
    assert is_question(text) is asks
