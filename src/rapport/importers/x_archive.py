"""X (Twitter) account archives since 2018: ``tweets.js`` or ``tweet.js`` and the files beside it.

What is imported, what is not and why: docs/sources/x.md. In short: the own account
(manifest.js, account.js), every tweet as a post (retweets with ``repost_of``) with its
like and retweet counts observed at the archive's generation date, each follower as a
``follow`` interaction, and the people the account follows. The account's own likes
(like.js) and deleted tweets are counted in notices, not stored.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from rapport.canonical.batch import Batch
from rapport.canonical.builder import BatchBuilder, newest
from rapport.canonical.ids import hashed_interaction_id
from rapport.importers._base import ImportOptions, register
from rapport.importers._gc import without_gc
from rapport.importers._x_js import count_value, id_value, parse_x_time
from rapport.importers._x_layout import (
    MANIFEST,
    PATTERNS,
    ArchiveFiles,
    Manifest,
    load_manifest,
    load_records,
    locate,
    missing_files,
    recognised,
)
from rapport.importers._x_tweets import (
    Owner,
    PostColumns,
    TweetProblem,
    describe,
    handle_account_id,
    tweet_post,
)
from rapport.localtime import EXPORT_KEY, from_platform_name

__all__ = ["detect", "read"]

NAME = "x_archive"


def detect(path: Path) -> float:
    """1 for a folder with X's manifest.js, 0.9 for other X archive files, else 0."""
    kinds = recognised(path)
    if MANIFEST in kinds and path.is_dir():
        return 1.0
    return 0.9 if kinds else 0.0


@register(
    NAME,
    description="an X (Twitter) archive: data/tweets.js (or tweet.js, split parts), "
    "account.js, follower.js, following.js, like.js, manifest.js",
    detect=detect,
    names=PATTERNS,
)
@without_gc
def read(path: Path, options: ImportOptions) -> Batch:
    files = locate(path)
    builder = BatchBuilder(
        source=NAME, origin=options.origin or path.name, root=path if path.is_dir() else path.parent
    )
    manifest = load_manifest(builder, files.manifest) if files.manifest else None
    account = _account_record(builder, files)
    owner = _owner(builder, files, manifest, account, options)
    deleted, deleted_count = _deleted_ids(builder, files)
    posts = PostColumns()
    times, superseded_ids = _read_tweets(builder, files, owner, posts, deleted=deleted)
    observed_at = _observed_at(builder, manifest, times)
    followers, follower_count = _read_followers(builder, files, owner)
    _read_following(builder, files, followers)
    builder.add(
        "accounts",
        {
            "account_id": owner.account_id,
            "platform": "x",
            "handle": owner.handle,
            "display_name": owner.display_name,
            "role": "own",
            "followers": follower_count,
            "url": owner.url,
            "created_at": owner.created_at,
        },
        locator=_owner_locator(builder, files),
    )
    if follower_count is not None and observed_at is not None:
        builder.add(
            "follower_counts",
            {
                "account_id": owner.account_id,
                "observed_at": observed_at,
                "followers": follower_count,
            },
            locator=builder.label(files.of("follower")[0]),
        )
    _count_likes(builder, files)
    if deleted_count:
        builder.note(
            f"deleted-tweets.js: {deleted_count:,} deleted tweet(s) skipped; deleted "
            "tweets are not posts"
        )
    if manifest is not None and manifest.partial:
        builder.note("manifest.js marks this archive as partial (isPartialArchive)")
    builder.missing(missing_files(files, manifest))
    batch = builder.build()
    superseded = posts.exclude(superseded_ids)
    if superseded:
        batch.notices.append(
            f"{superseded:,} earlier version(s) of edited tweets skipped; the latest "
            "version is the post"
        )
    posts.merge_into(batch, observed_at=observed_at)
    zone = _zone(builder, files)
    if zone is not None:
        batch.state[f"{EXPORT_KEY}{NAME}"] = zone
    return batch


def _zone(builder: BatchBuilder, files: ArchiveFiles) -> str | None:
    """The zone account-timezone.js names, as an IANA name (X uses Rails' names such as
    "Berlin" or "Pacific Time (US & Canada)"); None when absent or unknown."""
    for path in files.of("account_timezone"):
        for record in list(load_records(builder, path, wrapper="accountTimezone")):
            name = record.get("timeZone") if isinstance(record, dict) else None
            if isinstance(name, str):
                found = from_platform_name(name)
                if found is None:
                    builder.note(f"{builder.label(path)}: time zone {name!r} is not one rapport "
                                 "knows; set timezone in rapport.toml")  # fmt: skip
                return found
    return None


