"""High-precision cues for a post's content kind, tried before the model.

Each rule is one regular expression and the kind it implies. The first rule that matches,
in the order of :data:`CONTENT_KIND_RULES`, decides; a post no rule matches goes to the
model. The order puts the cue that says most about a post's purpose first: an offer makes a
post promotional even when it also asks a question, and a post that looks back is a
throwback even when it ends with "spot anyone you know?". The closing question mark comes
last because any kind of post may end with one.

The rules are tuned for precision, not coverage: a cue that is right only most of the time
("our team", a price) is left to the model, which weighs it against the rest of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CONTENT_KIND_RULES", "ContentKindRule", "match_rule"]


@dataclass(frozen=True)
class ContentKindRule:
    """A named cue: where ``pattern`` matches, the post is of ``kind``."""

    name: str
    kind: str
    pattern: re.Pattern[str]
    hints: tuple[str, ...] = ()
    """Lower-case fragments at least one of which every match contains: a text holding none
    of them is skipped without running the (much slower) regular expression. A test checks
    that the hints never change a decision."""


def _rule(name: str, kind: str, hints: tuple[str, ...], *alternatives: str) -> ContentKindRule:
    pattern = re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)
    return ContentKindRule(name, kind, pattern, hints)


_URL = r"(?:https?://)?[\w-]+(?:\.[\w-]+)+"

CONTENT_KIND_RULES: tuple[ContentKindRule, ...] = (
    _rule(
        "discount",
        "promo",
        ("%", "half", "code", "for", "buy", "sale", "free"),
        r"\b\d{1,2}\s?%\s?off\b",
        r"\bhalf[- ]price\b",
        r"\b(?:discount|promo|voucher|coupon)\s+code\b",
        r"\b(?:use|with|enter)\s+(?:the\s+)?code\s+[A-Z0-9]{3,}\b",
        r"\b(?:two|2)[- ]for[- ](?:one|1)\b",
        r"\b(?:3|three)\s+for\s+(?:2|two)\b",
        r"\bbuy\s+(?:one|two|three|\d+)\b[^.!?]{0,40}\bget\b",
        r"\b(?:flash|summer|winter|spring|january|clearance|black friday)\s+sale\b",
        r"\bfree\s+(?:delivery|shipping|p&p)\b",
    ),
    _rule(
        "call_to_buy",
        "promo",
        ("order", "shop", "book", "stock", "gift", "quote", "bio"),
        r"\bpre-?orders?\s+(?:are\s+|is\s+)?(?:now\s+)?open\b",
        r"\b(?:order|buy)\s+(?:yours\s+)?(?:now|today|online)\b",
        # "shop" and "book" are nouns as often as verbs ("the farm shop now stands"): only
        # where they open a clause or follow "or", "and", "to" are they a call to buy.
        r"(?:^|[^\w\s]\s*|\b(?:or|and|to)\s+)(?:shop|book)\s+(?:now|today|online)\b",
        r"\bshop\s+the\s+(?:new|sale|collection)\b",
        r"\b(?:back\s+)?in\s+stock\s+(?:now|again)\b",
        r"\bwhile\s+stocks?\s+lasts?\b",
        r"\bgift\s+(?:cards?|vouchers?)\s+(?:are\s+)?(?:now\s+)?(?:available|on\s+sale)\b",
        r"\bget\s+(?:a|your)\s+free\s+quote\b",
        r"\blink\s+in\s+(?:our\s+)?bio\b",
    ),
    _rule(
        "shop_link", "promo", ("/",), _URL + r"/(?:shop|store|book|booking|order|products?|gift)\b"
    ),
    _rule(
        "throwback",
        "throwback",
        (
            "throwback",
            "tbt",
            "flashback",
            "years",
            "back",
            "circa",
            "remember",
            "archive",
            "last",
            "lane",
        ),
        r"#?\bthrowback(?:thursday)?\b",
        r"#tbt\b",
        r"\b#?flashback(?:friday)?\b",
        r"\b(?:\d+|a few|many|two|three|four|five|six|seven|eight|nine|ten|twenty)\s+years\s+ago\b",
        r"\bback\s+in\s+(?:the\s+day|(?:19|20)\d\d)\b",
        r"\b(?:way\s+back|circa)\s+(?:in\s+)?(?:19|20)\d\d\b",
        r"\bremember\s+(?:when|our|the\s+old)\b",
        r"\bfrom\s+the\s+archives?\b",
        r"\bthis\s+time\s+last\s+year\b",
        r"\bmemory\s+lane\b",
    ),
    _rule(
        "behind_the_scenes",
        "behind_the_scenes",
        ("behind", "bts", "peek", "glimpse", "look", "day", "meet", "today"),
        r"\bbehind[- ]the[- ]scenes\b",
        r"#bts\b",
        r"#behindthescenes\b",
        r"\ba\s+(?:sneak\s+)?(?:peek|glimpse|look)\s+(?:into|inside|behind)\b",
        r"\ba\s+day\s+in\s+the\s+life\b",
        r"\bmeet\s+the\s+team\b",
        r"\bon\s+the\s+(?:bench|job|tools)\s+today\b",
    ),
    _rule(
        "announcement",
        "news",
        (
            "news",
            "update",
            "announc",
            "moved",
            "moving",
            "relocat",
            "opening",
            "hiring",
            "job",
            "welcome",
            "shortlisted",
            "nominated",
            "press",
            "close",
            "reopen",
        ),
        r"^\W*(?:big|exciting|great|some|important|breaking|happy)?\s*(?:news|update)\b",
        r"\bannounc(?:ing|ement|es|ed)\b",
        r"\b(?:we've|we\s+have|we're|we\s+are)\s+(?:moved|moving|relocat\w+)\b",
        r"\b(?:new|changes\s+to\s+our|holiday|christmas|summer)\s+opening\s+(?:hours|times)\b",
        r"\b(?:we're|we\s+are|now)\s+hiring\b",
        r"\bjob\s+alert\b",
        r"\bwelcome\s+to\s+the\s+team\b",
        r"\b(?:shortlisted|nominated)\s+for\b",
        r"\bpress\s+release\b",
        r"\bwill\s+(?:be\s+closed|reopen|close\s+early)\b",
    ),
    _rule(
        "how_to",
        "educational",
        ("how", "tip", "guide", "🧵", "tutorial", "did", "explained", "101", "myth", "here"),
        r"\bhow\s+to\b(?![^.!?]*\?)",
        r"\b(?:top\s+)?tips?\s+(?:for|on|to)\b",
        r"^\W*(?:\d+|three|five|ten)\s+tips\b",
        r"\b(?:beginner's|complete|quick|step-by-step|our)\s+guide\b",
        r"\bguide\s+to\b",
        r"🧵",
        r"\btutorial\b",
        r"\bdid\s+you\s+know\b",
        r"\bexplained\b",
        r"\b101\b",
        r"^\W*myth\b",
        r"\bhere's\s+why\b",
    ),
    _rule(
        "asks_audience",
        "question",
        ("?", "what", "tell", "drop", "leave", "help", "rather", "poll"),
        r"\?\s*(?:[#@][\w-]+\s*|[^\w\s]\s*)*$",
        r"\bwhat's\s+your\b",
        r"\btell\s+us\b",
        r"\b(?:drop|leave)\s+(?:your|a)\b[^.!?]{0,30}\b(?:below|comments?)\b",
        r"\bhelp\s+us\s+(?:choose|decide|name|pick)\b",
        r"\bwould\s+you\s+rather\b",
        r"\bquick\s+poll\b",
    ),
)
"""Every rule, in the order they are tried."""


def match_rule(text: str) -> ContentKindRule | None:
    """The first rule that matches ``text``, or None."""
    lower = text.lower()
    for rule in CONTENT_KIND_RULES:
        if rule.hints and not any(hint in lower for hint in rule.hints):
            continue
        if rule.pattern.search(text):
            return rule
    return None
