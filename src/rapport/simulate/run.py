"""The day-by-day loop: posts spread, follows arrive, people leave.

Randomness comes from independent streams of one seed (``default_rng([seed, stream, n])``):
the audience, the graph, the schedule, each post and each day have their own. Two worlds that
differ only in one lever (say ``brand_promo_share``) therefore share their people, their
graph, their posting times, every post's appeal and every person's daily draw: the
comparison between them is paired, and differences are the lever's doing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rapport.simulate.audience import Audience, FollowGraph, draw_audience, draw_follow_graph
from rapport.simulate.content import SIDE_TOPIC_WEIGHT, side_topic
from rapport.simulate.dynamics import DAY, PersonState
from rapport.simulate.feed import Post, PostOutcome, Spreader
from rapport.simulate.log import BrandReplyLog, ConversionLog, EventLog
from rapport.simulate.params import WorldParams
from rapport.simulate.schedule import Schedule, draw_kinds, draw_schedule
from rapport.simulate.vocab import CONTENT_KINDS, TOPICS, topic_index

__all__ = [
    "Population",
    "Run",
    "Stream",
    "draw_population",
    "population_key",
    "run_world",
    "stream",
]

ProgressCallback = Callable[[int, int], None]
_LINKABLE = ("educational", "news")


class Stream:
    """Names of the random streams."""

    AUDIENCE, GRAPH, INITIAL, SCHEDULE, KINDS, POST, DAY, TEXT, PEOPLE, COMPETITORS = range(10)


def _generator(*entropy: int) -> np.random.Generator:
    """``np.random.default_rng(list(entropy))``, built without its checks (half the time: a
    run makes one per post and per day)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


def stream(params: WorldParams, name: int, *more: int) -> np.random.Generator:
    """The generator of one stream (and sub-stream) of the world's seed."""
    return _generator(params.seed, name, *more)


_POPULATION_FIELDS = (
    "people", "brand_topic", "audience_target_share", "audience_irrelevant_share",
    "audience_activity_sigma", "audience_following_mean", "audience_following_sigma",
    "audience_popularity_alpha", "audience_community_share",
)  # fmt: skip
"""What the people and their follow graph are drawn from (besides the seed)."""


@dataclass(frozen=True, eq=False)
class Population:
    """The people of a world and their follow graph, drawn once for the runs that share them
    (worlds that differ only in the account's behaviour, on the same seed)."""

    audience: Audience
    graph: FollowGraph
    key: tuple[object, ...]
    """The seed and the parameters it was drawn from."""


def population_key(params: WorldParams, people_seed: int | None = None) -> tuple[object, ...]:
    """What :func:`draw_population` draws from: worlds with the same key share their people."""
    seed = params.seed if people_seed is None else people_seed
    return (seed, *(getattr(params, name) for name in _POPULATION_FIELDS))


def draw_population(params: WorldParams, *, people_seed: int | None = None) -> Population:
    """The people and follow graph :func:`run_world` draws for ``params`` (and
    ``people_seed``); pass it to runs of worlds that share them."""
    seed = params.seed if people_seed is None else people_seed
    audience = draw_audience(params, _generator(seed, Stream.AUDIENCE))
    graph = draw_follow_graph(params, audience, _generator(seed, Stream.GRAPH))
    return Population(audience, graph, population_key(params, people_seed))


@dataclass(frozen=True, eq=False)
class Run:
    """Everything the loop produced, before it becomes tables."""

    params: WorldParams
    audience: Audience
    graph: FollowGraph
    state: PersonState
    schedule: Schedule
    kinds: npt.NDArray[np.int8]
    sides: npt.NDArray[np.int8]
    appeal: npt.NDArray[np.float64]
    has_link: npt.NDArray[np.bool_]
    outcomes: list[PostOutcome]
    events: EventLog
    replies: BrandReplyLog
    conversions: ConversionLog
    follower_history: npt.NDArray[np.int64]
    """Own followers at the end of each day."""
    mid: int
    end: int


