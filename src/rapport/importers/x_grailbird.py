"""Pre-2018 X (Twitter) "Grailbird" archives: ``tweets.csv`` and ``data/js/tweets/YYYY_MM.js``.

``tweets.csv`` holds every tweet; the monthly ``Grailbird.data.tweets_YYYY_MM = [...]``
files hold richer copies (entities, the retweeted status) and may cover only some months.
Tweets are the union of both by id, the monthly file's values winning where both have one.
These archives carry no like or retweet counts and no followers. See docs/sources/x.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rapport.canonical.batch import Batch
from rapport.canonical.builder import BatchBuilder
from rapport.errors import UnreadableFile, WrongFormat
from rapport.importers._archive import find_files
from rapport.importers._base import ImportOptions, register
from rapport.importers._csv import csv_problem
from rapport.importers._gc import without_gc
from rapport.importers._x_js import (
    assignment_name,
    count_value,
    id_value,
    load_assignment,
    parse_x_time,
    read_head,
)
from rapport.importers._x_tweets import (
    Owner,
    PostColumns,
    TweetProblem,
    describe,
    handle_account_id,
    tweet_post,
)

__all__ = ["detect", "read"]

NAME = "x_grailbird"
_MONTH_VARIABLE = re.compile(r"Grailbird\.data\.tweets_\d{4}_\d{2}\Z")
_REQUIRED_COLUMNS = ("tweet_id", "timestamp", "text")
_CSV_FIELDS = {
    "id_str": "tweet_id",
    "created_at": "timestamp",
    "text": "text",
    "in_reply_to_status_id_str": "in_reply_to_status_id",
    "id": "retweeted_status_id",
}
"""The tweets.csv column behind each tweet field (to name the column in messages)."""
_HASHTAG = re.compile(r"(?<![\w&#])#(\w+)")
_MEDIA_URL = re.compile(r"https?://(?:www\.)?(?:twitter|x)\.com/\w+/status/\d+/(photo|video)/\d+")


def _is_tweets_csv(path: Path) -> bool:
    first_line = read_head(path, 1024).lstrip("\ufeff").splitlines()[:1]
    if not first_line:
        return False
    header = next(csv.reader(first_line), [])
    return all(column in header for column in _REQUIRED_COLUMNS)


def _is_month_file(path: Path) -> bool:
    name = assignment_name(read_head(path, 128))
    return name is not None and _MONTH_VARIABLE.match(name) is not None


def detect(path: Path) -> float:
    """1 for a folder holding a Grailbird tweets.csv or monthly file, 0.9 for such a file."""
    if path.is_file():
        return 0.9 if _is_tweets_csv(path) or _is_month_file(path) else 0.0
    if any(_is_tweets_csv(p) for p in find_files(path, "tweets.csv")):
        return 1.0
    return 1.0 if any(_is_month_file(p) for p in find_files(path, "tweets/*.js")) else 0.0


@register(
    NAME,
    description="a pre-2018 X (Twitter) archive: tweets.csv and data/js/tweets/YYYY_MM.js",
    detect=detect,
    names=("tweets.csv",),
)
@without_gc
def read(path: Path, options: ImportOptions) -> Batch:
    lone = path.is_file()
    csv_files, month_files = _locate(path)
    builder = BatchBuilder(
        source=NAME, origin=options.origin or path.name, root=path.parent if lone else path
    )
    details_file, details = _user_details(builder, path)
    month_tweets = [
        (f"{builder.label(file)} item {index}", tweet)
        for file in month_files
        for index, tweet in enumerate(_month(builder, file), start=1)
    ]
    owner = _owner(builder, details, month_tweets, csv_files + month_files, options)
    posts: dict[str, tuple[str, dict[str, Any]]] = {}
    for csv_file in csv_files:
        for locator, row in _csv_rows(builder, csv_file):
            post = _post(builder, _tweet_of_row(row), owner, locator=locator, csv_row=True)
            if post is not None:
                posts[post["post_id"]] = (locator, post)
    for locator, tweet in month_tweets:
        post = _post(builder, tweet, owner, locator=locator, csv_row=False)
        if post is None:
            continue
        earlier = posts.get(post["post_id"])
        if earlier is not None:
            merged = {**earlier[1], **{k: v for k, v in post.items() if v is not None}}
            posts[post["post_id"]] = (earlier[0], merged)
        else:
            posts[post["post_id"]] = (locator, post)
    builder.add(
        "accounts",
        {
            "account_id": owner.account_id,
            "platform": "x",
            "handle": owner.handle,
            "display_name": owner.display_name,
            "role": "own",
            "url": owner.url,
            "created_at": owner.created_at,
        },
        locator=details_file or "the account option",
    )
    _check_count(builder, path, len(posts))
    if not lone and not csv_files:
        builder.missing(["tweets.csv"])
    builder.note("Grailbird archives hold no like or retweet counts and no followers")
    columns = PostColumns()
    for locator, post in posts.values():
        columns.add(post, locator=locator, likes=None, reposts=None)
    batch = builder.build()
    columns.merge_into(batch, observed_at=None)
    return batch


def _locate(path: Path) -> tuple[list[Path], list[Path]]:
    if path.is_file():
        if _is_tweets_csv(path):
            return [path], []
        if _is_month_file(path):
            return [], [path]
        raise WrongFormat(
            path,
            expected="a Grailbird tweets.csv (columns tweet_id, timestamp, text …) or a "
            "data/js/tweets/YYYY_MM.js file",
            found=f"a file that starts with {read_head(path, 40).strip()!r}",
        )
    csv_files = find_files(path, "tweets.csv")
    for file in csv_files:
        if not _is_tweets_csv(file):
            header = read_head(file, 80).splitlines()[:1]
            raise WrongFormat(
                file,
                expected="Grailbird's tweets.csv with the columns tweet_id, timestamp, text",
                found=f"the header {header[0]!r}" if header else "an empty file",
            )
    month_files = [p for p in find_files(path, "tweets/*.js") if _is_month_file(p)]
    if not csv_files and not month_files:
        raise WrongFormat(
            path,
            expected="a Grailbird archive (tweets.csv, data/js/tweets/YYYY_MM.js)",
            found="neither",
            fix="unzip the archive, or name the right format",
            option="format",
        )
    return csv_files, month_files


def _month(builder: BatchBuilder, path: Path) -> list[Any]:
    value = load_assignment(builder, path, expected="a Grailbird monthly tweets file").value
    if not isinstance(value, list):
        raise WrongFormat(
            path, expected="a list of tweets after `Grailbird.data.tweets_…`", found=describe(value)
        )
    return value


def _csv_rows(builder: BatchBuilder, path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    label = builder.label(path)
    reader = csv.DictReader(io.StringIO(builder.read_text(path), newline=""))
    try:
        for index, row in enumerate(reader, start=1):
            yield f"{label} row {index}", row
    except csv.Error as exc:
        raise UnreadableFile(path, reason=csv_problem(exc, line=reader.line_num)) from None


def _tweet_of_row(row: dict[str, Any]) -> dict[str, Any]:
    """A tweets.csv row in the shape of a tweet object (so one mapping serves both)."""
    text = row.get("text")
    links: list[dict[str, str]] = []
    media: list[dict[str, str]] = []
    urls = row.get("expanded_urls")
    for url in urls.split(",") if isinstance(urls, str) else []:
        url = url.strip()
        if url:
            (media if _MEDIA_URL.match(url) else links).append({"expanded_url": url})
    tags = _HASHTAG.findall(html.unescape(text)) if isinstance(text, str) else []
    retweeted = row.get("retweeted_status_id")
    return {
        "id_str": row.get("tweet_id"),
        "created_at": row.get("timestamp"),
        "text": text,
        "in_reply_to_status_id_str": row.get("in_reply_to_status_id"),
        "retweeted_status": {"id": retweeted} if retweeted else None,
        "entities": {
            "urls": links,
            "media": media,
            "hashtags": [{"text": tag} for tag in tags if not tag.isdigit()],
        },
    }


def _post(
    builder: BatchBuilder,
    tweet: object,
    owner: Owner,
    *,
    locator: str,
    csv_row: bool,
) -> dict[str, Any] | None:
    if not isinstance(tweet, dict):
        builder.reject(
            "posts", locator=locator, reason=f"expected a tweet, found {describe(tweet)}", raw=tweet
        )
        return None
    try:
        return tweet_post(tweet, owner)
    except TweetProblem as problem:
        field = _CSV_FIELDS.get(problem.field, problem.field) if csv_row else problem.field
        builder.reject("posts", locator=locator, field=field, reason=problem.reason, raw=tweet)
        return None


def _user_details(builder: BatchBuilder, path: Path) -> tuple[str | None, dict[str, Any] | None]:
    """user_details.js (where it is, what it says), when the archive has one."""
    for file in [] if path.is_file() else find_files(path, "user_details.js"):
        value = load_assignment(builder, file, expected="Grailbird's user_details.js").value
        if isinstance(value, dict):
            return builder.label(file), value
    return None, None


def _owner(
    builder: BatchBuilder,
    details: dict[str, Any] | None,
    month_tweets: list[tuple[str, Any]],
    files: list[Path],
    options: ImportOptions,
) -> Owner:
    """user_details.js, else the ``user`` of the monthly files' tweets, else the workspace's."""
    sources: list[tuple[object, object, object, object]] = []
    if details is not None:
        sources.append(
            (
                details.get("id"),
                details.get("screen_name"),
                details.get("full_name"),
                details.get("created_at"),
            )
        )
    for _, tweet in month_tweets[:1]:
        user = tweet.get("user") if isinstance(tweet, dict) else None
        if isinstance(user, dict):
            sources.append((user.get("id_str"), user.get("screen_name"), user.get("name"), None))
    for native_id, handle, name, created in sources:
        native = id_value(native_id)
        if native is not None and isinstance(handle, str) and handle:
            return Owner(f"x:{native}", handle, _text(name), _time(builder, created))
    known = options.own_account("x", file=builder.label(files[0]))
    handle = known.handle.lstrip("@")
    return Owner(known.account_id or handle_account_id(handle), handle)


def _time(builder: BatchBuilder, value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_x_time(value)
    except ValueError:
        builder.note(f"user_details.js: created_at {describe(value)} is not a date")
        return None


def _check_count(builder: BatchBuilder, path: Path, found: int) -> None:
    """Say so when payload_details.js announces more tweets than the archive holds."""
    for file in [] if path.is_file() else find_files(path, "payload_details.js"):
        value = load_assignment(builder, file, expected="Grailbird's payload_details.js").value
        announced = count_value(value.get("tweets")) if isinstance(value, dict) else None
        if announced is not None and announced != found:
            builder.note(
                f"payload_details.js announces {announced:,} tweets; the archive holds {found:,}"
            )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
