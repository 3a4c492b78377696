"""Text features per key, computed once per distinct text: what import stores.

Each function takes keys (post ids, interaction ids or person ids) and their texts, and
returns a pyarrow Table with one row per key, in the order given. Texts are deduplicated
before anything is scored: a thousand copies of "Love this!" are scored once. The number
of distinct texts scored is written into the table's schema metadata under
:data:`DISTINCT_TEXTS_KEY`, so callers and tests can see the work done.

A missing or blank text gives null features, never a made-up 0 or ``neutral``.

Texts longer than :data:`MAX_SCORED_CHARACTERS` (100,000) are scored on their first
100,000 characters, and replies longer than :data:`MAX_SENTIMENT_CHARACTERS` (10,000) get
their sentiment from their first 10,000: the character n-grams of the classifier need about
200 bytes of memory per character, and VADER's time grows with the square of the length
(40 s for one reply of 100,000 characters). The stored text stays whole; how many texts
were cut is written into the schema metadata under :data:`TRUNCATED_TEXTS_KEY`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Final, TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from rapport.errors import UsageError
from rapport.models.content_kind import ContentKindClassifier
from rapport.models.content_kind_model import default_content_kind
from rapport.models.relevance import RelevanceBackend, relevance_scores
from rapport.models.sentiment import sentiment_labels, sentiment_scores

__all__ = [
    "DISTINCT_TEXTS_KEY",
    "MAX_SCORED_CHARACTERS",
    "MAX_SENTIMENT_CHARACTERS",
    "POST_FEATURES_SCHEMA",
    "REPLY_FEATURES_SCHEMA",
    "TRUNCATED_TEXTS_KEY",
    "is_question",
    "post_features",
    "relevance_features",
    "reply_features",
]

DISTINCT_TEXTS_KEY: Final = b"rapport.distinct_texts_scored"
"""Schema metadata key: how many distinct non-blank texts were scored for the table."""
TRUNCATED_TEXTS_KEY: Final = b"rapport.truncated_texts"
"""Schema metadata key: how many of those texts were scored on their beginning only."""
MAX_SCORED_CHARACTERS: Final = 100_000
"""Texts are scored (content kind, relevance) on at most this many first characters."""
MAX_SENTIMENT_CHARACTERS: Final = 10_000
"""Replies get their sentiment from at most this many first characters (VADER is
quadratic: 0.5 s at 10,000 characters, 40 s at 100,000)."""

POST_FEATURES_SCHEMA = pa.schema([
    pa.field("post_id", pa.string(), nullable=False),
    pa.field("content_kind", pa.string()),
    pa.field("content_kind_source", pa.string()),
    pa.field("content_kind_confidence", pa.float64()),
])  # fmt: skip
REPLY_FEATURES_SCHEMA = pa.schema([
    pa.field("interaction_id", pa.string(), nullable=False),
    pa.field("sentiment", pa.float64()),
    pa.field("sentiment_label", pa.string()),
    pa.field("is_question", pa.bool_()),
])  # fmt: skip

Texts: TypeAlias = Sequence[str | None] | pa.Array | pa.ChunkedArray
"""Texts as a Python sequence (None where there is none) or an Arrow string array."""
Keys: TypeAlias = Sequence[str] | pa.Array | pa.ChunkedArray

_URL = re.compile(r"\S+://\S+|www\.\S+")
_QUESTION_OPENING = re.compile(
    r"^\W*(?:(?:do|does|did|can|could|will|would|should|is|are|was|were|have|has)\s+"
    r"(?:you|u|i|we|they|it|there|this|that|these|the|your|anyone|someone)\b"
    r"|(?:what|when|where|which|who|whom|whose|why)\b(?!\s+a\b)"
    r"|how\s+(?:much|many|long|often|do|does|did|can|come|about)\b"
    r"|any\s+(?:chance|idea|plans?|news|tips?)\b|anyone\s+(?:know|else)\b)",
    re.IGNORECASE,
)


def is_question(text: str) -> bool:
    """Whether a reply asks something: a "?" outside links, or a question's opening words.

    "Do you ship to Leeds" counts without its question mark; "What a loaf!" does not.
    """
    return "?" in _URL.sub(" ", text) or _QUESTION_OPENING.match(text) is not None


def _string_array(values: Texts | Keys, *, name: str) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    array = values if isinstance(values, pa.Array) else pa.array(list(values), pa.string())
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        raise UsageError(f"{name}: expected strings, found Arrow type {array.type}")
    return array.cast(pa.string())


def _distinct(
    keys: Keys, texts: Texts, *, key_name: str, limit: int = MAX_SCORED_CHARACTERS
) -> tuple[pa.Array, pa.Array, list[str], int]:
    """Keys, the index of each row's distinct text (null for blank), the distinct texts cut
    to ``limit`` characters, and how many of them were cut."""
    key_array = _string_array(keys, name=key_name)
    text_array = _string_array(texts, name="texts")
    if len(key_array) != len(text_array):
        raise UsageError(
            f"{len(key_array)} {key_name} values but {len(text_array)} texts; give one text per "
            f"{key_name} (None where there is no text)"
        )
    if key_array.null_count:
        raise UsageError(f"{key_name}: {key_array.null_count} null keys; every row needs a key")
    blank = pc.equal(pc.utf8_trim_whitespace(text_array), "")
    text_array = pc.if_else(blank, pa.scalar(None, pa.string()), text_array)
    encoded = text_array.dictionary_encode()
    dictionary = encoded.dictionary
    too_long = pc.sum(pc.greater(pc.utf8_length(dictionary), limit)).as_py() or 0
    if too_long:
        dictionary = pc.utf8_slice_codeunits(dictionary, 0, limit)
    distinct = [str(text) for text in dictionary.to_pylist()]
    return key_array, encoded.indices, distinct, int(too_long)


def _spread(
    values: npt.NDArray[np.generic] | list[object], indices: pa.Array, type_: pa.DataType
) -> pa.Array:
    """The value of each row's distinct text, null where the row has no text."""
    per_distinct = pa.array(values if isinstance(values, list) else values.tolist(), type_)
    return pc.take(per_distinct, indices)


