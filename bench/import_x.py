"""How fast an X archive imports, and how much memory it needs, against twitter-to-sqlite.

Generates an X archive of ``--tweets`` tweets (100,000 by default) in a temporary folder, in
two shapes holding the same tweets:

- the current shape, which rapport reads: ``tweets.js``, ``tweets-part1.js`` … (split like real
  large archives), with account.js, follower.js and manifest.js;
- the older shape, which twitter-to-sqlite 0.22 reads: one ``tweet.js``, with account.js and
  follower.js.

Then it measures whole processes, each run ``--runs`` times (median reported), peak memory
per process from ``wait4``'s resource usage:

1. ``rapport import ARCHIVE --workspace NEW`` (the command a user runs);
2. ``twitter-to-sqlite import db.sqlite FOLDER``, installed into its own virtual environment
   under ``~/.cache/rapport/bench`` (a benchmark dependency, never one of rapport's);

and prints both, with rapport's speed as a multiple of twitter-to-sqlite's. It also measures,
in a child process, the importer alone (``rapport.importers.run``: files to a checked Batch)
against a plain baseline in the same process: ``json.loads`` of the same part files.

    .venv/bin/python bench/import_x.py                          # 100k tweets, both tools
    .venv/bin/python bench/import_x.py --tweets 1000000 --runs 1 --skip-twitter-to-sqlite
    .venv/bin/python bench/import_x.py --profile                # cProfile of the importer

This is a script, not a test: nothing asserts a duration.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TWITTER_TO_SQLITE = "twitter-to-sqlite==0.22"
BENCH_CACHE = Path.home() / ".cache" / "rapport" / "bench"
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


def older_shape(archive: Path, folder: Path) -> Path:
    """The same tweets as twitter-to-sqlite 0.22 reads them: one ``tweet.js``, plus the
    account and followers; streamed part by part so memory stays flat."""
    folder.mkdir(parents=True)
    parts = sorted((archive / "data").glob("tweets*.js"), key=lambda p: (len(p.name), p.name))
    with (folder / "tweet.js").open("w", encoding="utf-8") as out:
        out.write("window.YTD.tweet.part0 = [\n")
        for number, part in enumerate(parts):
            text = part.read_text(encoding="utf-8")
            body = text[text.index("[") + 1 : text.rindex("]")].strip("\n")
            out.write((",\n" if number else "") + body)
        out.write("\n]")
    for name in ("account.js", "follower.js"):
        (folder / name).write_bytes((archive / "data" / name).read_bytes())
    return folder


def _child(archive: Path, *, profile: bool) -> None:
    """Run the importer alone (``rapport.importers.run``), then the json.loads baseline;
    print JSON."""
    from rapport.importers import run

    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    batch = run(archive)
    rows = batch.row_count + len(batch.rejections)
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
    result = {"seconds": elapsed, "baseline": baseline, "tweets": parsed}
    print(json.dumps({**result, "rows": rows, "rejected": rejected}))


def _measure(archive: Path, *, profile: bool) -> dict[str, float]:
    """Run the importer-alone child; return its figures and its peak memory."""
    command = [sys.executable, __file__, "--child", str(archive)]
    command += ["--profile"] if profile else []
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if profile or done.returncode:
        print(done.stderr)
    if done.returncode:
        raise SystemExit(f"the import failed (exit code {done.returncode})")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    result["peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


def _whole_process(command: list[str], *, cwd: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one process (``wait4``: that process alone)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read() if process.stderr else ""
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr}")
    return elapsed, usage.ru_maxrss / 1024


def twitter_to_sqlite() -> Path:
    """The twitter-to-sqlite command, installed once into its own virtual environment."""
    venv = BENCH_CACHE / "twitter-to-sqlite-0.22"
    command = venv / "bin" / "twitter-to-sqlite"
    if not command.exists():
        print(f"installing {TWITTER_TO_SQLITE} into {venv} (once) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "--quiet", TWITTER_TO_SQLITE], check=True
        )
    return command


def _median_runs(runs: int, make: Callable[[int], list[str]]) -> tuple[float, float]:
    times, peaks = [], []
    for run in range(runs):
        seconds, peak = _whole_process(make(run))
        times.append(seconds)
        peaks.append(peak)
    return statistics.median(times), statistics.median(peaks)


def compare(archive: Path, older: Path, *, runs: int, tweets: int, skip_other: bool) -> None:
    """rapport import against twitter-to-sqlite import, whole processes, median of runs."""
    with tempfile.TemporaryDirectory(prefix="rapport-bench-out-") as out:
        rapport = _median_runs(
            runs,
            lambda run: [
                sys.executable, "-m", "rapport", "import", str(archive),
                "--workspace", str(Path(out) / f"ws{run}"),
            ],
        )  # fmt: skip
        other = None
        if not skip_other:
            command = twitter_to_sqlite()
            other = _median_runs(
                runs,
                lambda run: [str(command), "import", str(Path(out) / f"t{run}.db"), str(older)],
            )
    print(f"whole processes, {tweets:,} tweets, median of {runs}:")
    print(f"  {'':34s} {'time':>8s} {'tweets/s':>10s} {'peak memory':>12s}")
    rows = [("rapport import", rapport)] + (
        [("twitter-to-sqlite 0.22 import", other)] if other else []
    )
    for name, (seconds, peak) in rows:
        print(f"  {name:34s} {seconds:7.1f}s {tweets / seconds:10,.0f} {peak:9,.0f} MiB")
    if other:
        print(
            f"  rapport is {other[0] / rapport[0]:.2f}x as fast as twitter-to-sqlite "
            f"(goal: 3x or more) and uses {rapport[1] / other[1]:.2f}x its peak memory"
        )


def _report(title: str, result: dict[str, float]) -> None:
    seconds = result["seconds"]
    print(f"{title}")
    print(f"  wall time            {seconds:8.1f} s")
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
    parser.add_argument("--tweets", type=int, default=100_000)
    parser.add_argument("--parts", type=int, default=10)
    parser.add_argument("--followers", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3, help="whole-process runs per tool")
    parser.add_argument("--profile", action="store_true", help="cProfile the importer")
    parser.add_argument(
        "--skip-twitter-to-sqlite", action="store_true", help="measure rapport alone"
    )
    parser.add_argument(
        "--skip-importer", action="store_true", help="skip the importer-alone measurement"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, profile=args.profile)
        return

    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    with tempfile.TemporaryDirectory(prefix="rapport-bench-x-") as folder:
        archive = Path(folder) / "twitter-archive"
        started = time.perf_counter()
        files = generate(archive, tweets=args.tweets, parts=args.parts, followers=args.followers)
        older = older_shape(archive, Path(folder) / "older-shape")
        size = sum(f.stat().st_size for f in files)
        print(
            f"generated {args.tweets:,} tweets in {len(files)} part files "
            f"({size / 1e6:,.0f} MB) and as one tweet.js in {time.perf_counter() - started:.1f} s"
        )
        if not args.skip_importer:
            read = _measure(archive, profile=args.profile)
            _report("the importer alone (rapport.importers.run: files to a checked Batch)", read)
        compare(
            archive,
            older,
            runs=args.runs,
            tweets=args.tweets,
            skip_other=args.skip_twitter_to_sqlite,
        )


if __name__ == "__main__":
    main()
