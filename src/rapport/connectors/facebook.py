"""Live pulls of a Facebook Page through the Graph API (plain httpx, no SDK).

:func:`pull_page` reads, with a long-lived Page token (or a system-user token of a business
that manages the Page), through :class:`~rapport.connectors._graph_client.GraphClient`:

1. which Page (``page``, else ``GET /me/accounts``: a user's only Page; a Page token
   refuses that edge, and ``GET /me`` is then the Page itself);
2. the Page (``GET /{page}``): an own ``accounts`` row and a ``follower_counts``
   observation at the server's ``Date``;
3. its posts (``GET /{page}/posts``, newest first, ``paging.next`` followed as given: cursors
   or time windows; an id seen twice is read once): ``posts`` and a ``post_stats`` row per
   pull (likes = all reactions, reposts = shares, replies = comments with their replies),
   with impressions, reach and clicks from ``GET /{post}/insights`` where Meta gives them;
4. the comments of each post whose comment total changed since the last pull
   (``GET /{post}/comments?filter=stream``: replies too, with ``parent``): someone's comment
   is an ``interactions`` row (kind ``reply``, the person ``facebook:<from.id>``), the Page's
   own comment a ``posts`` row whose ``in_reply_to_id`` is the comment it answers, so reply
   rate and time to first reply are measured;
5. the follower history (``GET /{page}/insights?metric=page_follows&period=day``, paged by
   time window until an empty ``data``): a ``follower_counts`` row at each ``end_time``.

Incremental and idempotent: the sync state (keys ``facebook:<page id>#…``) is stored by
the caller with the data in one transaction, so a pull that fails stores neither.

* ``#newest``: the newest post's time. A later pull reads posts down to it, and on down to
  :attr:`Limits.refresh_days` before now, so recent posts get fresh counts (a new
  ``post_stats`` row only where a count changed: the store keeps an observation identical
  to the one before it once).
* ``#older``: where the history continues (a Unix time for ``until``) when a pull stopped
  before the Page's first post (the per-pull limit, or Meta's rate limit near): the next
  pull reads on from there. Empty once the history is complete.
* ``#comments:<post id>``: the comment total last read; the comments of a post are read
  again only when the total differs (each comment has its id, so reading again stores
  nothing twice).
* ``#pending``: posts whose comments are still to read when a pull stopped near Meta's
  rate limit; the next pull reads them first.
* ``#followers``: the last ``end_time`` of the follower history read.

Near Meta's rate limit (``X-App-Usage`` / ``X-Business-Use-Case-Usage`` over 90 %) a pull
stops reading, says so in a note and leaves the rest to the next; a rate-limit error raises
:class:`~rapport.connectors._graph_client.RateLimited` (nothing stored). What is mapped
from where, and what the API does not give: docs/sources/facebook.md.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rapport.canonical.batch import Batch
from rapport.canonical.builder import BatchBuilder
from rapport.connectors._facebook_map import (
    FOLLOWER_METRICS,
    PLATFORM,
    POST_METRICS,
    Comment,
    account_row,
    comments_total,
    flatten_comments,
    insight_values,
    parse_time,
    post_row,
    post_stats,
)
from rapport.connectors._graph_client import (
    DEFAULT_VERSION,
    GRAPH_URL,
    GraphClient,
    ObjectGone,
    Page,
    RequestRefused,
)
from rapport.connectors._mastodon_records import Collector
from rapport.errors import RemoteError, UsageError

__all__ = ["DEFAULT_LIMITS", "SERVICE", "Limits", "pull_page"]

SERVICE = "Facebook"
PAGE_FIELDS = "id,name,username,link,fan_count,followers_count,about"
POST_FIELDS = (
    "id,message,created_time,permalink_url,status_type,shares,"
    "comments.filter(stream).summary(true).limit(0),reactions.summary(true).limit(0)"
)
COMMENT_FIELDS = "id,message,created_time,from,parent{id},like_count,comment_count,permalink_url"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Limits:
    """How much one pull reads. A pull that stops at a limit leaves the rest to the next."""

    posts_page: int = 25
    posts: int = 1_000
    """Posts read per pull: new ones, and as many again of older history where an earlier
    pull left it unfinished."""
    comments_page: int = 100
    comments: int = 5_000
    """Comments read per post and pull."""
    refresh_days: int = 14
    """A later pull reads again the posts of this many days, for fresh counts."""
    follower_days: int = 90
    """How far back a first pull reads the follower history."""
    insights: bool = True
    """Read each post's impressions, reach and clicks (one request per post)."""


DEFAULT_LIMITS = Limits()


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


