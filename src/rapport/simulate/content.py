"""The own account's broadcast posts: what each one is about, its text, links and tags."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np

from rapport.simulate.text import hashtags_for, post_text, promo_offer, slug
from rapport.simulate.vocab import CONTENT_KINDS, TOPICS, Topic

__all__ = [
    "SIDE_TOPIC_WEIGHT",
    "OwnPostContent",
    "UtmLink",
    "own_post_content",
    "side_topic",
    "utm_link",
]

SIDE_TOPIC_WEIGHT = 0.15
"""Weight of a post's side topic; the rest is the brand's topic. A post's relevance to a
person is the dot product of these weights with the person's interests."""


@dataclass(frozen=True)
class UtmLink:
    """An outbound link with its UTM tags."""

    url: str
    campaign: str
    content: str
    source: str = "synthetic"
    medium: str = "social"


@dataclass(frozen=True)
class OwnPostContent:
    """Text and metadata of one own broadcast post."""

    text: str
    link: UtmLink | None
    hashtags: list[str]
    format: str


def utm_link(domain: str, path: str, *, campaign: str, content: str) -> UtmLink:
    """``https://<domain>/<path>?utm_source=synthetic&utm_medium=social&...``."""
    query = urlencode(
        {
            "utm_source": "synthetic",
            "utm_medium": "social",
            "utm_campaign": campaign,
            "utm_content": content,
        }
    )
    return UtmLink(f"https://{domain}/{path}?{query}", campaign, content)


def own_post_content(
    *, number: int, kind: int, has_link: bool, side: Topic, topic: Topic, domain: str,
    created: dt.datetime, rng: np.random.Generator,
) -> OwnPostContent:  # fmt: skip
    """Write post ``number`` (1-based) of content kind ``kind`` (index into CONTENT_KINDS).

    Promotions carry an offer and a link tagged ``utm_campaign=<offer>-<yyyy-mm>`` and
    ``utm_content=p<number>``, which is how a conversion finds its way back to the post.
    """
    name = CONTENT_KINDS[kind]
    month = created.strftime("%Y-%m")
    noun = topic.nouns[int(rng.integers(0, len(topic.nouns)))]
    offer = promo_offer(rng) if name == "promo" else None
    link = None
    if has_link:
        if offer is not None:
            link = utm_link(
                domain,
                f"shop/{slug(noun)}",
                campaign=f"{slug(offer)}-{month}",
                content=f"p{number}",
            )
        else:
            link = utm_link(
                domain,
                f"journal/{slug(noun)}-{number}",
                campaign=f"{slug(name)}-{month}",
                content=f"p{number}",
            )
    extra = {"throwback": "tbt", "behind_the_scenes": "behindthescenes"}.get(name)
    tags = hashtags_for(topic, rng, extra=extra)
    text = post_text(
        name,
        topic,
        side,
        rng,
        link=link.url if link else None,
        offer=offer,
        hashtags=tags,
        year=created.year,
    )
    if link is not None:
        post_format = "link"
    elif name == "question":
        post_format = "poll" if rng.random() < 0.25 else "text"
    elif name in ("throwback", "behind_the_scenes"):
        post_format = "video" if rng.random() < 0.3 else "image"
    else:
        post_format = "text"
    return OwnPostContent(text=text, link=link, hashtags=tags, format=post_format)


def side_topic(brand: int, rng: np.random.Generator) -> int:
    """A second topic a post touches on (never the brand's own)."""
    other = int(rng.integers(0, len(TOPICS) - 1))
    return other if other < brand else other + 1
