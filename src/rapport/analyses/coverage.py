"""What the data can tell, and how to get the rest.

A workspace made of archives alone tells a business much less than one fed by live pulls:
an X archive has the account's tweets and their counts but not the people who replied; a
Mastodon archive has the posts but no counts at all. :func:`coverage` surveys, for each own
platform, which kinds of data the workspace holds (:data:`KINDS`: posts, counts, reach, the
people who engage, replies by others, follows, follower history, bios, conversions,
competitors) and which metric areas they unlock; :func:`explain` turns a metric's
``not_computable`` reason into words a business owner reads: what the metric needs, which of
their sources carries it, and how to get it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis

from rapport.metrics.run import MetricResult
from rapport.query.cache import code_fingerprint, digest

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = [
    "COLUMNS",
    "KINDS",
    "Coverage",
    "DataKind",
    "Gap",
    "PlatformCoverage",
    "coverage",
    "explain",
    "gaps",
    "kind_for",
    "short_reason",
]


@dataclass(frozen=True)
class DataKind:
    """A kind of data a metric can need, in a business owner's words.

    ``sources`` says, per platform, whether an archive (export) holds it and how to get it
    when it does not: one sentence each, with the command.
    """

    id: str
    short: str
    """A column heading ("Replies to you")."""
    label: str
    """What it is ("the replies people sent you")."""
    areas: tuple[str, ...]
    """The metric areas it unlocks."""
    sources: Mapping[str, str] = field(default_factory=dict)
    """Platform → where this data comes from on it (and the command that gets it)."""
    elsewhere: str = ""
    """Where it comes from whatever the platform (a shop, an analytics export …)."""


_PULL_MASTODON = "`rapport pull mastodon --instance URL --token TOKEN`"
_PULL_BLUESKY = "`rapport pull bluesky --handle HANDLE`"
_MAPPED_X = "import a CSV of them (`rapport import FILE --as mapped`, see docs/sources/mapped.md)"

KINDS: tuple[DataKind, ...] = (
    DataKind(
        "posts", "Posts", "your own posts", ("consistency", "content", "timing"),
        {"x": "an X archive has them", "mastodon": "a Mastodon archive or pull has them",
         "bluesky": "a Bluesky pull or repository export has them"},
        "import your account's archive (`rapport import ARCHIVE`)",
    ),
    DataKind(
        "counts", "Counts", "like, repost and reply counts of your posts",
        ("engagement", "promotion", "content", "timing"),
        {"x": "an X archive has them",
         "mastodon": f"a Mastodon archive doesn't; a pull does ({_PULL_MASTODON})",
         "bluesky": f"a repository export doesn't; a pull does ({_PULL_BLUESKY})",
         "facebook": "the Page insights export has them (`rapport import insights.csv`)"},
    ),
    DataKind(
        "reach", "Reach", "how many people saw each post (reach or impressions)", ("engagement",),
        {"x": "an X archive doesn't carry impressions; a CSV of X analytics does "
              "(`--as mapped`)",
         "mastodon": "Mastodon has no reach at all: rapport divides by followers instead",
         "bluesky": "Bluesky has no reach at all: rapport divides by followers instead",
         "facebook": "the Page insights export has it (`rapport import insights.csv`)"},
    ),
    DataKind(
        "engagers", "People who engage",
        "the people who liked, reposted, replied or mentioned you, with when",
        ("community", "retention"),
        {"x": f"an X archive doesn't contain them; for X, {_MAPPED_X}",
         "mastodon": f"a Mastodon archive doesn't contain them; a pull does ({_PULL_MASTODON})",
         "bluesky": f"a Bluesky pull has them ({_PULL_BLUESKY})"},
    ),
    DataKind(
        "replies", "Replies to you", "the replies and mentions people sent you",
        ("reciprocity", "sentiment"),
        {"x": f"an X archive doesn't contain them; for X, {_MAPPED_X.replace('them', 'mentions')}",
         "mastodon": f"a Mastodon archive doesn't contain them; a pull does ({_PULL_MASTODON})",
         "bluesky": f"a Bluesky pull has them ({_PULL_BLUESKY})"},
    ),
    DataKind(
        "follows", "Follows", "who followed you and when", ("retention",),
        {"x": "an X archive lists followers without a date: follows with a time come from "
              "the platform's notifications, which X gives no export of",
         "mastodon": f"a pull has them, from your notifications ({_PULL_MASTODON})",
         "bluesky": f"a pull has them ({_PULL_BLUESKY})"},
    ),
    DataKind(
        "unfollows", "Unfollows", "who unfollowed you and when", ("promotion",),
        {"x": "no platform says who unfollowed and when",
         "mastodon": "no platform says who unfollowed and when",
         "bluesky": "no platform says who unfollowed and when"},
        "rapport can't infer it; your follower count over time shows the net change",
    ),
    DataKind(
        "follower_history", "Follower history", "your follower count over time", ("engagement",),
        {"x": "an X archive gives today's count only: import again later, or pull",
         "mastodon": f"each pull records the count ({_PULL_MASTODON}, again every week)",
         "bluesky": f"each pull records the count ({_PULL_BLUESKY}, again every week)"},
    ),
    DataKind(
        "bios", "Bios",
        "the bios of the people who engage (and your target audience in rapport.toml)",
        ("audience",),
        {"x": "an X archive has no bios of other people",
         "mastodon": f"a pull has them ({_PULL_MASTODON})",
         "bluesky": f"a pull has them ({_PULL_BLUESKY})"},
        "set [goal] target_audience in rapport.toml",
    ),
    DataKind(
        "conversions", "Conversions", "signups, sales or leads", ("conversions",),
        {},
        "import them from your shop or analytics: a Shopify orders export, a GA4 report or "
        "any CSV with UTM columns (`rapport import orders.csv`); tag your links with "
        "`rapport utm` so each one is tied to its post",
    ),
    DataKind(
        "competitors", "Competitors", "your closest competitors' posts and counts", (),
        {"mastodon": "name them in rapport.toml and `rapport pull competitors`",
         "bluesky": "name them in rapport.toml and `rapport pull competitors`",
         "x": "import a CSV of their public posts and counts (see docs/sources/x.md)"},
    ),
)  # fmt: skip
"""Every kind of data the coverage table and the explanations speak of."""

_BY_ID = {k.id: k for k in KINDS}
COLUMNS: tuple[DataKind, ...] = tuple(k for k in KINDS if k.id not in ("conversions", "unfollows"))
"""The kinds the coverage table shows per platform (conversions are shown beside it)."""
_NOT_PER_PLATFORM = ("conversions", "unfollows")

_NEEDS: Mapping[str, str] = {
    "follower counts of your own accounts (follower_counts or accounts.followers)":
        "follower_history",
    "original posts by your own accounts (not replies or reposts)": "posts",
    "like counts of your own posts (post_stats.likes or like interactions)": "counts",
    "reach or impressions of your posts (post_stats.reach or post_stats.impressions)": "reach",
    "engagement counts per post (post_stats or interactions) and a denominator (reach, "
    "impressions or follower counts)": "counts",
    "people's likes, reposts, replies or mentions with who and when (interactions)":
        "engagers",
    "follows with a time (interactions of kind follow)": "follows",
    "replies or mentions aimed at your own accounts (interactions of kind reply or mention)":
        "replies",
    "question posts by your own accounts (content kind 'question')": "posts",
    "first replies to your accounts at least 60 days before the data's end": "replies",
    "both promotional and other original posts": "posts",
    "engagement counts and a denominator per post": "counts",
    "unfollows with a time (interactions of kind unfollow)": "unfollows",
    "posts with at least 5 engagements that carry a time (interactions)": "engagers",
    "a target audience in rapport.toml ([goal] target_audience) and bios of the people who "
    "engaged (people.bio), scored at import": "bios",
    "conversions (signups, sales or leads) imported from your shop or analytics":
        "conversions",
    "replies, mentions or quotes with text aimed at your own accounts (scored at import)":
        "replies",
}  # fmt: skip
"""A metric need (its label) → the kind of data that meets it."""

_WORDS: Mapping[str, str] = {
    "question posts by your own accounts (content kind 'question')":
        "posts of yours that ask a question",
    "first replies to your accounts at least 60 days before the data's end":
        "replies people sent you at least 60 days before your data ends",
    "both promotional and other original posts": "both promotions and other posts of yours",
    "posts with at least 5 engagements that carry a time (interactions)":
        "posts with at least 5 likes, reposts or replies whose time is known",
}  # fmt: skip
"""Needs that deserve their own words rather than their kind's label."""


