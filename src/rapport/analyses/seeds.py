"""Who to care for first: the people whose care spreads furthest, from the workspace's own data.

**What the workspace graph is.** The store knows the people who interacted with the own
accounts, each with the follower and following counts their platform shows, and what they
did. It has **no person-to-person follow edges**: nobody's follower list is imported. So
:func:`workspace_graph` builds the ties it *can* see, each pointing the way influence flows
(``b -> a``: what b did reached a):

* **conversation**: a replied to b's reply or mention (``interactions.in_reply_to_id`` is b's
  interaction), or to the account's answer to b (a post whose ``in_reply_to_id`` is b's
  interaction): a read b's words;
* **exposure through a reshare**, only when asked for (``exposure_hours``): b reposted or
  quoted a post, and a engaged with the same post within that many hours after it, so a may
  have seen it through b. Off by default because it is mostly noise: in the synthetic world
  (20,000 people, 365 days) 0.6 % of such pairs are real follow ties (0.3 % of random pairs
  of engaged people are), 2 % when a pair recurs on five posts or more, because people
  mostly see a post in the account's own feed; with these ties in, the chosen people reached
  32 % fewer people of the hidden follow graph.

Every tie gets the weighted-cascade probability a's own platform count implies:
p(b, a) = 1 / following(a), the chance that one of the people a follows convinces a (with
the number of ties into a in this graph instead where the following count is unknown, or
when it is smaller).

**What it is not.** Most of a person's reach is to followers the workspace never sees. Each
node therefore carries a weight, what convincing that person is worth: 1 (themselves) plus
their followers outside the graph, each convinced directly with probability
1 / (the median following count of the people the workspace knows). That is the expected
number of followers convinced in one step under the weighted cascade; the cascade beyond
them is not modelled, and overlap between two people's audiences can't be seen. The
account itself is not a node: it reaches all of these people already, and is never a seed.

:func:`care_first` runs RIS with OPIM-C (:mod:`rapport.models.influence`) on this graph and
sets the choice beside the people with the most followers and beside a random choice. In the
synthetic world follower count is already nearly the best choice (RIS on the hidden follow
graph itself, limited to the people the workspace knows, beats it by under 1 %); care-first
matches it there, and conversation ties move the choice where the data has them.

**When there is nothing to choose by.** Without a tie between people and without follower
counts that differ, every person is worth the same and any k people reach as many as any
other k: the choice would be k arbitrary people (the followers in an X archive: the archive
holds only the account's own side of its conversations, and no one's follower count).
:func:`care_first` then returns ``not_computable`` with the reason and what would add ties,
instead of choosing. Without ties but with follower counts, the choice rests on the counts
alone (the people with the most followers, weighted as above), and the result's ``notes``
say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from rapport.errors import UsageError
from rapport.models.influence import Graph, SeedChoice, SeedPerson, choose_seeds, top_by
from rapport.platforms.links import person_link
from rapport.query.common import ENGAGING_KINDS
from rapport.query.context import Context
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["CareFirst", "CareGraph", "care_first", "care_graph", "workspace_graph"]

SHARE_KINDS = ("repost", "quote", "share")
MIN_SAMPLES = 1 << 18
"""RR sets drawn at least: a workspace graph is small and sparse, so a steady ranking of
people whose weights are close costs well under a second."""
DEFAULT_FOLLOWING = 20.0
"""Typical following count, used only when no person's count is known."""


@dataclass(frozen=True)
class CareGraph:
    """The workspace graph and what is known about its people (aligned with the nodes)."""

    graph: Graph
    handles: tuple[str | None, ...]
    followers: tuple[int | None, ...]
    ties: dict[str, int]
    """Distinct person-to-person ties by kind of evidence (a pair may have both kinds)."""
    typical_following: float
    links: tuple[str | None, ...] = ()
    """Each person's profile link where one is known or can be built (see
    :func:`rapport.platforms.links.person_link`)."""


NOBODY = (
    "nobody has interacted with the own accounts in this period: there is no one to choose; "
    "import interactions (likes, replies, reposts, follows) first"
)


def _what_adds_ties(exposure: bool) -> str:
    reposts = ", and reposts with who made them and when" if exposure else ""
    return (
        "what would add ties: replies and mentions with who wrote them and what they answer"
        f"{reposts}, as a Mastodon or Bluesky pull of the account brings them (an X archive "
        "holds only the account's own side)"
    )


