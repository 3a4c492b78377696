"""Live pulls of a YouTube channel through the YouTube Data API v3 (plain httpx, no SDK).

:func:`pull_channel` reads, with an API key or an OAuth token:

1. ``channels.list?part=snippet,statistics,contentDetails`` (by ``id=UC…`` or
   ``forHandle=@…``) -> the own ``accounts`` row and a ``follower_counts`` observation;
2. the uploads playlist (``contentDetails.relatedPlaylists.uploads``, else ``UU`` + the id's
   tail) with ``playlistItems.list``, newest first, page by page;
3. ``videos.list?part=snippet,statistics,contentDetails`` for up to 50 ids a call -> a
   ``posts`` row per video and a ``post_stats`` observation per video per pull;
4. for each video whose ``commentCount`` changed since the last pull,
   ``commentThreads.list?videoId=…&part=snippet,replies&order=time`` (every page), and
   ``comments.list?parentId=…`` for a thread whose ``totalReplyCount`` is larger than the
   replies it came with -> ``reply`` interactions and ``people``; the channel's own
   comments become own posts answering what they reply to (see
   :mod:`rapport.connectors._youtube_map`).

**Sync state** (``Batch.state``, stored by the caller with the data in one transaction):

* ``youtube:<channel id>:videos``: the ids of the uploads seen, newest first, separated by
  spaces. A later pull reads the uploads playlist only until a page holds a known id, so it
  reads only new uploads (one page when there are few), and asks videos.list for the counts
  of all of them (1 unit per 50 videos);
* ``youtube:<channel id>:comments:<video id>``: the video's ``commentCount`` when its threads
  were last read. A later pull reads the threads of a video only when that count differs
  (a new comment or reply, or a deleted one), so an unchanged channel costs no
  commentThreads.list call at all;
* ``youtube:<channel id>:pulled_at``: when the last pull observed the counts.

Idempotent: every row has its native id (``youtube:<id>``), so a re-pull of the same data
changes nothing, and counts that did not move add no history row (``post_stats`` and
``follower_counts`` keep only changed observations). A pull that fails half-way raises
before returning a batch, so nothing is stored and the next pull starts from the last state.

**Quota**: every list call costs 1 unit of the project's :data:`QUOTA_PER_DAY`; the batch
carries a note with the units this pull spent, by endpoint. What is mapped from where, and
the errors: docs/sources/youtube.md.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rapport.canonical.batch import Batch
from rapport.canonical.builder import BatchBuilder
from rapport.connectors._youtube_client import QUOTA_PER_DAY, Client, Skipped, connect
from rapport.connectors._youtube_map import Collector, count
from rapport.errors import RemoteError, UsageError

__all__ = ["QUOTA_PER_DAY", "Limits", "pull_channel"]

Progress = Callable[[str], None]
_CHANNEL_ID = re.compile(r"\AUC[\w-]{22}\Z")
_HANDLE = re.compile(r"\A@[\w.\-]{3,30}\Z")


@dataclass(frozen=True)
class Limits:
    """How much one pull reads: page sizes (the API's maxima by default) and caps."""

    playlist_page: int = 50
    videos_per_call: int = 50
    threads_page: int = 100
    replies_page: int = 100
    uploads: int = 1_000
    """Uploads followed: a first pull reads the newest this many; later pulls check the
    counts of this many."""
    threads: int = 10_000
    """Comment threads read per video and pull."""
    replies: int = 2_000
    """Replies read per thread with comments.list."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _credentials(api_key: str | None, oauth_token: str | None) -> tuple[str | None, str | None]:
    key = api_key.strip() if api_key is not None else None
    token = oauth_token.strip() if oauth_token is not None else None
    if (key is None) == (token is None):
        raise UsageError("give exactly one of a YouTube API key or an OAuth access token")
    if key == "" or token == "":
        raise UsageError("the YouTube API key or OAuth token is empty")
    return key, token


def _channel_query(channel: str) -> dict[str, str]:
    text = channel.strip()
    if text.startswith("https://") or text.startswith("http://"):
        text = text.rstrip("/").rsplit("/", 1)[-1]
    if _CHANNEL_ID.match(text):
        return {"id": text}
    if _HANDLE.match(text):
        return {"forHandle": text}
    raise UsageError(
        f"{channel!r} is not a YouTube channel: give its channel id (UC followed by 22 "
        "letters, digits, - or _; shown under Settings → Advanced settings in YouTube Studio) "
        "or its @handle"
    )


@dataclass
class _Pull:
    client: Client
    collector: Collector
    state: Mapping[str, str]
    prefix: str
    limits: Limits
    say: Progress
    builder: BatchBuilder

    def uploads(self, playlist: str) -> list[str]:
        """Video ids of the uploads playlist, newest first, down to the first known one."""
        known = set(self.state.get(self.prefix + "videos", "").split())
        found: list[str] = []
        params = {
            "playlistId": playlist,
            "part": "snippet,contentDetails",
            "maxResults": str(self.limits.playlist_page),
        }
        try:
            for number, page in enumerate(
                self.client.pages("playlistItems", params, cap=self.limits.uploads), start=1
            ):
                self.say(f"uploads, page {number}")
                ids = [_video_of(item) for item in page.items]
                found.extend(i for i in ids if i and i not in found)
                if known.intersection(i for i in ids if i):
                    break
        except Skipped:
            self.builder.note(f"the uploads playlist {playlist} was not found: no videos read")
        return found

    def videos(self, ids: list[str]) -> dict[str, Mapping[str, Any]]:
        """videos.list for ``ids`` (50 a call): the channel's videos that came back."""
        returned: dict[str, Mapping[str, Any]] = {}
        step = self.limits.videos_per_call
        for start in range(0, len(ids), step):
            chunk = ids[start : start + step]
            self.say(f"counts of videos {start + 1}-{start + len(chunk)} of {len(ids)}")
            params = {"id": ",".join(chunk), "part": "snippet,statistics,contentDetails"}
            try:
                body = self.client.get("videos", params)
            except Skipped:
                continue
            for item in body.get("items") or []:
                if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
                    continue
                snippet = item.get("snippet") or {}
                if item["id"] in chunk or snippet.get("channelId") == self.collector.channel:
                    returned[item["id"]] = item
        missing = [i for i in ids if i not in returned]
        if missing:
            self.builder.note(
                f"{len(missing)} upload(s) were not returned by videos.list (private, deleted "
                f"or still processing), so not stored: {', '.join(missing[:10])}"
                + (" …" if len(missing) > 10 else "")
            )
        return returned

    def comments(self, video_id: str, title: str) -> bool:
        """Every comment thread of one video (and replies beyond those nested); False when
        the API refused the video's comments (then noted)."""
        params = {
            "videoId": video_id,
            "part": "snippet,replies",
            "order": "time",
            "maxResults": str(self.limits.threads_page),
        }
        seen: set[str] = set()
        try:
            for number, page in enumerate(
                self.client.pages("commentThreads", params, cap=self.limits.threads), start=1
            ):
                for index, thread in enumerate(page.items, start=1):
                    self._thread(thread, video_id, seen, f"{number}:{index}")
        except Skipped as skipped:
            self.builder.note(
                f"video {video_id} ({title}): {skipped.why} ({skipped.reason}), so its "
                "comments were skipped; the rest was pulled"
            )
            return False
        return True

    def _thread(self, thread: Mapping[str, Any], video_id: str, seen: set[str], at: str) -> None:
        thread_id = thread.get("id")
        snippet = thread.get("snippet")
        if not isinstance(thread_id, str) or thread_id in seen or not isinstance(snippet, Mapping):
            return  # a page repeating an earlier one (seen in recorded answers)
        seen.add(thread_id)
        locator = f"commentThreads.list videoId={video_id} page:item {at}"
        top = snippet.get("topLevelComment")
        if isinstance(top, Mapping):
            self.collector.comment(top, video_id=video_id, parent=None, locator=locator)
        nested = (thread.get("replies") or {}).get("comments") or []
        for reply in nested:
            if isinstance(reply, Mapping):
                self.collector.comment(reply, video_id=video_id, parent=thread_id, locator=locator)
        if (count(snippet.get("totalReplyCount")) or 0) > len(nested):
            self._replies(thread_id, video_id)

    def _replies(self, thread_id: str, video_id: str) -> None:
        params = {
            "parentId": thread_id,
            "part": "snippet",
            "maxResults": str(self.limits.replies_page),
        }
        try:
            for number, page in enumerate(
                self.client.pages("comments", params, cap=self.limits.replies), start=1
            ):
                for reply in page.items:
                    self.collector.comment(
                        reply,
                        video_id=video_id,
                        parent=thread_id,
                        locator=f"comments.list parentId={thread_id} page {number}",
                    )
        except Skipped as skipped:
            self.builder.note(f"replies to comment {thread_id}: {skipped.why}, so skipped")


def _video_of(item: Mapping[str, Any]) -> str | None:
    details = item.get("contentDetails") or {}
    resource = (item.get("snippet") or {}).get("resourceId") or {}
    video = details.get("videoId") or resource.get("videoId")
    return video if isinstance(video, str) and video else None


def _channel(client: Client, channel: str) -> Mapping[str, Any]:
    query = _channel_query(channel)
    params = {"part": "snippet,statistics,contentDetails", **query}
    try:
        body = client.get("channels", params)
    except Skipped:
        body = {}
    items = [i for i in body.get("items") or [] if isinstance(i, Mapping)]
    wanted = query.get("id")
    for item in items:
        if isinstance(item.get("id"), str) and (wanted is None or item["id"] == wanted):
            return item
    raise RemoteError(
        "YouTube",
        problem=f"no channel {channel.strip()} was found (channels.list answered none)",
        fix="check the channel id (UC… under Settings → Advanced settings in YouTube Studio) "
        "or the @handle",
    )


def pull_channel(
    *,
    channel: str,
    api_key: str | None = None,
    oauth_token: str | None = None,
    state: Mapping[str, str],
    progress: Callable[[str], None] | None = None,
    base_url: str = "https://www.googleapis.com/youtube/v3",
    limits: Limits | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> Batch:
    """Pull a YouTube channel's uploads, counts, comments and replies (incremental from
    ``state``); exactly one of ``api_key`` and ``oauth_token``."""
    key, token = _credentials(api_key, oauth_token)
    say = progress or (lambda _label: None)
    limits = limits or Limits()
    client = connect(base_url, api_key=key, oauth_token=token, clock=clock or _now)
    builder = BatchBuilder(source="youtube_api", origin=f"YouTube Data API {base_url}")
    try:
        say("channel")
        item = _channel(client, channel)
        channel_id = str(item["id"])
        prefix = f"youtube:{channel_id}:"
        collector = Collector(channel_id, client.observed_at())
        collector.account(item, locator="channels.list")
        pull = _Pull(client, collector, state, prefix, limits, say, builder)
        playlist = ((item.get("contentDetails") or {}).get("relatedPlaylists") or {}).get(
            "uploads"
        ) or "UU" + channel_id[2:]
        known = state.get(prefix + "videos", "").split()
        new = pull.uploads(str(playlist))
        ids = list(dict.fromkeys([*new, *known]))[: limits.uploads]
        videos = pull.videos(ids)
        new_state = {prefix + "videos": " ".join(ids)}
        read = 0
        for number, (video_id, video) in enumerate(videos.items(), start=1):
            snippet = video.get("snippet") or {}
            collector.video(
                video_id,
                snippet,
                published=snippet.get("publishedAt")
                or (video.get("contentDetails") or {}).get("videoPublishedAt"),
                locator=f"videos.list id={video_id}",
            )
            statistics = video.get("statistics") or {}
            collector.stats(video_id, statistics, locator=f"videos.list id={video_id}")
            comments = count(statistics.get("commentCount"))
            mark = prefix + f"comments:{video_id}"
            if comments is None:
                continue  # comments turned off or hidden: the API gives no count
            new_state[mark] = str(comments)
            if state.get(mark) == str(comments) or (comments == 0 and mark not in state):
                continue
            say(f"comments on video {number} of {len(videos)}")
            pull.comments(video_id, str(snippet.get("title") or video_id))
            read += 1
        observed = collector.observed_at
        new_state[prefix + "pulled_at"] = _iso(observed)
    finally:
        client.close()
    collector.emit(builder)
    if prefix + "pulled_at" in state:
        builder.note(
            f"incremental pull (since {state[prefix + 'pulled_at']}): "
            f"{sum(1 for i in new if i not in known)} new upload(s), comments read on {read} "
            "video(s) whose comment count changed"
        )
    builder.note(client.quota_note())
    builder.state.update(new_state)
    return builder.build()