def _with_count(table: pa.Table, distinct: int, truncated: int) -> pa.Table:
    return table.replace_schema_metadata({
        DISTINCT_TEXTS_KEY: str(distinct).encode(),
        TRUNCATED_TEXTS_KEY: str(truncated).encode(),
    })  # fmt: skip


def post_features(
    post_ids: Keys, texts: Texts, *, classifier: ContentKindClassifier | None = None
) -> pa.Table:
    """``post_id``, ``content_kind``, ``content_kind_source`` and ``content_kind_confidence``.

    ``classifier`` defaults to the shipped numbers of :func:`~rapport.text.default_classifier`
    (:func:`~rapport.models.content_kind_model.default_content_kind`: the same decisions,
    without fitting or importing scikit-learn).
    """
    keys, indices, distinct, truncated = _distinct(post_ids, texts, key_name="post_id")
    model = classifier or default_content_kind()
    decisions = model.decide(distinct) if distinct else []
    table = pa.Table.from_arrays(
        [
            keys,
            _spread([d.kind for d in decisions], indices, pa.string()),
            _spread([d.source for d in decisions], indices, pa.string()),
            _spread([d.confidence for d in decisions], indices, pa.float64()),
        ],
        schema=POST_FEATURES_SCHEMA,
    )
    return _with_count(table, len(distinct), truncated)


def reply_features(interaction_ids: Keys, texts: Texts) -> pa.Table:
    """``interaction_id``, ``sentiment`` (−1 … 1), ``sentiment_label`` and ``is_question``.

    Each reply is read on its first :data:`MAX_SENTIMENT_CHARACTERS` characters.
    """
    keys, indices, distinct, truncated = _distinct(
        interaction_ids, texts, key_name="interaction_id", limit=MAX_SENTIMENT_CHARACTERS
    )
    scores = sentiment_scores(distinct)
    table = pa.Table.from_arrays(
        [
            keys,
            _spread(scores, indices, pa.float64()),
            _spread(list(sentiment_labels(scores)), indices, pa.string()),
            _spread([is_question(text) for text in distinct], indices, pa.bool_()),
        ],
        schema=REPLY_FEATURES_SCHEMA,
    )
    return _with_count(table, len(distinct), truncated)


def relevance_features(
    keys: Keys,
    texts: Texts,
    *,
    audience: str,
    key_name: str = "key",
    backend: RelevanceBackend = "auto",
    model_path: str | Path | None = None,
) -> pa.Table:
    """``<key_name>``, ``relevance`` (0 … 1) and ``relevant`` (at the backend's threshold).

    The TF-IDF backend fits its vocabulary on the distinct texts of this call plus the
    audience, so score people of one workspace together, not one at a time.
    """
    key_array, indices, distinct, truncated = _distinct(keys, texts, key_name=key_name)
    result = relevance_scores(distinct, audience=audience, backend=backend, model_path=model_path)
    schema = pa.schema([
        pa.field(key_name, pa.string(), nullable=False),
        pa.field("relevance", pa.float64()),
        pa.field("relevant", pa.bool_()),
    ])  # fmt: skip
    table = pa.Table.from_arrays(
        [
            key_array,
            _spread(result.scores, indices, pa.float64()),
            _spread(result.relevant, indices, pa.bool_()),
        ],
        schema=schema,
    )
    metadata = {
        DISTINCT_TEXTS_KEY: str(len(distinct)).encode(),
        TRUNCATED_TEXTS_KEY: str(truncated).encode(),
        b"rapport.relevance_backend": result.backend.encode(),
        b"rapport.relevance_threshold": repr(result.threshold).encode(),
    }
    return table.replace_schema_metadata(metadata)