@dataclass
class _Pull:
    client: GraphClient
    page_id: str
    account_id: str
    collector: Collector
    state: Mapping[str, str]
    limits: Limits
    observed_at: dt.datetime
    progress: Progress
    new_state: dict[str, str] = field(default_factory=dict)
    read: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Post native id → the post as the list gave it (each id once)."""
    skipped: Counter[str] = field(default_factory=Counter)
    stopped: bool = False
    insights_on: bool = True
    without_author: int = 0
    hashed: int = 0

    def key(self, name: str) -> str:
        return f"{PLATFORM}:{self.page_id}#{name}"

    def note(self, text: str) -> None:
        self.collector.builder.note(text)

    def near_limit(self, what: str) -> bool:
        """True (once with a note) when Meta says the app is near its rate limit."""
        if not self.stopped and self.client.near_limit():
            self.stopped = True
            self.note(
                f"Meta reported {self.client.usage}% of its rate limit used, so this pull "
                f"stopped before {what}; the next pull continues from there"
            )
        return self.stopped

    # -- posts --------------------------------------------------------------------------
    def posts(self) -> None:
        """New posts (down to the newest known and the refresh window), then the older
        history where an earlier pull left it unfinished."""
        newest = parse_time(self.state.get(self.key("newest")))
        older = self.state.get(self.key("older"))
        boundary = None
        if newest is not None:
            boundary = min(newest, self.observed_at - dt.timedelta(days=self.limits.refresh_days))
        params: dict[str, str | int] = {"fields": POST_FIELDS, "limit": self.limits.posts_page}
        finished = self._read_posts(params, stop_before=boundary, what="posts")
        if newest is not None and not finished and not self.stopped:
            self.note(
                f"posts: more than the per-pull limit of {self.limits.posts:,} new posts; "
                "the next pull reads them again down to the ones stored before"
            )
        if newest is None:
            self._history(finished)
        elif older:
            if self.stopped:
                self.new_state[self.key("older")] = older
            else:
                params["until"] = older
                self._history(self._read_posts(params, stop_before=None, what="older posts"))
        times = [t for p in self.read.values() if (t := parse_time(p.get("created_time")))]
        latest = max([*times, *([newest] if newest else [])], default=None)
        if newest is not None and not finished:
            latest = newest  # new posts not read down to the known ones: read them again
        if latest is not None:
            self.new_state[self.key("newest")] = latest.isoformat()

    def _history(self, finished: bool) -> None:
        """``#older``: empty when the history was read to the first post, else where the
        next pull goes on."""
        times = [t for p in self.read.values() if (t := parse_time(p.get("created_time")))]
        if finished or not times:
            self.new_state[self.key("older")] = ""
            return
        self.new_state[self.key("older")] = str(_epoch(min(times)))
        if not self.stopped:
            self.note(
                f"posts: stopped at the per-pull limit of {self.limits.posts:,}; the next "
                "pull reads on into older posts"
            )

    def _read_posts(
        self, params: dict[str, str | int], *, stop_before: dt.datetime | None, what: str
    ) -> bool:
        """Read pages of posts, up to :attr:`Limits.posts` of them; True when the list was
        read to its end (or down to ``stop_before``)."""
        path = f"{self.page_id}/posts"
        before = len(self.read)
        for page in self.client.pages(path, params):
            # checked once the next page is there: a list that ended is read to its end
            if len(self.read) - before >= self.limits.posts:
                return False
            if page.number > 1 and self.near_limit("reading more posts"):
                return False
            self.progress(f"GET /{path} ({what}, page {page.number})")
            oldest = self._add_posts(page, locator=f"GET /{path} page {page.number}")
            if stop_before is not None and oldest is not None and oldest <= stop_before:
                return True
        return True

    def _add_posts(self, page: Page, *, locator: str) -> dt.datetime | None:
        oldest = None
        for item in page.items:
            row = post_row(item, account_id=self.account_id)
            if row is None:
                self.skipped["posts without an id or a time"] += 1
                continue
            oldest = row["created_at"] if oldest is None else min(oldest, row["created_at"])
            native = row["post_id"].partition(":")[2]
            if native in self.read:
                continue
            self.read[native] = item
            self.collector.put("posts", row, locator=locator)
        return oldest

    # -- per post: insights and comments ------------------------------------------------
    def per_post(self) -> None:
        """Insights of the posts read, and the comments of those whose total changed (and
        of those an earlier pull left pending), newest first."""
        pending = [p for p in self.state.get(self.key("pending"), "").split() if p]
        wanted = [p for p in pending if p not in self.read]
        ordered = sorted(
            self.read.items(), key=lambda kv: str(kv[1].get("created_time") or ""), reverse=True
        )
        left: list[str] = []
        for native in wanted:
            if self.stopped or self.near_limit("reading comments"):
                left.append(native)
                continue
            self._comments(native, total=None)
        for native, post in ordered:
            total = comments_total(post)
            known = self.state.get(self.key(f"comments:{native}"))
            due = native in pending or bool(total and str(total) != known)
            if self.stopped or self.near_limit("reading comments and insights"):
                left += [native] if due else []
                self._stats(native, post, {})
                continue
            self._stats(native, post, self._insights(native))
            if due:
                self._comments(native, total=total)
        self.new_state[self.key("pending")] = " ".join(left)

    def _stats(self, native: str, post: Mapping[str, Any], insights: Mapping[str, int]) -> None:
        row = post_stats(post, observed_at=self.observed_at, insights=insights)
        if any(v is not None for k, v in row.items() if k not in ("post_id", "observed_at")):
            self.collector.put("post_stats", row, locator=f"GET /{self.page_id}/posts {native}")

    def _insights(self, native: str) -> dict[str, int]:
        if not (self.limits.insights and self.insights_on):
            return {}
        path = f"{native}/insights"
        self.progress(f"GET /{path}")
        try:
            answer = self.client.get(path, {"metric": ",".join(POST_METRICS)})
        except ObjectGone:
            self.skipped["posts deleted during the pull (insights)"] += 1
            return {}
        except RequestRefused as refused:
            self.insights_on = False
            self.note(
                f"post insights were refused ({refused.problem}); impressions, reach and "
                "clicks were skipped for the rest of this pull, counts from the posts kept"
            )
            return {}
        found: dict[str, int] = {}
        for name, _, _, value in insight_values(answer):
            if name in POST_METRICS:
                found[POST_METRICS[name]] = value
        return found

    def _comments(self, native: str, *, total: int | None) -> None:
        path = f"{native}/comments"
        post_id = f"{PLATFORM}:{native}"
        params: dict[str, str | int] = {
            "filter": "stream",
            "order": "chronological",
            "fields": COMMENT_FIELDS,
            "limit": self.limits.comments_page,
        }
        seen = 0
        try:
            for page in self.client.pages(path, params, cap=self.limits.comments):
                self.progress(f"GET /{path} (page {page.number})")
                locator = f"GET /{path} page {page.number}"
                for comment, raw in flatten_comments(page.items, post_id=post_id):
                    self._comment(comment, raw, post_id=post_id, locator=locator)
                    seen += 1
        except ObjectGone:
            self.skipped["posts deleted during the pull (comments)"] += 1
            return
        if seen >= self.limits.comments:
            self.note(
                f"comments: stopped at the per-post limit of {self.limits.comments:,} on "
                f"post {native}"
            )
        self.new_state[self.key(f"comments:{native}")] = str(total if total is not None else seen)

    def _comment(
        self, comment: Comment, raw: Mapping[str, Any], *, post_id: str, locator: str
    ) -> None:
        comment_id = f"{PLATFORM}:{comment.native_id}"
        parent = f"{PLATFORM}:{comment.parent_id}" if comment.parent_id else None
        self.hashed += comment.hashed
        if comment.author_id == self.page_id:
            self.collector.put(
                "posts",
                {
                    "post_id": comment_id,
                    "account_id": self.account_id,
                    "created_at": comment.created_at,
                    "text": comment.text,
                    "url": raw.get("permalink_url")
                    if isinstance(raw.get("permalink_url"), str)
                    else None,
                    "format": "text" if comment.text else None,
                    "in_reply_to_id": parent or post_id,
                    "links": [],
                    "hashtags": [],
                },
                locator=locator,
            )
            return
        person = f"{PLATFORM}:{comment.author_id}" if comment.author_id else None
        if person is None:
            self.without_author += 1
        else:
            self.collector.put(
                "people",
                {
                    "person_id": person,
                    "platform": PLATFORM,
                    "display_name": comment.author_name,
                    "first_seen_at": comment.created_at,
                },
                locator=locator,
            )
        self.collector.put(
            "interactions",
            {
                "interaction_id": comment_id,
                "platform": PLATFORM,
                "kind": "reply",
                "person_id": person,
                "account_id": self.account_id,
                "post_id": post_id,
                "occurred_at": comment.created_at,
                "text": comment.text,
                "in_reply_to_id": parent,
            },
            locator=locator,
        )

    # -- follower history ---------------------------------------------------------------
    def followers(self) -> None:
        """Daily follower totals from page insights, since the last one read."""
        if self.stopped or self.near_limit("reading the follower history"):
            return
        last = parse_time(self.state.get(self.key("followers")))
        start = last or self.observed_at - dt.timedelta(days=self.limits.follower_days)
        path = f"{self.page_id}/insights"
        refusals: list[str] = []
        for metric in FOLLOWER_METRICS:
            params: dict[str, str | int] = {
                "metric": metric,
                "period": "day",
                "since": _epoch(start),
                "until": _epoch(self.observed_at),
            }
            newest = last
            try:
                for page in self.client.pages(path, params, cap=self.limits.follower_days * 4):
                    self.progress(f"GET /{path}?metric={metric} (page {page.number})")
                    answer = {"data": page.items}
                    for name, _, end, value in insight_values(answer):
                        if name not in FOLLOWER_METRICS or end is None or end > self.observed_at:
                            continue
                        self.collector.put(
                            "follower_counts",
                            {"account_id": self.account_id, "observed_at": end, "followers": value},
                            locator=f"GET /{path} page {page.number}",
                        )
                        newest = end if newest is None else max(newest, end)
            except RequestRefused as refused:
                refusals.append(refused.problem)
                continue
            if newest is not None:
                self.new_state[self.key("followers")] = newest.isoformat()
            return
        self.note(
            "the follower history was not read: Meta refused "
            f"{' and '.join(FOLLOWER_METRICS)} ({'; '.join(refusals)}); the follower count "
            "of each pull is kept"
        )

    def finish(self) -> None:
        if self.without_author:
            self.note(
                f"{self.without_author:,} comment(s) came without their author (the API "
                "names who wrote a comment only to a Page token): kept without a person; "
                "give the connection a Page token to know who wrote them"
            )
        if self.hashed:
            self.note(
                f"{self.hashed:,} comment(s) came without an id: each got a stable id made "
                "from its post, author, time and text"
            )
        for what, number in sorted(self.skipped.items()):
            self.note(f"skipped {number:,} {what}")


def _which_page(client: GraphClient, progress: Progress) -> str:
    """The Page of the token: a user's only Page, or the Page a Page token is for."""
    progress("GET /me/accounts")
    pages: list[dict[str, Any]] = []
    listed = client.pages("me/accounts", {"fields": "id,name"})
    try:
        first = next(listed)
    except RequestRefused:  # a Page token: /me is the Page
        progress("GET /me")
        me = client.get("me", {"fields": "id,name"})
        found = me.get("id")
        if not isinstance(found, str | int) or not str(found).strip():
            raise RemoteError(
                SERVICE,
                problem="GET /me answered no id",
                fix="check the Graph API address and the token",
            ) from None
        return str(found).strip()
    for page in (first, *listed):
        pages.extend(page.items)
    ids = [str(p["id"]) for p in pages if isinstance(p.get("id"), str | int)]
    if len(ids) == 1:
        return ids[0]
    if not ids:
        raise UsageError(
            "the token's user manages no Facebook Page; give a Page token or the Page's id "
            "(docs/sources/facebook.md)",
            option="page",
        )
    named = ", ".join(f"{p.get('name') or '?'} ({p.get('id')})" for p in pages)
    raise UsageError(
        f"the token's user manages {len(ids)} Pages: {named}; choose one by its id",
        option="page",
    )


