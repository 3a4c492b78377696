"""How fast an X archive imports, and how much memory it needs.

Generates an X archive of ``--tweets`` tweets (1,000,000 by default) in a temporary folder,
split into ``tweets.js``, ``tweets-part1.js`` … like real large archives, with account.js,
follower.js and manifest.js. Then measures, each in a fresh subprocess (peak memory from
``getrusage(RUSAGE_CHILDREN)``):

1. the importer alone: ``rapport.importers.run`` (files to a checked Batch);
2. the whole import: ``rapport.api.import_path`` into a fresh workspace (importer + store).

For each it prints wall time, tweets and rows per second, peak resident memory, and the
ratio to a plain baseline in the same process: ``json.loads`` of the same part files (the
least any importer of this format has to do).

    .venv/bin/python bench/import_x.py                    # 1M tweets in 10 parts
    .venv/bin/python bench/import_x.py --tweets 100000    # quicker
    .venv/bin/python bench/import_x.py --importer-only    # skip the store
    .venv/bin/python bench/import_x.py --profile          # cProfile of each run, top 25

This is a script, not a test: nothing asserts a duration.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import platform
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_ACCOUNT_ID = "1420339051512119297"
_HANDLE = "benchbakery"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WORDS = (
    "bread", "sourdough", "croissant", "oven", "morning", "harbour", "coffee", "rye", "spelt",
    "market", "open", "today", "fresh", "crust", "butter", "flour", "weekend", "friday",
    "thanks", "see", "you", "soon",
)  # fmt: skip


def _tweet(index: int, rng: random.Random) -> str:
    """One tweet in the current archive shape (numbers as strings, X's date format)."""
    native = 1_500_000_000_000_000_000 + index * 7919
    words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 30)))
    roll = rng.random()
    hashtags = urls = media = reply = ""
    if roll < 0.1:
        text = f"RT @friend{index % 500}: {words[:100]}\u2026"
    elif roll < 0.25:
        reply_to = native - 1234
        text = f"@friend{index % 500} {words}"
        reply = (
            f',\n      "in_reply_to_status_id_str" : "{reply_to}",\n'
            f'      "in_reply_to_status_id" : "{reply_to}",\n'
            f'      "in_reply_to_screen_name" : "friend{index % 500}"'
        )
    else:
        text = f"{words} &amp; more"
    if roll > 0.8:
        hashtags = '{\n          "text" : "Bakery",\n          "indices" : ["0", "7"]\n        }'
        text += " #Bakery"
    if 0.6 < roll < 0.75:
        urls = (
            '{\n          "url" : "https://t.co/abcdefghij",\n'
            f'          "expanded_url" : "https://bakery.example/p/{index}?utm_source=x",\n'
            '          "display_url" : "bakery.example/p",\n'
            '          "indices" : ["0", "23"]\n        }'
        )
    if 0.9 < roll < 0.95:
        media = (
            ',\n      "extended_entities" : {\n        "media" : [ {\n'
            f'          "expanded_url" : "https://x.com/{_HANDLE}/status/{native}/photo/1",\n'
            '          "type" : "photo",\n          "id_str" : "1"\n        } ]\n      }'
        )
    seconds = 1_600_000_000 + index * 60
    moment = time.gmtime(seconds)
    created = (
        f"{_DAYS[moment.tm_wday]} {_MONTHS[moment.tm_mon - 1]} {moment.tm_mday:02d} "
        f"{moment.tm_hour:02d}:{moment.tm_min:02d}:{moment.tm_sec:02d} +0000 {moment.tm_year}"
    )
    return f"""  {{
    "tweet" : {{
      "edit_info" : {{
        "initial" : {{
          "editTweetIds" : ["{native}"],
          "editableUntil" : "2020-09-13T13:26:40.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : false
        }}
      }},
      "retweeted" : false,
      "source" : "<a href=\\"https://mobile.twitter.com\\" rel=\\"nofollow\\">Twitter Web App</a>",
      "entities" : {{
        "hashtags" : [{hashtags}],
        "symbols" : [ ],
        "user_mentions" : [ ],
        "urls" : [{urls}]
      }},
      "display_text_range" : ["0", "{len(text)}"],
      "favorite_count" : "{rng.randint(0, 40)}",
      "id_str" : "{native}",
      "truncated" : false,
      "retweet_count" : "{rng.randint(0, 6)}",
      "id" : "{native}",
      "created_at" : "{created}",
      "favorited" : false,
      "full_text" : {json.dumps(text, ensure_ascii=False)},
      "lang" : "en"{reply}{media}
    }}
  }}"""