def kind_for(need_label: str) -> DataKind | None:
    """The kind of data a metric need stands for (None for a need rapport can't name)."""
    found = _NEEDS.get(need_label)
    return _BY_ID.get(found) if found else None


@dataclass(frozen=True)
class PlatformCoverage:
    """One own platform: how many rows of each kind of data the workspace holds."""

    platform: str
    handles: tuple[str, ...]
    counts: Mapping[str, int]

    def has(self, kind: str) -> bool:
        return self.counts.get(kind, 0) > 0

    @property
    def unlocked(self) -> tuple[str, ...]:
        """The metric areas the data present unlocks (in the kinds' order)."""
        found: list[str] = []
        for kind in KINDS:
            if self.has(kind.id):
                found.extend(a for a in kind.areas if a not in found)
        return tuple(found)

    @property
    def missing(self) -> tuple[DataKind, ...]:
        return tuple(k for k in KINDS if not self.has(k.id) and k.id not in _NOT_PER_PLATFORM)

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "handles": list(self.handles),
            "counts": dict(self.counts),
            "unlocked": list(self.unlocked),
            "missing": [k.id for k in self.missing],
        }


@dataclass(frozen=True)
class Coverage:
    """What the workspace's data covers, per own platform, and the conversions beside."""

    platforms: tuple[PlatformCoverage, ...]
    conversions: int
    target_audience: bool

    @property
    def own_platforms(self) -> tuple[str, ...]:
        return tuple(p.platform for p in self.platforms)

    def has(self, kind: str) -> bool:
        if kind == "conversions":
            return self.conversions > 0
        return any(p.has(kind) for p in self.platforms)

    def how_to_get(self, kind: DataKind) -> str:
        """Where the missing ``kind`` comes from, for this workspace's platforms."""
        parts = [kind.sources[p] for p in self.own_platforms if p in kind.sources]
        if kind.elsewhere and not (kind.id == "bios" and self.target_audience):
            parts.append(kind.elsewhere)
        if not parts:
            parts = [s for p, s in kind.sources.items() if p in ("mastodon", "bluesky")]
        text = "; ".join(dict.fromkeys(parts))
        return text[:1].upper() + text[1:] + "." if text else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "platforms": [p.to_dict() for p in self.platforms],
            "conversions": self.conversions,
            "target_audience": self.target_audience,
        }


