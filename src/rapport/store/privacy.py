"""Pseudonymised exports: tables in which nobody can be identified.

Handles, names, bios and replies are personal data. :func:`pseudonymise` rewrites exported
tables so that nobody can be identified: person ids, and the ids of what people wrote (which
often hold their name), become keyed hashes (the same person keeps the same pseudonym across
exports of one workspace, and replies still link to what they answer), handles become
``person-<hash>``, names, bios and profile URLs are dropped, and in every other text or link
``@mentions`` are masked and the handles and DIDs inside URLs become the same pseudonyms
(``x.com/person-1a2b3c4d/status/123`` stays a link to the status). Own, competitor and
watched accounts are businesses and keep their names.

Erasure on request is :mod:`rapport.store.erasure`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["MENTION_PATTERN", "mask_mentions", "pseudonymise", "pseudonymise_features"]

MENTION_PATTERN = r"@[A-Za-z0-9_][A-Za-z0-9_.\-]*(?:@[A-Za-z0-9.\-]+)?"
"""An @handle, including Mastodon's @user@instance."""

_PERSON_ID_COLUMNS = {
    "people": ("person_id",),
    "interactions": ("person_id", "interaction_id", "in_reply_to_id"),
    "conversions": ("person_id",),
    "posts": ("in_reply_to_id", "repost_of"),
}
"""Columns whose values can name a person: a person id, or the id or URL of something a person
wrote (Mastodon ids are URIs holding the author's name). Ids of tracked posts are kept."""
_DROPPED_COLUMNS = {"people": ("display_name", "bio", "url")}
_BUSINESSES = "accounts"
"""The one table left as it is: accounts are the business and the businesses it watches."""
_RESERVED = (
    "i", "intent", "hashtag", "search", "home", "share", "settings", "explore", "home.php",
    "notifications", "messages", "p", "reel", "reels", "stories", "watch", "profile.php",
    "pages", "groups", "events", "tags", "users", "web", "about", "status", "statuses",
)  # fmt: skip
"""Path segments after a host that are not somebody's handle."""
_DID = r"did:[a-z]+:[A-Za-z0-9._:%\-]*[A-Za-z0-9]"
_NAMED = re.compile(
    "|".join(
        (
            # x.com/<handle>, instagram.com/<handle>, threads.net/@<handle> …
            r"(?P<site>(?<![A-Za-z0-9.\-])(?:https?://)?(?:www\.|mobile\.|m\.)?"
            r"(?:x|twitter|instagram|facebook|threads|tiktok|youtube)\.(?:com|net)/@?)"
            r"(?P<site_handle>[A-Za-z0-9_.]+)",
            # bsky.app/profile/<handle or DID>
            r"(?P<bsky>(?<![A-Za-z0-9.\-])(?:https?://)?bsky\.app/profile/)(?P<bsky_handle>[^/\s?#\"'<>]+)",
            # at://<DID>/collection/rkey
            rf"(?P<at>at://)(?P<at_did>{_DID}|[A-Za-z0-9.\-]+)",
            # https://instance/@user and https://instance/users/user
            r"(?P<fedi>https?://[A-Za-z0-9.\-]+/(?:users/|@))(?P<fedi_handle>[A-Za-z0-9_.]+)",
            # https://any.host/<handle> (github.com/<handle> …): where it is a known person's
            r"(?P<web>https?://[A-Za-z0-9.\-]+/@?)(?P<web_handle>[A-Za-z0-9_.\-]*[A-Za-z0-9_])",
            rf"(?P<did>{_DID})",
            rf"(?P<mention>{MENTION_PATTERN})",
        )
    )
)
_URL_GROUPS = (("site", "site_handle"), ("bsky", "bsky_handle"), ("at", "at_did"),
               ("fedi", "fedi_handle"), ("web", "web_handle"))  # fmt: skip