def _account_record(builder: BatchBuilder, files: ArchiveFiles) -> dict[str, Any] | None:
    for path in files.of("account"):
        for record in list(load_records(builder, path, wrapper="account")):
            if isinstance(record, dict):
                return record
    return None


def _owner(
    builder: BatchBuilder,
    files: ArchiveFiles,
    manifest: Manifest | None,
    account: dict[str, Any] | None,
    options: ImportOptions,
) -> Owner:
    """Who wrote the archive: account.js, else manifest.js, else the workspace's account."""
    account = account or {}
    account_id = id_value(account.get("accountId")) or (manifest.account_id if manifest else None)
    handle = _text(account.get("username")) or (manifest.handle if manifest else None)
    display = _text(account.get("accountDisplayName")) or (
        manifest.display_name if manifest else None
    )
    created_at = None
    if isinstance(account.get("createdAt"), str):
        try:
            created_at = parse_x_time(account["createdAt"])
        except ValueError:
            builder.note(f"account.js: createdAt {describe(account['createdAt'])} is not a date")
    if account_id is not None and handle is not None:
        return Owner(f"x:{account_id}", handle, display, created_at)
    first = next(iter(files.of(*files.parts)), files.manifest)
    label = builder.label(first) if first else "the archive"
    known = options.own_account("x", file=label)
    handle = known.handle.lstrip("@")
    if account_id is not None:
        return Owner(f"x:{account_id}", handle, display, created_at)
    return Owner(known.account_id or handle_account_id(handle), handle, display, created_at)


def _owner_locator(builder: BatchBuilder, files: ArchiveFiles) -> str:
    source = files.of("account") or ([files.manifest] if files.manifest else [])
    return builder.label(source[0]) if source else "the account option"


def _deleted_ids(builder: BatchBuilder, files: ArchiveFiles) -> tuple[set[str], int]:
    """The ids in deleted-tweets.js (never posts), and how many records it holds."""
    deleted: set[str] = set()
    count = 0
    for path in files.of("deleted_tweets"):
        for record in load_records(builder, path, wrapper="tweet"):
            count += 1
            native = id_value(record.get("id_str")) if isinstance(record, dict) else None
            if native is not None:
                deleted.add(native)
    return deleted, count


def _read_tweets(
    builder: BatchBuilder,
    files: ArchiveFiles,
    owner: Owner,
    posts: PostColumns,
    *,
    deleted: set[str],
) -> tuple[list[dt.datetime | None], set[str]]:
    """Every tweet of tweets.js / tweet.js and their parts into ``posts``.

    Returns the newest tweet time per file and the ids of earlier versions of edited
    tweets (dropped once every part has been read: versions may sit in different parts).
    """
    superseded: set[str] = set()
    newest_per_file: list[dt.datetime | None] = []
    for path in files.of("tweets", "tweet"):
        label = builder.label(path)
        latest: dt.datetime | None = None
        for index, tweet in enumerate(load_records(builder, path, wrapper="tweet"), start=1):
            if not isinstance(tweet, dict):
                builder.reject(
                    "posts",
                    locator=f"{label} item {index}",
                    reason=f"expected a tweet object, found {describe(tweet)}",
                    raw=tweet,
                )
                continue
            locator = f"{label} item {index}"
            try:
                post = tweet_post(tweet, owner)
            except TweetProblem as problem:
                builder.reject(
                    "posts", locator=locator, field=problem.field, reason=problem.reason, raw=tweet
                )
                continue
            if deleted and post["post_id"][2:] in deleted:
                continue
            edits = _superseded(tweet)
            if edits:
                superseded.update(edits)
            likes = reposts = None  # a retweet's counts are the original's, not the account's
            if post["repost_of"] is None:
                try:
                    likes = _count(tweet, "favorite_count")
                    reposts = _count(tweet, "retweet_count")
                except TweetProblem as problem:  # the post is fine; only its counts are not
                    likes = reposts = None
                    builder.reject(
                        "post_stats",
                        locator=locator,
                        field=problem.field,
                        reason=problem.reason,
                        raw=tweet,
                    )
            posts.add(post, locator=locator, likes=likes, reposts=reposts)
            created = post["created_at"]
            if latest is None or created > latest:
                latest = created
        newest_per_file.append(latest)
    return newest_per_file, superseded


