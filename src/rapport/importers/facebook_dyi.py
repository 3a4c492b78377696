"""Facebook "Download your information" (JSON): the owner's own posts.

The DYI archive is the owner's own activity, so rapport reads it as what the own account
published (docs/sources/facebook.md):

- ``your_posts_N.json`` (or the older ``your_posts.json`` with ``status_updates``): every
  entry with content of its own, a text, a photo or video, or a shared link, becomes a
  ``posts`` row. A photo or video posted without text has an empty ``data`` list and its
  media in ``attachments``: it is a post (``format`` image or video, no text). Entries with
  none of these are counted and skipped: a title alone (a feeling, a life event, a
  recommendation, a check-in without text) or a timestamp alone (``data`` holding only
  ``update_timestamp``: Facebook keeps the date of something it does not export).
- ``comments.json`` (``comments`` or ``comments_v2``): comments the owner wrote, mostly on
  other people's posts. The file does not say which post a comment answers, and a reply that
  links to nothing would count as an original post, so they are counted and not imported.

Text is repaired: Facebook writes UTF-8 bytes as latin-1 escapes (``zmieniÅ\\x82``).
Timestamps are Unix seconds (UTC). The export has no post ids: each post gets
``facebook:dyi-<hash>`` of its account, time, text and links, stable across re-imports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from rapport.canonical.batch import Batch
from rapport.canonical.builder import BatchBuilder, read_for_detection
from rapport.errors import UnreadableFile, WrongFormat
from rapport.importers._archive import find_files
from rapport.importers._base import ImportOptions, register
from rapport.importers._gc import without_gc
from rapport.importers._meta import Owner, hashtags, links_in, own_account, repair_mojibake

NAME = "facebook_dyi"
PATTERNS = ("your_posts*.json", "comments*.json")


SAMPLE = 20
"""How many entries from the start of a file decide what it is."""


def _problem(entry: Any, *, needs: tuple[str, ...] = ("data", "attachments")) -> str | None:
    """Why an entry is not a ``your_posts`` (or, with ``needs=()``, a comment) entry, naming
    the field; None when it is one."""
    if not isinstance(entry, dict):
        return f"expected an object, found {type(entry).__name__}"
    if "timestamp" not in entry:
        return "field 'timestamp' is missing"
    if needs and not any(key in entry for key in needs):
        return f"neither {' nor '.join(repr(k) for k in needs)} is there"
    if "string_list_data" in entry:
        return "field 'string_list_data' belongs to a followers list"
    return None


def _mostly(entries: list[Any], *, needs: tuple[str, ...]) -> bool:
    """Whether the first entries are mostly of the kind (one bad entry is quarantined, not a
    reason to refuse the file)."""
    sample = entries[:SAMPLE]
    good = sum(_problem(e, needs=needs) is None for e in sample)
    return good > 0 and 2 * good >= len(sample)


def _kind(data: Any) -> str | None:
    """``posts`` or ``comments`` for a parsed DYI file, None for anything else."""
    if isinstance(data, dict):
        if isinstance(data.get("status_updates"), list):
            return "posts"
        for key in ("comments_v2", "comments"):
            items = data.get(key)
            if isinstance(items, list) and (not items or _mostly(items, needs=())):
                return "comments"
        return None
    if isinstance(data, list) and data and _mostly(data, needs=("data", "attachments")):
        return "posts"
    return None


def _found(data: Any) -> str:
    """What a file that is not a DYI posts or comments file holds, naming an entry."""
    if not isinstance(data, list):
        keys = ", ".join(repr(k) for k in list(data)[:5]) if isinstance(data, dict) else ""
        return f"other JSON (an object with {keys})" if keys else "other JSON"
    if not data:
        return "an empty list"
    index, why = next(
        ((i, w) for i, e in enumerate(data[:SAMPLE], start=1) if (w := _problem(e))),
        (1, "not a post"),
    )
    return f"other JSON (item {index}: {why})"


def _load(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(
            path,
            reason=f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            fix="download the archive again in JSON format",
        ) from None


def _files(path: Path) -> list[tuple[Path, str]]:
    found = []
    for file in find_files(path, PATTERNS):
        try:
            kind = _kind(json.loads(read_for_detection(file)))
        except (OSError, ValueError):
            continue
        if kind:
            found.append((file, kind))
    return found


def detect(path: Path) -> float:
    if path.is_file() and path.suffix.lower() == ".json":
        try:
            kind = _kind(json.loads(read_for_detection(path)))
        except (OSError, ValueError):
            return 0.0
        return 0.85 if kind else 0.0
    return 0.85 if _files(path) else 0.0


def _post(entry: Any, owner: Owner) -> dict[str, Any] | str:
    """The post of one ``your_posts`` entry, or why it is none: ``"title"`` (an entry with
    only a title, or a title and attachments that are neither media nor a link) or
    ``"timestamp"`` (nothing but dates)."""
    if not isinstance(entry, dict):
        raise ValueError("entry: expected an object")
    if "timestamp" not in entry:
        raise ValueError("timestamp: missing (every timeline entry has one)")
    raw = entry.get("data")
    data: list[Any] = raw if isinstance(raw, list) else []
    texts = [d["post"] for d in data if isinstance(d, dict) and isinstance(d.get("post"), str)]
    links: list[str] = []
    media: list[str] = []
    attachments = entry.get("attachments")
    for attachment in attachments if isinstance(attachments, list) else []:
        items = attachment.get("data") if isinstance(attachment, dict) else None
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            context = item.get("external_context")
            if isinstance(context, dict) and isinstance(context.get("url"), str):
                links.append(repair_mojibake(context["url"]))
            medium = item.get("media")
            if isinstance(medium, dict) and isinstance(medium.get("uri"), str):
                media.append(medium["uri"])
    said = repair_mojibake("\n".join(texts)) if texts else None
    if said is not None and links and said.strip() in links:
        said = None  # a shared link repeated as the post's text
    text = said if said is not None and said.strip() else None
    if text is None and not links and not media:
        title = entry.get("title")
        return "title" if isinstance(title, str) and title.strip() else "timestamp"
    stamp = entry.get("timestamp")
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        raise ValueError("timestamp: expected Unix seconds")
    try:
        created = dt.datetime.fromtimestamp(stamp, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"timestamp: {stamp!r} is not a usable time") from None
    if media:
        kind = "video" if any(m.lower().endswith((".mp4", ".mov")) for m in media) else "image"
    else:
        kind = "link" if links else "text"
    # media join the id's material only for entries with an empty ``data`` list (earlier
    # versions skipped those), so that every post imported before keeps its id
    alone = media if not data else []
    material = "\x1f".join([owner.account_id, str(stamp), said or "", *links, *alone])
    return {
        "post_id": "facebook:dyi-" + hashlib.sha256(material.encode()).hexdigest()[:24],
        "account_id": owner.account_id,
        "created_at": created,
        "text": text,
        "format": kind,
        "links": links_in(text, also=links),
        "hashtags": hashtags(text),
    }


def _posts(
    file: Path, data: Any, builder: BatchBuilder, owner: Owner, counts: Counter[str]
) -> None:
    """Add the posts of one file; ``counts`` gets the entries skipped (``title``,
    ``timestamp``) and the posts with media and no text (``media_only``)."""
    label = builder.label(file)
    entries = data.get("status_updates", []) if isinstance(data, dict) else data
    for index, entry in enumerate(entries, start=1):
        locator = f"{label} item {index}"
        try:
            post = _post(entry, owner)
        except ValueError as problem:
            field, _, reason = str(problem).partition(": ")
            builder.reject("posts", locator=locator, field=field, reason=reason, raw=entry)
            continue
        if isinstance(post, str):
            counts[post] += 1
            continue
        added = builder.add("posts", post, locator=locator)
        if added and post["text"] is None and post["format"] in ("image", "video"):
            counts["media_only"] += 1


def _notes(builder: BatchBuilder, counts: Counter[str]) -> None:
    """Say what was skipped and what was imported without text, with the counts."""
    if counts["media_only"]:
        builder.note(
            f"{counts['media_only']} photo or video post(s) without text imported (format "
            "image or video, no text)"
        )
    skipped = counts["title"] + counts["timestamp"]
    if skipped:
        parts = []
        if counts["title"]:
            parts.append(
                f"{counts['title']} with only a title (a feeling, a life event, a "
                "recommendation, a check-in or app activity)"
            )
        if counts["timestamp"]:
            parts.append(
                f"{counts['timestamp']} with only a timestamp (the export keeps no content "
                "for them)"
            )
        builder.note(
            f"{skipped} timeline entr{'y' if skipped == 1 else 'ies'} with no text, photo, "
            f"video or link were not imported as posts: {' and '.join(parts)}"
        )


@register(
    NAME,
    description='Facebook "Download your information" JSON: your posts (comments counted)',
    detect=detect,
    names=PATTERNS,
)
@without_gc
def read(path: Path, options: ImportOptions) -> Batch:
    builder = BatchBuilder(source=NAME, origin=options.origin or path.name, root=path)
    files = _files(path) if path.is_dir() else [(path, "")]
    if not files:
        raise WrongFormat(
            path,
            expected="a Facebook DYI your_posts_1.json or comments.json",
            found="neither",
            fix="download your information in JSON format, or choose another format",
            option="format",
        )
    owner: Owner | None = None
    comments = 0
    counts: Counter[str] = Counter()
    for file, _ in files:
        label = builder.label(file)
        data = _load(file, builder.read_text(file))
        kind = _kind(data)
        if kind is None:
            raise WrongFormat(
                file,
                expected="a Facebook DYI your_posts_1.json (a list of posts with timestamps) "
                "or comments.json",
                found=_found(data),
                fix="choose another format",
                option="format",
            )
        if kind == "comments":
            comments += len(data.get("comments_v2") or data.get("comments") or [])
            continue
        owner = owner or own_account(options, "facebook", file=label)
        _posts(file, data, builder, owner, counts)
    if owner is not None:
        owner.add(builder, locator=builder.label(files[0][0]))
    _notes(builder, counts)
    if comments:
        builder.note(
            f"{comments} comment(s) you wrote were not imported: the export does not say which "
            "post each one answers, and unlinked replies would count as original posts"
        )
    return builder.build()
