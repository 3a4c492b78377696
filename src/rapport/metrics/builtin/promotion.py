"""Promotion: the share of promotional posts (principle 7)."""

from __future__ import annotations

from rapport.metrics.needs import OWN_ORIGINAL_POSTS
from rapport.metrics.spec import Context, Measure, metric
from rapport.tables import Tables


@metric(
    id="promotional_share",
    area="promotion",
    title="Promotional share of posts",
    unit="fraction",
    denominator="original posts (not replies, not reposts)",
    direction="lower",
    needs=(OWN_ORIGINAL_POSTS,),
    description="Posts with content_kind 'promo' divided by all original posts. Posts whose "
    "kind is unknown count in the denominator only.",
    why="Don't clog your followers' feeds with promotions: it is a sure way to lose them.",
)
def promotional_share(t: Tables, c: Context) -> Measure:
    posts = c.own_original_posts(t)
    promos = posts.count(where=posts.content_kind == "promo")
    total = posts.count()
    return Measure(
        value=promos / total.nullif(0),
        n=total,
        successes=promos,
        extra={"posts_with_unknown_kind": posts.count(where=posts.content_kind.isnull())},
    )
