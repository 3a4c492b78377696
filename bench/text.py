"""Sentiment scoring speed: the shipped model against plain VADER, in the same process.

Usage: ``PYTHONPATH=src python bench/text.py [--texts N]``. Short distinct replies (a template
with a number appended), best of 3 after a warm-up.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from rapport.models.sentiment import vader_scores
from rapport.text import sentiment_labels, sentiment_scores


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
    parser.add_argument("--texts", type=int, default=10_000)
    args = parser.parse_args()
    texts = replies(args.texts)
    plain = SentimentIntensityAnalyzer()
    sentiment_labels(sentiment_scores(texts[:100]))  # warm-up: loads the model
    rows = {
        "plain VADER": best_of(3, lambda: [plain.polarity_scores(t) for t in texts]),
        "VADER + rapport fixes": best_of(3, lambda: vader_scores(texts)),
        "sentiment_labels(sentiment_scores)": best_of(
            3, lambda: sentiment_labels(sentiment_scores(texts))
        ),
    }
    base = rows["plain VADER"]
    for name, seconds in rows.items():
        print(
            f"{name:36s} {seconds:6.3f} s  {len(texts) / seconds:9,.0f} texts/s  "
            f"{seconds / base:4.2f}x plain VADER's time"
        )


if __name__ == "__main__":
    main()
