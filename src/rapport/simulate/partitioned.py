"""A large synthetic world, written as a partitioned canonical dataset in bounded memory.

:func:`simulate` holds a whole world in memory (its people, their follow graph, every
event), which is right for the demo and too much for millions of people. Here the same model
runs **block by block of people**: the world's people are split into blocks of at most
``block_people``; each block is a full simulated world of its own people
(:func:`~rapport.simulate.run.run_world` with a ``people_seed`` of its own) that sees the
same own account's posts (the schedule, content kinds and each post's appeal come from the
world's seed). A block's tables are renumbered into the world's id spaces and handed to a
:class:`~rapport.canonical.partitioned.PartitionedWriter`, which writes the Hive-style
layout with a fixed memory budget; then the block is dropped. Per-post counts
(``post_stats``) and the own follower history are summed over blocks as they go (their size
depends on the number of days, not of people); the competitors are simulated once, at the
end, against the summed follower count.

Simplifications against one world of the same size (docs/simulator.md, "Large worlds"):

- **the social graph is drawn per block**: nobody follows anyone in another block, so
  resharing cascades stay within a block (a post's reach is the sum of the blocks'); the
  per-block model is the full one (audience, follow graph, feed, dynamics, content);
- own followers, reach and counts are sums over blocks, so the brand's audience grows in
  proportion to the people simulated, as in one world;
- answers' texts name the person's handle as drawn in the block (``…_<number in block>``),
  while the people table's handle ends with the person's number in the world.

Memory is one block's world (about 250 MiB for 100,000 people over a year) plus the writer's
budget plus the per-post sums, whatever the number of people.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from rapport.canonical.partitioned import META_FILE, PartitionedWriter, WrittenFiles, write_meta
from rapport.canonical.schema import TABLE_ORDER, arrow_schema
from rapport.errors import UsageError
from rapport.simulate._arrow import join
from rapport.simulate.competitors import CompetitorData, simulate_competitors
from rapport.simulate.dynamics import DAY
from rapport.simulate.params import WorldParams, validate
from rapport.simulate.run import Stream, run_world, stream
from rapport.simulate.text import account_display_name, slug
from rapport.simulate.to_canonical import OwnAccount, _table, build_tables
from rapport.simulate.vocab import TOPICS, topic_index

__all__ = ["BLOCK_PEOPLE", "PartitionedWorld", "write_partitioned_world"]

BLOCK_PEOPLE = 100_000
"""People per block by default: one block's world needs about 250 MiB over a year."""
MIN_BLOCK = 100
"""The fewest people a block (a world) can have."""

Report = Callable[[str], None]


@dataclass(frozen=True)
class PartitionedWorld:
    """What :func:`write_partitioned_world` wrote."""

    out: Path
    people: int
    days: int
    seed: int
    blocks: int
    rows: dict[str, int]
    files: int
    bytes: int
    seconds: float
    own_account_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "people": self.people,
            "days": self.days,
            "seed": self.seed,
            "blocks": self.blocks,
            "rows": dict(self.rows),
            "files": self.files,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "own_account_ids": list(self.own_account_ids),
        }


