"""Live pulls from Bluesky with the atproto SDK: an own account, and competitors' public data.

:func:`pull_account` logs in with an app password and reads

* the profile -> the own ``accounts`` row and a ``follower_counts`` observation;
* the author feed -> ``posts`` (the account's reposts are posts with ``repost_of``) and a
  ``post_stats`` observation of every post seen, counts as the AppView gives them now;
* for each post new since the last pull: getLikes, getRepostedBy, getQuotes and the thread's
  replies -> ``interactions`` and ``people`` (the calls are skipped where the count is 0);
* getFollowers -> ``follow`` interactions and ``people``;
* listNotifications -> likes, reposts, follows, replies, mentions and quotes, including those
  on older posts (this is how a later pull learns about them);
* getProfiles of everyone seen -> bios and follower counts (``actor_followers``).

Incremental: the batch's state remembers the newest feed item, the newest notification and
the newest follower; the next pull reads each list only down to those (one page when little
happened), and re-reads the newest page of the feed to observe how counts grew.
:func:`pull_public` does the same without login for competitors, against a public AppView.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rapport.canonical.batch import Batch
from rapport.canonical.builder import BatchBuilder
from rapport.config import AccountRef
from rapport.connectors._bluesky_client import Api, login, public
from rapport.connectors._bluesky_map import Collector, FeedEntry
from rapport.errors import RemoteError, UsageError
from rapport.platforms.bluesky import parse_time

__all__ = ["pull_account", "pull_public"]

Progress = Callable[[str], None]

PAGE_SIZE = 100
"""Items per request (the lexicons' maximum); the tests lower it to exercise pagination."""
THREAD_DEPTH = 50
PROFILE_WAIT_S = 10.0
"""A just-created account is unknown to the AppView for about a second: retry this long."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class _Pull:
    """One pull's shared pieces: the API, the collector, the saved and the new state."""

    def __init__(
        self, api: Api, collector: Collector, state: Mapping[str, str], progress: Progress | None
    ) -> None:
        self.api = api
        self.collector = collector
        self.state = state
        self.new_state: dict[str, str] = {}
        self.progress = progress or (lambda _label: None)
        self.notices: list[str] = []

    def mark(self, key: str) -> dt.datetime | None:
        return parse_time(self.state.get(key))

    def profile(self, actor: str, *, wait: bool) -> Any:
        """getProfile; with ``wait``, retry while the AppView does not know the account yet."""
        waited = 0.0
        while True:
            found = self.api.call(
                f"getProfile {actor}",
                lambda: self.api.client.app.bsky.actor.get_profile({"actor": actor}),
                missing_ok=True,
            )
            if found is not None or not wait or waited >= PROFILE_WAIT_S:
                return found
            self.api.sleep(0.5)
            waited += 0.5

    def feed(self, did: str, *, account: str, handle: str, key: str) -> list[FeedEntry]:
        """Author-feed entries down to the saved mark (the whole feed the first time)."""
        since = self.mark(key)
        entries: list[FeedEntry] = []
        client = self.api.client.app.bsky.feed
        pages = self.api.pages(
            "getAuthorFeed",
            lambda cursor: client.get_author_feed(
                {"actor": did, "limit": PAGE_SIZE, "cursor": cursor}
            ),
            lambda page: page.feed,
        )
        for number, page in enumerate(pages, start=1):
            self.progress(f"@{handle}: posts, page {number}")
            for index, item in enumerate(page.feed):
                locator = f"getAuthorFeed page {number} item {index + 1}"
                entry = self.collector.feed_item(
                    item, account=account, handle=handle, locator=locator
                )
                if entry is not None:
                    entries.append(entry)
            times = [e.sorted_at for e in entries if e.sorted_at is not None]
            if since is not None and times and min(times) <= since:
                break
        newest = max((e.sorted_at for e in entries if e.sorted_at), default=since)
        if newest is not None:
            self.new_state[key] = _iso(max(newest, since) if since else newest)
        return [e for e in entries if since is None or e.sorted_at is None or e.sorted_at > since]


# -- the own account -------------------------------------------------------------------------
def _engagement(pull: _Pull, entry: FeedEntry, *, account: str, handle: str) -> None:
    """Who liked, reposted, quoted and replied to one new post."""
    view, uri, post = entry.view, str(entry.view.uri), entry.post_id
    feed = pull.api.client.app.bsky.feed
    collector = pull.collector
    if view.like_count != 0:
        for page in pull.api.pages(
            "getLikes",
            lambda c: feed.get_likes({"uri": uri, "limit": PAGE_SIZE, "cursor": c}),
            lambda p: p.likes,
        ):
            for like in page.likes:
                collector.interaction(
                    kind="like",
                    actor=like.actor,
                    account=account,
                    post=post,
                    occurred_at=parse_time(like.created_at) or parse_time(like.indexed_at),
                    locator=f"getLikes {uri}",
                )
    if view.repost_count != 0:
        for page in pull.api.pages(
            "getRepostedBy",
            lambda c: feed.get_reposted_by({"uri": uri, "limit": PAGE_SIZE, "cursor": c}),
            lambda p: p.reposted_by,
        ):
            for actor in page.reposted_by:  # no time here; the notification has it
                collector.interaction(
                    kind="repost",
                    actor=actor,
                    account=account,
                    post=post,
                    occurred_at=None,
                    locator=f"getRepostedBy {uri}",
                )
    if view.quote_count != 0:  # None (an older AppView) means unknown: ask
        for page in pull.api.pages(
            "getQuotes",
            lambda c: feed.get_quotes({"uri": uri, "limit": PAGE_SIZE, "cursor": c}),
            lambda p: p.posts,
        ):
            for quoting in page.posts:
                collector.quote(quoting, account=account, locator=f"getQuotes {uri}")
    if view.reply_count != 0:
        thread = pull.api.call(
            f"getPostThread {uri}",
            lambda: feed.get_post_thread({"uri": uri, "depth": THREAD_DEPTH, "parent_height": 0}),
            missing_ok=True,
        )
        if thread is not None:
            collector.thread(
                thread.thread, account=account, handle=handle, locator=f"getPostThread {uri}"
            )


def _followers(pull: _Pull, did: str, *, account: str, key: str) -> None:
    known_top = pull.state.get(key)
    graph = pull.api.client.app.bsky.graph
    pages = pull.api.pages(
        "getFollowers",
        lambda c: graph.get_followers({"actor": did, "limit": PAGE_SIZE, "cursor": c}),
        lambda p: p.followers,
    )
    for number, page in enumerate(pages, start=1):
        pull.progress(f"followers, page {number}")
        if number == 1 and page.followers:
            pull.new_state[key] = str(page.followers[0].did)
        for follower in page.followers:  # newest first; no follow time here
            pull.collector.interaction(
                kind="follow",
                actor=follower,
                account=account,
                post=None,
                occurred_at=None,
                locator=f"getFollowers page {number}",
            )
        if known_top and any(str(f.did) == known_top for f in page.followers):
            break
    if known_top and key not in pull.new_state:
        pull.new_state[key] = known_top


def _notifications(pull: _Pull, *, account: str, key: str) -> int:
    since = pull.mark(key)
    newest = since
    stored = 0
    skipped: dict[str, int] = {}
    notification = pull.api.client.app.bsky.notification
    pages = pull.api.pages(
        "listNotifications",
        lambda c: notification.list_notifications({"limit": PAGE_SIZE, "cursor": c}),
        lambda p: p.notifications,
    )
    for number, page in enumerate(pages, start=1):
        pull.progress(f"notifications, page {number}")
        reached = False
        for note in page.notifications:
            moment = parse_time(note.indexed_at)
            if since is not None and moment is not None and moment <= since:
                reached = True
                continue
            if moment is not None and (newest is None or moment > newest):
                newest = moment
            if pull.collector.notification(note, account=account, locator=f"{note.uri}"):
                stored += 1
            else:
                skipped[str(note.reason)] = skipped.get(str(note.reason), 0) + 1
        if reached:
            break
    if newest is not None:
        pull.new_state[key] = _iso(newest)
    if skipped:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(skipped.items()))
        pull.notices.append(f"notifications of kinds rapport does not store were skipped: {kinds}")
    return stored


