"""How fast the importers other than X's read their formats, against a plain baseline.

Generates, for each format, an export of ``--records`` records (100,000 by default) in the
shape the platform writes, with made-up accounts and people:

- ``mastodon``: an archive folder, ``outbox.json`` (Create and Announce activities: posts,
  replies, boosts, a few direct messages) with ``actor.json``, ``likes.json`` and
  ``bookmarks.json``; records are the outbox's activities;
- ``bluesky``: a repository export (``.car``: CAR v1, dag-cbor blocks, a commit and a Merkle
  Search Tree) with a DID document beside it; records are the posts (the repository also
  holds a profile, likes and follows);
- ``facebook``: a DYI folder, ``your_posts_1.json`` (text, link, photo and title-only
  entries, text written as Facebook's latin-1 escapes) and ``comments.json``; records are the
  timeline entries;
- ``instagram``: a DYI folder, ``followers_1.json`` and ``following.json``; records are the
  followers;
- ``ga4``: a GA4 "Download file → CSV" report by source / medium, date and landing page with
  Key events; records are the report's rows (each counts 0 to 3 conversions);
- ``shopify``: an "Export orders" CSV, one to three line items per order; records are the
  orders.

Then, for each format, each in a fresh child process started from a small launcher (so that
its peak memory, from ``os.wait4``, is its own), ``--runs`` times (median reported):

1. the baseline: the same files read by the standard library alone (``json.loads``,
   ``csv.reader``) or, for the CAR file, ``libipld.decode_car``;
2. the importer alone: ``rapport.importers.run`` (files to a checked Batch);
3. the whole ``rapport import`` into a new workspace (the command a user runs).

It prints records, seconds, records per second, peak MiB and the time as a multiple of the
baseline's, then the same from CPU seconds (user and system), which move less than wall time
when other work shares the machine. The importer and the baseline time their own work (not
the child's start-up); the whole import is timed from outside, start-up included.

    .venv/bin/python bench/import_formats.py                       # every format, 100k
    .venv/bin/python bench/import_formats.py --formats ga4,shopify --runs 3
    .venv/bin/python bench/import_formats.py --formats facebook --profile   # cProfile

This is a script, not a test: nothing asserts a duration.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import hashlib
import io
import json
import platform
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_ACCOUNT = "benchbakery"
_HOST = "bakery.example"
_START = dt.datetime(2021, 3, 1, tzinfo=dt.UTC)
_WORDS = (
    "bread", "sourdough", "croissant", "oven", "morning", "harbour", "coffee", "rye", "spelt",
    "market", "open", "today", "fresh", "crust", "butter", "flour", "weekend", "friday",
    "thanks", "see", "you", "soon", "zażółć", "gęślą", "café", "crème",
)  # fmt: skip
_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def _words(rng: random.Random, low: int = 4, high: int = 30) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(low, high)))


def _moment(index: int) -> dt.datetime:
    return _START + dt.timedelta(minutes=7 * index)


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# Mastodon ------------------------------------------------------------------------------------


def _mastodon_activity(index: int, rng: random.Random) -> dict[str, Any]:
    me = f"https://{_HOST}/users/{_ACCOUNT}"
    status = f"{me}/statuses/{110_000_000_000_000_000 + index}"
    published = _iso(_moment(index))
    roll = rng.random()
    if roll < 0.1:
        friend = f"https://town{index % 40}.example/users/friend{index % 700}"
        return {
            "id": f"{status}/activity",
            "type": "Announce",
            "actor": me,
            "published": published,
            "to": [_PUBLIC],
            "cc": [friend, f"{me}/followers"],
            "object": f"{friend}/statuses/{100_000_000_000_000_000 + index}",
        }
    to, cc = [_PUBLIC], [f"{me}/followers"]
    if roll < 0.12:
        to, cc = [f"https://town{index % 40}.example/users/friend{index % 700}"], []
    elif roll < 0.2:
        to, cc = [f"{me}/followers"], []
    words = _words(rng)
    tags = []
    html = f"<p>{words} &amp; more</p>"
    if roll > 0.7:
        tag = rng.choice(("Bakery", "Sourdough", "Bread"))
        html = html[:-4] + (
            f' <a href="https://{_HOST}/tags/{tag}" class="mention hashtag" rel="tag">'
            f"#<span>{tag}</span></a></p>"
        )
        tags.append({"type": "Hashtag", "href": f"https://{_HOST}/tags/{tag}", "name": f"#{tag}"})
    if 0.5 < roll < 0.65:
        html = html[:-4] + (
            f' <a href="https://shop.{_HOST}/p/{index}?utm_source=mastodon" target="_blank" '
            'rel="nofollow noopener noreferrer"><span class="invisible">https://</span>'
            f'<span class="ellipsis">shop.{_HOST}/p/{index}</span></a></p>'
        )
    attachment = []
    if 0.85 < roll < 0.95:
        attachment.append(
            {
                "type": "Document",
                "mediaType": "image/jpeg",
                "url": f"https://files.{_HOST}/media/{index}.jpg",
                "name": "A loaf",
                "blurhash": "UFF5",
                "width": 1200,
                "height": 800,
            }
        )
    reply = None
    if 0.2 <= roll < 0.35:
        reply = f"https://town{index % 40}.example/users/friend{index % 700}/statuses/{index}"
    note = {
        "id": status,
        "type": "Note",
        "summary": None,
        "inReplyTo": reply,
        "published": published,
        "url": f"https://{_HOST}/@{_ACCOUNT}/{110_000_000_000_000_000 + index}",
        "attributedTo": me,
        "to": to,
        "cc": cc,
        "sensitive": False,
        "atomUri": status,
        "inReplyToAtomUri": reply,
        "conversation": f"tag:{_HOST},2021:objectId={index}:objectType=Conversation",
        "content": html,
        "contentMap": {"en": html},
        "attachment": attachment,
        "tag": tags,
        "replies": {
            "id": f"{status}/replies",
            "type": "Collection",
            "first": {"type": "CollectionPage", "next": f"{status}/replies?page=true", "items": []},
        },
    }
    activity = {"id": f"{status}/activity", "type": "Create", "actor": me, "published": published}
    return {**activity, "to": to, "cc": cc, "object": note}


def _mastodon(folder: Path, records: int, rng: random.Random) -> tuple[Path, list[Path]]:
    root = folder / "mastodon-archive"
    root.mkdir(parents=True)
    me = f"https://{_HOST}/users/{_ACCOUNT}"
    context = "https://www.w3.org/ns/activitystreams"
    outbox = {
        "@context": context,
        "id": "outbox.json",
        "type": "OrderedCollection",
        "totalItems": records,
        "orderedItems": [_mastodon_activity(i, rng) for i in range(records)],
    }
    (root / "outbox.json").write_text(json.dumps(outbox, ensure_ascii=False), encoding="utf-8")
    actor = {
        "@context": [context, "https://w3id.org/security/v1"],
        "id": me,
        "type": "Person",
        "preferredUsername": _ACCOUNT,
        "name": "Bench Bakery",
        "summary": "<p>Fresh bread every morning.</p>",
        "url": f"https://{_HOST}/@{_ACCOUNT}",
        "published": "2020-01-10T00:00:00Z",
        "outbox": "outbox.json",
        "likes": "likes.json",
        "bookmarks": "bookmarks.json",
    }
    (root / "actor.json").write_text(json.dumps(actor), encoding="utf-8")
    for name, count in (("likes.json", 2_000), ("bookmarks.json", 200)):
        items = [f"https://town.example/users/friend{i}/statuses/{i}" for i in range(count)]
        collection = {"@context": context, "id": name, "type": "OrderedCollection"}
        (root / name).write_text(json.dumps({**collection, "orderedItems": items}))
    return root, [root / "outbox.json"]


# Bluesky -------------------------------------------------------------------------------------

_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_FANOUT = 16


def _tid(index: int) -> str:
    """A record key in the TID shape (13 sortable base-32 characters)."""
    value = (int(_moment(index).timestamp()) * 1_000_000 + index % 1000) << 10
    return "".join(_TID_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def _bluesky_post(index: int, rng: random.Random, did: str) -> dict[str, Any]:
    text = _words(rng, 3, 40)
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": _moment(index).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "langs": ["en"],
    }
    roll = rng.random()
    if roll < 0.15:
        parent = {"uri": f"at://{did}/app.bsky.feed.post/{_tid(index - 1)}", "cid": "bafyrei" * 8}
        record["reply"] = {"root": parent, "parent": parent}
    if 0.4 < roll < 0.55:
        url = f"https://shop.bakery.example/p/{index}?utm_source=bluesky"
        record["text"] = f"{text} shop.bakery.example/p/{index}"
        start = len(text.encode()) + 1
        record["facets"] = [
            {
                "index": {"byteStart": start, "byteEnd": len(record["text"].encode())},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
            }
        ]
    elif 0.55 < roll < 0.65:
        record["text"] = f"{text} #sourdough"
        start = len(text.encode()) + 1
        record["facets"] = [
            {
                "index": {"byteStart": start, "byteEnd": start + 10},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "sourdough"}],
            }
        ]
    if 0.8 < roll < 0.9:
        blob = b"\x01\x55\x12\x20" + hashlib.sha256(str(index).encode()).digest()
        image = {"$type": "blob", "ref": blob, "mimeType": "image/jpeg", "size": 123_456}
        record["embed"] = {
            "$type": "app.bsky.embed.images",
            "images": [{"alt": "a loaf", "image": image, "aspectRatio": {"width": 4, "height": 3}}],
        }
    elif roll >= 0.9:
        record["embed"] = {
            "$type": "app.bsky.embed.external",
            "external": {
                "uri": f"https://news.example/{index}",
                "title": "Bread news",
                "description": text[:60],
            },
        }
    return record


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


class _Car:
    """Blocks of a CAR file under construction: dag-cbor, CIDv1 sha-256."""

    def __init__(self) -> None:
        import libipld

        self._encode = libipld.encode_dag_cbor
        self.blocks: list[tuple[bytes, bytes]] = []

    def put(self, value: object) -> bytes:
        body = self._encode(value)
        cid = b"\x01\x71\x12\x20" + hashlib.sha256(body).digest()
        self.blocks.append((cid, body))
        return cid

    def tree(self, items: list[tuple[bytes, bytes]]) -> bytes | None:
        """The Merkle Search Tree node over sorted (key, value CID) items (None when empty)."""
        if not items:
            return None
        if len(items) <= _FANOUT:
            separators, left, groups = items, None, [[] for _ in items]
        else:
            size = -(-len(items) // _FANOUT)
            picks = list(range(size, len(items), size + 1))
            separators = [items[p] for p in picks]
            left = self.tree(items[: picks[0]])
            bounds = [*picks, len(items)]
            groups = [items[bounds[i] + 1 : bounds[i + 1]] for i in range(len(picks))]
        entries, previous = [], b""
        for (key, value), group in zip(separators, groups, strict=True):
            prefix = next(
                (n for n, (a, b) in enumerate(zip(previous, key, strict=False)) if a != b),
                min(len(previous), len(key)),
            )
            entries.append({"k": key[prefix:], "p": prefix, "t": self.tree(group), "v": value})
            previous = key
        return self.put({"e": entries, "l": left})

    def write(self, path: Path, root: bytes) -> None:
        header = self._encode({"roots": [root], "version": 1})
        with path.open("wb") as out:
            out.write(_varint(len(header)) + header)
            for cid, body in reversed(self.blocks):  # the commit first, as exports do
                out.write(_varint(len(cid) + len(body)) + cid + body)


def _bluesky(folder: Path, records: int, rng: random.Random) -> tuple[Path, list[Path]]:
    root = folder / "bluesky-export"
    root.mkdir(parents=True)
    did = "did:plc:benchbakery0000000000000"
    car = _Car()
    items = []
    profile = {
        "$type": "app.bsky.actor.profile",
        "displayName": "Bench Bakery",
        "description": "Fresh bread",
        "createdAt": "2023-01-01T00:00:00.000Z",
    }
    items.append((b"app.bsky.actor.profile/self", car.put(profile)))
    for index in range(records):
        key = f"app.bsky.feed.post/{_tid(index)}".encode()
        items.append((key, car.put(_bluesky_post(index, rng, did))))
    for index in range(records // 10):
        subject = {"uri": f"at://did:plc:friend{index % 900}/app.bsky.feed.post/x", "cid": "b"}
        like = {"$type": "app.bsky.feed.like", "subject": subject, "createdAt": "2024-01-01"}
        items.append((f"app.bsky.feed.like/{_tid(index)}".encode(), car.put(like)))
    for index in range(records // 50):
        follow = {"$type": "app.bsky.graph.follow", "subject": f"did:plc:friend{index}"}
        items.append((f"app.bsky.graph.follow/{_tid(index)}".encode(), car.put(follow)))
    tree = car.tree(sorted(items))
    signature = b"\xff" + hashlib.sha512(b"bench").digest()[:63]
    commit = {"did": did, "version": 3, "data": tree, "rev": _tid(records), "prev": None}
    car.put({**commit, "sig": signature})
    car.write(root / "repo.car", car.blocks[-1][0])
    document = {"id": did, "alsoKnownAs": [f"at://{_ACCOUNT}.bsky.social"]}
    (root / f"{_ACCOUNT}-did.json").write_text(json.dumps(document))
    return root, [root / "repo.car"]


# Facebook and Instagram ------------------------------------------------------------------------


def _latin1_escapes(text: str) -> str:
    """Facebook's way of writing UTF-8: each byte as a latin-1 character."""
    return text.encode("utf-8").decode("latin-1")


