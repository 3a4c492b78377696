"""What people did to the account, from each endpoint, into the collector.

One function per source: v1 notifications, grouped v2 notifications (``accounts``,
``partial_accounts``, ``statuses``, ``notification_groups``), ``favourited_by`` and
``reblogged_by`` lists, a status's ``context`` descendants, and the follower list. Each
adds ``interactions`` and the ``people`` behind them (own statuses met on the way become
``posts`` with their counts), and quarantines a record that does not fit instead of
failing the pull.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from rapport.canonical.ids import hashed_interaction_id
from rapport.connectors._mastodon_records import (
    Collector,
    Own,
    Pending,
    Uris,
    account_id_of,
    conversation_kind,
    count,
    local_id,
    person_row,
    status_post,
    status_stats,
)
from rapport.platforms.mastodon import (
    PLATFORM,
    RecordProblem,
    describe,
    mapping,
    mastodon_id,
    parse_time,
    read_html,
)

__all__ = [
    "BY_ACCOUNT",
    "BY_STATUS",
    "act",
    "add_accounts_acts",
    "add_descendants",
    "add_notification",
    "add_own_status",
    "add_own_statuses",
    "aimed_at",
    "conversation",
    "kind_of",
    "listed",
]

BY_ACCOUNT = {"favourite": "like", "reblog": "repost", "follow": "follow"}
"""Notification types whose act has no id of its own: hashed, one per person and target."""
BY_STATUS = frozenset({"mention", "quote"})
"""Notification types whose act is a status of its own (the status URI is its id)."""


def add_own_status(
    collector: Collector,
    status: Mapping[str, Any],
    *,
    own: Own,
    uris: Uris,
    observed_at: dt.datetime,
    locator: str,
) -> str:
    """An own status as a post with its counts; returns its canonical id."""
    uris.learn(status)
    post, parent = status_post(status, account_id=own.account_id)
    stats = status_stats(status, observed_at=observed_at)
    if parent is not None:
        collector.pending.append(Pending("posts", post, locator, {"in_reply_to_id": parent}))
    else:
        collector.put("posts", post, locator=locator)
    if stats is not None:
        collector.put("post_stats", stats, locator=locator)
    return str(post["post_id"])


def add_own_statuses(
    collector: Collector,
    statuses: Sequence[Any],
    *,
    own: Own,
    uris: Uris,
    observed_at: dt.datetime,
    locator: str,
) -> list[Mapping[str, Any]]:
    """A page of the account's statuses as posts; returns those kept (direct messages are
    skipped: sent privately, not published; a status that does not fit is quarantined)."""
    kept = []
    for index, status in enumerate(statuses, start=1):
        where = f"{locator} item {index}"
        try:
            if not isinstance(status, Mapping):
                raise RecordProblem("status", f"expected a status, found {describe(status)}")
            if status.get("visibility") == "direct":
                collector.skipped["direct message(s), sent privately, not published"] += 1
                continue
            add_own_status(
                collector, status, own=own, uris=uris, observed_at=observed_at, locator=where
            )
        except RecordProblem as problem:
            collector.reject("posts", locator=where, problem=problem, raw=status)
            continue
        kept.append(status)
    return kept


def _person(
    collector: Collector, account: object, *, own: Own, seen: dt.datetime | None, locator: str
) -> str | None:
    """Add the person behind an act; None when the act is the account's own."""
    person_id = account_id_of(account)
    if person_id == own.account_id:
        collector.skipped["act(s) by the account itself"] += 1
        return None
    row = person_row(mapping(account), domain=own.domain)
    collector.put("people", {**row, "first_seen_at": seen}, locator=locator)
    return person_id


def act(
    collector: Collector,
    kind: str,
    account: object,
    *,
    own: Own,
    target: str | None,
    occurred_at: dt.datetime | None,
    locator: str,
) -> None:
    """A like, repost or follow: hashed id over (platform, kind, person, target)."""
    person_id = _person(collector, account, own=own, seen=occurred_at, locator=locator)
    if person_id is None:
        return
    collector.put(
        "interactions",
        {
            "interaction_id": hashed_interaction_id(
                PLATFORM, kind, person_id, target if kind != "follow" else own.account_id
            ),
            "platform": PLATFORM,
            "kind": kind,
            "person_id": person_id,
            "account_id": own.account_id,
            "post_id": target if kind != "follow" else None,
            "occurred_at": occurred_at,
            "actor_followers": count(mapping(account).get("followers_count")),
        },
        locator=locator,
    )