def pull_page(
    *,
    token: str,
    page: str | None,
    state: Mapping[str, str],
    progress: Callable[[str], None] | None = None,
    base_url: str = GRAPH_URL,
    version: str = DEFAULT_VERSION,
    limits: Limits | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Batch:
    """Pull a Facebook Page (incremental from ``state``); ``page`` is the Page id (None:
    the token's Page)."""
    if not token.strip():
        raise UsageError(
            "the token is empty; give a long-lived Page token (docs/sources/facebook.md)",
            option="token",
        )
    if page is not None and not page.strip().isdigit():
        raise UsageError(
            f"{page!r} is not a Facebook Page id (a number, shown in the Page's About "
            "section); leave it out to use the token's Page",
            option="page",
        )
    step = progress or (lambda label: None)
    client = GraphClient(token=token.strip(), service=SERVICE, base_url=base_url,
                         version=version, sleep=sleep or time.sleep, clock=clock)  # fmt: skip
    try:
        page_id = page.strip() if page else _which_page(client, step)
        step(f"GET /{page_id}")
        found = client.get(page_id, {"fields": PAGE_FIELDS})
        row = account_row(found)
        if str(found.get("id")) != page_id:
            raise RemoteError(
                SERVICE,
                problem=f"GET /{page_id} answered an object with id {found.get('id')!r}",
                fix="check the Page id and the Graph API address",
            )
        observed_at = client.observed_at()
        builder = BatchBuilder(source="facebook_api", origin=f"Facebook Graph API {base_url}")
        collector = Collector(builder)
        collector.put("accounts", row, locator=f"GET /{page_id}")
        if row["followers"] is not None:
            collector.put(
                "follower_counts",
                {"account_id": row["account_id"], "observed_at": observed_at,
                 "followers": row["followers"]},
                locator=f"GET /{page_id}",
            )  # fmt: skip
        pull = _Pull(client, page_id, row["account_id"], collector, state,
                     limits or DEFAULT_LIMITS, observed_at, step)  # fmt: skip
        pull.posts()
        pull.per_post()
        pull.followers()
        pull.finish()
    finally:
        client.close()
    collector.flush()
    builder.state.update(pull.new_state)
    return builder.build()
