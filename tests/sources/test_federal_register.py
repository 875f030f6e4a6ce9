"""The Federal Register source kind: documents.json pages (fixtures in the API's documented format, under
tests/sources/primary/) parsed, polled from a real HTTP server on loopback (tests/sources/feedserver.py) with
paging and conditional GET, deduplicated across polls and sources, and refused whole when broken."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from sources.admin.review import date_hint
from sources.kinds import federal_register
from sources.models import Candidate, Health, Item, SourceKind
from sources.review import services as review
from sources.review.selectors import citation_suggestion
from sources.services import source_add, source_poll
from tests.sources import feedserver
from tests.sources.feedserver import FeedServer, rss

PRIMARY = Path(__file__).resolve().parent / "primary"
API = "https://www.federalregister.gov/api/v1/documents.json"


def _page(name: str, server: FeedServer | None = None, **changes: Any) -> bytes:
    text = (PRIMARY / name).read_text(encoding="utf-8")
    if server is not None:  # the API's own paging links, pointed at the loopback server
        text = text.replace(API, server.url("/api/v1/documents.json"))
    document = json.loads(text)
    document.update(changes)
    return json.dumps(document).encode()


def _paged(server: FeedServer, first: bytes, second: bytes) -> None:
    """documents.json answering page 1 or page 2 by its `page` parameter, each with its own ETag."""
    pages = {
        "1": feedserver.feed(first, content_type="application/json"),
        "2": feedserver.feed(second, content_type="application/json"),
    }

    def handle(request: Any) -> None:
        page = parse_qs(request.path.partition("?")[2]).get("page", ["1"])[0]
        pages[page](request)

    server.routes["/api/v1/documents.json"] = handle


def _source(server: FeedServer, name: str = "Federal Register", **query: Any) -> Any:
    return source_add(
        url=server.url("/api/v1/documents.json"),
        name=name,
        kind=SourceKind.FEDERAL_REGISTER,
        query={**federal_register.default_query(), **query} if query else None,
    )


def test_a_documents_page_becomes_one_entry_per_document_with_its_facts() -> None:
    page = federal_register.parse_documents_page((PRIMARY / "documents_page1.json").read_bytes())
    assert page.count == 5 and page.next_page_url.startswith(API)
    rule = page.feed.entries[0]
    assert rule.guid == "fr-document:2024-28270"
    assert rule.link.startswith("https://www.federalregister.gov/documents/2024/12/05/2024-28270/")
    assert rule.published_at is not None and rule.published_at.date().isoformat() == "2024-12-05"
    assert rule.facts["citation"] == "89 FR 96790" and rule.facts["effective_on"] == "2024-12-02"
    assert rule.facts["kind"] == "rule_release" and rule.facts["cfr_references"] == ["15 CFR 734"]
    assert rule.facts["agencies"] == ["Commerce Department", "Industry and Security Bureau"]
    kinds = [entry.facts["kind"] for entry in page.feed.entries]
    assert kinds == ["rule_release", "rule_release", "entity_listing"]
    second = federal_register.parse_documents_page((PRIMARY / "documents_page2.json").read_bytes())
    assert [entry.facts["kind"] for entry in second.feed.entries] == ["proposed_rule", "executive_order"]
    assert second.next_page_url == ""


def test_the_first_request_asks_for_the_sources_agencies_types_term_and_fields_newest_first() -> None:
    url = federal_register.documents_url(
        API, {"agencies": ["industry-and-security-bureau"], "types": ["RULE"], "term": "entity list"}
    )
    query = parse_qs(url.partition("?")[2])
    assert query["conditions[agencies][]"] == ["industry-and-security-bureau"]
    assert query["conditions[type][]"] == ["RULE"] and query["conditions[term]"] == ["entity list"]
    assert {"effective_on", "citation", "action", "cfr_references", "docket_ids"} <= set(query["fields[]"])
    assert query["order"] == ["newest"] and query["per_page"] == ["100"]


@pytest.mark.django_db
def test_a_poll_follows_next_page_url_and_makes_candidates_of_the_documents_that_are_ours(
    feed_server, allow_loopback
) -> None:
    _paged(feed_server, _page("documents_page1.json", feed_server), _page("documents_page2.json", feed_server))
    source = _source(feed_server)
    outcome = source_poll(source_id=source.pk)
    assert (outcome.status, outcome.new_items) == ("ok", 5)
    requests = feed_server.hits("/api/v1/documents.json")
    assert len(requests) == 2
    assert parse_qs(requests[0].query)["conditions[agencies][]"] == list(federal_register.DEFAULT_AGENCIES)
    assert parse_qs(requests[1].query)["page"] == ["2"]

    rule = Candidate.objects.get(item__guid="fr-document:2024-28270")
    assert (rule.category, rule.kind, rule.date_edtf) == ("government", "rule_release", "2024-12-05")
    assert Candidate.objects.get(item__guid="fr-document:2024-90002").kind == "entity_listing"
    assert Candidate.objects.get(item__guid="fr-document:2024-90003").kind == "proposed_rule"
    # The flagger still decides relevance: a BIS rule on fishing-vessel engines is stored, not a candidate.
    assert Item.objects.filter(guid="fr-document:2024-90001").exists()
    assert not Candidate.objects.filter(item__guid="fr-document:2024-90001").exists()

    citation = citation_suggestion(rule)
    assert (citation["reliability"], citation["credibility"], citation["publisher"]) == ("A", "1", "Federal Register")
    assert "89 FR 96790" in citation["title"] and "2024-28270" in citation["grading_note"]
    assert citation["locator"] == citation["url"] == rule.item.facts["html_url"]
    assert citation["published"] == "2024-12-05"
    assert "Effective 2024-12-02" in date_hint(rule)


@pytest.mark.django_db
def test_a_second_poll_asks_conditionally_and_a_304_adds_nothing(feed_server, allow_loopback) -> None:
    _paged(feed_server, _page("documents_page1.json", feed_server, next_page_url=None), b"{}")
    source = _source(feed_server)
    assert source_poll(source_id=source.pk).new_items == 3
    again = source_poll(source_id=source.pk)
    assert again.status == "not_modified" and Item.objects.count() == 3
    assert feed_server.hits("/api/v1/documents.json")[-1].headers["if-none-match"]


@pytest.mark.django_db
def test_a_document_is_one_item_across_polls_and_sources(feed_server, allow_loopback) -> None:
    first = _page("documents_page1.json", feed_server, next_page_url=None)
    feed_server.routes["/api/v1/documents.json"] = feedserver.feed(first, conditional=False)
    commerce = _source(feed_server)
    assert source_poll(source_id=commerce.pk).new_items == 3

    # A newer page: one new document above the three known ones.
    newer = json.loads(first)
    newer["results"].insert(
        0, {**newer["results"][2], "document_number": "2024-90009", "title": "Additions to the Entity List; Revisions"}
    )
    feed_server.routes["/api/v1/documents.json"] = feedserver.feed(json.dumps(newer).encode(), conditional=False)
    outcome = source_poll(source_id=commerce.pk)
    assert outcome.new_items == 1 and Item.objects.filter(guid="fr-document:2024-90009").count() == 1

    # Another source asking for BIS alone receives the same documents: none is stored twice.
    feed_server.routes["/bis/documents.json"] = feedserver.feed(json.dumps(newer).encode(), conditional=False)
    bis = source_add(
        url=feed_server.url("/bis/documents.json"),
        kind=SourceKind.FEDERAL_REGISTER,
        query={"agencies": ["industry-and-security-bureau"], "types": ["RULE"], "term": ""},
    )
    assert source_poll(source_id=bis.pk).new_items == 0
    assert Item.objects.filter(guid="fr-document:2024-28270").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("second_page", "message"),
    [
        (b'{"count": 5, "results": [{"document_number": "2024-90003", "title": "Cut sh', "not complete JSON"),
        (
            json.dumps(
                {
                    "count": 5,
                    "results": [
                        {
                            "document_number": "2024-90003",
                            "title": "No date",
                            "type": "Notice",
                            "html_url": "https://www.federalregister.gov/d/2024-90003",
                        }
                    ],
                }
            ).encode(),
            "document 2024-90003 has no publication_date",
        ),
        (b'["not", "a", "page"]', "not a documents.json object"),
    ],
)
def test_a_broken_page_is_an_error_on_its_source_alone_and_writes_nothing_of_the_poll(
    feed_server, allow_loopback, second_page: bytes, message: str
) -> None:
    _paged(feed_server, _page("documents_page1.json", feed_server), second_page)
    broken = _source(feed_server)
    feed_server.routes["/other/documents.json"] = feedserver.feed(_page("documents_page2.json"), conditional=False)
    other = source_add(url=feed_server.url("/other/documents.json"), kind=SourceKind.FEDERAL_REGISTER)

    outcome = source_poll(source_id=broken.pk)
    broken.refresh_from_db()
    assert outcome.status == "error" and message in broken.last_error and "page 2" in broken.last_error
    assert broken.health == Health.FAILING and broken.etag == ""
    # Page 1 was fine, yet nothing of this poll is kept: the next poll reads it again, whole.
    assert not Item.objects.filter(source=broken).exists() and not Candidate.objects.exists()

    assert source_poll(source_id=other.pk).status == "ok"
    other.refresh_from_db()
    assert other.health == Health.OK and Item.objects.filter(source=other).count() == 2


@pytest.mark.django_db
def test_adding_a_federal_register_source_checks_its_query(allow_loopback) -> None:
    source = source_add(url="http://127.0.0.1:9/api/v1/documents.json", kind=SourceKind.FEDERAL_REGISTER)
    assert source.query["agencies"] == list(federal_register.DEFAULT_AGENCIES)
    with pytest.raises(ValidationError) as caught:
        source_add(url="http://127.0.0.1:9/x.json", kind=SourceKind.FEDERAL_REGISTER, query={"types": ["MEMO"]})
    assert "unknown document type 'MEMO'" in caught.value.message_dict["query"][0]
    with pytest.raises(ValidationError) as caught:
        source_add(url="http://127.0.0.1:9/y.json", kind="telegraph")
    assert "kind" in caught.value.message_dict


@pytest.mark.django_db
def test_flag_feed_recognises_a_saved_documents_page_and_flags_its_documents() -> None:
    out = StringIO()
    call_command("flag_feed", str(PRIMARY / "documents_page1.json"), "--jsonl", "--default-rules", stdout=out)
    rows = {row["guid"]: row for row in map(json.loads, out.getvalue().splitlines())}
    rule = rows["fr-document:2024-28270"]
    assert rule["flagged"] and (rule["kind"], rule["category"], rule["date"]) == (
        "rule_release",
        "government",
        "2024-12-05",
    )
    assert rule["link"].startswith("https://www.federalregister.gov/documents/2024/12/05/2024-28270/")
    assert rule["facts"]["citation"] == "89 FR 96790"
    assert not rows["fr-document:2024-90001"]["flagged"]


@pytest.mark.django_db
def test_an_editor_edits_a_federal_register_sources_agencies_types_and_term_in_the_admin(allow_loopback) -> None:
    user = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw-for-tests-only")
    client = Client()
    client.force_login(user)
    source = source_add(url="http://127.0.0.1:9/api/v1/documents.json", name="FR", kind=SourceKind.FEDERAL_REGISTER)
    change = reverse("admin:sources_source_change", args=[source.pk])
    page = client.get(change).content.decode()
    assert "industry-and-security-bureau" in page and "foreign-assets-control-office" in page

    form = {"url": source.url, "name": "FR", "kind": "federal_register", "active": "on", "lists": ""}
    response = client.post(change, {**form, "agencies": "industry-and-security-bureau\n", "term": "entity list"})
    assert response.status_code == 200 and "Choose at least one document type." in response.content.decode()
    response = client.post(
        change,
        {
            **form,
            "agencies": "industry-and-security-bureau\ncommerce-department",
            "document_types": ["RULE", "PRORULE"],
            "term": "entity list",
        },
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.query == {
        "agencies": ["industry-and-security-bureau", "commerce-department"],
        "types": ["RULE", "PRORULE"],
        "term": "entity list",
    }


@pytest.mark.django_db
def test_a_news_item_naming_the_document_links_to_the_development_it_became(feed_server, allow_loopback) -> None:
    feed_server.routes["/api/v1/documents.json"] = feedserver.feed(
        _page("documents_page1.json", next_page_url=None), content_type="application/json"
    )
    source_poll(source_id=_source(feed_server).pk)
    rule = Candidate.objects.get(item__guid="fr-document:2024-28270")
    development = review.candidate_promote(
        candidate_id=rule.pk,
        development={
            "title": "U.S. restricts advanced HBM sales to China country-wide",
            "date": rule.date_edtf,
            "category": rule.category,
            "kind": rule.kind,
        },
        citation=citation_suggestion(rule),
        actor="analyst",
    )

    feed_server.routes["/news"] = feedserver.feed(
        rss(
            (
                "n-1",
                "Memory makers weigh the fallout of Washington's new curbs",
                "Samsung and SK Hynix study the interim final rule (89 FR 96790) on HBM exports to China.",
            ),
            (
                "n-2",
                "Chip toolmakers count the cost of the December export rule",
                "Lawyers point clients to FR Doc. 2024-28270 on semiconductor manufacturing equipment sold to China.",
            ),
        )
    )
    news = source_add(url=feed_server.url("/news"), name="News")
    assert source_poll(source_id=news.pk).candidates == 2
    for guid in ("n-1", "n-2"):
        assert Candidate.objects.get(item__guid=guid).possible_duplicates == [str(development.pk)]


@pytest.mark.django_db
def test_a_later_poll_stops_paging_at_a_page_of_documents_it_knows(feed_server, allow_loopback) -> None:
    first, second = _page("documents_page1.json", feed_server), _page("documents_page2.json", feed_server)
    pages = {"1": feedserver.feed(first, conditional=False), "2": feedserver.feed(second, conditional=False)}

    def handle(request: Any) -> None:
        pages[parse_qs(request.path.partition("?")[2]).get("page", ["1"])[0]](request)

    feed_server.routes["/api/v1/documents.json"] = handle
    source = _source(feed_server)
    assert source_poll(source_id=source.pk).new_items == 5
    assert len(feed_server.hits("/api/v1/documents.json")) == 2
    for _ in range(2):
        again = source_poll(source_id=source.pk)
        assert (again.status, again.new_items) == ("ok", 0)
    assert len(feed_server.hits("/api/v1/documents.json")) == 4  # page 1 twice more, page 2 never again


@pytest.mark.django_db
def test_a_next_page_url_on_another_host_is_refused(feed_server, allow_loopback) -> None:
    elsewhere = f"http://localhost:{feed_server.port}/api/v1/documents.json?page=2"
    feed_server.routes["/api/v1/documents.json"] = feedserver.feed(
        _page("documents_page1.json", next_page_url=elsewhere), conditional=False
    )
    source = _source(feed_server)
    outcome = source_poll(source_id=source.pk)
    source.refresh_from_db()
    assert outcome.status == "error" and "next_page_url leads to another host" in source.last_error
    assert not Item.objects.exists() and len(feed_server.hits("/api/v1/documents.json")) == 1


@pytest.mark.django_db
def test_the_review_page_offers_the_document_graded_a1_with_its_effective_date(feed_server, allow_loopback) -> None:
    feed_server.routes["/api/v1/documents.json"] = feedserver.feed(
        _page("documents_page1.json", next_page_url=None), content_type="application/json"
    )
    source_poll(source_id=_source(feed_server).pk)
    rule = Candidate.objects.get(item__guid="fr-document:2024-28270")
    user = get_user_model().objects.create_superuser("reviewer", "reviewer@example.org", "pw-for-tests-only")
    client = Client()
    client.force_login(user)
    page = client.get(reverse("admin:sources_candidate_change", args=[rule.pk])).content.decode()
    assert "89 FR 96790" in page and "Effective 2024-12-02 per the Federal Register" in page
    assert 'value="2024-12-05"' in page  # when it happened: the publication day, not left empty
    assert '<option value="A" selected>' in page and '<option value="1" selected>' in page


@pytest.mark.django_db
def test_the_pages_of_a_poll_share_one_fetch_deadline(feed_server, allow_loopback) -> None:
    allow_loopback.FEEDS_READ_TIMEOUT = 3
    allow_loopback.FEEDS_FETCH_DEADLINE = 2
    first, second = _page("documents_page1.json", feed_server), _page("documents_page2.json", feed_server)
    pages = {"1": feedserver.feed(first, delay=1.5), "2": feedserver.feed(second, delay=1.5)}

    def handle(request: Any) -> None:
        pages[parse_qs(request.path.partition("?")[2]).get("page", ["1"])[0]](request)

    feed_server.routes["/api/v1/documents.json"] = handle
    source = _source(feed_server)
    outcome = source_poll(source_id=source.pk)
    source.refresh_from_db()
    # Each page alone is within the deadline; together they are not: an error, and nothing of the poll stored.
    assert outcome.status == "error" and "page 2" in source.last_error and "longer than" in source.last_error
    assert not Item.objects.exists()
