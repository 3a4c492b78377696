"""Tying conversions to the posts that brought them, after every import.

A conversion without a ``post_id`` is attributed when exactly one tracked post matches it:

1. by ``utm_content``: equal to the post's canonical id, its native id, or its URL (the
   links `rapport utm` builds carry the canonical id), or ``rapport-post-<id>`` of a post
   `rapport publish` published (its row in ``scheduled_posts`` names the post);
2. else by landing page: the most recent own post, published within 30 days before the
   conversion, whose links lead to the same page (scheme, query and trailing slash ignored).

Conversions that already name a post are never changed. Posts and conversions may arrive in
any order: the rules run again after each import.
"""

from __future__ import annotations

import duckdb

from rapport.store._sql import scalar

__all__ = ["attribute_conversions"]

_PAGE = "regexp_replace(regexp_replace(lower({0}), '^https?://(www\\.)?', ''), '[?#].*$|/+$', '')"


def attribute_conversions(con: duckdb.DuckDBPyConnection) -> int:
    """Attribute what can be attributed; return how many conversions gained a post."""
    before = int(scalar(con, "SELECT count(*) FROM conversions WHERE post_id IS NOT NULL"))
    con.execute("""
        UPDATE conversions SET post_id = matched.post_id
        FROM (
            SELECT c.conversion_id, any_value(p.post_id) AS post_id
            FROM conversions c JOIN posts p
              ON c.utm_content = p.post_id
              OR c.utm_content = substr(p.post_id, strpos(p.post_id, ':') + 1)
              OR (p.url IS NOT NULL AND c.utm_content = p.url)
            WHERE c.post_id IS NULL AND c.utm_content IS NOT NULL
            GROUP BY c.conversion_id
            HAVING count(DISTINCT p.post_id) = 1
        ) AS matched
        WHERE conversions.conversion_id = matched.conversion_id
    """)
    # Links of posts rapport published carry utm_content = rapport-post-<id> (their id in
    # scheduled_posts, chosen before the platform's id was known).
    con.execute("""
        UPDATE conversions SET post_id = s.post_id
        FROM scheduled_posts s
        WHERE conversions.post_id IS NULL
          AND conversions.utm_content = 'rapport-post-' || CAST(s.id AS VARCHAR)
          AND s.post_id IN (SELECT post_id FROM posts)
    """)
    page_c = _PAGE.format("c.landing_url")
    page_l = _PAGE.format("l.link")
    con.execute(f"""
        UPDATE conversions SET post_id = matched.post_id
        FROM (
            SELECT conversion_id, post_id FROM (
                SELECT c.conversion_id, l.post_id,
                       row_number() OVER (PARTITION BY c.conversion_id
                                          ORDER BY l.created_at DESC, l.post_id) AS rank
                FROM conversions c
                JOIN (
                    SELECT p.post_id, p.created_at, unnest(p.links) AS link
                    FROM posts p JOIN accounts a ON a.account_id = p.account_id
                    WHERE a.role = 'own'
                ) l ON {page_c} = {page_l}
                WHERE c.post_id IS NULL AND c.landing_url IS NOT NULL
                  AND l.created_at <= c.occurred_at
                  AND l.created_at > c.occurred_at - INTERVAL 30 DAY
            ) WHERE rank = 1
        ) AS matched
        WHERE conversions.conversion_id = matched.conversion_id
    """)
    after = int(scalar(con, "SELECT count(*) FROM conversions WHERE post_id IS NOT NULL"))
    return after - before
