"""Dedup keys, canonical URLs and the near-duplicate signatures used to group stories."""

from __future__ import annotations

from sources.feeds.dedup import FeedDeduplicator, canonical_url, dedup_key, jaccard, story_keys, title_tokens


def test_canonical_urls_drop_tracking_parameters_fragments_and_default_ports() -> None:
    assert canonical_url("HTTPS://News.Example.ORG:443/a/b?utm_source=x&id=7&fbclid=1&UTM_Medium=q#top") == (
        "https://news.example.org/a/b?id=7"
    )
    assert canonical_url("http://example.org") == "http://example.org/"
    assert canonical_url("http://example.org:8080/x?b=2&a=1") == "http://example.org:8080/x?b=2&a=1"
    assert canonical_url("http://[::1]:8080/x") == "http://[::1]:8080/x"


def test_the_key_is_the_guid_else_the_canonical_link_else_title_and_content() -> None:
    by_guid = dedup_key(guid="g1", link="https://a.example/1", title="t", content="c")
    assert by_guid == dedup_key(guid="g1", link="https://other.example/", title="other", content="other")
    by_link = dedup_key(guid="", link="https://a.example/1?utm_campaign=z", title="t", content="c")
    assert by_link == dedup_key(guid="", link="https://A.example/1", title="x", content="y")
    by_hash = dedup_key(guid="", link="", title="Title", content="Body  text")
    assert by_hash == dedup_key(guid="", link="", title="title", content="body text")
    assert len({by_guid, by_link, by_hash}) == 3


def test_repeated_guids_in_one_feed_are_told_apart_and_exact_repeats_dropped() -> None:
    def keys() -> list[str | None]:
        dedup = FeedDeduplicator()
        return [
            dedup.key(guid="same", link="https://a.example/1", title="First", content="one"),
            dedup.key(guid="same", link="https://a.example/2", title="Second", content="two"),
            dedup.key(guid="same", link="https://a.example/1", title="First", content="one"),
        ]

    first = keys()
    assert first[0] and first[1] and first[0] != first[1]
    assert first[2] is None
    assert keys() == first  # stable from one fetch to the next


def test_similar_titles_share_story_keys_and_unrelated_ones_do_not() -> None:
    a = title_tokens("Nvidia shares plunge 17% as DeepSeek shock wipes $600 billion off market value")
    b = title_tokens("DeepSeek shock: Nvidia market value plunges $600 billion, shares down 17%")
    c = title_tokens("City council approves new bike lanes on the main avenue")
    assert jaccard(a, b) >= 0.5 > jaccard(a, c)
    assert set(story_keys(a)) & set(story_keys(b))
    assert not set(story_keys(a)) & set(story_keys(c))


def test_chinese_titles_are_compared_by_character_pairs() -> None:
    a = title_tokens("美国商务部将数十家中国实体列入实体清单")
    b = title_tokens("美国将数十家中国企业列入实体清单")
    assert jaccard(a, b) > 0.5