def coverage(session: Session) -> Coverage:
    """Count, per own platform, the rows of each :data:`KINDS` the workspace holds (counted
    once per store write: read from the store's cache until the next one)."""
    audience = bool(session.config.goal.target_audience.strip())
    cache, generation = session.cache, session.generation
    if cache is None or generation is None:
        return _coverage(session, audience=audience)
    key = digest({"code": code_fingerprint(), "generation": generation})
    entry = cache.get("coverage")
    if isinstance(entry, dict) and entry.get("key") == key:
        platforms = tuple(PlatformCoverage(p, tuple(h), dict(c)) for p, h, c in entry["platforms"])
        return Coverage(platforms, int(entry["conversions"]), audience)
    found = _coverage(session, audience=audience)
    platforms_json = [[p.platform, list(p.handles), dict(p.counts)] for p in found.platforms]
    cache.put("coverage", {"key": key, "platforms": platforms_json,
                           "conversions": found.conversions})  # fmt: skip
    return found


def _coverage(session: Session, *, audience: bool) -> Coverage:
    t, c = session.tables, session.context
    accounts = session.execute(
        t.accounts.select("account_id", "platform", "handle", "role")
    ).to_dict("records")
    own = [a for a in accounts if a["role"] == "own"]
    by_platform: dict[str, list[dict[str, Any]]] = {}
    for account in own:
        by_platform.setdefault(str(account["platform"]), []).append(account)
    competitors = [a for a in accounts if a["role"] == "competitor"]
    platforms = []
    for platform, members in sorted(by_platform.items()):
        ids = [str(a["account_id"]) for a in members]
        counts = _counts(session, ids, c)
        counts["competitors"] = sum(1 for a in competitors if a["platform"] == platform)
        handles = tuple(sorted(str(a["handle"]) for a in members))
        platforms.append(PlatformCoverage(platform, handles, counts))
    conversions = int(session.execute(t.conversions.count()))
    return Coverage(tuple(platforms), conversions, audience)