def _count(tweet: dict[str, Any], name: str) -> int | None:
    value = tweet.get(name)
    if value is None:
        return None
    count = count_value(value)
    if count is None:
        raise TweetProblem(name, f'expected a count such as "12", found {describe(value)}')
    return count


def _superseded(tweet: dict[str, Any]) -> list[str]:
    """Ids of earlier versions of an edited tweet (all but the last of its editTweetIds)."""
    info = tweet.get("edit_info")
    if not isinstance(info, dict):
        return []
    control = info.get("initial")
    edit = info.get("edit")
    if isinstance(edit, dict):
        control = edit.get("editControlInitial")
    ids = control.get("editTweetIds") if isinstance(control, dict) else None
    if not isinstance(ids, list) or len(ids) < 2:
        return []
    versions = [native for native in map(id_value, ids) if native is not None]
    return [f"x:{native}" for native in versions[:-1] if native != versions[-1]]


def _observed_at(
    builder: BatchBuilder, manifest: Manifest | None, times: list[dt.datetime | None]
) -> dt.datetime | None:
    """When the archive's counts were observed: manifest.js's generationDate, else the
    newest tweet."""
    if manifest is not None and manifest.generated_at is not None:
        return manifest.generated_at
    moment = newest(times)
    if manifest is not None and manifest.generation_date is not None:
        builder.note(
            f"manifest.js: generationDate {manifest.generation_date!r} is not a date; counts "
            "are observed at the newest tweet's time instead"
        )
    elif moment is not None:
        builder.note(
            f"no manifest.js: counts are observed at the newest tweet's time, "
            f"{moment:%Y-%m-%dT%H:%M:%SZ}"
        )
    return moment


def _read_followers(
    builder: BatchBuilder, files: ArchiveFiles, owner: Owner
) -> tuple[dict[str, dict[str, Any]], int | None]:
    """One ``follow`` interaction and one person per follower.

    Returns the people by id and the follower count: every follower listed, a record that
    had to be quarantined included (None when the archive has no follower.js).
    """
    people: dict[str, dict[str, Any]] = {}
    unreadable = 0
    for path in files.of("follower"):
        label = builder.label(path)
        for index, record in enumerate(load_records(builder, path, wrapper="follower"), start=1):
            locator = f"{label} item {index}"
            person = _person(builder, record, locator=locator, table="interactions")
            if person is None:
                unreadable += 1
                continue
            if person["person_id"] in people:
                continue
            people[person["person_id"]] = person
            builder.add(
                "interactions",
                {
                    "interaction_id": hashed_interaction_id(
                        "x", "follow", person["person_id"], owner.account_id
                    ),
                    "platform": "x",
                    "kind": "follow",
                    "person_id": person["person_id"],
                    "account_id": owner.account_id,
                },
                locator=locator,
            )
            builder.add("people", person, locator=locator)
    return people, (len(people) + unreadable if files.of("follower") else None)


def _read_following(builder: BatchBuilder, files: ArchiveFiles, followers: dict[str, Any]) -> None:
    """The people the account follows (people rows, not interactions)."""
    seen = set(followers)
    for path in files.of("following"):
        label = builder.label(path)
        for index, record in enumerate(load_records(builder, path, wrapper="following"), start=1):
            locator = f"{label} item {index}"
            person = _person(builder, record, locator=locator, table="people")
            if person is not None and person["person_id"] not in seen:
                seen.add(person["person_id"])
                builder.add("people", person, locator=locator)


def _person(
    builder: BatchBuilder, record: object, *, locator: str, table: str
) -> dict[str, Any] | None:
    if not isinstance(record, dict):
        builder.reject(
            table,
            locator=locator,
            reason=f"expected an object, found {describe(record)}",
            raw=record,
        )
        return None
    native = id_value(record.get("accountId"))
    if native is None:
        builder.reject(
            table,
            locator=locator,
            field="accountId",
            reason=f"expected a numeric account id, found {describe(record.get('accountId'))}",
            raw=record,
        )
        return None
    link = record.get("userLink")
    return {
        "person_id": f"x:{native}",
        "platform": "x",
        "url": link if isinstance(link, str) and link else None,
    }


def _count_likes(builder: BatchBuilder, files: ArchiveFiles) -> None:
    likes = sum(
        sum(1 for _ in load_records(builder, path, wrapper="like")) for path in files.of("like")
    )
    if files.of("like"):
        builder.note(
            f"like.js: {likes:,} like(s) the account gave to other people's posts not imported; "
            "rapport stores what people do to the account, not what it does to others"
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