def _enrich(pull: _Pull) -> None:
    dids = pull.collector.person_dids()
    actor = pull.api.client.app.bsky.actor
    for start in range(0, len(dids), 25):
        chunk = dids[start : start + 25]
        pull.progress(f"profiles {start + 1}-{start + len(chunk)} of {len(dids)}")
        found = pull.api.call(
            "getProfiles", functools.partial(actor.get_profiles, {"actors": chunk})
        )
        if found is not None:
            pull.collector.enrich(found.profiles)


def pull_account(
    *,
    handle: str,
    app_password: str,
    service: str,
    state: Mapping[str, str],
    progress: Progress | None = None,
    saved: str | None = None,
    keep: Callable[[str], None] | None = None,
) -> Batch:
    """Pull an own account (incremental when ``state`` holds an earlier pull's marks);
    ``saved`` and ``keep``: a session to reuse and where to keep the new one (see
    :func:`~rapport.connectors._bluesky_client.login`)."""
    say = progress or (lambda _label: None)
    say("login")
    session = login(service, handle, app_password, saved=saved, keep=keep)
    collector = Collector(_now(), own_did=session.did)
    pull = _Pull(session.api, collector, state, progress)
    prefix = f"bluesky:{session.did}:"
    try:
        profile = pull.profile(session.did, wait=True)
        if profile is None:
            raise RemoteError(
                service,
                problem=f"@{session.handle} logged in, but the AppView does not know the "
                "account yet (getProfile: not found)",
                fix="nothing was stored; try again in a minute",
            )
        name = session.handle
        account = collector.account(profile, role="own", locator="app.bsky.actor.getProfile")
        new = pull.feed(session.did, account=account, handle=name, key=prefix + "feed_seen")
        for index, entry in enumerate(e for e in new if not e.is_repost):
            say(f"who engaged with post {index + 1}")
            _engagement(pull, entry, account=account, handle=name)
        _followers(pull, session.did, account=account, key=prefix + "followers_top")
        notes = _notifications(pull, account=account, key=prefix + "notifications_seen")
        _enrich(pull)
    finally:
        session.api.close()
    if prefix + "feed_seen" in state:
        pull.notices.append(
            f"incremental pull (since {state[prefix + 'feed_seen']}): "
            f"{len(new)} new feed item(s), {notes} new notification(s)"
        )
    return _batch(pull, source="bluesky_api", origin=f"Bluesky @{name} ({service})")


