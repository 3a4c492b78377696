"""The own account's topics, as terms to look for in everyone's posts (share of voice).

Two sources, both the workspace's own words:

* the hashtags the own accounts used on at least :data:`MIN_HASHTAG_POSTS` original posts in
  the window, leaving out hashtags that name a format rather than a topic
  (:data:`GENERIC_HASHTAGS`: ``tbt``, ``behindthescenes`` …); matched as whole words;
* the words of ``[goal] target_audience`` after English stop words and rapport's filler words
  ("lovers", "care") are dropped, cut to a crude stem (``bakers`` → ``bak``), matched as the
  start of a word (``bak`` finds baking, baker, bakery).

A post mentions the topics when its text or its hashtags contain any term.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import ibis.expr.types as ir

from rapport.query.common import seconds
from rapport.query.context import Context
from rapport.query.tables import Tables

__all__ = ["GENERIC_HASHTAGS", "MIN_HASHTAG_POSTS", "Topics", "audience_stems", "topic_terms"]

MIN_HASHTAG_POSTS = 2
MAX_HASHTAGS = 15
GENERIC_HASHTAGS = frozenset({
    "tbt", "throwback", "throwbackthursday", "fbf", "flashbackfriday", "behindthescenes",
    "bts", "mondaymotivation", "motivationmonday", "tiptuesday", "tuesdaytip",
    "wednesdaywisdom", "fridayfeeling", "weekend", "giveaway", "contest", "sale", "ad",
    "sponsored", "promo", "new", "news", "repost", "follow", "followme", "instagood",
    "photooftheday", "love", "quote", "qotd", "question", "poll", "reminder", "update",
})  # fmt: skip
"""Hashtags that say what kind of post it is, not what it is about."""
_WORD = re.compile(r"[a-z0-9]+")


class Topics:
    """The terms and the regular expression (RE2 syntax) that finds them."""

    def __init__(self, hashtags: Sequence[str], stems: Sequence[str]) -> None:
        self.hashtags = tuple(hashtags)
        self.stems = tuple(stems)

    @property
    def terms(self) -> tuple[str, ...]:
        """For display: ``#tag`` for hashtags, ``stem…`` for word starts."""
        return tuple(f"#{h}" for h in self.hashtags) + tuple(f"{s}…" for s in self.stems)

    @property
    def pattern(self) -> str | None:
        parts = []
        if self.hashtags:
            parts.append("(?:" + "|".join(re.escape(h) for h in self.hashtags) + r")\b")
        if self.stems:
            parts.append("(?:" + "|".join(re.escape(s) for s in self.stems) + ")")
        return r"\b(?:" + "|".join(parts) + ")" if parts else None


def audience_stems(audience: str) -> tuple[str, ...]:
    """Word starts of the target audience text, stop and filler words left out."""
    from rapport.models.relevance import dropped_words, stem

    dropped = dropped_words()
    stems: list[str] = []
    for word in _WORD.findall(audience.lower()):
        if word in dropped or len(word) < 3 or word.isdigit():
            continue
        cut = stem(word)
        if len(cut) >= 4 and cut.endswith("e"):
            cut = cut[:-1]  # bake → bak: also finds baking, bakery
        if cut not in stems:
            stems.append(cut)
    return tuple(stems)


def topic_terms(
    backend: Any,
    t: Tables,
    c: Context,
    own_ids: Sequence[str],
    *,
    lo: float,
    hi: float,
    audience: str,
) -> Topics:
    """The own accounts' topic terms for the window [lo, hi) (seconds since 1970)."""
    posts = t.posts.filter(
        t.posts.account_id.isin(list(own_ids))
        & t.posts.in_reply_to_id.isnull()
        & t.posts.repost_of.isnull()
    )
    at = seconds(posts.created_at, c)
    posts = posts.filter((at >= lo) & (at < hi))
    tags: ir.Table = posts.select("post_id", tag=posts.hashtags.unnest())
    tags = tags.filter(tags.tag.notnull()).mutate(tag=tags.tag.lower()).distinct()
    counted = tags.group_by("tag").aggregate(n=tags.count())
    counted = counted.filter(counted.n >= MIN_HASHTAG_POSTS).order_by(
        [counted.n.desc(), counted.tag]
    )
    frame = backend.execute(counted)
    hashtags = [
        str(tag).lstrip("#")
        for tag in frame["tag"].tolist()
        if str(tag).lstrip("#") and str(tag).lstrip("#") not in GENERIC_HASHTAGS
    ][:MAX_HASHTAGS]
    return Topics(hashtags, audience_stems(audience))