def _pseudonym(salt: bytes, person_id: str) -> str:
    platform, _, _ = person_id.partition(":")
    digest = hmac.new(salt, person_id.encode("utf-8"), hashlib.sha256).hexdigest()[:16]
    return f"{platform}:anon-{digest}"


def _handle_pseudonym(pseudonym: str) -> str:
    """``person-<8 hex>`` for a pseudonymised person id."""
    return "person-" + pseudonym.rpartition("anon-")[2][:8]


class _Namer:
    """Pseudonyms for the handles and DIDs found in text and URLs: a person's is the same as
    their pseudonymised handle in ``people``; the businesses' are kept."""

    def __init__(self, salt: bytes, tables: dict[str, pa.Table]) -> None:
        self.salt = salt
        self.keep: set[str] = set()
        accounts = tables.get(_BUSINESSES)
        if accounts is not None:
            for account_id, handle in zip(
                accounts.column("account_id").to_pylist(),
                accounts.column("handle").to_pylist(),
                strict=True,
            ):
                self.keep |= _names_of(account_id, handle)
        self.known: set[str] = set()
        self.people: dict[str, str] = {}
        people = tables.get("people")
        if people is not None:
            for person_id, handle in zip(
                people.column("person_id").to_pylist(),
                people.column("handle").to_pylist(),
                strict=True,
            ):
                pseudonym = _handle_pseudonym(_pseudonym(salt, person_id))
                for name in _names_of(person_id, handle) - self.keep:
                    self.people.setdefault(name, pseudonym)

    def learn(self, tables: dict[str, pa.Table]) -> None:
        """Remember the handles people are mentioned by, so that a link to their page on any
        site (``github.com/<handle>``) is pseudonymised too."""
        self.known |= {h.split("@", 1)[0] for h in self.people if not h.startswith("did:")}
        for name in ("posts", "interactions"):
            table = tables.get(name)
            if table is None or "text" not in table.column_names:
                continue
            for text in pc.unique(table.column("text")).to_pylist():
                if text:
                    self.known |= {m[1:].split("@", 1)[0].lower()
                                   for m in re.findall(MENTION_PATTERN, text)}  # fmt: skip
        self.known -= self.keep

    def name(self, value: str, *, host: str | None = None) -> str:
        """The pseudonym for a handle or DID (``host``: the instance a bare Mastodon user
        name was found on); a business's name as it is."""
        key = value.lstrip("@").lower()
        keys = [f"{key}@{host.lower()}", key] if host else [key]
        if any(k in self.keep for k in keys):
            return value
        for k in keys:
            known = self.people.get(k)
            if known is not None:
                return known
        key = keys[0]
        digest = hmac.new(self.salt, key.encode("utf-8"), hashlib.sha256).hexdigest()[:8]
        return f"person-{digest}"

    def scrub(self, text: str) -> str:
        return _NAMED.sub(self._replace, text)

    def _replace(self, match: re.Match[str]) -> str:
        if match.group("mention") is not None:
            return "@someone"
        if match.group("did") is not None:
            return self.name(match.group(0))
        for kind, named in _URL_GROUPS:
            prefix = match.group(kind)
            if prefix is None:
                continue
            value = match.group(named)
            if value.lower() in _RESERVED or (kind == "web" and value.lower() not in self.known):
                return match.group(0)
            host = re.sub(r"^https?://", "", prefix).split("/", 1)[0] if kind == "fedi" else None
            return prefix + self.name(value, host=host)
        return match.group(0)


def _names_of(entity_id: str | None, handle: str | None) -> set[str]:
    """The lower-case strings that name an account or person: handle, bare id, DID."""
    names = set()
    if handle:
        names.add(handle.lstrip("@").lower())
    if entity_id:
        _, _, bare = entity_id.partition(":")
        names.add(bare.lower())
        did = re.search(_DID, entity_id)
        if did:
            names.add(did.group(0).lower())
    return names