def _counts(session: Session, ids: Sequence[str], c: Any) -> dict[str, int]:
    t = session.tables
    posts = t.posts.filter(t.posts.account_id.isin(list(ids)))
    stats = t.post_stats.filter(t.post_stats.post_id.isin(posts.post_id))
    rows = t.interactions.filter(t.interactions.account_id.isin(list(ids)))
    people = rows.filter(rows.person_id.notnull() & rows.occurred_at.notnull())
    engaging = people.filter(people.kind.isin(["like", "repost", "quote", "reply", "mention"]))
    replies = rows.filter(rows.kind.isin(["reply", "mention"]))
    follows = people.filter(people.kind == "follow")
    history = t.follower_counts.filter(t.follower_counts.account_id.isin(list(ids)))
    engaged = engaging.select("person_id").distinct()
    bios = t.people.filter(t.people.bio.notnull() & t.people.person_id.isin(engaged.person_id))
    found = session.execute(
        ibis.struct(
            {
                "posts": posts.count().as_scalar(),
                "counts": stats.likes.count().as_scalar(),
                "reach": (stats.reach.count() + stats.impressions.count()).as_scalar(),
                "engagers": engaging.count().as_scalar(),
                "replies": replies.count().as_scalar(),
                "follows": follows.count().as_scalar(),
                "follower_history": history.count().as_scalar(),
                "bios": bios.count().as_scalar(),
            }
        )
    )
    counts = {k: int(v or 0) for k, v in found.items()}
    if counts["follower_history"] < 2:  # one count is today's, not a history
        counts["follower_history"] = 0
    return counts


def explain(result: MetricResult, where: Coverage) -> str | None:
    """A not-computable metric's reason in the user's words, with how to get what it needs
    for this workspace's platforms; None for a result that is fine."""
    if result.ok:
        return None
    reason = result.reason or ""
    if reason.startswith("needs "):
        needs = reason[len("needs ") :].split("; and ")
        kinds = [kind_for(n) for n in needs]
        words = [_WORDS.get(n) or (k.label if k else n) for n, k in zip(needs, kinds, strict=True)]
        text = f"{result.title} needs {_joined(words)}."
        unique = {k.id: k for k in kinds if k is not None}
        fixes = [where.how_to_get(k) for k in unique.values()]
        fixes = [f for f in fixes if f]
        return " ".join([text, *fixes])
    return (
        f"{result.title}: nothing to compute it from yet in this period (it counts "
        f"{result.denominator})."
    )


@dataclass(frozen=True)
class Gap:
    """Metrics the data can't tell yet for one reason, and how to fix it."""

    kind: DataKind | None
    """The kind of data they need (None: they have data, but not enough of it yet)."""
    titles: tuple[str, ...]
    metric_ids: tuple[str, ...]
    text: str
    """One paragraph: which metrics, what they need, where it comes from."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "needs": self.kind.id if self.kind else None,
            "metrics": list(self.metric_ids),
            "text": self.text,
        }


def gaps(results: Sequence[MetricResult], where: Coverage) -> list[Gap]:
    """The not-computable metrics grouped by the data they need, most metrics first, each
    group with how to get that data (the report's "what your data can't tell yet")."""
    groups: dict[str, list[MetricResult]] = {}
    kinds: dict[str, DataKind | None] = {}
    for result in results:
        if result.ok:
            continue
        reason = result.reason or ""
        kind = None
        if reason.startswith("needs "):
            found = [kind_for(n) for n in reason[len("needs ") :].split("; and ")]
            kind = next((k for k in found if k is not None and not where.has(k.id)), None)
            kind = kind or next((k for k in found if k is not None), None)
        key = kind.id if kind else "_thin"
        groups.setdefault(key, []).append(result)
        kinds[key] = kind
    found_gaps = []
    for key, members in sorted(
        groups.items(), key=lambda item: (item[0] == "_thin", -len(item[1]))
    ):
        kind = kinds[key]
        titles = tuple(r.title for r in members)
        named = _joined([titles[0], *[t[:1].lower() + t[1:] for t in titles[1:]]])
        if kind is None:
            each = "; ".join(f"{r.title.lower()} counts {r.denominator}" for r in members)
            text = (
                f"{named}: your data has no numbers for {'them' if len(titles) > 1 else 'it'} "
                f"in this period yet ({each})."
            )
        else:
            verb = "need" if len(titles) > 1 else "needs"
            text = f"{named} {verb} {kind.label}. {where.how_to_get(kind)}".strip()
        found_gaps.append(Gap(kind, titles, tuple(r.id for r in members), text))
    return found_gaps


def short_reason(result: MetricResult) -> str | None:
    """A not-computable metric's reason in a few words ("Needs the replies people sent
    you."), for a card; :func:`explain` gives the whole of it."""
    return None if result.ok else in_words(result.reason)


def in_words(reason: str | None) -> str:
    """A not-computable reason (a metric's ``needs …``) in the user's words: "Needs the
    replies people sent you." Reasons that are not needs pass through unchanged."""
    reason = reason or ""
    if reason.startswith("needs "):
        needs = reason[len("needs ") :].split("; and ")
        words = [_WORDS.get(n) or (k.label if (k := kind_for(n)) else n) for n in needs]
        return f"Needs {_joined(words)}."
    return reason or "Nothing to compute it from in this period yet."


def _joined(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