def run_world(
    params: WorldParams,
    *,
    progress: ProgressCallback | None = None,
    people_seed: int | None = None,
    population: Population | None = None,
) -> Run:
    """Draw the audience and run the own account's world for ``params.days`` days.

    ``people_seed`` (default: the world's seed) seeds what is drawn per person (the audience,
    the graph, the initial state, each day's and each post's draws among people) while the
    own account's schedule, content kinds and posts' appeal stay those of ``params.seed``:
    worlds that differ only in ``people_seed`` are disjoint blocks of people who see the same
    posts (how :mod:`rapport.simulate.partitioned` draws a large world block by block).

    ``population``: the people and graph drawn before by :func:`draw_population` for the
    same seed and people's parameters (the run is the same as without it; it is not changed).
    """

    def people(name: int, *more: int) -> np.random.Generator:
        if people_seed is None:
            return stream(params, name, *more)
        return _generator(people_seed, name, *more)

    if population is None:
        population = draw_population(params, people_seed=people_seed)
    elif population.key != population_key(params, people_seed):
        raise ValueError("population: drawn for another seed or other people's parameters")
    audience, graph = population.audience, population.graph
    state = PersonState(params, audience, people(Stream.INITIAL))
    schedule = draw_schedule(params, stream(params, Stream.SCHEDULE))
    kinds = draw_kinds(params.mix, schedule.count, stream(params, Stream.KINDS))
    end = params.days * DAY
    mid = (params.days // 2) * DAY
    events, replies, conversions = EventLog(), BrandReplyLog(), ConversionLog()
    spreader = Spreader(
        params,
        audience,
        graph,
        state,
        events=events,
        replies=replies,
        conversions=conversions,
        end=end,
        mid=mid,
    )
    brand = topic_index(params.brand_topic)
    linkable = [CONTENT_KINDS.index(k) for k in _LINKABLE]
    count = schedule.count
    sides = np.zeros(count, dtype=np.int8)
    appeal = np.zeros(count)
    has_link = np.zeros(count, dtype=bool)
    outcomes: list[PostOutcome] = []
    history = np.zeros(params.days, dtype=np.int64)
    first_post_of_day = np.searchsorted(schedule.day, np.arange(params.days + 1))
    for day in range(params.days):
        state.apply_due(day, events)
        for index in range(first_post_of_day[day], first_post_of_day[day + 1]):
            rng = stream(params, Stream.POST, index)
            appeal[index] = rng.normal(0.0, params.content_quality_sigma)
            sides[index] = side_topic(brand, rng)
            link_draw = rng.random()
            has_link[index] = kinds[index] == 0 or (
                int(kinds[index]) in linkable and link_draw < params.brand_link_share
            )
            weights = np.zeros(len(TOPICS), dtype=np.float32)
            weights[brand] = 1.0 - SIDE_TOPIC_WEIGHT
            weights[sides[index]] = SIDE_TOPIC_WEIGHT
            post = Post(
                number=index + 1,
                time=int(schedule.time[index]),
                kind=int(kinds[index]),
                topic_weights=weights,
                appeal=float(appeal[index]),
                has_link=bool(has_link[index]),
            )
            spread_rng = rng if people_seed is None else people(Stream.POST, index)
            outcomes.append(spreader.spread(post, spread_rng))
            state.apply_due(day, events)
        state.end_of_day(day, people(Stream.DAY, day), events)
        history[day] = state.follower_count
        if progress is not None:
            progress(day + 1, params.days)
    return Run(
        params=params,
        audience=audience,
        graph=graph,
        state=state,
        schedule=schedule,
        kinds=kinds,
        sides=sides,
        appeal=appeal,
        has_link=has_link,
        outcomes=outcomes,
        events=events,
        replies=replies,
        conversions=conversions,
        follower_history=history,
        mid=mid,
        end=end,
    )
