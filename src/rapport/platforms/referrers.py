"""Which social platform a conversion came from, read from its UTM tags.

A conversion row says where its visit came from in ``utm_source`` and ``utm_medium`` (filled
from a GA4 report's *Session source / medium*, a Shopify order's note attributes, landing
page or referring site, or a CSV's columns). :func:`referrer_platform` names the platform
from them, one rule after the other:

1. the source, written loosely, names a platform: ``instagram``, ``ig``, ``l.instagram.com``,
   ``facebook``, ``fb``, ``lm.facebook.com``, ``youtube``, ``youtu.be``, ``t.co``, ``x.com``,
   ``twitter``, ``bsky.app``, ``bluesky``, ``linkedin``, ``lnkd.in``, ``tiktok`` … (see
   :data:`SOURCES`). Case does not matter; a scheme (``https://``), a path, a port and the
   prefixes ``www.``, ``m.``, ``l.``, ``lm.`` and ``mobile.`` are left out first, so
   ``https://m.facebook.com/story.php`` is ``facebook``. A source that contains the word
   ``mastodon`` (``mastodon``, ``mastodon.social``) is ``mastodon``. A few social networks
   rapport has no platform for (Pinterest, Reddit, Threads …) are ``other``;
2. else the medium contains ``social`` (``social``, ``paid_social``, ``social-network``,
   ``Organic Social``): a social platform rapport can't name, ``other``;
3. else the conversion is not from social media: ``None`` (``google / organic``,
   ``(direct)``, ``newsletter / email``, a ``referral`` from a site that is not a platform).

A tag missing from the row is read from the landing URL's own query string
(``/?utm_source=ig&utm_medium=social``), as written there. The importers already do that
when they store a conversion; the rule repeats it for rows that came in another way.

:func:`referrer_platform_expr` is the same rule as an Ibis expression, made of plain
operations (lower-casing, regular-expression replace and extract, ``CASE``), so metrics
compute it on DuckDB and on Spark alike. :func:`conversion_platform_expr` adds the post: a
conversion tied to a post counts for that post's platform (the prefix of its ``post_id``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from rapport.canonical.schema import PLATFORMS

__all__ = [
    "SOCIAL_PLATFORMS",
    "SOURCES",
    "conversion_platform",
    "conversion_platform_expr",
    "normalized_source",
    "post_platform",
    "post_platform_expr",
    "referrer_platform",
    "referrer_platform_expr",
]

SOCIAL_PLATFORMS: tuple[str, ...] = tuple(p for p in PLATFORMS if p not in ("web", "shop"))
"""The canonical platforms a conversion can be attributed to (all but the web and the shop)."""

_NAMES: Mapping[str, tuple[str, ...]] = {
    "instagram": ("instagram", "instagram.com", "ig", "igshopping", "insta"),
    "facebook": ("facebook", "facebook.com", "fb", "fb.com", "fb.me", "fb.watch"),
    "youtube": ("youtube", "youtube.com", "youtu.be", "yt"),
    "x": ("x", "x.com", "t.co", "twitter", "twitter.com"),
    "bluesky": ("bluesky", "bsky", "bsky.app", "bsky.social", "go.bsky.app"),
    "linkedin": ("linkedin", "linkedin.com", "lnkd.in"),
    "tiktok": ("tiktok", "tiktok.com", "vm.tiktok.com"),
    "mastodon": ("mastodon",),
    "other": (
        "pinterest", "pinterest.com", "pin.it", "reddit", "reddit.com", "threads",
        "threads.net", "threads.com", "snapchat", "snapchat.com", "tumblr", "tumblr.com",
    ),
}  # fmt: skip
SOURCES: Mapping[str, str] = {
    name: platform for platform, names in _NAMES.items() for name in names
}
"""A normalized source (see :func:`normalized_source`) → the platform it names."""

_SCHEME = r"^[a-z][a-z0-9+.-]*://"
_REST = r"[/?#:].*$"
_PREFIX = r"^(www|m|l|lm|mobile)\."
_SOCIAL_MEDIUM = "social"
_MASTODON = "mastodon"
_BLANK = " \t\n\r"
"""What is trimmed from tags: Ibis's ``strip()`` can't be used, as Spark reads its ``'\\v\\f'``
literal as the letters v and f and trims them from the ends (``fb`` → ``b``)."""


def _trim_expr(value: ir.StringValue) -> ir.StringValue:
    """``value`` without blanks at either end, the same on every engine."""
    return value.re_replace(f"^[{_BLANK}]+", "").re_replace(f"[{_BLANK}]+$", "")


def _tag_pattern(name: str) -> str:
    return rf"[?&]{name}=([^&#]*)"


def normalized_source(text: str | None) -> str | None:
    """A source as the rules compare it: lower case, without scheme, path, port or a
    ``www.``/``m.``/``l.``/``lm.``/``mobile.`` prefix (``https://L.Instagram.com/x`` →
    ``instagram.com``); None when nothing is left."""
    if text is None:
        return None
    value = re.sub(_SCHEME, "", text.strip(_BLANK).lower())
    value = re.sub(_PREFIX, "", re.sub(_REST, "", value))
    return value or None


def _tag(value: str | None, landing_url: str | None, name: str) -> str | None:
    """A tag's value: the column's, else the landing URL's ``name=`` parameter, as written."""
    if value is not None and value.strip(_BLANK):
        return value.strip(_BLANK).lower()
    found = re.search(_tag_pattern(name), (landing_url or "").lower())
    if found is None:
        return None
    return found.group(1).strip(_BLANK) or None


