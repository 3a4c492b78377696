"""What the conversion importers share: kinds, currencies, UTM tags and landing pages.

Conversion importers fill ``utm_*`` and ``landing_url`` faithfully and leave ``post_id`` empty
unless the file itself names the post: after every import the store ties conversions to posts
by ``utm_content`` or by landing page (:mod:`rapport.store.attribution`). UTM tags missing
from a file's columns are read from the landing URL's query string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from rapport.canonical.schema import CONVERSION_KINDS, PLATFORMS
from rapport.errors import UsageError
from rapport.importers._base import ImportOptions
from rapport.importers._csv import CellError, column_key

__all__ = [
    "UTM_FIELDS",
    "conversion_kind",
    "conversion_record",
    "currency_code",
    "platform_option",
    "site_option",
    "utm_from_url",
]

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")

_KIND_WORDS = {
    "purchase": ("purchase", "order", "sale", "transaction", "checkout", "buy"),
    "signup": ("signup", "sign up", "sign_up", "registration", "register", "trial"),
    "lead": ("lead", "generate lead", "contact", "form", "enquiry", "inquiry", "quote", "demo"),
    "download": ("download", "file download", "install"),
    "subscribe": ("subscribe", "subscription", "newsletter", "optin", "opt in"),
    "other": ("other",),
}
_KINDS = {column_key(word): kind for kind, words in _KIND_WORDS.items() for word in words}


def conversion_kind(text: str, *, column: str) -> str:
    """A canonical conversion kind from a loose word (``Sale`` → purchase, ``sign_up`` → signup)."""
    kind = _KINDS.get(column_key(text))
    if kind is None:
        raise CellError(
            column,
            f"expected a conversion kind ({', '.join(CONVERSION_KINDS)}), found {text[:40]!r}",
        )
    return kind


def currency_code(text: str | None, *, column: str) -> str | None:
    """An ISO 4217 code (``eur`` → ``EUR``); None when empty."""
    if text is None or not text.strip():
        return None
    code = text.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise CellError(column, f"expected an ISO 4217 currency code such as EUR, found {text!r}")
    return code


def utm_from_url(url: str | None) -> dict[str, str]:
    """The ``utm_*`` parameters of a URL's query string (empty values left out)."""
    if not url:
        return {}
    try:
        query = urlsplit(url).query
    except ValueError:
        return {}
    found: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=False):
        name = key.strip().lower()
        if name in UTM_FIELDS and value.strip():
            found.setdefault(name, value.strip())
    return found


def platform_option(options: ImportOptions, *, importer: str, default: str) -> str:
    """``--option platform=...``: the prefix of conversion ids (``web``, ``shop`` …)."""
    platform = options.extra.get("platform", default).strip().lower()
    if platform not in PLATFORMS:
        raise UsageError(
            f"the option platform={platform}: the {importer} importer expects one of "
            f"{', '.join(PLATFORMS)}",
            option="extra",
        )
    return platform


def site_option(options: ImportOptions, *, importer: str) -> str | None:
    """``--option site=https://shop.example``: makes landing paths such as ``/p/1`` absolute."""
    site = options.extra.get("site")
    if site is None:
        return None
    parts = urlsplit(site.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(
            f"the option site={site}: the {importer} importer expects a web address such as "
            "https://shop.example",
            option="extra",
        )
    return site.strip()


def conversion_record(
    *,
    conversion_id: str,
    occurred_at: Any,
    kind: str,
    value: float | None = None,
    currency: str | None = None,
    utm: Mapping[str, str | None] | None = None,
    landing_url: str | None = None,
    post_id: str | None = None,
    site: str | None = None,
) -> dict[str, Any]:
    """A ``conversions`` record: UTM tags from columns, completed from the landing URL."""
    if landing_url and site and not urlsplit(landing_url).netloc:
        landing_url = urljoin(site if site.endswith("/") else site + "/", landing_url.lstrip("/"))
    record: dict[str, Any] = {
        "conversion_id": conversion_id,
        "occurred_at": occurred_at,
        "kind": kind,
        "value": value,
        "currency": currency,
        "landing_url": landing_url,
        "post_id": post_id,
    }
    from_url = utm_from_url(landing_url)
    for name in UTM_FIELDS:
        given = (utm or {}).get(name)
        record[name] = given.strip() if given and given.strip() else from_url.get(name)
    return record