def conversation(
    collector: Collector,
    status: Mapping[str, Any],
    *,
    own: Own,
    uris: Uris,
    kind: str | None,
    locator: str,
    thread_post: str | None = None,
) -> None:
    """Someone's status aimed at the account (reply, mention, quote, dm); its URI is its id."""
    uris.learn(status)
    kind = kind or conversation_kind(status, own=own)
    if kind is None:
        collector.skipped["replies between other people in a thread"] += 1
        return
    occurred_at = parse_time(status.get("created_at"), field="status.created_at")
    person_id = _person(
        collector, status.get("account"), own=own, seen=occurred_at, locator=locator
    )
    if person_id is None:
        return
    record: dict[str, Any] = {
        "interaction_id": mastodon_id(status.get("uri"), field="status.uri"),
        "platform": PLATFORM,
        "kind": kind,
        "person_id": person_id,
        "account_id": own.account_id,
        "post_id": thread_post,
        "occurred_at": occurred_at,
        "text": read_html(status.get("content")).text,
        "actor_followers": count(mapping(status.get("account")).get("followers_count")),
    }
    if kind == "quote":
        quoted = mapping(mapping(status.get("quote")).get("quoted_status"))
        record["post_id"] = mastodon_id(quoted.get("uri"), field="quote.quoted_status.uri")
        uris.learn(quoted)
    parent = local_id(status.get("in_reply_to_id"))
    fields = {}
    if parent is not None:
        fields["in_reply_to_id"] = parent
        if kind == "reply" and thread_post is None:
            fields["post_id"] = parent
    if fields:
        collector.pending.append(Pending("interactions", record, locator, fields))
    else:
        collector.put("interactions", record, locator=locator)


def add_notification(
    collector: Collector,
    notification: object,
    *,
    own: Own,
    uris: Uris,
    observed_at: dt.datetime,
    locator: str,
) -> None:
    """One v1 notification (quarantined when it does not fit)."""
    try:
        if not isinstance(notification, Mapping):
            raise RecordProblem(
                "notification", f"expected an object, found {describe(notification)}"
            )
        kind = kind_of(notification.get("type"))
        status = notification.get("status")
        if kind in BY_STATUS:
            if not isinstance(status, Mapping):
                raise RecordProblem("status", f"expected a status, found {describe(status)}")
            conversation(
                collector,
                status,
                own=own,
                uris=uris,
                kind=None if kind == "mention" else "quote",
                locator=locator,
            )
        elif kind in BY_ACCOUNT:
            target = None
            if kind != "follow":
                if not isinstance(status, Mapping):
                    raise RecordProblem("status", f"expected a status, found {describe(status)}")
                target = aimed_at(
                    collector, status, own=own, uris=uris, observed_at=observed_at, locator=locator
                )
            occurred = parse_time(notification.get("created_at"), field="created_at")
            act(
                collector,
                BY_ACCOUNT[str(kind)],
                notification.get("account"),
                own=own,
                target=target,
                occurred_at=occurred,
                locator=locator,
            )
        else:
            collector.skipped[f"{kind or 'untyped'} notification(s)"] += 1
    except RecordProblem as problem:
        collector.reject("interactions", locator=locator, problem=problem, raw=notification)


def aimed_at(
    collector: Collector,
    status: Mapping[str, Any],
    *,
    own: Own,
    uris: Uris,
    observed_at: dt.datetime,
    locator: str,
) -> str:
    """The id of the status an act is aimed at (an own one is stored as a post)."""
    if local_id(mapping(status.get("account")).get("id")) == own.local_id:
        return add_own_status(
            collector, status, own=own, uris=uris, observed_at=observed_at, locator=locator
        )
    uris.learn(status)
    return mastodon_id(status.get("uri"), field="status.uri")


def kind_of(value: object) -> str | None:
    return value if isinstance(value, str) else None


def listed(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def add_accounts_acts(
    collector: Collector,
    accounts: Sequence[Any],
    *,
    kind: str,
    own: Own,
    target: str | None,
    locator: str,
) -> None:
    """People listed by ``favourited_by`` / ``reblogged_by`` / followers (no time given)."""
    for index, account in enumerate(accounts, start=1):
        try:
            act(
                collector,
                kind,
                account,
                own=own,
                target=target,
                occurred_at=None,
                locator=f"{locator} item {index}",
            )
        except RecordProblem as problem:
            collector.reject(
                "interactions", locator=f"{locator} item {index}", problem=problem, raw=account
            )


def add_descendants(
    collector: Collector,
    root: Mapping[str, Any],
    context: object,
    *,
    own: Own,
    uris: Uris,
    observed_at: dt.datetime,
    locator: str,
) -> None:
    """Replies below an own status: people's replies become interactions aimed at the
    nearest own status above them; the account's own replies are posts."""
    descendants = listed(mapping(context).get("descendants"))
    uris.learn(root)
    for status in descendants:
        uris.learn(status)
    for index, status in enumerate(descendants, start=1):
        where = f"{locator} descendant {index}"
        try:
            if not isinstance(status, Mapping):
                raise RecordProblem("descendants", f"expected a status, found {describe(status)}")
            author = local_id(mapping(status.get("account")).get("id"))
            if author == own.local_id:
                add_own_status(
                    collector, status, own=own, uris=uris, observed_at=observed_at, locator=where
                )
                continue
            conversation(
                collector,
                status,
                own=own,
                uris=uris,
                kind=None,
                locator=where,
                thread_post=_own_ancestor(status, uris, own),
            )
        except RecordProblem as problem:
            collector.reject("interactions", locator=where, problem=problem, raw=status)


def _own_ancestor(status: Mapping[str, Any], uris: Uris, own: Own) -> str | None:
    """``mastodon:<uri>`` of the nearest own status above ``status`` in its thread."""
    parent = local_id(status.get("in_reply_to_id"))
    parents = uris.parents
    for _ in range(1000):
        if parent is None:
            return None
        if uris.authors.get(parent) == own.local_id:
            uri = uris.get(parent)
            return f"{PLATFORM}:{uri}" if uri else None
        parent = parents.get(parent)
    return None