def _batch(pull: _Pull, *, source: str, origin: str) -> Batch:
    builder = BatchBuilder(source=source, origin=origin)
    pull.collector.emit(builder)
    for notice in pull.notices:
        builder.note(notice)
    builder.state.update(pull.new_state)
    return builder.build()


# -- competitors -----------------------------------------------------------------------------
def pull_public(
    accounts: Sequence[AccountRef],
    *,
    service: str,
    state: Mapping[str, str],
    progress: Progress | None = None,
) -> Batch:
    """Competitors' profiles, posts and counts from a public AppView (no login)."""
    api = public(service)
    pull = _Pull(api, Collector(_now()), state, progress)
    missing: list[str] = []
    try:
        for ref in accounts:
            actor = (ref.account_id or "").removeprefix("bluesky:") or ref.handle.lstrip("@")
            pull.progress(f"@{ref.handle}")
            profile = pull.profile(actor, wait=False)
            if profile is None:
                missing.append(ref.handle)
                continue
            did = str(profile.did)
            handle = profile.handle if profile.handle != "handle.invalid" else did
            account = pull.collector.account(
                profile, role="competitor", locator=f"getProfile {actor}"
            )
            pull.feed(did, account=account, handle=handle, key=f"bluesky-public:{did}:feed_seen")
    finally:
        api.close()
    if missing and len(missing) == len(accounts):
        raise UsageError(
            f"{service}: none of the Bluesky competitors in rapport.toml was found "
            f"({', '.join(missing)}); check their handles"
        )
    if missing:
        pull.notices.append(
            f"not found on {service}, so not pulled: {', '.join(missing)} (check the handles "
            "in rapport.toml)"
        )
    return _batch(pull, source="bluesky_public", origin=f"Bluesky competitors ({service})")
