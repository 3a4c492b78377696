"""``simulate()``: draw a world and hand back its canonical tables and its truth."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from rapport.simulate.competitors import simulate_competitors
from rapport.simulate.dynamics import DAY
from rapport.simulate.feed import ROUTES
from rapport.simulate.params import WorldParams, validate
from rapport.simulate.run import Run, Stream, run_world, stream
from rapport.simulate.text import account_display_name, slug
from rapport.simulate.to_canonical import OwnAccount, build_tables
from rapport.simulate.truth import Spike, Truth
from rapport.simulate.vocab import CONTENT_KINDS, TOPICS, topic_index

__all__ = ["World", "simulate"]


@dataclass(frozen=True, eq=False)
class World:
    """A simulated world: canonical tables plus the truth they were drawn from."""

    params: WorldParams
    tables: dict[str, pa.Table]
    """Canonical table name -> table, each exactly ``rapport.canonical.arrow_schema(name)``."""
    truth: Truth
    own_account_id: str
    competitor_account_ids: tuple[str, ...]
    target_audience: str
    """Who the brand wants to reach, in words (for ``rapport.toml``)."""

    @property
    def row_count(self) -> int:
        return sum(table.num_rows for table in self.tables.values())


def simulate(
    params: WorldParams | None = None, *, progress: Callable[[int, int], None] | None = None
) -> World:
    """Simulate a world; ``progress(day_done, days_total)`` is called once per day.

    The same ``params`` (seed included) give byte-identical tables.
    """
    params = params or WorldParams()
    validate(params)
    topic = TOPICS[topic_index(params.brand_topic)]
    name = account_display_name(topic, stream(params, Stream.PEOPLE, 1))
    handle = slug(name).replace("-", "_")
    own = OwnAccount(
        account_id=f"synthetic:account/{handle}",
        handle=handle,
        display_name=name,
        domain=f"{handle.replace('_', '-')}.example",
    )
    run = run_world(params, progress=progress)
    end = params.days * DAY
    observations = (run.mid, end) if run.mid > 0 else (end,)
    competitors = simulate_competitors(
        params,
        own_initial_followers=run.state.initial_followers,
        own_handle=own.handle,
        seed_sequence=np.random.SeedSequence([params.seed, Stream.COMPETITORS]),
        observations=observations,
    )
    tables, _, replies = build_tables(run, own, competitors)
    return World(
        params=params,
        tables=tables,
        truth=_truth(run, replies),
        own_account_id=own.account_id,
        competitor_account_ids=tuple(str(row["account_id"]) for row in competitors.accounts),
        target_audience=topic.audience,
    )


def _truth(run: Run, replies: pa.Table) -> Truth:
    spikes = []
    for index, outcome in enumerate(run.outcomes):
        if outcome.is_spike:
            spikes.append(Spike(
                day=int(run.schedule.day[index]), post_id=f"synthetic:p{index + 1}",
                cause="external_share" if outcome.externally_shared else "feed_widening",
                reach=outcome.reach_end, followers_gained=outcome.spike_follows,
            ))  # fmt: skip
    posts = pa.table({
        "post_id": [f"synthetic:p{i + 1}" for i in range(run.schedule.count)],
        "content_kind": [CONTENT_KINDS[int(k)] for k in run.kinds],
        "appeal": pa.array(run.appeal),
        "widest_route": [ROUTES[o.widest_route] for o in run.outcomes],
        "broad_rounds": [o.broad_rounds for o in run.outcomes],
        "externally_shared": [o.externally_shared for o in run.outcomes],
        "reach": [o.reach_end for o in run.outcomes],
    })  # fmt: skip
    state = run.state
    acquired = np.where(state.follow_day >= 0, state.follow_day, -1).astype(np.int32)
    return Truth(
        topics=tuple(t.name for t in TOPICS),
        brand_topic=run.params.brand_topic,
        segment=run.audience.segment,
        interest_match=run.audience.match,
        primary_topic=run.audience.primary_topic,
        activity=run.audience.activity,
        acquired_channel=state.channel,
        acquired_day=acquired,
        unfollowed_day=state.unfollow_day,
        final_affinity=state.affinity,
        graph=run.graph,
        replies=replies,
        posts=posts,
        spikes=tuple(spikes),
        active_days=run.schedule.active,
        initial_followers=state.initial_followers,
    )
