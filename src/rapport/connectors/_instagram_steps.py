"""The steps of an Instagram pull: media (new ones, recent ones again, older ones left
over), comments and replies where a media's count changed, insights, and the counts.

See :mod:`rapport.connectors.instagram` for the state they keep between pulls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from rapport.connectors._graph_client import (
    GraphClient,
    ObjectGone,
    Page,
    PermissionMissing,
    RequestRefused,
)
from rapport.connectors._instagram_map import (
    Collector,
    Comment,
    Own,
    Unusable,
    comment_of,
    count,
    insight_counts,
    media_kind,
    media_post,
    media_stats,
    parse_time,
    thread_rows,
)

__all__ = ["ACCOUNT_FIELDS", "DEFAULT_LIMITS", "SERVICE", "Limits", "Steps"]

SERVICE = "Instagram"
ACCOUNT_FIELDS = (
    "id,username,name,followers_count,media_count,profile_picture_url,biography,website"
)
MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,permalink,timestamp,like_count,comments_count"
)
REPLY_FIELDS = "id,text,timestamp,username,from"
COMMENT_FIELDS = f"id,text,timestamp,username,from,like_count,replies{{{REPLY_FIELDS}}}"
INSIGHT_METRICS = ("reach", "saved", "shares", "views")
LOOKUP_BATCH = 50
"""Comments looked up at once (``?ids=``) when a page did not name their authors."""
CONTINUES = "the next pull continues from there"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Limits:
    """How much one pull reads. A first pull goes back ``media`` media; a later one reads
    what is new plus ``refresh_days`` of recent media, then continues an unfinished first one."""

    media_page: int = 50
    comments_page: int = 50
    media: int = 5_000
    """Media read per pull."""
    comments: int = 500
    """Media whose comments are read per pull (the rest: the next pull)."""
    insights: int = 500
    """Media whose insights are read per pull, newest first."""
    refresh_days: int = 28
    """A later pull re-reads media this recent for fresh counts, insights and comments."""


DEFAULT_LIMITS = Limits()


@dataclass
class Steps:
    """One account's pull: the client, what it collects and the state it moves."""

    client: GraphClient
    own: Own
    collector: Collector
    state: Mapping[str, str]
    limits: Limits
    observed_at: dt.datetime
    progress: Progress
    new_state: dict[str, str] = field(default_factory=dict)
    media: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    """Media read this pull, newest first."""
    stopped: bool = False
    skipped: dict[str, int] = field(default_factory=dict)
    refused: dict[str, set[str]] = field(default_factory=dict)
    """Insight metrics refused this pull, per media type."""
    no_insights: bool = False

    def key(self, name: str) -> str:
        return f"instagram:{self.own.native_id}#{name}"

    def note(self, text: str) -> None:
        self.collector.builder.note(text)

    def skip(self, what: str) -> None:
        self.skipped[what] = self.skipped.get(what, 0) + 1

    def near_limit(self) -> bool:
        if not self.stopped and self.client.near_limit():
            self.stopped = True
            self.note(
                f"Meta reported {self.client.usage}% of a rate limit used, so the pull stopped "
                f"reading early; {CONTINUES}"
            )
        return self.stopped

    # -- media --------------------------------------------------------------------------------
    def media_pages(self) -> None:
        """New media down to the newest known (and ``refresh_days`` back), then older media
        an earlier pull left unread."""
        path = f"{self.own.native_id}/media"
        params: dict[str, str | int] = {"fields": MEDIA_FIELDS, "limit": self.limits.media_page}
        newest = self.state.get(self.key("media_newest"))
        after = self.state.get(self.key("media_after")) or None
        horizon = None
        if newest:
            known = dt.datetime.fromisoformat(newest)
            horizon = min(known, self.observed_at - dt.timedelta(days=self.limits.refresh_days))
        self.progress(f"GET /{path}")
        left = self._read(self.client.pages(path, params), horizon=horizon)
        if newest is None:
            self.new_state[self.key("media_after")] = left or ""
        elif after and not self.stopped:
            self.progress(f"GET /{path} (older media, where the last pull stopped)")
            left = self._read(self.client.pages(path, {**params, "after": after}), horizon=None)
            self.new_state[self.key("media_after")] = left or ""
        moments = [parse_time(m.get("timestamp"), field="timestamp") for m in self.media.values()]
        if newest:
            moments.append(dt.datetime.fromisoformat(newest))
        if moments:
            self.new_state[self.key("media_newest")] = max(moments).isoformat()

    def _read(self, pages: Iterator[Page], *, horizon: dt.datetime | None) -> str | None:
        """Map media pages until the horizon, the cap, the end or the rate limit; the cursor
        where older media remain (None when none do)."""
        path = f"/{self.own.native_id}/media"
        for page in pages:
            oldest = None
            for index, media in enumerate(page.items, start=1):
                locator = f"GET {path} page {page.number} item {index}"
                try:
                    row = media_post(media, own=self.own)
                except Unusable as problem:
                    self.collector.builder.reject(
                        "posts", locator=locator, field=problem.field, reason=problem.reason,
                        raw=media,
                    )  # fmt: skip
                    continue
                native = str(media["id"])
                if native in self.media:
                    continue  # a page repeated by the server
                self.media[native] = media
                self.collector.put("posts", row, locator=locator)
                oldest = row["created_at"] if oldest is None else min(oldest, row["created_at"])
            if horizon is not None and oldest is not None and oldest < horizon:
                return None
            if len(self.media) >= self.limits.media:
                self.note(
                    f"media: stopped at the per-pull limit of {self.limits.media:,}; {CONTINUES}"
                )
                return page.after
            if self.near_limit():
                return page.after
        return None

    # -- insights -----------------------------------------------------------------------------
    def insights(self) -> dict[str, dict[str, int]]:
        """Each media's insight numbers (newest media first, up to the per-pull limit)."""
        found: dict[str, dict[str, int]] = {}
        for position, native in enumerate(self.media, start=1):
            if self.no_insights or position > self.limits.insights or self.near_limit():
                break
            self.progress(f"insights ({position} of {len(self.media)})")
            found[native] = self._media_insights(native, self.media[native])
        if len(self.media) > self.limits.insights:
            self.note(
                f"insights read for the newest {self.limits.insights:,} of {len(self.media):,} "
                "media (the per-pull limit)"
            )
        return found

    def _media_insights(self, native: str, media: Mapping[str, Any]) -> dict[str, int]:
        media_type = media_kind(media) or ""
        refused = self.refused.setdefault(media_type, set())
        metrics = [m for m in INSIGHT_METRICS if m not in refused]
        path = f"{native}/insights"
        while metrics:
            try:
                body = self.client.get(path, {"metric": ",".join(metrics)})
                return insight_counts(body, media_type=media_type)
            except PermissionMissing as error:
                self.no_insights = True
                self.note(
                    f"insights not read: {error.problem}; give the token the "
                    "instagram_manage_insights permission"
                )
                return {}
            except ObjectGone:
                self.skip("media deleted during the pull (insights)")
                return {}
            except RequestRefused as error:
                if error.subcode == 2108006:
                    self.note(
                        "insights are not given for media posted before the account became a "
                        "professional one; those media have counts only"
                    )
                    return {}
                if len(metrics) == 1:
                    refused.add(metrics[0])
                    self.note(
                        f"insight metric {metrics[0]!r} refused for {media_type or 'some'} "
                        f"media ({error.problem}); skipped"
                    )
                    return {}
                # which metric? ask one by one, and leave out the refused ones from now on
                found: dict[str, int] = {}
                for metric in metrics:
                    found.update(self._one_metric(native, metric, media_type, refused))
                return found
        return {}

    def _one_metric(
        self, native: str, metric: str, media_type: str, refused: set[str]
    ) -> dict[str, int]:
        try:
            body = self.client.get(f"{native}/insights", {"metric": metric})
        except ObjectGone:
            return {}
        except RequestRefused as error:
            refused.add(metric)
            self.note(
                f"insight metric {metric!r} refused for {media_type or 'some'} media "
                f"({error.problem}); skipped"
            )
            return {}
        return insight_counts(body, media_type=media_type)

    def stats(self, insights: Mapping[str, Mapping[str, int]]) -> None:
        for native, media in self.media.items():
            self.collector.put(
                "post_stats",
                media_stats(media, observed_at=self.observed_at, insights=insights.get(native, {})),
                locator=f"GET /{self.own.native_id}/media",
            )

    # -- comments -----------------------------------------------------------------------------
    def comments(self) -> None:
        """Comments and replies of media whose comment count changed (and of media an
        earlier pull left due)."""
        due: dict[str, int | None] = {}
        for native in (self.state.get(self.key("comments_due")) or "").split(","):
            if native.strip():
                due[native.strip()] = None
        for native, media in self.media.items():
            number = count(media.get("comments_count"))
            changed = number and str(number) != self.state.get(self.key(f"comments:{native}"))
            if changed or native in due:
                due[native] = number
        left: list[str] = []
        for position, (native, number) in enumerate(due.items(), start=1):
            if position > self.limits.comments or self.near_limit():
                left.append(native)
                continue
            self.progress(f"comments ({position} of {len(due)})")
            try:
                read = self._media_comments(native)
            except ObjectGone:
                self.skip("media deleted since the last pull (comments)")
                continue
            except RequestRefused as error:
                self.note(f"comments of media {native} not read: {error.problem}")
                left.append(native)
                continue
            self.new_state[self.key(f"comments:{native}")] = str(number if number else read)
        if len(due) > self.limits.comments:
            self.note(
                f"comments read for {self.limits.comments:,} of {len(due):,} media with new "
                f"ones (the per-pull limit); {CONTINUES}"
            )
        self.new_state[self.key("comments_due")] = ",".join(left)

    def _media_comments(self, native: str) -> int:
        """Read one media's threads; how many comments and replies were read."""
        path = f"{native}/comments"
        threads: list[tuple[Comment, list[Comment], str]] = []
        params: dict[str, str | int] = {
            "fields": COMMENT_FIELDS,
            "limit": self.limits.comments_page,
        }
        for page in self.client.pages(path, params):
            for index, item in enumerate(page.items, start=1):
                locator = f"GET /{path} page {page.number} item {index}"
                try:
                    top = comment_of(item, media_id=native, parent_id=None)
                    replies = self._replies(top, item.get("replies"), locator)
                except Unusable as problem:
                    self.collector.builder.reject(
                        "interactions", locator=locator, field=problem.field,
                        reason=problem.reason, raw=item,
                    )  # fmt: skip
                    continue
                threads.append((top, replies, locator))
        named = self._authors([c for t, r, _ in threads for c in (t, *r) if c.username is None])
        read = 0
        for top, replies, locator in threads:
            top = named.get(top.native_id, top)
            replies = [named.get(r.native_id, r) for r in replies]
            read += 1 + len(replies)
            for table, row in thread_rows(top, replies, own=self.own):
                self.collector.put(table, row, locator=locator)
            unnamed = sum(c.username is None and not self.own.wrote(c) for c in (top, *replies))
            for _ in range(unnamed):
                self.skip("comments whose author the API did not name (kept without a person)")
        return read

    def _replies(self, top: Comment, edge: object, locator: str) -> list[Comment]:
        """The replies nested in a comment, and the rest from ``/{comment}/replies`` when
        the nested edge was cut (``paging.next``)."""
        edge = edge if isinstance(edge, Mapping) else {}
        items = [i for i in edge.get("data") or [] if isinstance(i, Mapping)]
        paging = edge.get("paging")
        if isinstance(paging, Mapping) and isinstance(paging.get("next"), str):
            path = f"{top.native_id}/replies"
            params: dict[str, str | int] = {
                "fields": REPLY_FIELDS,
                "limit": self.limits.comments_page,
            }
            items = [i for page in self.client.pages(path, params) for i in page.items]
        replies: dict[str, Comment] = {}
        for item in items:
            try:
                reply = comment_of(item, media_id=top.media_id, parent_id=top.native_id)
            except Unusable as problem:
                self.collector.builder.reject(
                    "interactions", locator=f"{locator} reply", field=problem.field,
                    reason=problem.reason, raw=item,
                )  # fmt: skip
                continue
            replies[reply.native_id] = reply
        return list(replies.values())

    def _authors(self, unnamed: list[Comment]) -> dict[str, Comment]:
        """Comments a page gave without ``username``, looked up by id (``?ids=``)."""
        found: dict[str, Comment] = {}
        for start in range(0, len(unnamed), LOOKUP_BATCH):
            chunk = unnamed[start : start + LOOKUP_BATCH]
            try:
                body = self.client.get(
                    "", {"ids": ",".join(c.native_id for c in chunk), "fields": REPLY_FIELDS}
                )
            except RequestRefused:
                continue
            for comment in chunk:
                item = body.get(comment.native_id)
                if not isinstance(item, Mapping):
                    continue
                try:
                    again = comment_of(item, media_id=comment.media_id, parent_id=comment.parent_id)
                except Unusable:
                    continue
                if again.username is not None or again.author_id is not None:
                    found[comment.native_id] = again
        return found

    def finish(self) -> None:
        for what, number in sorted(self.skipped.items()):
            self.note(f"{what}: {number:,}")