def _facebook_entry(index: int, rng: random.Random) -> dict[str, Any]:
    stamp = int(_moment(index).timestamp())
    roll = rng.random()
    text = _latin1_escapes(_words(rng) + (" #bakery" if roll > 0.8 else ""))
    entry: dict[str, Any] = {"timestamp": stamp}
    if roll < 0.45:
        entry["data"] = [{"post": text}, {"update_timestamp": stamp}]
    elif roll < 0.65:
        url = f"https://shop.bakery.example/p/{index}?utm_source=facebook"
        entry["attachments"] = [{"data": [{"external_context": {"url": url}}]}]
        entry["data"] = [{"post": text}, {"update_timestamp": stamp}]
        entry["title"] = "Bench Bakery shared a link."
    elif roll < 0.8:
        media = {
            "uri": f"your_facebook_activity/posts/media/Timeline_{index}.jpg",
            "creation_timestamp": stamp,
            "media_metadata": {"photo_metadata": {"exif_data": [{"upload_ip": "192.0.2.1"}]}},
            "title": "Timeline photos",
        }
        entry["attachments"] = [{"data": [{"media": media}]}]
        entry["data"] = [{"post": text}] if roll < 0.72 else []
    elif roll < 0.93:
        entry["data"] = [{"update_timestamp": stamp}]
        entry["title"] = "Bench Bakery is feeling fresh."
    else:
        entry["data"] = [{"update_timestamp": stamp}]
    return entry