def block_sizes(people: int, block_people: int) -> list[int]:
    """``people`` split into nearly equal blocks of at most ``block_people`` (each ≥ 100)."""
    count = max(1, -(-people // block_people))
    while count > 1 and people // count < MIN_BLOCK:
        count -= 1
    base, extra = divmod(people, count)
    return [base + (1 if i < extra else 0) for i in range(count)]


def prepare_out(out: Path, *, force: bool) -> None:
    """Check ``out`` is a new or empty folder (``force``: remove a dataset written there)."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is not a folder", option="out")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise UsageError(
                f"{out}: the folder exists and is not empty; give an empty or new folder, or "
                "have the dataset written there replaced",
                option="force",
            )
        for name in TABLE_ORDER:
            shutil.rmtree(out / name, ignore_errors=True)
        (out / META_FILE).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)


def _own_account(params: WorldParams) -> OwnAccount:
    """The own account, as :func:`rapport.simulate.simulate` names it."""
    topic = TOPICS[topic_index(params.brand_topic)]
    name = account_display_name(topic, stream(params, Stream.PEOPLE, 1))
    handle = slug(name).replace("-", "_")
    return OwnAccount(
        account_id=f"synthetic:account/{handle}",
        handle=handle,
        display_name=name,
        domain=f"{handle.replace('_', '-')}.example",
    )


def _renumber(values: Any, prefix: str, offset: int) -> Any:
    """Ids ``<prefix><n>`` become ``<prefix><n + offset>``; other values are kept."""
    if offset == 0:
        return values
    match = pc.fill_null(pc.starts_with(values, prefix), False)
    digits = pc.if_else(match, pc.utf8_slice_codeunits(values, len(prefix)), "0")
    numbers = pc.add(pc.cast(digits, pa.int64()), offset)
    return pc.if_else(match, join(prefix, pc.cast(numbers, pa.string())), values)


def _number_after(values: Any, prefix: str) -> int:
    """One more than the largest ``n`` of the ids ``<prefix><n>`` (0 when there are none)."""
    match = pc.fill_null(pc.starts_with(values, prefix), False)
    picked = pc.filter(values, match)
    if len(picked) == 0:
        return 0
    numbers = pc.cast(pc.utf8_slice_codeunits(picked, len(prefix)), pa.int64())
    return int(pc.max(numbers).as_py()) + 1


def _with(table: pa.Table, name: str, values: Any) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, values)


@dataclass
class _Offsets:
    people: int = 0
    interactions: int = 0
    answers: int = 0
    orders: int = 0
    signups: int = 0


def _renumbered(
    tables: dict[str, pa.Table], offsets: _Offsets, own: OwnAccount, block_people: int
) -> dict[str, pa.Table]:
    """A block's people, interactions, answers and conversions in the world's id spaces."""
    people = tables["people"]
    person_ids = _renumber(people["person_id"], "synthetic:u", offsets.people)
    numbers = pc.utf8_slice_codeunits(person_ids, len("synthetic:u"))
    stem = pc.replace_substring_regex(people["handle"], pattern=r"\d+$", replacement="")
    handles = join(stem, numbers)
    people = _with(people, "person_id", person_ids)
    people = _with(people, "handle", handles)
    people = _with(people, "url", join("https://synthetic.example/@", handles))

    rows = tables["interactions"]
    rows = _with(rows, "interaction_id", _renumber(rows["interaction_id"], "synthetic:i",
                                                   offsets.interactions))  # fmt: skip
    rows = _with(rows, "person_id", _renumber(rows["person_id"], "synthetic:u", offsets.people))
    rows = _with(rows, "post_id", _renumber(rows["post_id"], "synthetic:r", offsets.answers))
    rows = _with(rows, "in_reply_to_id",
                 _renumber(rows["in_reply_to_id"], "synthetic:r", offsets.answers))  # fmt: skip

    posts = tables["posts"]
    answers = posts.filter(pc.starts_with(posts["post_id"], "synthetic:r"))
    answer_ids = _renumber(answers["post_id"], "synthetic:r", offsets.answers)
    answers = _with(answers, "post_id", answer_ids)
    answers = _with(answers, "url", join(f"https://synthetic.example/@{own.handle}/r",
                                         pc.utf8_slice_codeunits(answer_ids, 11)))  # fmt: skip
    replied_to = _renumber(answers["in_reply_to_id"], "synthetic:i", offsets.interactions)
    answers = _with(answers, "in_reply_to_id", replied_to)

    conversions = tables["conversions"]
    ids = _renumber(conversions["conversion_id"], "shop:order-", offsets.orders)
    ids = _renumber(ids, "web:signup-", offsets.signups)
    conversions = _with(conversions, "conversion_id", ids)
    who = _renumber(conversions["person_id"], "synthetic:u", offsets.people)
    conversions = _with(conversions, "person_id", who)

    offsets.people += block_people
    offsets.interactions += _number_after(tables["interactions"]["interaction_id"], "synthetic:i")
    offsets.answers += _number_after(tables["posts"]["post_id"], "synthetic:r")
    offsets.orders += _number_after(tables["conversions"]["conversion_id"], "shop:order-")
    offsets.signups += _number_after(tables["conversions"]["conversion_id"], "web:signup-")
    return {"people": people, "interactions": rows, "answers": answers, "conversions": conversions}


class _Sums:
    """Per-post counts and the own follower history, summed over blocks."""

    COUNTS = ("impressions", "reach", "likes", "reposts", "replies", "quotes", "clicks")

    def __init__(self) -> None:
        self.stats: pa.Table | None = None
        self.counts: dict[str, npt.NDArray[np.int64]] = {}
        self.followers: pa.Table | None = None
        self.follower_sum: npt.NDArray[np.int64] | None = None
        self.final_followers = 0
        self.initial_followers = 0

    def add(self, stats: pa.Table, followers: pa.Table, *, initial: int, final: int) -> None:
        self.initial_followers += initial
        self.final_followers += final
        counts = {k: stats[k].to_numpy(zero_copy_only=False).astype(np.int64) for k in self.COUNTS}
        history = followers["followers"].to_numpy(zero_copy_only=False).astype(np.int64)
        if self.stats is None or self.follower_sum is None:
            self.stats, self.counts = stats, counts
            self.followers, self.follower_sum = followers, history
            return
        if not stats["post_id"].equals(self.stats["post_id"]):  # same schedule in every block
            raise AssertionError("blocks disagree on the own posts")
        for key in self.COUNTS:
            self.counts[key] += counts[key]
        self.follower_sum += history

    def tables(self) -> tuple[pa.Table, pa.Table]:
        assert self.stats is not None and self.followers is not None
        stats = self.stats
        for key, values in self.counts.items():
            stats = _with(stats, key, pa.array(values, type=pa.int64()))
        followers = _with(self.followers, "followers", pa.array(self.follower_sum))
        return stats.cast(arrow_schema("post_stats")), followers.cast(
            arrow_schema("follower_counts")
        )


def write_partitioned_world(
    params: WorldParams,
    out: Path,
    *,
    block_people: int = BLOCK_PEOPLE,
    force: bool = False,
    report: Report | None = None,
    budget_bytes: int = 192 * 2**20,
    rows_per_file: int = 2_000_000,
) -> PartitionedWorld:
    """Simulate ``params.people`` people block by block and write the partitioned dataset.

    ``report(line)`` is told after each block and at the end (rows, files, MiB written).
    Raises :class:`~rapport.errors.UsageError` for an unusable ``out`` or sizes.
    """
    started = time.perf_counter()
    if block_people < MIN_BLOCK:
        raise UsageError(f"block of {block_people} people: at least {MIN_BLOCK}",
                         option="block_people")  # fmt: skip
    if params.people < MIN_BLOCK:
        raise UsageError(f"people = {params.people}: at least {MIN_BLOCK}", option="people")
    sizes = block_sizes(params.people, block_people)
    validate(dataclasses.replace(params, people=sizes[0]))
    prepare_out(out, force=force)
    own = _own_account(params)
    empty = CompetitorData()
    offsets = _Offsets()
    sums = _Sums()
    with PartitionedWriter(out, budget_bytes=budget_bytes, rows_per_file=rows_per_file) as writer:
        for number, size in enumerate(sizes):
            block = dataclasses.replace(params, people=size)
            seed = int(
                np.random.SeedSequence([params.seed, 1_000_003, number]).generate_state(1)[0]
            )
            run = run_world(block, people_seed=seed)
            if number:  # texts and names drawn per block; block 0 keeps the world's seed
                run = dataclasses.replace(run, params=dataclasses.replace(block, seed=seed))
            tables, _, _ = build_tables(run, own, empty)
            state = run.state
            sums.add(tables["post_stats"], tables["follower_counts"],
                     initial=state.initial_followers, final=state.follower_count)  # fmt: skip
            if number == 0:
                posts = tables["posts"]
                writer.write("posts", posts.filter(pc.starts_with(posts["post_id"], "synthetic:p")))
            del run, state
            renumbered = _renumbered(tables, offsets, own, size)
            del tables
            writer.write("people", renumbered["people"])
            writer.write("interactions", renumbered["interactions"])
            writer.write("posts", renumbered["answers"])
            writer.write("conversions", renumbered["conversions"])
            del renumbered
            if report is not None:
                report(_progress(number + 1, len(sizes), offsets.people, writer, started))
        competitors = _competitors(params, own, sums.initial_followers)
        stats, followers = sums.tables()
        for name, table in _final_tables(params, own, competitors, sums, stats, followers).items():
            writer.write(name, table)
        written = writer.close()
    write_meta(out, own_account_ids=[own.account_id])
    if report is not None:
        report(_summary(written, time.perf_counter() - started))
    return PartitionedWorld(
        out=out,
        people=params.people,
        days=params.days,
        seed=params.seed,
        blocks=len(sizes),
        rows={name: written.rows.get(name, 0) for name in TABLE_ORDER},
        files=written.file_count,
        bytes=written.bytes,
        seconds=time.perf_counter() - started,
        own_account_ids=(own.account_id,),
    )


def _competitors(params: WorldParams, own: OwnAccount, initial_followers: int) -> CompetitorData:
    mid = (params.days // 2) * DAY
    end = params.days * DAY
    return simulate_competitors(
        params,
        own_initial_followers=initial_followers,
        own_handle=own.handle,
        seed_sequence=np.random.SeedSequence([params.seed, Stream.COMPETITORS]),
        observations=(mid, end) if mid > 0 else (end,),
    )


def _final_tables(
    params: WorldParams, own: OwnAccount, competitors: CompetitorData, sums: _Sums,
    stats: pa.Table, followers: pa.Table,
) -> dict[str, pa.Table]:  # fmt: skip
    """The accounts, the competitors' posts and counts, the summed own counts."""
    import datetime as dt

    rows: list[dict[str, object]] = [{
        "account_id": own.account_id, "platform": "synthetic", "handle": own.handle,
        "display_name": own.display_name, "role": "own", "followers": sums.final_followers,
        "url": f"https://synthetic.example/@{own.handle}",
        "created_at": params.start - dt.timedelta(days=900),
    }]  # fmt: skip
    for row in competitors.accounts:
        rows.append({**{k: v for k, v in row.items() if k != "initial_followers"},
                     "platform": "synthetic", "role": "competitor"})  # fmt: skip
    names = ("account_id", "platform", "handle", "display_name", "role", "followers", "url",
             "created_at")  # fmt: skip
    accounts = _table("accounts", {name: [r.get(name) for r in rows] for name in names})
    count = len(competitors.posts["post_id"])
    posts = _table("posts", {**competitors.posts, "repost_of": [None] * count,
                             "language": ["en"] * count})  # fmt: skip
    stat_count = len(competitors.stats["post_id"])
    competitor_stats = _table("post_stats", {**competitors.stats, "saves": [None] * stat_count,
                                             "video_views": [None] * stat_count})  # fmt: skip
    account = [str(r["account_id"]) for r in competitors.accounts]
    competitor_followers = _table("follower_counts", {
        "account_id": account + [str(a) for a in competitors.followers["account_id"]],
        "observed_at": [params.start] * len(account) + list(competitors.followers["observed_at"]),
        "followers": [int(str(r["initial_followers"])) for r in competitors.accounts]
        + [int(str(c)) for c in competitors.followers["followers"]],
    })  # fmt: skip
    return {
        "accounts": accounts,
        "posts": posts,
        "post_stats": pa.concat_tables([stats, competitor_stats]),
        "follower_counts": pa.concat_tables([followers, competitor_followers]),
    }


def _mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


def _progress(done: int, blocks: int, people: int, writer: PartitionedWriter,
              started: float) -> str:  # fmt: skip
    buffered = writer.buffered_bytes
    written = writer.written
    return (
        f"block {done}/{blocks}: {people:,} people, {written.row_count:,} rows in "
        f"{written.file_count:,} files ({_mib(written.bytes)}), {_mib(buffered)} buffered, "
        f"{time.perf_counter() - started:,.0f} s"
    )


def _summary(written: WrittenFiles, seconds: float) -> str:
    tables = ", ".join(f"{name} {written.rows.get(name, 0):,}" for name in TABLE_ORDER)
    return (
        f"wrote {written.row_count:,} rows in {written.file_count:,} files "
        f"({_mib(written.bytes)}) in {seconds:,.0f} s: {tables}"
    )
