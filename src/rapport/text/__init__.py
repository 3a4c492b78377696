"""Text-derived values rapport computes once per distinct text at import and stores.

- Sentiment of replies: a shipped TF-IDF + VADER logistic-regression model
  (:mod:`rapport.models.sentiment_model`), over VADER with fixes for the emoji and slang it
  misreads (:mod:`rapport.models.sentiment`).
- Content kind of posts whose source did not say: rules, then a TF-IDF linear model, then
  ``other`` under a probability threshold (:mod:`rapport.models.content_kind`).
- Audience relevance of bios and replies: TF-IDF cosine with the target audience described
  in ``rapport.toml``, or model2vec embeddings where installed (:mod:`rapport.models.relevance`).
- Per-key feature tables that score each distinct text once (:mod:`rapport.text.features`).

``docs/text.md`` describes each method and the numbers measured for it.
"""

from __future__ import annotations

from rapport.errors import NotFittedError
from rapport.models.content_kind import (
    ContentKindClassifier,
    ContentKindDecision,
    default_classifier,
    load_labelled_posts,
)
from rapport.models.relevance import (
    EMBEDDING_THRESHOLD,
    TFIDF_THRESHOLD,
    RelevanceScores,
    relevance_scores,
)
from rapport.models.sentiment import sentiment_label, sentiment_labels, sentiment_scores
from rapport.text.features import (
    DISTINCT_TEXTS_KEY,
    is_question,
    post_features,
    relevance_features,
    reply_features,
)

__all__ = [
    "DISTINCT_TEXTS_KEY",
    "EMBEDDING_THRESHOLD",
    "TFIDF_THRESHOLD",
    "ContentKindClassifier",
    "ContentKindDecision",
    "NotFittedError",
    "RelevanceScores",
    "default_classifier",
    "is_question",
    "load_labelled_posts",
    "post_features",
    "relevance_features",
    "relevance_scores",
    "reply_features",
    "sentiment_label",
    "sentiment_labels",
    "sentiment_scores",
]
