"""Mastodon HTML read by one regular expression gives what the HTML parser gives.

``read_html`` reads the simple shape Mastodon's sanitizer writes without ``html.parser``
(issue 17: the archive importer spent 40 % of its time there) and hands anything else to the
parser; these tests compare the two on hand-written edge cases and on generated HTML.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.platforms.mastodon import _Html, _simple_html, mastodon_id, read_html


def _parsed(content: str) -> tuple[list[str], list[str]]:
    parser = _Html()
    parser.feed(content)
    parser.close()
    return parser.parts, parser.links


_CASES = [
    "<p>Sourdough is back &amp; it&#39;s warm!</p>",
    '<p><span class="h-card"><a href="https://town.example/@maria" class="u-url mention">'
    "@<span>maria</span></a></span> Thank you!</p><p>Second line<br />third line</p>",
    '<p>Order at <a href="https://shop.example/b?utm_source=m&amp;x=1" target="_blank" '
    'rel="nofollow noopener noreferrer"><span class="invisible">https://</span>'
    '<span class="ellipsis">shop.example/b</span></a> <a href="https://bakery.example/tags/Bread"'
    ' class="mention hashtag" rel="tag">#<span>Bread</span></a></p>',
    '<p><A HREF="https://x.example/a" CLASS="Mention">x</A><BR/>y</p>',
    '<p>a<a href="https://t.example/t" rel="tag">t</a><a href="mailto:x@y">m</a></p>',
    "plain text &lt;not a tag&gt; &amp",
    "<p>a < b and c > d</p>",
    "<p>one</p><!-- a comment --><p>two</p>",
    "<script>var x = '<p>';</script><p>after</p>",
    "<p>x</p ><br>text&nbsp;&copy;&#x1F600;&unknown;",
    "<p></p><p></p><p>late</p>",
    "<p>tab\there\r\nand a line</p>",
    "<a href='https://single.example/'>single quotes</a><a href=https://bare.example/ >bare</a>",
    '<p data-x="1" hidden>attribute without a value</p>',
    '<p>unclosed <a href="https://u.example/',
]


@pytest.mark.parametrize("content", _CASES)
def test_the_simple_reading_matches_the_parser(content: str) -> None:
    simple = _simple_html(content)
    if simple is not None:
        assert simple == _parsed(content)


def test_mastodon_html_is_read_without_the_parser() -> None:
    assert all(_simple_html(content) is not None for content in _CASES[:4])


def test_odd_html_goes_to_the_parser() -> None:
    assert _simple_html("<p>a < b</p>") is None
    assert _simple_html("<p>one</p><!-- c --><p>two</p>") is None
    assert _simple_html("<script>x</script>") is None
    assert read_html("<p>a < b</p>").text == "a < b"


_PIECES = st.sampled_from(
    [
        "<p>", "</p>", "<br>", "<br />", "<span>", "</span>", "</a>", "<b>", "</b >",
        '<a href="https://a.example/x?y=1&amp;z=2">', '<a href="http://b.example" rel="tag">',
        '<a class="mention" href="https://c.example/@x">', '<a href="/relative">',
        '<a HREF="https://D.example/" Class="u-url">', '<span class="invisible">',
        "&amp;", "&lt;", "&#39;", "&#x27;", "&nbsp;", "&bogus;", "&", "\n", "\r\n", "  ", "<",
        ">", '"', "<!-- c -->", "<style>", "x", "caf\u00e9", "#tag", "@name",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES | st.text(max_size=4), max_size=20))
def test_generated_html_reads_the_same_both_ways(pieces: list[str]) -> None:
    content = "".join(pieces)
    simple = _simple_html(content)
    if simple is not None:
        assert simple == _parsed(content)


@pytest.mark.parametrize(
    "uri",
    [
        "https://bakery.example/users/x/statuses/1",
        "  http://a.example/b  ",
        "https://[::1]/x",
        "https://a]b.example/",
        "https://caf\u00e9.example/x",
        "tag:bakery.example,2024:1",
        "not a uri",
    ],
)
def test_ids_of_uris_as_before(uri: str) -> None:
    from urllib.parse import urlsplit

    try:
        scheme = urlsplit(uri.strip()).scheme
    except ValueError:
        scheme = ""
    if scheme:
        assert mastodon_id(uri, field="id") == f"mastodon:{uri.strip()}"
    else:
        with pytest.raises(Exception, match="expected a URI"):
            mastodon_id(uri, field="id")
