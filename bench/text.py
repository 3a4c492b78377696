"""Text enrichment speed: content kind, sentiment and relevance, against plain VADER.

Usage: ``PYTHONPATH=src python bench/text.py [--texts N]``. Short distinct texts (a template
with a number appended, so no two are equal and nothing is scored from a cache of texts),
best of 3 after a warm-up, one process. It prints each step alone and the three together as
an import runs them (``post_features``, ``reply_features``, ``relevance_features``), in texts
a second, and the ratio to plain VADER's time on the same texts.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from rapport.models.content_kind_model import default_content_kind
from rapport.models.sentiment import vader_scores
from rapport.text import (
    post_features,
    relevance_features,
    reply_features,
    sentiment_labels,
    sentiment_scores,
)


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


REPLIES = (
    "Love this!", "this is fire 🔥", "Do you ship to Harbourside?", "meh, the coffee was cold",
    "Best cinnamon bun in town 😍", "the croissant was mid", "see you Saturday",
    "This was the worst service I've ever had.", "lol why is this on my feed",
    "Thanks so much, the cake was perfect 🙏", "when do you open on Sunday?",
    "not bad at all", "the kitchen is on fire 🔥 send help", "so good 😋",
)  # fmt: skip


def replies(count: int) -> list[str]:
    """Short distinct replies: a template and a number, so no two texts are equal."""
    return [f"{REPLIES[i % len(REPLIES)]} {i}" for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=20_000)
    args = parser.parse_args()
    texts = replies(args.texts)
    keys = [f"k{i}" for i in range(len(texts))]
    audience = "people near Harbourside who love sourdough, pastries and good coffee"
    plain = SentimentIntensityAnalyzer()
    sentiment_labels(sentiment_scores(texts[:100]))  # warm-up: loads the models
    default_content_kind().decide(texts[:100])

    def together() -> None:
        post_features(keys, texts)
        reply_features(keys, texts)
        relevance_features(keys, texts, audience=audience, backend="tfidf")

    rows = {
        "plain VADER": best_of(3, lambda: [plain.polarity_scores(t) for t in texts]),
        "VADER + rapport fixes": best_of(3, lambda: vader_scores(texts)),
        "sentiment_labels(sentiment_scores)": best_of(
            3, lambda: sentiment_labels(sentiment_scores(texts))
        ),
        "content kind (shipped model, rules)": best_of(
            3, lambda: default_content_kind().decide(texts)
        ),
        "relevance (TF-IDF backend)": best_of(
            3,
            lambda: relevance_features(keys, texts, audience=audience, backend="tfidf"),
        ),
        "all three, as an import runs them": best_of(3, together),
    }
    base = rows["plain VADER"]
    for name, seconds in rows.items():
        print(
            f"{name:36s} {seconds:6.3f} s  {len(texts) / seconds:9,.0f} texts/s  "
            f"{seconds / base:4.2f}x plain VADER's time"
        )


if __name__ == "__main__":
    main()