def _facebook(folder: Path, records: int, rng: random.Random) -> tuple[Path, list[Path]]:
    root = folder / "facebook-dyi"
    posts = root / "your_facebook_activity" / "posts"
    comments = root / "your_facebook_activity" / "comments_and_reactions"
    posts.mkdir(parents=True)
    comments.mkdir(parents=True)
    entries = [_facebook_entry(i, rng) for i in range(records)]
    (posts / "your_posts_1.json").write_text(json.dumps(entries, indent=2), encoding="utf-8")
    written = [
        {
            "timestamp": int(_moment(i).timestamp()),
            "data": [{"comment": {"timestamp": 1, "comment": "thanks!", "author": "Bench"}}],
            "title": "Bench Bakery commented on a post.",
        }
        for i in range(records // 20)
    ]
    (comments / "comments.json").write_text(json.dumps({"comments_v2": written}, indent=2))
    return root, [posts / "your_posts_1.json"]


def _instagram_entry(name: str, stamp: int) -> dict[str, Any]:
    link = {"href": f"https://www.instagram.com/{name}", "value": name, "timestamp": stamp}
    return {"title": "", "media_list_data": [], "string_list_data": [link]}


def _instagram(folder: Path, records: int, rng: random.Random) -> tuple[Path, list[Path]]:
    root = folder / "instagram-dyi" / "connections" / "followers_and_following"
    root.mkdir(parents=True)
    stamps = [int(_moment(i).timestamp()) for i in range(records)]
    followers = [
        _instagram_entry(f"fan_{i:06d}.{rng.choice('abc')}", s) for i, s in enumerate(stamps)
    ]
    (root / "followers_1.json").write_text(json.dumps(followers, indent=2), encoding="utf-8")
    following = [_instagram_entry(f"friend_{i:05d}", stamps[i]) for i in range(records // 20)]
    (root / "following.json").write_text(
        json.dumps({"relationships_following": following}, indent=2), encoding="utf-8"
    )
    return folder / "instagram-dyi", [root / "followers_1.json"]


# GA4 and Shopify -----------------------------------------------------------------------------

_SOURCES = (
    "instagram / social", "facebook / social", "(direct) / (none)", "google / organic",
    "newsletter / email", "bluesky / social", "l.instagram.com / referral", "google / cpc",
)  # fmt: skip


def _ga4(folder: Path, records: int, rng: random.Random) -> tuple[Path, list[Path]]:
    root = folder / "ga4-export"
    root.mkdir(parents=True)
    days = max(1, records // (len(_SOURCES) * 50))
    first = dt.date(2024, 1, 1)
    last = first + dt.timedelta(days=days - 1)
    lines = [
        "# ----------------------------------------",
        "# Traffic acquisition: Session source / medium",
        "# Account: Bench Bakery",
        "# Property: bakery.example - GA4",
        "# ----------------------------------------",
        "#",
        "# All Users",
        f"# Start date: {first:%Y%m%d}",
        f"# End date: {last:%Y%m%d}",
        "Session source / medium,Date,Landing page + query string,Sessions,Engaged sessions,"
        "Engagement rate,Key events,Total revenue",
    ]
    for index in range(records):
        source = _SOURCES[index % len(_SOURCES)]
        day = first + dt.timedelta(days=index // (len(_SOURCES) * 50) % days)
        page = f"/p/{index % 5_000}?utm_content=post{index % 977}"
        sessions = rng.randint(1, 60)
        engaged = rng.randint(0, sessions)
        events = rng.choices((0, 1, 2, 3), weights=(40, 35, 15, 10))[0]
        revenue = f"{events * 24.9:.2f}" if events and rng.random() < 0.3 else "0"
        lines.append(
            f"{source},{day:%Y%m%d},{page},{sessions},{engaged},{engaged / sessions:.4f},"
            f"{events},{revenue}"
        )
    path = root / "traffic_acquisition.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, [path]


_SHOPIFY_HEADER = (
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
    "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code",
    "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name",
    "Lineitem price", "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping",
    "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Billing Street",
    "Billing Address1", "Billing Address2", "Billing Company", "Billing City", "Billing Zip",
    "Billing Province", "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street",
    "Shipping Address1", "Shipping Address2", "Shipping Company", "Shipping City",
    "Shipping Zip", "Shipping Province", "Shipping Country", "Shipping Phone", "Notes",
    "Note Attributes", "Cancelled at", "Payment Method", "Payment Reference", "Refunded Amount",
    "Vendor", "Outstanding Balance", "Employee", "Location", "Device ID", "Id", "Tags",
    "Risk Level", "Source", "Lineitem discount", "Tax 1 Name", "Tax 1 Value", "Tax 2 Name",
    "Tax 2 Value", "Tax 3 Name", "Tax 3 Value", "Tax 4 Name", "Tax 4 Value", "Tax 5 Name",
    "Tax 5 Value", "Phone", "Receipt Number", "Duties", "Billing Province Name",
    "Shipping Province Name", "Payment ID", "Payment Terms Name", "Next Payment Due At",
    "Payment References",
)  # fmt: skip


def _shopify(folder: Path, records: int, rng: random.Random) -> tuple[Path, list[Path]]:
    root = folder / "shopify-export"
    root.mkdir(parents=True)
    path = root / "orders_export_1.csv"
    columns = {name: n for n, name in enumerate(_SHOPIFY_HEADER)}
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(_SHOPIFY_HEADER)
        for index in range(records):
            created = (_moment(index) + dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S +0200")
            items = rng.choices((1, 2, 3), weights=(70, 20, 10))[0]
            prices = [rng.choice((4.9, 12.5, 24.9, 39.0)) for _ in range(items)]
            total = sum(prices) + 4.9
            for line, price in enumerate(prices):
                row = [""] * len(_SHOPIFY_HEADER)
                row[columns["Name"]] = f"#{1001 + index}"
                row[columns["Email"]] = f"customer{index % 9000}@example.com"
                row[columns["Created at"]] = created
                row[columns["Lineitem quantity"]] = "1"
                row[columns["Lineitem name"]] = rng.choice(("Sourdough loaf", "Croissant box"))
                row[columns["Lineitem price"]] = f"{price:.2f}"
                row[columns["Lineitem sku"]] = f"SKU-{line}"
                row[columns["Billing Name"]] = f"Customer {index % 9000}"
                if line == 0:
                    for name, value in (
                        ("Financial Status", "paid"), ("Paid at", created),
                        ("Fulfillment Status", "fulfilled"), ("Accepts Marketing", "no"),
                        ("Currency", "EUR"), ("Subtotal", f"{total - 4.9:.2f}"),
                        ("Shipping", "4.90"), ("Taxes", f"{total * 0.19:.2f}"),
                        ("Total", f"{total:.2f}"), ("Discount Amount", "0.00"),
                        ("Shipping Method", "Standard"), ("Billing City", "Example Town"),
                        ("Billing Country", "PT"), ("Payment Method", "Shopify Payments"),
                        ("Vendor", "Bench Bakery"), ("Id", str(5_550_000_000_000 + index)),
                        ("Risk Level", "Low"), ("Source", "web"),
                    ):  # fmt: skip
                        row[columns[name]] = value
                    roll = rng.random()
                    if roll < 0.25:
                        row[columns["Note Attributes"]] = (
                            f"utm_source: {rng.choice(('instagram', 'facebook', 'bluesky'))}\n"
                            f"utm_medium: social\nutm_content: post{index % 977}"
                        )
                    elif roll > 0.97:
                        row[columns["Cancelled at"]] = created
                writer.writerow(row)
    return path, [path]


# Measuring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Format:
    importer: str
    generate: Callable[[Path, int, random.Random], tuple[Path, list[Path]]]
    baseline: str
    """How the baseline reads the main files: ``json``, ``csv`` or ``car``."""
    options: tuple[str, ...] = ()


FORMATS = {
    "mastodon": Format("mastodon_archive", _mastodon, "json"),
    "bluesky": Format("bluesky_car", _bluesky, "car"),
    "facebook": Format("facebook_dyi", _facebook, "json", ("--account", _ACCOUNT)),
    "instagram": Format("instagram_dyi", _instagram, "json", ("--account", _ACCOUNT)),
    "ga4": Format("ga4", _ga4, "csv"),
    "shopify": Format("shopify", _shopify, "csv"),
}


def _baseline(kind: str, files: list[Path]) -> int:
    """Read the files with the standard library alone; how many top-level items."""
    count = 0
    for file in files:
        data = file.read_bytes()
        if kind == "json":
            parsed = json.loads(data.decode("utf-8"))
            items = parsed.get("orderedItems", parsed) if isinstance(parsed, dict) else parsed
            count += len(items)
        elif kind == "csv":
            count += sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8"))))
        else:
            import libipld

            count += len(libipld.decode_car(data)[1])
    return count


def _child(name: str, path: Path, files: list[Path], *, baseline: bool, profile: bool) -> None:
    """In the child process: the baseline or the importer alone; print JSON."""
    form = FORMATS[name]
    if baseline:
        started, cpu = time.perf_counter(), time.process_time()
        items = _baseline(form.baseline, files)
        cpu = time.process_time() - cpu
        print(json.dumps({"seconds": time.perf_counter() - started, "cpu": cpu, "items": items}))
        return
    from rapport.importers import ImportOptions, run

    options = ImportOptions(account=_ACCOUNT if form.options else None)
    profiler = cProfile.Profile() if profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    batch = run(path, format=form.importer, options=options)
    if profiler:
        profiler.disable()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    tables = {table: rows.num_rows for table, rows in batch.tables.items()}
    result = {"seconds": elapsed, "cpu": cpu, "rows": tables, "rejected": len(batch.rejections)}
    print(json.dumps(result))


_LAUNCHER = """
import os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
output = child.stdout.read()
_, status, usage = os.wait4(child.pid, 0)
sys.stdout.buffer.write(output)
print()
print(time.perf_counter() - started, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
sys.exit(os.waitstatus_to_exitcode(status))
"""
"""A process's peak memory counts the memory of the process it was forked from: each child is
started from this small launcher, not from this script (which generated the files)."""


@dataclass
class Measure:
    seconds: float
    peak_mib: float
    cpu: float
    """CPU seconds (user and system): moves less than wall time on a machine shared with
    other work."""
    result: dict[str, Any]


def _launch(command: list[str], *, profile: bool = False) -> Measure:
    """Wall seconds, peak resident MiB and the last JSON line of one child process."""
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *command],
        capture_output=True,
        text=True,
        check=False,
    )
    if profile or done.returncode:
        print(done.stderr, file=sys.stderr)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode})")
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    seconds, kib, cpu = lines[-1].split()
    result = json.loads(lines[-2]) if len(lines) > 1 and lines[-2].startswith("{") else {}
    if "seconds" in result:  # the child timed its own work, without its start-up
        return Measure(result["seconds"], int(kib) / 1024, result["cpu"], result)
    return Measure(float(seconds), int(kib) / 1024, float(cpu), result)


def _median(measures: list[Measure]) -> Measure:
    middle = sorted(measures, key=lambda m: m.seconds)[len(measures) // 2]
    peak = statistics.median(m.peak_mib for m in measures)
    return Measure(middle.seconds, peak, middle.cpu, middle.result)


def _row(title: str, records: int, measure: Measure, base: Measure) -> str:
    seconds = measure.seconds
    return (
        f"  {title:22s} {records:9,d} {seconds:8.2f}s {records / seconds:10,.0f} "
        f"{measure.peak_mib:8,.0f} MiB {seconds / base.seconds:7.1f}x "
        f"{measure.cpu:8.2f}s {records / measure.cpu:10,.0f} {measure.cpu / base.cpu:7.1f}x"
    )


def bench(name: str, folder: Path, *, records: int, runs: int, profile: bool) -> None:
    form = FORMATS[name]
    started = time.perf_counter()
    path, files = form.generate(folder / name, records, random.Random(17))
    size = sum(f.stat().st_size for f in files)
    print(
        f"\n{name} ({form.importer}): {records:,} records, {size / 1e6:,.0f} MB in "
        f"{', '.join(f.name for f in files)}, generated in {time.perf_counter() - started:.1f} s"
    )
    child = [sys.executable, __file__, "--child", name, str(path), *map(str, files)]
    base = _median([_launch([*child, "--baseline"]) for _ in range(runs)])
    alone = _median(
        [
            _launch([*child, *(["--profile"] if profile else [])], profile=profile)
            for _ in range(runs)
        ]
    )
    whole = []
    with tempfile.TemporaryDirectory(prefix="rapport-bench-ws-") as out:
        for run in range(runs):
            command = [sys.executable, "-m", "rapport", "import", str(path), "--as", form.importer]
            command += [*form.options, "--workspace", str(Path(out) / f"ws{run}"), "--json"]
            whole.append(_launch(command))
    total = _median(whole)
    rows = ", ".join(f"{n:,} {t}" for t, n in alone.result.get("rows", {}).items())
    print(f"  batch: {rows}; {alone.result.get('rejected', 0):,} quarantined")
    print(
        f"  {'':22s} {'records':>9s} {'time':>9s} {'records/s':>10s} {'peak':>12s} {'×base':>8s}"
        f" {'cpu':>9s} {'per cpu s':>10s} {'×base':>8s}"
    )
    print(_row(f"baseline ({form.baseline})", records, base, base))
    print(_row("importer alone", records, alone, base))
    print(_row("whole rapport import", records, total, base))
    share = max(total.seconds - alone.seconds, 0.0) / total.seconds
    print(f"  the whole import beyond the importer (start-up, store, enrichment): {share:.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument(
        "--formats", default=",".join(FORMATS), help=f"comma-separated: {', '.join(FORMATS)}"
    )
    parser.add_argument("--runs", type=int, default=1, help="runs of each measurement (median)")
    parser.add_argument("--profile", action="store_true", help="cProfile the importer alone")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, path, *files = args.child
        _child(
            name, Path(path), [Path(f) for f in files], baseline=args.baseline, profile=args.profile
        )
        return
    names = [n.strip() for n in args.formats.split(",") if n.strip()]
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        parser.error(f"unknown format(s) {', '.join(unknown)}; known: {', '.join(FORMATS)}")
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    print("records/s of the whole import counts the records of the file, as the importer's do")
    with tempfile.TemporaryDirectory(prefix="rapport-bench-formats-") as folder:
        for name in names:
            bench(name, Path(folder), records=args.records, runs=args.runs, profile=args.profile)


if __name__ == "__main__":
    main()
