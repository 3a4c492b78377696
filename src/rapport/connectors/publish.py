# mypy: disable-error-code="import-untyped"
"""Publishing a planned post on Bluesky, at most once.

Bluesky has no scheduled posts, so rapport's scheduler creates the record at the post's time:
``com.atproto.repo.createRecord`` of an ``app.bsky.feed.post`` under the record key (a TID)
chosen when the post was drafted. Before creating it, ``getRecord`` on that key tells whether
an earlier attempt got through (its answer lost on the way back); the PDS also refuses a
second record under the same key. So a retry never posts twice.

A 429 is an answer that the request was *not* done: rapport waits as long as its
``Retry-After`` says (up to :data:`MAX_WAIT_S`) and asks again with the same key. Any other
failure (an error status, a lost answer, a timeout) may or may not have created the record:
it is a :class:`~rapport.errors.PostNotSent`, and the next run looks for the record first.

The text is sent as the person wrote it; each link in it becomes a link facet whose target
is the UTM-tagged address (the text shows what was written, the link carries the tags).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from atproto_client.exceptions import AtProtocolError, RateLimitExceededError
from atproto_client.models.utils import get_model_as_dict

from rapport.connectors._bluesky_client import Session, login
from rapport.errors import PostNotSent
from rapport.platforms.bluesky import POST, post_url

__all__ = [
    "LINK",
    "MAX_WAIT_S",
    "Created",
    "create_bluesky_post",
    "find_bluesky_post",
    "find_links",
    "link_facets",
    "send_bluesky_post",
]

MAX_WAIT_S = 120.0
"""The longest ``Retry-After`` waited for within one run; a longer one fails the attempt."""
LINK = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?…)]}\"'’”"
_RATE_LIMIT_RETRIES = 3


def find_links(text: str) -> list[tuple[int, int, str]]:
    """The web addresses in ``text``: (start, end, address) in characters, trailing
    punctuation left out."""
    found = []
    for match in LINK.finditer(text):
        address = match.group(0).rstrip(_TRAILING)
        if "://" in address and address.split("://", 1)[1]:
            found.append((match.start(), match.start() + len(address), address))
    return found


def link_facets(text: str, targets: Sequence[str]) -> list[dict[str, Any]]:
    """Link facets for the addresses of ``text``, each pointing at the target of the same
    position (the tagged address); byte offsets are UTF-8, as the lexicon wants."""
    facets = []
    for (start, end, _), target in zip(find_links(text), targets, strict=False):
        byte_start = len(text[:start].encode("utf-8"))
        byte_end = byte_start + len(text[start:end].encode("utf-8"))
        facets.append(
            {
                "$type": "app.bsky.richtext.facet",
                "index": {"byteStart": byte_start, "byteEnd": byte_end},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": target}],
            }
        )
    return facets


@dataclass(frozen=True)
class Created:
    """A post on Bluesky: its at-uri and address, the record as stored, the account, and
    whether an earlier attempt had created it (``earlier``)."""

    uri: str
    url: str | None
    record: dict[str, Any]
    did: str
    handle: str
    earlier: bool = False


def _record(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    data: dict[str, Any] = get_model_as_dict(value)
    return data


def _not_sent(session: Session, rkey: str, problem: str) -> PostNotSent:
    return PostNotSent(
        session.api.service,
        problem=problem,
        fix="publish the due posts again (the web workplace's scheduler does by itself): rapport "
        f"looks for the post (record key {rkey}) before sending it again, so it is never posted "
        "twice",
    )


def find_bluesky_post(session: Session, rkey: str) -> Created | None:
    """The account's post under the record key ``rkey``, or None when there is none."""
    found = session.api.call(
        f"checking whether post {rkey} was published",
        lambda: session.api.client.com.atproto.repo.get_record(
            params={"repo": session.did, "collection": POST, "rkey": rkey}
        ),
        missing_ok=True,
    )
    if found is None:
        return None
    uri = str(found.uri)
    return Created(uri, post_url(session.handle, uri), _record(found.value), session.did,
                   session.handle, earlier=True)  # fmt: skip


def create_bluesky_post(
    session: Session,
    *,
    text: str,
    links: Sequence[str],
    rkey: str,
    sleep: Callable[[float], None] = time.sleep,
) -> Created:
    """Create the post under ``rkey`` unless a record with that key exists already (then it
    is the post, created by an earlier attempt)."""
    found = find_bluesky_post(session, rkey)
    if found is not None:
        return found
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": now}
    facets = link_facets(text, links)
    if facets:
        record["facets"] = facets
    limited = 0
    while True:
        try:
            created = session.api.client.com.atproto.repo.create_record(
                data={"repo": session.did, "collection": POST, "rkey": rkey, "record": record}
            )
            break
        except RateLimitExceededError as exc:  # a 429: the record was not created
            limited += 1
            wait = exc.retry_after
            if wait is None and exc.reset_at is not None:
                wait = max((exc.reset_at - dt.datetime.now(dt.UTC)).total_seconds(), 0.0)
            wait = 2.0**limited if wait is None else wait
            if wait > MAX_WAIT_S or limited > _RATE_LIMIT_RETRIES:
                raise _not_sent(
                    session, rkey, f"Bluesky limits how often this account posts (429; retry "
                    f"after {wait:.0f} s); the post was not sent",
                ) from None  # fmt: skip
            sleep(wait)
        except (AtProtocolError, httpx.HTTPError, OSError) as exc:
            raise _not_sent(
                session, rkey, f"posting failed ({type(exc).__name__}: {exc}); it may or may "
                "not have reached Bluesky",
            ) from None  # fmt: skip
    uri = str(created.uri)
    return Created(uri, post_url(session.handle, uri), record, session.did, session.handle)


def send_bluesky_post(
    *,
    service: str,
    handle: str,
    app_password: str,
    text: str,
    links: Sequence[str],
    rkey: str,
    saved: str | None = None,
    keep: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    create: bool = True,
) -> Created | None:
    """Log in (or reuse the ``saved`` session) and :func:`create_bluesky_post`; with
    ``create=False`` only :func:`find_bluesky_post` (None: not out there)."""
    session = login(service, handle, app_password, saved=saved, keep=keep)
    try:
        if not create:
            return find_bluesky_post(session, rkey)
        return create_bluesky_post(session, text=text, links=links, rkey=rkey, sleep=sleep)
    finally:
        session.api.close()
