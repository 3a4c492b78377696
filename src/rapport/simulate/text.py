"""Text of the world: names, handles, bios, posts, replies and the brand's answers.

People's strings are built column-wise with Arrow string kernels (no per-person Python
loop): each piece is chosen by an index array into a vocabulary and the pieces are joined.
Posts and replies are few enough to be written one by one from per-kind templates.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from rapport.simulate._arrow import indices, join, strings, take
from rapport.simulate.audience import Audience
from rapport.simulate.vocab import (
    BIO_CLOSERS,
    BIO_LINKERS,
    BIO_OPENERS,
    CITIES,
    NAME_SYLLABLES,
    PROMO_OFFERS,
    TEAM_NAMES,
    TOPICS,
    Topic,
)

__all__ = [
    "account_display_name",
    "answer_text",
    "hashtags_for",
    "people_strings",
    "post_text",
    "reply_text",
    "slug",
]

_SYLLABLES = strings(NAME_SYLLABLES)
_CAPITALISED = strings([s.capitalize() for s in NAME_SYLLABLES])
_CONNECTORS = (" who lives for ", " obsessed with ", ". Ask me about ", ", fuelled by ", ": ")


def _flat_choice(
    groups: list[tuple[str, ...]], group: npt.NDArray[np.integer], rng: np.random.Generator
) -> pa.StringArray:
    """For each row, a random word of its group (vectorised over rows)."""
    lengths = np.array([len(g) for g in groups], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    flat = strings([word for g in groups for word in g])
    pick = offsets[group] + (rng.random(len(group)) * lengths[group]).astype(np.int64)
    return take(flat, pick)


def _pick(words: tuple[str, ...], count: int, rng: np.random.Generator) -> pa.StringArray:
    return take(strings(words), rng.integers(0, len(words), size=count))


def people_strings(
    numbers: npt.NDArray[np.int64], audience: Audience, rng: np.random.Generator
) -> tuple[pa.StringArray, pa.StringArray, pa.StringArray]:
    """Handles, display names and bios of the people with the given numbers.

    A handle ends with the person number, so handles are unique. A bio names what the
    person loves most (its primary topic) and what else they are into (its second topic).
    """
    n = len(numbers)
    draw = rng.integers(0, len(NAME_SYLLABLES), size=(5, n))
    number_text = pc.cast(indices(numbers), pa.string())
    handles = join(take(_SYLLABLES, draw[0]), take(_SYLLABLES, draw[1]), "_", number_text)
    first = join(take(_CAPITALISED, draw[0]), take(_SYLLABLES, draw[1]))
    last = join(
        take(_CAPITALISED, draw[2]), take(_SYLLABLES, draw[3]), take(_SYLLABLES, draw[4] % 12)
    )
    names = join(first, last, separator=" ")
    primary = audience.primary_topic[numbers]
    secondary = audience.secondary_topic[numbers]
    role = _flat_choice([t.roles for t in TOPICS], primary, rng)
    thing = _flat_choice([t.nouns for t in TOPICS], primary, rng)
    other = _flat_choice([t.nouns for t in TOPICS], secondary, rng)
    bios = join(
        _pick(BIO_OPENERS, n, rng),
        role,
        _pick(_CONNECTORS, n, rng),
        thing,
        _pick(BIO_LINKERS, n, rng),
        other,
        _pick(BIO_CLOSERS, n, rng),
    )
    first_letter = pc.utf8_upper(pc.utf8_slice_codeunits(bios, 0, 1))
    rest = pc.utf8_slice_codeunits(bios, 1)
    return handles, names, join(first_letter, rest)


def account_display_name(topic: Topic, rng: np.random.Generator) -> str:
    """A made-up business name such as ``Renlo Bakehouse``."""
    a, b = rng.integers(0, len(NAME_SYLLABLES), size=2)
    business = topic.businesses[int(rng.integers(0, len(topic.businesses)))]
    return f"{NAME_SYLLABLES[a].capitalize()}{NAME_SYLLABLES[b]} {business}"


def slug(text: str) -> str:
    """Lower-case words joined by dashes, for URLs and handles."""
    kept = "".join(ch if ch.isalnum() else " " for ch in text.lower())
    return "-".join(kept.split())


def hashtags_for(topic: Topic, rng: np.random.Generator, *, extra: str | None = None) -> list[str]:
    """One or two of the topic's hashtags (lower-case, without ``#``)."""
    count = int(rng.integers(1, 3))
    chosen = list(rng.choice(len(topic.hashtags), size=count, replace=False))
    tags = [topic.hashtags[int(i)] for i in chosen]
    if extra and extra not in tags:
        tags.append(extra)
    return tags