@dataclass(frozen=True)
class CareFirst:
    """Who to care for first in a workspace: the choice, or why none can be made.

    ``status`` is ``"ok"`` with ``choice`` set, or ``"not_computable"`` with ``reason`` (no one
    interacted, or nothing tells the people apart: see the module notes).
    """

    status: Literal["ok", "not_computable"]
    people_known: int
    """People who interacted with the own accounts in the period (the graph's nodes)."""
    ties: Mapping[str, int] = field(default_factory=dict)
    """Person-to-person ties by kind (``conversation``, ``exposure``)."""
    choice: SeedChoice | None = None
    reason: str | None = None
    notes: tuple[str, ...] = ()
    """What the reader should know about an ``ok`` choice (e.g. no ties: counts alone)."""

    def people(self) -> list[SeedPerson]:
        """The chosen people in order, with handle and link (none when not computable)."""
        return self.choice.people() if self.choice is not None else []

    def to_dict(self) -> dict[str, Any]:
        """The choice's JSON (``seeds``: person ids; ``people``: id, handle, link each) with
        ``status``; when not computable, ``status``, ``reason`` and what the graph holds."""
        if self.choice is None:
            return {
                "status": self.status,
                "reason": self.reason,
                "people_known": self.people_known,
                "ties": dict(self.ties),
            }
        return {
            "status": self.status,
            **self.choice.to_dict(),
            "people_known": self.people_known,
            "ties": dict(self.ties),
            "notes": list(self.notes),
        }


def _people(t: Tables, rows: ir.Table) -> ir.Table:
    ids = rows.select("person_id").distinct()
    people = t.people.select("person_id", "handle", "followers", "following", "url")
    joined = ids.left_join(people, ids.person_id == people.person_id)
    return joined.select(
        ids.person_id, joined.handle, joined.followers, joined.following, joined.url
    ).order_by("person_id")


def _edges(t: Tables, c: Context, rows: ir.Table, exposure_hours: float | None) -> ir.Table:
    replies = rows.filter(rows.in_reply_to_id.notnull()).select(
        target=rows.person_id, ref=rows.in_reply_to_id
    )
    authors = rows.select(source=rows.person_id, ref_id=rows.interaction_id)
    direct = replies.join(authors, replies.ref == authors.ref_id).select(
        "source", "target", kind=ibis.literal("conversation")
    )
    own = t.posts.filter(
        t.posts.account_id.isin(list(c.account_ids)) & t.posts.in_reply_to_id.notnull()
    )
    answers = own.select(answer_id=own.post_id, answered=own.in_reply_to_id)
    via = (
        replies.join(answers, replies.ref == answers.answer_id)
        .join(authors, answers.answered == authors.ref_id)
        .select("source", "target", kind=ibis.literal("conversation"))
    )
    every = ibis.union(direct, via, distinct=True)
    if exposure_hours is not None:
        every = ibis.union(every, _exposure(rows, exposure_hours), distinct=True)
    return every.filter(every.source != every.target)


def _exposure(rows: ir.Table, exposure_hours: float) -> ir.Table:
    timed = rows.filter(rows.post_id.notnull() & rows.occurred_at.notnull())
    shares = timed.filter(timed.kind.isin(list(SHARE_KINDS))).select(
        source=timed.person_id, shared_post=timed.post_id, shared_at=timed.occurred_at
    )
    engaged = timed.filter(timed.kind.isin(list(ENGAGING_KINDS))).select(
        target=timed.person_id, seen_post=timed.post_id, engaged_at=timed.occurred_at
    )
    window = ibis.interval(seconds=int(exposure_hours * 3600))
    exposure: ir.Table = shares.join(
        engaged,
        [
            shares.shared_post == engaged.seen_post,
            engaged.engaged_at > shares.shared_at,
            engaged.engaged_at <= shares.shared_at + window,
        ],
    ).select("source", "target", kind=ibis.literal("exposure"))
    return exposure


def care_graph(session: Session, *, exposure_hours: float | None = None) -> CareGraph:
    """The workspace graph with the people's handles and follower counts (see the module)."""
    care = _care_graph(session, exposure_hours=exposure_hours)
    if care is None:
        raise UsageError(NOBODY)
    return care


