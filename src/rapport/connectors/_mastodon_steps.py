"""The steps of a pull, each one endpoint: statuses, engagement, notifications, followers.

A first pull reads newest-first (``Link: rel="next"``, ``max_id``) until a step's cap; a
later pull asks only for what is newer than the state the last one left (``min_id`` and
``rel="prev"`` for statuses and notifications, ``since_id`` for followers, whose server
pagination has no ``min_id``), so it continues exactly where the last one stopped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from rapport.connectors._mastodon_acts import (
    add_accounts_acts,
    add_descendants,
    add_notification,
    add_own_statuses,
)
from rapport.connectors._mastodon_client import Client, RemoteNotFound, items_of
from rapport.connectors._mastodon_grouped import add_grouped, needs_group_accounts
from rapport.connectors._mastodon_records import (
    Collector,
    Own,
    Uris,
    count,
    local_id,
    settle_pending,
)
from rapport.platforms.mastodon import PLATFORM, mapping

__all__ = ["Limits", "Steps", "newer"]

CONTINUES = "the next pull continues from there"


@dataclass(frozen=True)
class Limits:
    """How much one pull fetches. Page sizes: None asks for the server's default. Caps: a
    first pull goes back this far; a later pull continues where the last one stopped."""

    statuses_page: int | None = 40
    notifications_page: int | None = 80
    grouped_page: int | None = 80
    followers_page: int | None = 80
    statuses: int = 5_000
    notifications: int = 5_000
    grouped: int = 2_000
    followers: int = 20_000
    engagement: int = 200
    """Own statuses per pull whose favourited_by, reblogged_by and context are read."""
    listed: int = 5_000
    """Accounts read per favourited_by / reblogged_by list and notification group."""
    lookups: int = 200
    """Single statuses fetched to turn instance-local numbers into URIs."""
    refresh_newest: bool = True
    """A later pull also re-reads the newest page of statuses, for fresh counts."""


def newer(a: str | None, b: str | None) -> str | None:
    """The later of two Mastodon ids (numbers as text; longer means larger)."""
    if a is None or b is None:
        return a or b
    return max(a, b, key=lambda x: (len(x), x) if x.isdigit() else (0, x))


@dataclass
class Steps:
    """One tracked account's pull: the client, what it collects and the cursors it moves."""

    client: Client
    own: Own
    collector: Collector
    uris: Uris
    state: Mapping[str, str]
    limits: Limits
    observed_at: dt.datetime
    prefix: str = "mastodon:"
    progress: Callable[[str], None] = lambda label: None
    new_state: dict[str, str] = field(default_factory=dict)
    fetched: list[Mapping[str, Any]] = field(default_factory=list)

    def key(self, name: str) -> str:
        return f"{self.prefix}{self.own.account_id.partition(':')[2]}#{name}"

    def note(self, text: str) -> None:
        self.collector.builder.note(text)

    def _capped(self, what: str, capped: bool, cap: int, *, rest: str) -> None:
        if capped:
            self.note(f"{what}: stopped at the per-pull limit of {cap:,}; {rest}")

    def statuses(self) -> None:
        """The account's statuses (own posts, boosts, replies) with their counts."""
        api, own = self.client.api, self.own
        since = self.state.get(self.key("statuses"))
        what = f"GET /api/v1/accounts/{own.local_id}/statuses"
        self.progress(f"{what}")
        newest = since
        pages = self.client.pages(
            what,
            lambda: api.account_statuses(
                own.local_id, min_id=since, limit=self.limits.statuses_page
            ),
            direction="previous" if since else "next",
            cap=self.limits.statuses,
            progress=self.progress,
        )
        for number, (_, items) in enumerate(pages, start=1):
            for status in items:
                newest = newer(newest, local_id(mapping(status).get("id")))
            kept = add_own_statuses(
                self.collector,
                items,
                own=own,
                uris=self.uris,
                observed_at=self.observed_at,
                locator=f"{what} page {number}",
            )
            self.fetched.extend(kept)
        self._capped(
            "statuses",
            pages.capped,
            self.limits.statuses,
            rest=CONTINUES if since else "older ones were not pulled (import the archive for them)",
        )
        if since and self.limits.refresh_newest:
            newest = newer(newest, self._refresh(what))
        if newest:
            self.new_state[self.key("statuses")] = newest

    def _refresh(self, what: str) -> str | None:
        """A later pull reads the newest page again: recent posts get fresh counts (a new
        observation only where a count changed)."""
        api, own = self.client.api, self.own
        self.progress(f"{what} (newest page again, for fresh counts)")
        newest = None
        for _, items in self.client.pages(
            what,
            lambda: api.account_statuses(own.local_id, limit=self.limits.statuses_page),
            direction="next",
            cap=1,
        ):
            for status in items:
                newest = newer(newest, local_id(mapping(status).get("id")))
            add_own_statuses(
                self.collector,
                items,
                own=own,
                uris=self.uris,
                observed_at=self.observed_at,
                locator=f"{what} newest page",
            )
        return newest

    def _all(self, what: str, first: Callable[[], Any]) -> list[Any]:
        """Every account of a list (favourited_by, reblogged_by, a notification group)."""
        found: list[Any] = []
        pages = self.client.pages(what, first, direction="next", cap=self.limits.listed)
        for _, items in pages:
            found.extend(items)
        self._capped(what, pages.capped, self.limits.listed, rest="the rest were not read")
        return found

    def engagement(self) -> None:
        """Who favourited and boosted the statuses of this pull, and who replied below them
        (read only where the counts say there is something to read)."""
        api = self.client.api
        candidates = [
            s
            for s in self.fetched
            if not isinstance(s.get("reblog"), Mapping)
            and any(count(s.get(c)) for c in ("favourites_count", "reblogs_count", "replies_count"))
        ]
        candidates.sort(key=lambda s: (len(str(s.get("id"))), str(s.get("id"))), reverse=True)
        chosen = candidates[: self.limits.engagement]
        for position, status in enumerate(chosen, start=1):
            self.progress(f"who liked, boosted and replied ({position} of {len(chosen)})")
            number, target = str(status.get("id")), f"{PLATFORM}:{status.get('uri')}"
            try:
                if count(status.get("favourites_count")):
                    what = f"GET /api/v1/statuses/{number}/favourited_by"
                    accounts = self._all(what, partial(api.status_favourited_by, number))
                    add_accounts_acts(
                        self.collector,
                        accounts,
                        kind="like",
                        own=self.own,
                        target=target,
                        locator=what,
                    )
                if count(status.get("reblogs_count")):
                    what = f"GET /api/v1/statuses/{number}/reblogged_by"
                    accounts = self._all(what, partial(api.status_reblogged_by, number))
                    add_accounts_acts(
                        self.collector,
                        accounts,
                        kind="repost",
                        own=self.own,
                        target=target,
                        locator=what,
                    )
                if count(status.get("replies_count")):
                    what = f"GET /api/v1/statuses/{number}/context"
                    context = self.client.call(what, api.status_context, number)
                    add_descendants(
                        self.collector,
                        status,
                        context,
                        own=self.own,
                        uris=self.uris,
                        observed_at=self.observed_at,
                        locator=what,
                    )
            except RemoteNotFound:
                self.collector.skipped["statuses deleted during the pull"] += 1
        if len(candidates) > len(chosen):
            self.note(
                f"likes, boosts and replies read for the newest {len(chosen):,} of "
                f"{len(candidates):,} statuses with any (the per-pull limit); notifications "
                "cover what happens from now on"
            )

    def notifications(self, api_version: Literal["v1", "grouped"]) -> None:
        """Mentions, replies, favourites, boosts, quotes and follows, from v1 notifications
        (each act with its own time) or grouped v2 ones; v1 falls back to v2 where a
        server no longer serves it."""
        if api_version == "v1":
            try:
                self._notifications_v1()
                return
            except RemoteNotFound:
                self.note("this server has no v1 notifications; grouped (v2) ones were read")
        self._notifications_grouped()

    def _notifications_v1(self) -> None:
        api, since = self.client.api, self.state.get(self.key("notifications"))
        what = "GET /api/v1/notifications"
        newest = since
        pages = self.client.pages(
            what,
            lambda: api.notifications(min_id=since, limit=self.limits.notifications_page),
            direction="previous" if since else "next",
            cap=self.limits.notifications,
            progress=self.progress,
        )
        self.progress(what)
        for number, (_, items) in enumerate(pages, start=1):
            for index, item in enumerate(items, start=1):
                newest = newer(newest, local_id(mapping(item).get("id")))
                add_notification(
                    self.collector,
                    item,
                    own=self.own,
                    uris=self.uris,
                    observed_at=self.observed_at,
                    locator=f"{what} page {number} item {index}",
                )
        self._capped(
            "notifications",
            pages.capped,
            self.limits.notifications,
            rest=CONTINUES if since else "older ones were not pulled",
        )
        if newest:
            self.new_state[self.key("notifications")] = newest

    def _notifications_grouped(self) -> None:
        api, since = self.client.api, self.state.get(self.key("notifications"))
        what = "GET /api/v2/notifications"
        newest = since
        self.progress(what)
        pages = self.client.pages(
            what,
            lambda: api.grouped_notifications(
                min_id=since, limit=self.limits.grouped_page, expand_accounts="partial_avatars"
            ),
            direction="previous" if since else "next",
            cap=self.limits.grouped,
            items=lambda page: page["notification_groups"],
            progress=self.progress,
        )
        for number, (page, groups) in enumerate(pages, start=1):
            full = {local_id(mapping(a).get("id")): a for a in page.get("accounts") or []}
            extra: dict[str, list[Any]] = {}
            for group in map(mapping, groups):
                newest = newer(newest, local_id(group.get("page_max_id")))
                key = group.get("group_key")
                if isinstance(key, str) and needs_group_accounts(group, full):
                    where = f"GET /api/v2/notifications/{key}/accounts"
                    extra[key] = self._all(where, partial(api.grouped_notification_accounts, key))
            add_grouped(
                self.collector,
                page,
                own=self.own,
                uris=self.uris,
                observed_at=self.observed_at,
                locator=f"{what} page {number}",
                group_accounts=extra,
            )
        self._capped(
            "notification groups",
            pages.capped,
            self.limits.grouped,
            rest=CONTINUES if since else "older ones were not pulled",
        )
        if newest:
            self.new_state[self.key("notifications")] = newest

    def followers(self, followers_count: int | None) -> None:
        """Each follower: a ``follow`` (time unknown) and a person. A later pull asks with
        ``since_id`` (the newest follow seen), so only new followers come back."""
        if followers_count == 0:
            return
        api, own = self.client.api, self.own
        since = self.state.get(self.key("followers"))
        what = f"GET /api/v1/accounts/{own.local_id}/followers"
        max_id, seen, number, newest, capped = None, 0, 0, since, False
        while True:
            number += 1
            self.progress(f"{what} (page {number})")
            page = self.client.call(
                what,
                api.account_followers,
                own.local_id,
                max_id=max_id,
                since_id=since,
                limit=self.limits.followers_page,
            )
            page = items_of(page, lambda p: p, self.client.service, what)
            if not page:
                break
            if number == 1:
                previous = api.get_pagination_info(page, "previous") or {}
                newest = newer(newest, local_id(previous.get("since_id") or previous.get("min_id")))
            add_accounts_acts(
                self.collector,
                page,
                kind="follow",
                own=own,
                target=None,
                locator=f"{what} page {number}",
            )
            seen += len(page)
            following = api.get_pagination_info(page, "next")
            capped = following is not None and seen >= self.limits.followers
            if following is None or capped:
                break
            max_id = following.get("max_id")
        self._capped(
            "followers",
            capped,
            self.limits.followers,
            rest="followers from between the last pull and these were not pulled"
            if since
            else "the earliest followers were not pulled",
        )
        if newest:
            self.new_state[self.key("followers")] = newest

    def resolve(self) -> None:
        """Turn the status numbers still pending into URIs: from what the pull saw, else by
        fetching the status (a deleted or private one stays unknown)."""
        wanted = {n for p in self.collector.pending for n in p.fields.values()}
        unknown = sorted(n for n in wanted if self.uris.get(n) is None)
        for position, number in enumerate(unknown[: self.limits.lookups], start=1):
            self.progress(f"looking up replied-to statuses ({position} of {len(unknown)})")
            try:
                status = self.client.call(
                    f"GET /api/v1/statuses/{number}", self.client.api.status, number
                )
            except RemoteNotFound:
                continue
            self.uris.learn(status)
        missing = settle_pending(self.collector, self.uris)
        if missing:
            self.note(
                f"{missing:,} reply link(s) point at statuses the server no longer shows; "
                "left unknown"
            )