def _map_ids(
    array: pa.ChunkedArray, salt: bytes, *, keep: frozenset[str] = frozenset()
) -> pa.ChunkedArray:
    unique = [v for v in pc.unique(array).to_pylist() if v is not None]
    mapping = {value: value if value in keep else _pseudonym(salt, value) for value in unique}
    return pa.chunked_array(
        [pa.array([None if v is None else mapping[v] for v in array.to_pylist()], pa.string())]
    )


def _map_text(array: pa.ChunkedArray, change: Callable[[str], str]) -> pa.ChunkedArray:
    """``array`` (strings or lists of strings) with ``change`` applied to every string."""
    if len(array) == 0:
        return array
    if pa.types.is_list(array.type):
        lists = array.to_pylist()
        done = [None if v is None else [None if s is None else change(s) for s in v] for v in lists]
        return pa.chunked_array([pa.array(done, array.type)])
    unique = pc.unique(array)
    changed = pa.array([None if v is None else change(v) for v in unique.to_pylist()], pa.string())
    return pa.chunked_array([pc.take(changed, pc.index_in(array.combine_chunks(), unique))])


def _replace(table: pa.Table, name: str, values: pa.ChunkedArray | pa.Array) -> pa.Table:
    index = table.schema.get_field_index(name)
    return table.set_column(index, table.schema.field(index), values)


def pseudonymise(tables: dict[str, pa.Table], *, salt: str) -> dict[str, pa.Table]:
    """Pseudonymised copies of canonical tables (see the module docstring)."""
    key = salt.encode("utf-8")
    result = dict(tables)
    namer = _Namer(key, tables)
    namer.learn(tables)
    posts = result.get("posts")
    tracked = frozenset(posts.column("post_id").to_pylist()) if posts is not None else frozenset()
    for name, columns in _PERSON_ID_COLUMNS.items():
        table = result.get(name)
        if table is None:
            continue
        for column in columns:
            table = _replace(table, column, _map_ids(table.column(column), key, keep=tracked))
        result[name] = table
    people = result.get("people")
    if people is not None:
        handles = pc.utf8_slice_codeunits(
            pc.replace_substring_regex(people.column("person_id"), r"^[a-z]+:anon-", ""), 0, 8
        )
        people = _replace(people, "handle", pc.binary_join_element_wise("person-", handles, ""))
        for column in _DROPPED_COLUMNS["people"]:
            people = _replace(people, column, pa.nulls(people.num_rows, pa.string()))
        result["people"] = people
    for name, table in result.items():
        if name == _BUSINESSES:
            continue
        for field in table.schema:
            if pa.types.is_string(field.type) or (
                pa.types.is_list(field.type) and pa.types.is_string(field.type.value_type)
            ):
                table = _replace(
                    table, field.name, _map_text(table.column(field.name), namer.scrub)
                )
        result[name] = table
    return result


def pseudonymise_features(
    features: dict[str, pa.Table], *, salt: str, tracked: frozenset[str] = frozenset()
) -> dict[str, pa.Table]:
    """Pseudonymised copies of the text-feature tables, to go with :func:`pseudonymise`'s
    canonical tables: the reply and person ids they hold become the same pseudonyms (ids of
    tracked posts, ``tracked``, are kept), and the text hashes are dropped (a hash of a bio
    or a reply could confirm a guess of its text)."""
    key = salt.encode("utf-8")
    result = dict(features)
    for name, column in (("interaction_text", "interaction_id"), ("relevance", "key")):
        table = result.get(name)
        if table is not None:
            result[name] = _replace(
                table, column, _map_ids(table.column(column), key, keep=tracked)
            )
    for name, table in result.items():
        if "text_hash" in table.column_names:
            result[name] = _replace(table, "text_hash", pa.nulls(table.num_rows, pa.string()))
    return result


def mask_mentions(text: str) -> str:
    """``text`` with every @handle replaced by ``@someone``."""
    return re.sub(MENTION_PATTERN, "@someone", text)
