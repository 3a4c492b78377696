"""Conversions are tied to posts by utm_content or landing page, after any import."""

from __future__ import annotations

from rapport.store import Store
from tests.conftest import batch_of

SHOP = {"account_id": "x:shop", "platform": "x", "handle": "shop", "role": "own"}
RIVAL = {"account_id": "x:rival", "platform": "x", "handle": "rival", "role": "competitor"}
POSTS = [
    {
        "post_id": "x:100",
        "account_id": "x:shop",
        "created_at": "2026-03-01T10:00:00Z",
        "url": "https://x.com/shop/status/100",
        "links": ["https://bakery.example/loaf?utm_source=x"],
    },
    {
        "post_id": "x:200",
        "account_id": "x:shop",
        "created_at": "2026-03-05T10:00:00Z",
        "links": ["https://www.bakery.example/loaf/"],
    },
    {
        "post_id": "x:300",
        "account_id": "x:rival",
        "created_at": "2026-03-06T10:00:00Z",
        "links": ["https://bakery.example/loaf"],
    },
]


def _conversion(cid: str, **extra: object) -> dict[str, object]:
    return {
        "conversion_id": cid,
        "occurred_at": "2026-03-07T12:00:00Z",
        "kind": "purchase",
        **extra,
    }


def _post_ids(store: Store) -> dict[str, str | None]:
    table = store.read_table("conversions")
    return dict(
        zip(
            table.column("conversion_id").to_pylist(),
            table.column("post_id").to_pylist(),
            strict=True,
        )
    )


def test_utm_content_and_landing_pages(fresh_store: Store) -> None:
    fresh_store.apply(batch_of({"accounts": [SHOP, RIVAL], "posts": POSTS}))
    summary = fresh_store.apply(
        batch_of(
            {
                "conversions": [
                    _conversion("shop:1", utm_content="x:100"),  # the canonical id
                    _conversion("shop:2", utm_content="100"),  # the native id
                    _conversion(
                        "shop:3", utm_content="https://x.com/shop/status/100"
                    ),  # the post's URL
                    _conversion(
                        "shop:4", landing_url="http://bakery.example/loaf?utm_medium=social"
                    ),
                    _conversion("shop:5", landing_url="https://bakery.example/other"),
                    _conversion("shop:6", utm_content="x:999"),  # no such post
                    _conversion(
                        "shop:7", utm_content="x:100", post_id="x:200"
                    ),  # already attributed
                    _conversion(
                        "shop:8",
                        landing_url="https://bakery.example/loaf",
                        occurred_at="2026-05-01T00:00:00Z",
                    ),  # too long after the posts
                ]
            }
        )
    )
    assert _post_ids(fresh_store) == {
        "shop:1": "x:100",
        "shop:2": "x:100",
        "shop:3": "x:100",
        "shop:4": "x:200",  # the latest own post before it that links the page (not the rival's)
        "shop:5": None,
        "shop:6": None,
        "shop:7": "x:200",
        "shop:8": None,
    }
    assert "4 conversion(s) attributed" in " ".join(summary.notices)


def test_posts_arriving_after_the_conversions(fresh_store: Store) -> None:
    fresh_store.apply(batch_of({"conversions": [_conversion("shop:1", utm_content="x:100")]}))
    assert _post_ids(fresh_store) == {"shop:1": None}
    fresh_store.apply(batch_of({"accounts": [SHOP], "posts": POSTS[:1]}))
    assert _post_ids(fresh_store) == {"shop:1": "x:100"}