def generate(folder: Path, *, tweets: int, parts: int, followers: int) -> list[Path]:
    """Write the archive; return its tweet part files."""
    data = folder / "data"
    data.mkdir(parents=True)
    rng = random.Random(7)
    per_part = -(-tweets // parts)
    files = []
    for part in range(parts):
        name = "tweets.js" if part == 0 else f"tweets-part{part}.js"
        start, stop = part * per_part, min(tweets, (part + 1) * per_part)
        body = ",\n".join(_tweet(i, rng) for i in range(start, stop))
        (data / name).write_text(f"window.YTD.tweets.part{part} = [\n{body}\n]", encoding="utf-8")
        files.append(data / name)
    account = {
        "account": {
            "username": _HANDLE,
            "accountId": _ACCOUNT_ID,
            "createdAt": "2020-01-01T00:00:00.000Z",
            "accountDisplayName": "Bench Bakery",
        }
    }
    (data / "account.js").write_text(f"window.YTD.account.part0 = {json.dumps([account])}")
    people = [
        {"follower": {"accountId": str(10_000_000 + i), "userLink": "https://x.com/i"}}
        for i in range(followers)
    ]
    (data / "follower.js").write_text(f"window.YTD.follower.part0 = {json.dumps(people)}")
    manifest = {
        "userInfo": {"accountId": _ACCOUNT_ID, "userName": _HANDLE, "displayName": "Bench"},
        "archiveInfo": {"generationDate": "2026-01-01T00:00:00.000Z", "isPartialArchive": False},
        "dataTypes": {
            "account": {"files": [{"fileName": "data/account.js"}]},
            "follower": {"files": [{"fileName": "data/follower.js"}]},
            "tweets": {"files": [{"fileName": f"data/{p.name}"} for p in files]},
        },
    }
    (data / "manifest.js").write_text(f"window.__THAR_CONFIG = {json.dumps(manifest)}")
    return files


def _child(archive: Path, *, store: bool, profile: bool) -> None:
    """Import (``store``: through ``import_path`` into a fresh workspace; otherwise only the
    importer, ``rapport.importers.run``), then the json.loads baseline; print JSON."""
    from rapport.api import import_path
    from rapport.importers import run
    from rapport.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="rapport-bench-ws-") as workspace:
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        if store:
            summary = import_path(archive, workspace=Workspace(Path(workspace)))
            rows = summary.total("received")
            in_store = summary.seconds
            rejected = summary.total("rejected")
        else:
            batch = run(archive)
            rows = batch.row_count + len(batch.rejections)
            in_store = 0.0
            rejected = len(batch.rejections)
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
    if profiler:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)

    baseline_started = time.perf_counter()
    parsed = 0
    for file in sorted((archive / "data").glob("tweets*.js")):
        text = file.read_text(encoding="utf-8")
        parsed += len(json.loads(text[text.index("=") + 1 :]))
    baseline = time.perf_counter() - baseline_started
    result = {"seconds": elapsed, "in_store": in_store, "baseline": baseline, "tweets": parsed}
    print(json.dumps({**result, "rows": rows, "rejected": rejected}))


def _measure(archive: Path, *, store: bool, profile: bool) -> dict[str, float]:
    """Run one child; return its figures and the peak memory of the children so far."""
    command = [sys.executable, __file__, "--child", str(archive)]
    command += ["--store"] if store else []
    command += ["--profile"] if profile else []
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if profile or done.returncode:
        print(done.stderr)
    if done.returncode:
        raise SystemExit(f"the import failed (exit code {done.returncode})")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    result["peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


def _report(title: str, result: dict[str, float]) -> None:
    seconds = result["seconds"]
    print(f"{title}")
    store = f"  (of which the store write {result['in_store']:.1f} s)" if result["in_store"] else ""
    print(f"  wall time            {seconds:8.1f} s{store}")
    print(f"  tweets per second    {result['tweets'] / seconds:8,.0f}")
    print(
        f"  rows per second      {result['rows'] / seconds:8,.0f}  "
        f"({result['rows']:,.0f} rows, {result['rejected']:.0f} rejected)"
    )
    print(f"  peak memory          {result['peak_mib']:8,.0f} MiB")
    print(
        f"  baseline json.loads  {result['baseline']:8.1f} s  "
        f"-> {seconds / result['baseline']:.1f}x the baseline"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tweets", type=int, default=1_000_000)
    parser.add_argument("--parts", type=int, default=10)
    parser.add_argument("--followers", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true", help="cProfile the import")
    parser.add_argument(
        "--importer-only", action="store_true", help="skip the import into a workspace"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--store", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, store=args.store, profile=args.profile)
        return

    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    with tempfile.TemporaryDirectory(prefix="rapport-bench-x-") as folder:
        archive = Path(folder) / "twitter-archive"
        started = time.perf_counter()
        files = generate(archive, tweets=args.tweets, parts=args.parts, followers=args.followers)
        size = sum(f.stat().st_size for f in files)
        print(
            f"generated {args.tweets:,} tweets in {len(files)} part files "
            f"({size / 1e6:,.0f} MB) in {time.perf_counter() - started:.1f} s"
        )
        read = _measure(archive, store=False, profile=args.profile)
        _report("the importer alone (rapport.importers.run: files to a checked Batch)", read)
        if not args.importer_only:
            full = _measure(archive, store=True, profile=args.profile)
            _report("rapport.api.import_path into a fresh workspace (importer + store)", full)


if __name__ == "__main__":
    main()
