"""Grouped (v2) notifications into the collector: ``accounts``, ``partial_accounts``,
``statuses`` and ``notification_groups`` on one page.

A group names up to eight sample accounts; the most recent one comes in full, the others
may be partial (no URI), and a group may hold more acts than samples. Where a group names
more people than its page gave in full, the pull reads the group's accounts
(``/api/v2/notifications/:group_key/accounts``) and passes them in. Only the group's most
recent act has a time (``latest_page_notification_at``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from rapport.connectors._mastodon_acts import (
    BY_ACCOUNT,
    BY_STATUS,
    act,
    aimed_at,
    conversation,
    kind_of,
    listed,
)
from rapport.connectors._mastodon_records import Collector, Own, Uris, count, local_id
from rapport.platforms.mastodon import RecordProblem, describe, mapping, parse_time

__all__ = ["add_grouped", "needs_group_accounts"]


def needs_group_accounts(group: Mapping[str, Any], full: Mapping[str | None, Any]) -> bool:
    """Whether a group names more people than its page gave in full (partial accounts, or
    more notifications than sample accounts)."""
    samples = group.get("sample_account_ids")
    samples = [local_id(s) for s in samples] if isinstance(samples, list) else []
    known = [s for s in samples if s is not None and s in full]
    total = count(group.get("notifications_count")) or len(samples)
    return len(known) < max(total, len(samples))


def add_grouped(
    collector: Collector,
    results: object,
    *,
    own: Own,
    uris: Uris,
    observed_at: dt.datetime,
    locator: str,
    group_accounts: Mapping[str, Sequence[Any]],
) -> None:
    """One page of grouped (v2) notifications.

    Only the group's most recent act has a time (``latest_page_notification_at``); the
    others are stored with an unknown time, which v1 notifications fill where they meet.
    """
    page = mapping(results)
    full = {local_id(mapping(a).get("id")): a for a in listed(page.get("accounts"))}
    statuses = {local_id(mapping(s).get("id")): s for s in listed(page.get("statuses"))}
    for status in statuses.values():
        uris.learn(status)
    for index, group in enumerate(listed(page.get("notification_groups")), start=1):
        where = f"{locator} group {index}"
        try:
            _add_group(
                collector,
                mapping(group),
                full=full,
                statuses=statuses,
                own=own,
                uris=uris,
                observed_at=observed_at,
                locator=where,
                group_accounts=group_accounts,
            )
        except RecordProblem as problem:
            collector.reject("interactions", locator=where, problem=problem, raw=group)


def _add_group(
    collector: Collector,
    group: Mapping[str, Any],
    *,
    full: Mapping[str | None, Any],
    statuses: Mapping[str | None, Any],
    own: Own,
    uris: Uris,
    observed_at: dt.datetime,
    locator: str,
    group_accounts: Mapping[str, Sequence[Any]],
) -> None:
    kind = kind_of(group.get("type"))
    status = statuses.get(local_id(group.get("status_id")))
    if kind in BY_STATUS:
        if not isinstance(status, Mapping):
            raise RecordProblem(
                "status_id", f"names no status of the page ({describe(group.get('status_id'))})"
            )
        conversation(
            collector,
            status,
            own=own,
            uris=uris,
            kind=None if kind == "mention" else "quote",
            locator=locator,
        )
        return
    if kind not in BY_ACCOUNT:
        collector.skipped[f"{kind or 'untyped'} notification(s)"] += 1
        return
    target = None
    if kind != "follow":
        if not isinstance(status, Mapping):
            raise RecordProblem(
                "status_id", f"names no status of the page ({describe(group.get('status_id'))})"
            )
        target = aimed_at(
            collector, status, own=own, uris=uris, observed_at=observed_at, locator=locator
        )
    key = group.get("group_key")
    accounts = list(group_accounts.get(key, [])) if isinstance(key, str) else []
    if not accounts:
        samples = [local_id(s) for s in listed(group.get("sample_account_ids"))]
        accounts = [full[s] for s in samples if s in full]
        unresolved = len(samples) - len(accounts)
        if unresolved:
            collector.skipped["act(s) by accounts the server gave only partially"] += unresolved
    latest = parse_time(
        group.get("latest_page_notification_at"), field="latest_page_notification_at"
    )
    for position, account in enumerate(accounts):
        act(
            collector,
            BY_ACCOUNT[str(kind)],
            account,
            own=own,
            target=target,
            occurred_at=latest if position == 0 else None,
            locator=locator,
        )