def _care_graph(session: Session, *, exposure_hours: float | None) -> CareGraph | None:
    """The workspace graph, or None when nobody interacted with the own accounts."""
    backend, tables, context = session.backend, session.tables, session.context
    if exposure_hours is not None and exposure_hours <= 0:
        raise UsageError(f"exposure_hours = {exposure_hours!r}: expected a positive number")
    rows = context.interactions(tables)
    rows = rows.filter(rows.person_id.notnull())
    people: pa.Table = backend.to_pyarrow(_people(tables, rows))
    ids = [str(v) for v in people.column("person_id").to_pylist()]
    if not ids:
        return None
    edges: pa.Table = backend.to_pyarrow(_edges(tables, context, rows, exposure_hours))
    index = {person: i for i, person in enumerate(ids)}
    n = len(ids)
    kinds = edges.column("kind").to_pylist()
    src = np.array([index[str(v)] for v in edges.column("source").to_pylist()], dtype=np.int64)
    dst = np.array([index[str(v)] for v in edges.column("target").to_pylist()], dtype=np.int64)
    ties = {kind: int(sum(1 for k in kinds if k == kind)) for kind in ("conversation", "exposure")}
    followers = _counts(people.column("followers").to_pylist())
    following = _counts(people.column("following").to_pylist())
    known = following[np.isfinite(following) & (following > 0)]
    typical = float(np.median(known)) if known.size else DEFAULT_FOLLOWING
    bare = Graph.from_edges(src, dst, nodes=n)
    indeg = bare.in_degree.astype(np.float64)
    into = np.where(np.isfinite(following), np.maximum(following, indeg), indeg)
    probabilities = 1.0 / np.maximum(into[bare.indices], 1.0)
    unseen = np.where(np.isfinite(followers), np.maximum(followers - bare.out_degree, 0), 0)
    weights = 1.0 + unseen / typical
    graph = replace(bare, ids=tuple(ids), probabilities=probabilities, weights=weights)
    handles = tuple(None if h is None else str(h) for h in people.column("handle").to_pylist())
    counts = tuple(None if not np.isfinite(f) else int(f) for f in followers)
    urls = people.column("url").to_pylist()
    links = tuple(
        person_link(pid, url=url, handle=handle)
        for pid, url, handle in zip(ids, urls, handles, strict=True)
    )
    return CareGraph(graph, handles, counts, ties, typical, links)


def _counts(values: list[Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def workspace_graph(session: Session, *, exposure_hours: float | None = None) -> Graph:
    """The people the workspace knows and the ties it can see between them (see the module):
    node ids are person ids; edges carry probabilities (use ``model="edge"``) and nodes
    weights (their unseen followers)."""
    return care_graph(session, exposure_hours=exposure_hours).graph


def care_first(
    session: Session,
    *,
    k: int = 50,
    epsilon: float = 0.01,
    seed: int = 0,
    exposure_hours: float | None = None,
    curve_to: int | None = None,
) -> CareFirst:
    """The ``k`` people to look after first so that care spreads furthest, or why they can't
    be chosen (``not_computable``: nobody interacted, or nothing tells the people apart).

    Seeds, spreads and the curve are in people reached (weighted as in the module notes);
    ``by_followers`` is the same number of people with the most followers, ``by_degree`` the
    most ties in the graph, ``by_random`` a random choice, all estimated on the same samples.
    Each chosen person comes with a handle and a profile link where known (``people()``).
    """
    care = _care_graph(session, exposure_hours=exposure_hours)
    if care is None:
        return CareFirst("not_computable", 0, reason=NOBODY)
    graph = care.graph
    ties = dict(care.ties)
    weights = graph.node_weights()
    if graph.edges == 0 and float(weights.max() - weights.min()) == 0.0:
        return CareFirst(
            "not_computable",
            graph.nodes,
            ties,
            reason=(
                f"nothing tells these {graph.nodes:,} people apart: the workspace has no ties "
                "between them (nobody here answered or mentioned anyone but the account) and "
                "no follower counts that set one above another, so any "
                f"{min(k, graph.nodes):,} of them would reach as many people as any other; "
                f"{_what_adds_ties(exposure_hours is not None)}; the people's follower "
                "counts, which a pull brings too, would also tell them apart"
            ),
        )
    if not 1 <= k <= graph.nodes:
        raise UsageError(
            f"k = {k!r}: expected 1 to {graph.nodes} (the people the workspace knows)", option="k"
        )
    followers = np.array([-1 if f is None else f for f in care.followers], dtype=np.float64)
    handles = {pid: h for pid, h in zip(graph.ids, care.handles, strict=True) if h is not None}
    links = {pid: u for pid, u in zip(graph.ids, care.links, strict=True) if u is not None}
    choice = choose_seeds(
        graph,
        k=k,
        epsilon=epsilon,
        seed=seed,
        model="edge",
        min_samples=MIN_SAMPLES,
        precision=None,
        extra={"by_followers": top_by(graph, followers, k)},
        handles=handles,
        curve_to=curve_to,
    )
    method = (
        f"{choice.method}; workspace graph: {graph.nodes} people, "
        f"{care.ties['conversation']} conversation and {care.ties['exposure']} reshare-exposure "
        f"ties, unseen followers weighted 1/{care.typical_following:g}"
    )
    notes: tuple[str, ...] = ()
    if graph.edges == 0:
        notes = (
            "There are no ties between people in this workspace, so the choice rests on their "
            "follower counts alone (it is the people with the most followers); "
            f"{_what_adds_ties(exposure_hours is not None)}.",
        )
    return CareFirst(
        "ok",
        graph.nodes,
        ties,
        choice=replace(choice, method=method, links=links),
        notes=notes,
    )