def _word(words: tuple[str, ...], rng: np.random.Generator) -> str:
    return words[int(rng.integers(0, len(words)))]


def post_text(
    kind: str,
    topic: Topic,
    side: Topic,
    rng: np.random.Generator,
    *,
    link: str | None,
    offer: str | None,
    hashtags: list[str],
    year: int,
) -> str:
    """The text of one broadcast post of ``kind`` about ``topic`` (with a touch of ``side``)."""
    noun = _word(topic.nouns, rng)
    tags = " ".join(f"#{tag}" for tag in hashtags)
    if kind == "promo":
        body = f"{offer} on our {noun} this week only. Order online or drop by the shop."
    elif kind == "educational":
        body = (
            f"How to {_word(topic.skills, rng)}: start slow, keep notes, and trust your "
            f"senses. Our full guide to the {noun} is up."
        )
    elif kind == "question":
        body = _word((
            f"What's your favourite {noun}?",
            f"{noun.capitalize()} or {_word(topic.nouns, rng)}: which one wins?",
            f"How do you take your {noun}?",
            f"What should we bake next, a {noun} or something with {_word(side.nouns, rng)}?",
        ), rng)  # fmt: skip
        return body if not tags else f"{tags} {body}"
    elif kind == "news":
        body = (
            f"News: the {noun} is back, and we're now open Sundays in "
            f"{_word(CITIES, rng)}. Good news for {side.audience} too."
        )
    elif kind == "throwback":
        body = (
            f"Throwback to {year - int(rng.integers(2, 9))}, our very first {noun}. "
            "Still can't believe how far we've come."
        )
    else:
        body = (
            f"Behind the scenes: {_word(TEAM_NAMES, rng)} starts the {noun} at 5am so it's "
            "ready when we open."
        )
    parts = [body]
    if link:
        parts.append(link)
    if tags:
        parts.append(tags)
    return " ".join(parts)


def promo_offer(rng: np.random.Generator) -> str:
    """An offer line for a promotion."""
    return _word(PROMO_OFFERS, rng)


_ANSWERS = (
    "Definitely the {noun}.", "Team {noun} all the way.", "The {noun}, no contest.",
    "Has to be the {noun} with {side}.",
)  # fmt: skip
_PRAISE = (
    "Love this!", "This looks amazing.", "Best {noun} in town, honestly.", "Need this {noun} now.",
    "So good. The {noun} last week was perfect.", "Brilliant, thanks for sharing.",
)  # fmt: skip
_ASKS = (
    "Do you ship to {city}?", "Is the {noun} available on weekends?",
    "What time do you open on Sundays?", "Any chance of a gluten-free {noun}?",
    "How long does the {noun} keep?", "Can I pre-order a {noun} for Saturday?",
)  # fmt: skip
_STRAY = (
    "lol why is this on my feed", "ok this is oddly satisfying", "not my thing but respect",
    "this popped up out of nowhere", "haha love the energy", "who is this",
)  # fmt: skip


def reply_text(
    *,
    post_kind: str,
    asks: bool,
    matched: bool,
    person_topic: Topic,
    brand_topic: Topic,
    rng: np.random.Generator,
) -> str:
    """What a person writes under a post; a reply that ``asks`` ends with ``?``."""
    noun = _word(brand_topic.nouns, rng)
    if asks:
        return _word(_ASKS, rng).format(noun=noun, city=_word(CITIES, rng))
    if not matched:
        text = _word(_STRAY, rng)
        return text if rng.random() < 0.7 else f"{text}. more {_word(person_topic.nouns, rng)} pls"
    if post_kind == "question":
        return _word(_ANSWERS, rng).format(noun=noun, side=_word(person_topic.nouns, rng))
    return _word(_PRAISE, rng).format(noun=noun)


def answer_text(*, handle: str, asked: bool, topic: Topic, rng: np.random.Generator) -> str:
    """The brand's answer to a person's reply."""
    noun = _word(topic.nouns, rng)
    if asked:
        body = _word((
            f"Great question! Yes, and the {noun} is best the same day.",
            "We open at 8 on Sundays, see you there!",
            f"Not yet, but a {noun} like that is on our list.",
            "Yes! Send us a message and we'll sort it out.",
        ), rng)  # fmt: skip
    else:
        body = _word((
            "Thank you so much!", "That made our day.", f"So glad you liked the {noun}!",
            "Thanks for being here.",
        ), rng)  # fmt: skip
    return f"@{handle} {body}"


THANKS_TEXTS: tuple[str, ...] = (
    "Thank you!",
    "Thanks, that helps!",
    "Perfect, thanks!",
    "Amazing, see you Saturday.",
)
