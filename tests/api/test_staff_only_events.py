"""The review queue is for staff: every endpoint that exposes events shows candidates, their sources and items,
and the reasons of decisions to analysts only; anonymous callers and viewers without staff rights see the
public streams (developments, entities, named timelines)."""

from __future__ import annotations

from typing import Any

import pytest

from events import store
from sources.review import services as review
from tests.admin.conftest import make_candidate
from tests.api.conftest import citation, record
from timeline import services
from timeline.selectors import is_public_stream

pytestmark = pytest.mark.django_db

SECRET_REASON = "tipped off by our contact at the ministry; do not publish"
SOURCE_NAME = "Internal Tip Line"
ITEM_LINK = "https://tips.example.org/unverified-rumour"
ITEM_TITLE = "Unverified rumour about a new fab"


@pytest.fixture
def reviewed(entities: None) -> dict[str, str]:
    """A development, a named timeline, and candidates rejected, promoted and attached with an internal reason."""
    from sources.models import Source

    development = record(title="BIS publishes the October 7, 2022 controls", citations=[citation()])
    services.timeline_define(slug="figure", title="Figure", pinned=[development.pk], actor="ada")
    tips = Source.objects.create(url="https://tips.example.org/feed.xml", name=SOURCE_NAME, host="tips.example.org")
    rejected = make_candidate(title=ITEM_TITLE, link=ITEM_LINK, source=tips)
    review.candidate_reject(candidate_id=rejected.pk, reason=SECRET_REASON, actor="ada")
    promoted = make_candidate(title="Commerce adds 140 firms", link="https://news.example.org/140", source=tips)
    made = review.candidate_promote(
        candidate_id=promoted.pk,
        development={"title": "Commerce adds 140 firms", "date": "2024-12-02", "category": "government",
                     "kind": "rule_release"},
        citation={"title": "Federal Register", "url": "https://www.federalregister.gov/", "reliability": "A",
                  "credibility": "1"},
        actor="ada",
        reason=SECRET_REASON,
    )  # fmt: skip
    review.candidate_attach(
        candidate_id=make_candidate(title="Same rule, other outlet", link="https://tips.example.org/3", source=tips).pk,
        development_id=development.pk,
        citation={"title": "Reuters", "reliability": "B", "credibility": "2"},
        actor="ada",
        reason=SECRET_REASON,
    )
    # A staff-only event is the last one in the log, so a public reader must step over it to reach the head.
    review.candidate_reject(
        candidate_id=make_candidate(title="Another rumour", link="https://tips.example.org/2", source=tips).pk,
        reason=SECRET_REASON,
        actor="ada",
    )
    return {"development": str(development.pk), "promoted": str(made.pk)}


def _changes(client: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    results: list[dict[str, Any]] = []
    after = 0
    while True:
        response = client.get("/api/changes/", {"after": after, "limit": 2})
        assert response.status_code == 200
        body = response.json()
        results += body["results"]
        if body["next_after"] == after:
            return results, body
        after = body["next_after"]


def _every_event_answer(client: Any, ids: dict[str, str]) -> dict[str, str]:
    """The text of every answer built from events, by address."""
    addresses = [
        "/api/changes/?limit=1000",
        "/api/feed/",
        "/api/feed/?format=json",
        "/api/developments/feed/",
        "/api/developments/?format=atom",
        "/api/timelines/figure/feed/",
        f"/api/developments/{ids['development']}/history/",
        f"/api/developments/{ids['promoted']}/history/",
    ]
    answers = {}
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200, (address, response.content[:300])
        answers[address] = response.content.decode()
    return answers


@pytest.mark.parametrize("role", ["anon", "viewer"])
def test_anonymous_callers_and_viewers_see_no_candidate_source_item_or_decision_reason(
    request: pytest.FixtureRequest, role: str, reviewed: dict[str, str]
) -> None:
    client = request.getfixturevalue(role)
    for address, text in _every_event_answer(client, reviewed).items():
        for secret in (SECRET_REASON, SOURCE_NAME, ITEM_LINK, ITEM_TITLE, "candidate-", "Candidate"):
            assert secret not in text, (role, address, secret)
    changes, last_page = _changes(client)
    assert changes and all(is_public_stream(change["stream"]) for change in changes)
    # The public feed still reaches the head, past the staff-only events at its end.
    assert last_page["next_after"] == last_page["last_position"] == store.last_position()
    assert {change["data"].get("title") for change in changes} >= {
        "BIS publishes the October 7, 2022 controls",
        "Commerce adds 140 firms",
    }


def test_analysts_see_the_review_decisions_with_their_reasons(analyst: Any, reviewed: dict[str, str]) -> None:
    changes, last_page = _changes(analyst)
    assert [change["position"] for change in changes] == list(range(1, store.last_position() + 1))
    rejections = [change for change in changes if change["type"] == "CandidateRejected"]
    assert len(rejections) == 2
    assert rejections[0]["metadata"]["reason"] == SECRET_REASON
    assert rejections[0]["data"]["source"] == SOURCE_NAME and rejections[0]["data"]["item_link"] == ITEM_LINK
    decisions = {change["type"]: change for change in changes if change["stream"].startswith("candidate-")}
    assert decisions["CandidatePromoted"]["metadata"]["reason"] == SECRET_REASON
    assert decisions["CandidateAttached"]["metadata"]["reason"] == SECRET_REASON
    assert last_page["next_after"] == store.last_position()


def test_only_the_curated_record_is_public() -> None:
    assert is_public_stream("development-1f0e") and is_public_stream("entity-bis")
    assert is_public_stream("timeline-figure")
    for private in ("candidate-12", "source-3", "watchlist-1", "flagger-1", "developments"):
        assert not is_public_stream(private)
