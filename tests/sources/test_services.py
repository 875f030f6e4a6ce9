"""Ingestion services against the real database and a real HTTP server on loopback (tests/sources/feedserver.py):
add sources, poll them, store items, stories and candidates, record errors, back off, park, claim due sources."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sources.models import Candidate, Health, Item, Source, Story
from sources.services import (
    source_add,
    source_fetch_now,
    source_poll,
    source_unpark,
    sources_claim_due,
)
from tests.sources import feedserver
from tests.sources.feedserver import rss
from timeline import services as timeline_services

pytestmark = pytest.mark.django_db

FLAGGED = (
    "g-rule",
    "BIS adds 25 Chinese AI chip firms to the Entity List",
    "The Bureau of Industry and Security said on April 2, 2025 that the firms supply Huawei.",
)
NOISE = ("g-noise", "Local bakery wins award for sourdough", "Four generations of bread.")
HOSTILE = (
    "g-hostile",
    "Nvidia <script>alert(1)</script> ships 10,000 H20 GPUs to ByteDance",
    "&lt;img src=x onerror=alert(1)&gt; <a href='javascript:alert(2)'>link</a>",
)


def test_adding_a_source_refuses_unsafe_and_repeated_urls(settings: Any) -> None:
    settings.FEEDS_ALLOW_LOOPBACK = False
    for url in ("http://127.0.0.1:8000/feed", "file:///etc/passwd", "http://169.254.169.254/", "not a url"):
        with pytest.raises(ValidationError) as caught:
            source_add(url=url)
        assert "url" in caught.value.message_dict
    settings.FEEDS_ALLOW_LOOPBACK = True
    source = source_add(url="http://127.0.0.1:8000/feed")
    assert source.name == "127.0.0.1" and source.host == "127.0.0.1" and source.next_check_at is not None
    with pytest.raises(ValidationError, match="exists already"):
        source_add(url="http://127.0.0.1:8000/feed")
    with pytest.raises(ValidationError, match="link-local"):
        source_add(url="http://169.254.169.254/latest/")


def test_a_poll_stores_sanitised_items_and_flags_candidates_then_a_304_adds_nothing(
    feed_server, allow_loopback
) -> None:
    feed_server.routes["/feed"] = feedserver.feed(rss(FLAGGED, NOISE, HOSTILE, title="Desk <b>one</b>", ttl=60))
    source = source_add(url=feed_server.url("/feed"), name="Desk")
    outcome = source_poll(source_id=source.pk)
    assert (outcome.status, outcome.new_items, outcome.candidates) == ("ok", 3, 2)
    source.refresh_from_db()
    assert source.health == Health.OK and source.items_seen == 3 and source.etag and source.feed_title == "Desk one"
    assert source.ttl_seconds == 3600 and source.interval_seconds >= 3600
    assert timezone.now() + timedelta(seconds=3000) < source.next_check_at

    hostile = Item.objects.get(guid="g-hostile")
    assert "<script" not in hostile.title and "alert(1)" not in hostile.title
    assert "onerror" not in hostile.summary_html and "javascript:" not in hostile.summary_html
    assert hostile.link == "https://feeds.example.org/g-hostile"  # utm_source dropped
    assert hostile.published_raw == "Mon, 26 Apr 2025 10:00:00 +0000" and hostile.published_at is not None

    rule = Candidate.objects.get(item__guid="g-rule")
    assert rule.category == "government" and rule.kind == "rule_release" and rule.date_edtf == "2025-04-02"
    assert {"Entity List", "Bureau of Industry and Security"} <= {reason["rule"] for reason in rule.reasons}
    assert Candidate.objects.get(item__guid="g-hostile").category == "gpu_acquisition"
    assert not Candidate.objects.filter(item__guid="g-noise").exists()

    again = source_poll(source_id=source.pk)
    assert again.status == "not_modified" and again.new_items == 0
    assert Item.objects.count() == 3 and Candidate.objects.count() == 2
    assert feed_server.hits("/feed")[-1].headers["if-none-match"] == source.etag


def test_a_changed_feed_adds_only_its_new_items(feed_server, allow_loopback) -> None:
    feed_server.routes["/feed"] = feedserver.feed(rss(NOISE), conditional=False)
    source = source_add(url=feed_server.url("/feed"))
    source_poll(source_id=source.pk)
    feed_server.routes["/feed"] = feedserver.feed(rss(FLAGGED, NOISE), conditional=False)
    outcome = source_poll(source_id=source.pk)
    assert outcome.new_items == 1 and outcome.candidates == 1
    assert Item.objects.filter(source=source).count() == 2


def test_repeated_guids_inside_one_feed_are_stored_apart_once(feed_server, allow_loopback) -> None:
    twin = ("same", "Huawei launches Ascend 920 AI chip", "first")
    other = ("same", "SMIC starts 5nm volume production", "second")
    feed_server.routes["/feed"] = feedserver.feed(rss(twin, other, twin), conditional=False)
    source = source_add(url=feed_server.url("/feed"))
    assert source_poll(source_id=source.pk).new_items == 2
    assert source_poll(source_id=source.pk).new_items == 0
    assert Item.objects.filter(source=source, guid="same").count() == 2


def test_near_duplicates_from_two_sources_form_one_story(feed_server, allow_loopback) -> None:
    feed_server.routes["/a"] = feedserver.feed(rss(("a1", "Nvidia shares plunge 17% after DeepSeek shock", "")))
    feed_server.routes["/b"] = feedserver.feed(
        rss(("b1", "DeepSeek shock: Nvidia shares plunge 17%", ""), ("b2", "TSMC begins 2nm mass production", ""))
    )
    for path in ("/a", "/b"):
        source_poll(source_id=source_add(url=feed_server.url(path)).pk)
    a1, b1, b2 = (Item.objects.get(guid=guid) for guid in ("a1", "b1", "b2"))
    assert a1.story_id == b1.story_id != b2.story_id
    assert Story.objects.get(pk=a1.story_id).item_count == 2


def test_a_candidate_lists_existing_developments_it_may_repeat(feed_server, allow_loopback) -> None:
    development = timeline_services.development_record(
        title="BIS adds Chinese AI chip firms to the Entity List",
        date="2025-04-02",
        category="government",
        kind="rule_release",
    )
    timeline_services.development_record(
        title="Lunar rover lands", date="2025-04-03", category="technology", kind="other"
    )
    feed_server.routes["/feed"] = feedserver.feed(rss(FLAGGED))
    source_poll(source_id=source_add(url=feed_server.url("/feed")).pk)
    assert Candidate.objects.get().possible_duplicates == [str(development.pk)]


def copy_of(guid: str, link: str, title: str) -> bytes:
    """A feed of one item whose GUID, link and title the test chooses (rss() derives the link from the GUID)."""
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Copies</title>"
        f"<item><guid isPermaLink='false'>{guid}</guid><title>{title}</title><link>{link}</link>"
        f"<pubDate>Mon, 28 Apr 2025 10:00:00 +0000</pubDate><description>{FLAGGED[2]}</description></item>"
        "</channel></rss>"
    ).encode()


def test_an_item_fetched_again_after_its_promotion_names_the_development_it_became(feed_server, allow_loopback) -> None:
    from sources.review import services as review

    title = FLAGGED[1]
    feed_server.routes["/feed"] = feedserver.feed(
        copy_of("g-1", "https://news.example.org/bis-25?utm_source=rss", title)
    )
    source = source_add(url=feed_server.url("/feed"))
    source_poll(source_id=source.pk)
    first = Candidate.objects.get()
    # The analyst rewrites the title and dates the development by the rule, not by the article.
    development = review.candidate_promote(
        candidate_id=first.pk,
        development={
            "title": "Commerce blacklists firms supplying Huawei",
            "date": "2024-12",
            "category": "government",
            "kind": "rule_release",
        },
        citation={
            "title": title,
            "url": first.item.link,
            "publisher": "Example News",
            "reliability": "B",
            "credibility": "2",
        },
        actor="analyst",
    )
    # The feed changes the item's GUID; another source carries the same article under its own title.
    feed_server.routes["/feed"] = feedserver.feed(copy_of("g-1-v2", "https://news.example.org/bis-25", title))
    feed_server.routes["/other"] = feedserver.feed(
        copy_of("other-9", "https://wire.example/x?id=9", title.upper()), conditional=False
    )
    source_poll(source_id=source.pk)
    source_poll(source_id=source_add(url=feed_server.url("/other")).pk)
    copies = Candidate.objects.exclude(pk=first.pk).order_by("pk")
    assert [c.possible_duplicates for c in copies] == [[str(development.pk)], [str(development.pk)]]


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        (feedserver.status(500), "HTTP 500"),
        (feedserver.feed(b"this is not XML, it is prose", content_type="text/plain"), "not a feed"),
        (feedserver.redirect("http://169.254.169.254/latest/meta-data/"), "link-local"),
        (feedserver.stall(3), "read timeout"),
    ],
)
def test_a_failing_source_is_marked_failing_with_its_reason_and_backs_off(
    feed_server, allow_loopback, handler, message
) -> None:
    feed_server.routes["/bad"] = handler
    source = source_add(url=feed_server.url("/bad"))
    outcome = source_poll(source_id=source.pk)
    source.refresh_from_db()
    assert outcome.status == "error" and message in source.last_error and "\n" not in source.last_error
    assert source.health == Health.FAILING and source.error_count == 1
    assert source.next_check_at > timezone.now() + timedelta(seconds=200)


def test_retry_after_is_honoured_and_repeated_failures_park_the_source(feed_server, allow_loopback) -> None:
    allow_loopback.FEEDS_PARK_AFTER_ERRORS = 3
    feed_server.routes["/busy"] = feedserver.status(503, {"Retry-After": "7200"})
    source = source_add(url=feed_server.url("/busy"))
    source_poll(source_id=source.pk)
    source.refresh_from_db()
    assert source.next_check_at > timezone.now() + timedelta(seconds=7000)
    assert source.last_status == 503
    source_poll(source_id=source.pk)
    source_poll(source_id=source.pk)
    source.refresh_from_db()
    assert source.health == Health.PARKED and source.next_check_at is None and source.error_count == 3
    assert source_poll(source_id=source.pk).status == "skipped"
    source_unpark(source_id=source.pk)
    source.refresh_from_db()
    assert source.health == Health.OK and source.error_count == 0 and source.next_check_at <= timezone.now()


def test_errors_back_off_by_interval_times_errors_up_to_the_cap(feed_server, allow_loopback) -> None:
    allow_loopback.FEEDS_JITTER = 0
    allow_loopback.FEEDS_ERROR_BACKOFF_MAX = 3 * 3600
    feed_server.routes["/down"] = feedserver.status(500)
    source = source_add(url=feed_server.url("/down"))
    Source.objects.filter(pk=source.pk).update(interval_seconds=3600)
    waits = []
    for _ in range(4):
        before = timezone.now()
        source_poll(source_id=source.pk)
        source.refresh_from_db()
        waits.append(round((source.next_check_at - before).total_seconds() / 3600))
    assert waits == [1, 2, 3, 3]


def test_a_recovered_source_is_healthy_again_and_polls_at_its_observed_frequency(feed_server, allow_loopback) -> None:
    allow_loopback.FEEDS_JITTER = 0
    feed_server.routes["/feed"] = feedserver.status(500)
    source = source_add(url=feed_server.url("/feed"))
    source_poll(source_id=source.pk)
    feed_server.routes["/feed"] = feedserver.feed(rss(FLAGGED, NOISE, HOSTILE))  # entries a day apart
    Source.objects.filter(pk=source.pk).update(next_check_at=timezone.now())
    assert source_poll(source_id=source.pk).status == "ok"
    source.refresh_from_db()
    assert source.health == Health.OK and source.error_count == 0
    assert source.observed_interval_seconds == 86400 and source.interval_seconds == 86400


def test_one_broken_source_never_stops_the_others(feed_server, allow_loopback) -> None:
    feed_server.routes["/good"] = feedserver.feed(rss(FLAGGED))
    feed_server.routes["/bad"] = feedserver.feed(b"\x00\xff garbage", content_type="application/xml")
    bad, good = source_add(url=feed_server.url("/bad")), source_add(url=feed_server.url("/good"))
    outcomes = [source_poll(source_id=source_id).status for source_id in sources_claim_due()]
    assert sorted(outcomes) == ["error", "ok"]
    assert Source.objects.get(pk=bad.pk).health == Health.FAILING
    assert Source.objects.get(pk=good.pk).health == Health.OK and Candidate.objects.count() == 1


def test_claiming_due_sources_is_conditional_so_no_source_is_claimed_twice(settings) -> None:
    settings.FEEDS_ALLOW_LOOPBACK = True
    now = timezone.now()
    due = source_add(url="http://127.0.0.1:1/a", now=now - timedelta(minutes=1))
    later = source_add(url="http://127.0.0.1:1/b", now=now + timedelta(hours=1))
    parked = source_add(url="http://127.0.0.1:1/c", now=now - timedelta(minutes=1))
    Source.objects.filter(pk=parked.pk).update(health=Health.PARKED)
    inactive = source_add(url="http://127.0.0.1:1/d", now=now - timedelta(minutes=1))
    Source.objects.filter(pk=inactive.pk).update(active=False)
    assert sources_claim_due(now=now) == [due.pk]
    assert sources_claim_due(now=now) == []  # the claim moved next_check_at a lease ahead
    assert Source.objects.get(pk=due.pk).next_check_at > now + timedelta(minutes=5)
    assert later.pk not in sources_claim_due(now=now + timedelta(minutes=30))
    source_fetch_now(source_id=later.pk, now=now)
    assert sources_claim_due(now=now) == [later.pk]