def referrer_platform(
    utm_source: str | None, utm_medium: str | None, landing_url: str | None = None
) -> str | None:
    """The platform a visit tagged with these UTM tags came from (one of
    :data:`SOCIAL_PLATFORMS`), or None when it did not come from social media."""
    source = normalized_source(_tag(utm_source, landing_url, "utm_source"))
    medium = _tag(utm_medium, landing_url, "utm_medium")
    if source is not None:
        if source in SOURCES:
            return SOURCES[source]
        if _MASTODON in source:
            return "mastodon"
    if medium is not None and _SOCIAL_MEDIUM in medium:
        return "other"
    return None


def post_platform(post_id: str | None) -> str | None:
    """The platform of a canonical post id (``instagram:123`` → ``instagram``); ``other`` for
    a prefix that is not a social platform; None without a post."""
    if not post_id:
        return None
    prefix = post_id.partition(":")[0].lower() if ":" in post_id else ""
    return prefix if prefix in SOCIAL_PLATFORMS else "other"


def conversion_platform(
    *,
    post_id: str | None,
    utm_source: str | None,
    utm_medium: str | None,
    landing_url: str | None = None,
) -> str | None:
    """The platform of a conversion: its post's, when it is tied to one, else its tags'."""
    return post_platform(post_id) or referrer_platform(utm_source, utm_medium, landing_url)


# -- the same rules as Ibis expressions ------------------------------------------------------
def _tag_expr(value: ir.StringValue, landing_url: ir.StringValue, name: str) -> ir.StringValue:
    given = _trim_expr(value).lower().nullif("")
    from_url = _trim_expr(landing_url.lower().re_extract(_tag_pattern(name), 1)).nullif("")
    return given.coalesce(from_url)


def _normalized_expr(source: ir.StringValue) -> ir.StringValue:
    value = source.re_replace(_SCHEME, "").re_replace(_REST, "").re_replace(_PREFIX, "")
    return value.nullif("")


def referrer_platform_expr(
    utm_source: ir.StringValue, utm_medium: ir.StringValue, landing_url: ir.StringValue
) -> ir.StringValue:
    """:func:`referrer_platform` as an Ibis string expression (null: not from social)."""
    source = _normalized_expr(_tag_expr(utm_source, landing_url, "utm_source"))
    medium = _tag_expr(utm_medium, landing_url, "utm_medium")
    named = source.substitute(dict(SOURCES), else_=ibis.null("string"))
    result: ir.StringValue = ibis.cases(
        (named.notnull(), named),
        (source.contains(_MASTODON).fill_null(False), ibis.literal("mastodon")),
        (medium.contains(_SOCIAL_MEDIUM).fill_null(False), ibis.literal("other")),
        else_=ibis.null("string"),
    )
    return result


def post_platform_expr(post_id: ir.StringValue) -> ir.StringValue:
    """:func:`post_platform` as an Ibis string expression."""
    prefix = post_id.lower().re_extract(r"^([^:]*):", 1)
    result: ir.StringValue = ibis.cases(
        (post_id.isnull(), ibis.null("string")),
        (prefix.isin(list(SOCIAL_PLATFORMS)), prefix),
        else_=ibis.literal("other"),
    )
    return result


def conversion_platform_expr(conversions: ir.Table) -> ir.StringValue:
    """:func:`conversion_platform` over a ``conversions`` table: its post's platform, else
    its tags'."""
    by_tags = referrer_platform_expr(
        conversions.utm_source, conversions.utm_medium, conversions.landing_url
    )
    return post_platform_expr(conversions.post_id).coalesce(by_tags)
