"""What a live pull costs beyond the wire: a YouTube channel of many videos and comments,
pulled through rapport against plain HTTP reads of the same answers.

    .venv/bin/python bench/live.py [--videos 200] [--threads 40] [--replies 2]

Builds a channel in the YouTube Data API's exact response shapes (each item a copy of the
built world's, tests/data/youtube_world, with new ids, people and times): ``--videos``
uploads, ``--threads`` comment threads on each (pages of 20), each thread with ``--replies``
replies by other people and, on every third thread, the channel's answer. A real HTTP server
on 127.0.0.1 (tests/replay_server.py) answers. Then, in this process:

* **baseline**: every request the pull made, read again with httpx and parsed as JSON
  (what any client must do over the wire, nothing more);
* **pull**: ``youtube.pull_channel`` (requests, mapping into canonical records, checks);
* **pull + store**: ``rapport.api.pull_youtube`` into a new workspace (the above, then one
  DuckDB transaction), and a second pull that finds nothing new (incremental: the state
  skips every thread list whose comment count did not change).

It prints each one's time, the ratio to the baseline in this run, the rows stored and the
peak memory of the process. Not a timed test: compare ratios of one run (2 noisy cores).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.replay_server import ReplayServer, Reply  # noqa: E402

from rapport.api import pull_youtube  # noqa: E402
from rapport.connectors import youtube  # noqa: E402
from rapport.workspace import Workspace  # noqa: E402

WORLD = ROOT / "tests" / "data" / "youtube_world"
CHANNEL = "UCbakeryWorld0000000000A"
YT = "/youtube/v3"
PAGE = 20
KEY = "bench-key"


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load(name: str) -> Any:
    return json.loads((WORLD / name).read_text("utf-8"))


def _at(start: dt.datetime, hours: float) -> str:
    return (start + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _person(number: int) -> dict[str, Any]:
    channel = f"UCbenchPerson{number:011d}"
    return {"authorDisplayName": f"Person {number}",
            "authorChannelUrl": f"http://www.youtube.com/channel/{channel}",
            "authorChannelId": {"value": channel}}  # fmt: skip


def build(folder: Path, server: ReplayServer, *, videos: int, threads: int, replies: int) -> int:
    """Write the channel's answers into ``folder`` and route them; the comments made."""
    thread_shape = _load("threads_v2.json")["items"][0]
    reply_shape = thread_shape["replies"]["comments"][0]
    video_shape = _load("videos.json")["items"][0]
    item_shape = _load("playlist_items_1.json")["items"][0]
    server.add(f"{YT}/channels", Reply(WORLD / "channels.json"), query={"id": CHANNEL})
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    ids = [f"bench{n:06d}" for n in range(videos, 0, -1)]  # newest first
    items = []
    for position, video in enumerate(ids):
        item = copy.deepcopy(item_shape)
        item["id"] = f"PLI{video}"
        item["snippet"]["position"] = position
        item["snippet"]["resourceId"]["videoId"] = video
        item["snippet"]["publishedAt"] = _at(start, 24 * (videos - position))
        items.append(item)
    uploads = "UU" + CHANNEL[2:]
    for index in range(0, len(items), 50):
        page = {"kind": "youtube#playlistItemListResponse", "items": items[index : index + 50]}
        if index + 50 < len(items):
            page["nextPageToken"] = f"P{index + 50}"
        name = f"playlist_{index}.json"
        (folder / name).write_text(json.dumps(page))
        query = {"playlistId": uploads} | ({"pageToken": f"P{index}"} if index else {})
        server.add(f"{YT}/playlistItems", Reply(folder / name), query=query)
    made = 0
    for index in range(0, len(ids), 50):
        chunk = ids[index : index + 50]
        found = []
        for video in chunk:
            shape = copy.deepcopy(video_shape)
            shape["id"] = video
            shape["statistics"]["commentCount"] = str(threads * (1 + replies))
            found.append(shape)
        name = f"videos_{index}.json"
        (folder / name).write_text(json.dumps({"kind": "youtube#videoListResponse",
                                               "items": found}))  # fmt: skip
        server.add(f"{YT}/videos", Reply(folder / name), query={"id": ",".join(chunk)})
    for number, video in enumerate(ids):
        posted = start + dt.timedelta(hours=24 * (videos - number))
        listed = []
        for t in range(threads):
            thread = copy.deepcopy(thread_shape)
            thread_id = f"Ugw{video}T{t:04d}"
            thread["id"] = thread["snippet"]["topLevelComment"]["id"] = thread_id
            top = thread["snippet"]["topLevelComment"]["snippet"]
            top |= _person((number * 7 + t) % 2000)
            top |= {"videoId": video, "publishedAt": _at(posted, t + 1)}
            thread["snippet"]["videoId"] = video
            answers = []
            for r in range(replies + (1 if t % 3 == 0 else 0)):
                answer = copy.deepcopy(reply_shape)
                answer["id"] = f"{thread_id}.R{r}"
                who = (
                    {"authorDisplayName": "Crumb & Co Bakery",
                     "authorChannelUrl": f"http://www.youtube.com/channel/{CHANNEL}",
                     "authorChannelId": {"value": CHANNEL}}
                    if r == replies
                    else _person((number * 13 + t * 3 + r) % 2000)
                )  # fmt: skip
                answer["snippet"] |= who | {"parentId": thread_id, "videoId": video,
                                            "publishedAt": _at(posted, t + 2 + r)}  # fmt: skip
                answers.append(answer)
            thread["snippet"]["totalReplyCount"] = len(answers)
            thread["replies"] = {"comments": answers}
            listed.append(thread)
            made += 1 + len(answers)
        for index in range(0, max(len(listed), 1), PAGE):
            page = {"kind": "youtube#commentThreadListResponse",
                    "items": listed[index : index + PAGE]}  # fmt: skip
            if index + PAGE < len(listed):
                page["nextPageToken"] = f"T{index + PAGE}"
            name = f"threads_{video}_{index}.json"
            (folder / name).write_text(json.dumps(page))
            query = {"videoId": video} | ({"pageToken": f"T{index}"} if index else {})
            server.add(f"{YT}/commentThreads", Reply(folder / name), query=query)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--videos", type=int, default=200)
    parser.add_argument("--threads", type=int, default=40)
    parser.add_argument("--replies", type=int, default=2)
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="rapport-bench-live-"))
    server = ReplayServer()
    try:
        comments = build(scratch, server, videos=options.videos, threads=options.threads,
                         replies=options.replies)  # fmt: skip
        print(f"channel: {options.videos} videos, {comments:,} comments (threads and replies)")
        base = server.url + YT
        began = time.perf_counter()
        batch = youtube.pull_channel(channel=CHANNEL, api_key=KEY, state={}, base_url=base)
        pulled = time.perf_counter() - began
        asked = list(server.requests)
        assert not server.unmatched, server.unmatched[:3]
        began = time.perf_counter()
        with httpx.Client(base_url=server.url) as client:
            for request in asked:
                query = {k: v[0] for k, v in request.query.items()}
                json.loads(client.get(request.path, params=query).content)
        baseline = time.perf_counter() - began
        workspace = Workspace(scratch / "ws")
        began = time.perf_counter()
        first = pull_youtube(workspace=workspace, channel=CHANNEL, api_key=KEY, api_url=base)
        stored = time.perf_counter() - began
        before = len(server.requests)
        began = time.perf_counter()
        second = pull_youtube(workspace=workspace, channel=CHANNEL, api_key=KEY, api_url=base)
        again = time.perf_counter() - began
        rows = sum(len(t) for t in batch.tables.values())
        print(f"requests: {len(asked):,} for a first pull, {len(server.requests) - before:,} "
              "for the second")  # fmt: skip
        print(f"baseline (httpx + json)  {baseline:7.2f} s   1.0x")
        print(f"pull (fetch + map)       {pulled:7.2f} s  {pulled / baseline:4.1f}x  "
              f"{rows:,} canonical rows")  # fmt: skip
        print(f"pull + store (first)     {stored:7.2f} s  {stored / baseline:4.1f}x  "
              f"{first.total('added'):,} rows added")  # fmt: skip
        print(
            f"pull + store (again)     {again:7.2f} s  {again / baseline:4.1f}x  "
            f"{second.total('added'):,} added, {second.total('unchanged'):,} unchanged"
        )
        for notice in first.notices:
            if notice.startswith("quota"):
                print(f"first pull {notice}")
        print(f"peak memory of the process: {_peak_mib():,.0f} MiB")
    finally:
        server.close()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
