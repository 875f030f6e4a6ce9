"""The review queue: order, filters, search, the review page, and each decision recorded as an event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events.models import StoredEvent
from sources.models import Candidate, Story
from sources.review import services as review
from tests.admin.conftest import form_data, make_candidate
from tests.timeline.factories import citation, record
from timeline.models import Development, Entity

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:sources_candidate_changelist")


def review_url(candidate: Candidate) -> str:
    return reverse("admin:sources_candidate_change", args=[candidate.pk])


def decisions(candidate: Candidate) -> list[StoredEvent]:
    return list(StoredEvent.objects.filter(stream=f"candidate-{candidate.pk}").order_by("version"))


def queue_titles(client: Client, query: str = "") -> list[str]:
    response = client.get(QUEUE + query)
    assert response.status_code == 200
    return [c.item.title for c in response.context["cl"].result_list]


def test_the_queue_shows_awaiting_candidates_highest_score_and_newest_first(analyst: Client) -> None:
    make_candidate(title="Low", link="https://a.example/1", score=4.5)
    make_candidate(title="High, older", link="https://a.example/2", score=9.0)
    make_candidate(title="High, newer", link="https://a.example/3", score=9.0)
    done = make_candidate(title="Rejected", link="https://a.example/4", score=9.9)
    review.candidate_reject(candidate_id=done.pk, reason="noise", actor="analyst")
    later = make_candidate(title="Snoozed", link="https://a.example/5", score=8.0)
    review.candidate_snooze(candidate_id=later.pk, until=timezone.now() + timedelta(days=1), actor="analyst")
    assert queue_titles(analyst) == ["High, newer", "High, older", "Low"]
    assert queue_titles(analyst, "?queue=all")[0] == "Rejected"
    assert queue_titles(analyst, "?queue=snoozed") == ["Snoozed"]
    # A snooze that has run out brings the candidate back.
    Candidate.objects.filter(pk=later.pk).update(snoozed_until=timezone.now() - timedelta(minutes=1))
    assert "Snoozed" in queue_titles(analyst)


def test_the_queue_filters_by_score_band_source_category_story_and_searches(analyst: Client) -> None:
    from sources.models import Source

    other = Source.objects.create(url="https://other.example/rss", name="Other Wire", host="other.example")
    story = Story.objects.create(title="Entity List additions", item_count=2)
    make_candidate(title="Strong", link="https://a.example/1", score=8.5, story=story)
    make_candidate(title="Fair", link="https://a.example/2", score=5.0, source=other, category="technology")
    assert queue_titles(analyst, "?score=strong") == ["Strong"]
    assert queue_titles(analyst, "?score=fair") == ["Fair"]
    assert queue_titles(analyst, f"?item__source__id__exact={other.pk}") == ["Fair"]
    assert queue_titles(analyst, "?category__exact=technology") == ["Fair"]
    assert queue_titles(analyst, f"?item__story__id__exact={story.pk}") == ["Strong"]
    assert queue_titles(analyst, "?q=other+wire") == ["Fair"]


def test_the_review_page_shows_text_link_source_reasons_suggestions_and_duplicates_side_by_side(
    analyst: Client, entities: list[Entity]
) -> None:
    existing = record(
        title="BIS adds Chinese firms to the Entity List",
        date="2024-12",
        citations=[citation(title="Federal Register notice", reliability="A", credibility="1")],
    )
    candidate = make_candidate(possible_duplicates=[str(existing.pk)])
    page = analyst.get(review_url(candidate)).content.decode()
    for expected in (
        "Commerce adds 140 Chinese chip firms to the Entity List",
        'href="https://news.example.org/entity-list-140"',
        "Example News",
        "including SMIC suppliers",
        "entity list",  # the rule that fired
        "Rule release",  # the suggested kind
        "Unknown Co",
        "BIS adds Chinese firms to the Entity List",  # the possible duplicate, with its graded citation
        "Federal Register notice",
        "A1",
    ):
        assert expected in page, expected
    promote = form_data(analyst.get(review_url(candidate)), "promote_form")
    # The promote form is prefilled from the suggestion: title, date, category, kind, the known entities.
    assert promote["promote-title"] == "Commerce adds 140 Chinese chip firms to the Entity List"
    assert promote["promote-date"] == "2024-12-02"
    assert (promote["promote-category"], promote["promote-kind"]) == ("government", "rule_release")
    assert sorted(promote["promote-entities"]) == ["bis", "smic"]
    assert promote["promote-citation-url"] == "https://news.example.org/entity-list-140"
    assert promote["promote-citation-publisher"] == "Example News"
    assert promote["promote-citation-reliability"] == ""  # the analyst grades
    attach = form_data(analyst.get(review_url(candidate)), "attach_form")
    assert attach["attach-development"] == str(existing.pk)


def test_a_copy_of_a_decided_item_shows_the_development_and_the_decision_it_repeats(
    analyst: Client, entities: list[Entity]
) -> None:
    from sources.models import Source

    original = make_candidate(link="https://news.example.org/entity-list-140")
    # Fetched before the original was decided (so ingestion suggested nothing), from another source.
    wire = Source.objects.create(url="https://wire.example/rss", name="Wire", host="wire.example")
    copy = make_candidate(link="https://news.example.org/entity-list-140", source=wire)
    data = form_data(analyst.get(review_url(original)), "promote_form")
    data.update(
        {
            "decision": "promote",
            "promote-title": "BIS adds 140 entities",
            "promote-date": "2024-12",
            "promote-citation-reliability": "B",
            "promote-citation-credibility": "2",
        }
    )
    assert analyst.post(review_url(original), data).status_code == 302
    original.refresh_from_db()

    response = analyst.get(review_url(copy))
    page = response.content.decode()
    assert "No development looks like this one" not in page
    assert [row["development"].pk for row in response.context["duplicates"]] == [original.development_id]
    assert form_data(response, "attach_form")["attach-development"] == str(original.development_id)
    assert [twin["candidate"].pk for twin in response.context["decided_twins"]] == [original.pk]
    # The decided original does not call its own development a duplicate.
    assert analyst.get(review_url(original)).context["duplicates"] == []


def test_a_copy_of_a_rejected_item_says_it_was_rejected_before(analyst: Client) -> None:
    rejected = make_candidate(title="Opinion: the Entity List is failing", link="https://blog.example/op")
    review.candidate_reject(candidate_id=rejected.pk, reason="an op-ed", actor="analyst")
    copy = make_candidate(title="Opinion: the Entity List is failing", link="https://blog.example/op?ref=home")
    page = analyst.get(review_url(copy)).content.decode()
    assert "No development looks like this one" not in page
    assert f'href="{review_url(rejected)}"' in page and "Rejected" in page


def test_without_a_date_in_the_text_the_promote_form_leaves_the_date_to_the_analyst_with_a_hint(
    analyst: Client,
) -> None:
    candidate = make_candidate(date_edtf="")  # published 2024-12-02 per the feed
    response = analyst.get(review_url(candidate))
    assert form_data(response, "promote_form")["promote-date"] == ""
    hint = response.context["promote_forms"][0]["date"].help_text
    assert hint.startswith("Published 2024-12-02 per the feed") and "No date was found in the text" in hint
    assert "Published 2024-12-02 per the feed" in response.content.decode()
    # Submitted as it is, the form asks for the date instead of recording the publication date.
    data = form_data(response, "promote_form")
    data.update({"decision": "promote", "promote-citation-reliability": "B", "promote-citation-credibility": "2"})
    assert "date" in analyst.post(review_url(candidate), data).context["promote_forms"][0].errors
    assert not Development.objects.exists()


def test_promote_records_a_development_with_the_graded_citation_once(analyst: Client, entities: list[Entity]) -> None:
    candidate = make_candidate()
    data = form_data(analyst.get(review_url(candidate)), "promote_form")
    data.update(
        {
            "decision": "promote",
            "promote-citation-reliability": "B",
            "promote-citation-credibility": "2",
            "promote-reason": "confirmed by the Federal Register",
        }
    )
    response = analyst.post(review_url(candidate), data)
    assert response.status_code == 302
    candidate.refresh_from_db()
    development = Development.objects.get(pk=candidate.development_id)
    assert candidate.status == "promoted"
    assert development.title == "Commerce adds 140 Chinese chip firms to the Entity List"
    assert development.citations.get().grading == "B2"
    assert sorted(e.pk for e in development.entities.all()) == ["bis", "smic"]
    [event] = decisions(candidate)
    assert event.event_type == "CandidatePromoted"
    assert event.metadata == {"actor": "analyst", "reason": "confirmed by the Federal Register"}
    assert event.data["development_id"] == str(development.pk)
    assert event.data["item_link"] == "https://news.example.org/entity-list-140"
    # A double submit records nothing more and lands on the same development.
    again = analyst.post(review_url(candidate), data)
    assert again.status_code == 302
    assert Development.objects.count() == 1
    assert len(decisions(candidate)) == 1


def test_promote_with_bad_input_keeps_the_form_and_records_nothing(analyst: Client, entities: list[Entity]) -> None:
    candidate = make_candidate()
    data = form_data(analyst.get(review_url(candidate)), "promote_form")
    data.update({"decision": "promote", "promote-date": "sometime", "promote-citation-reliability": "B"})
    response = analyst.post(review_url(candidate), data)
    assert response.status_code == 200
    development_form, citation_form = response.context["promote_forms"]
    assert "date" in development_form.errors
    assert "credibility" in citation_form.errors
    assert form_data(response, "promote_form")["promote-date"] == "sometime"
    assert not Development.objects.exists() and not decisions(candidate)


def test_attach_cites_the_item_on_an_existing_development(analyst: Client, entities: list[Entity]) -> None:
    existing = record(title="BIS adds Chinese firms to the Entity List", date="2024-12")
    candidate = make_candidate(possible_duplicates=[str(existing.pk)])
    data = form_data(analyst.get(review_url(candidate)), "attach_form")
    data.update({"decision": "attach", "attach-citation-reliability": "C", "attach-citation-credibility": "3"})
    assert analyst.post(review_url(candidate), data).status_code == 302
    candidate.refresh_from_db()
    assert (candidate.status, candidate.development_id) == ("attached", existing.pk)
    assert [c.grading for c in existing.citations.all()] == ["C3"]
    assert [e.event_type for e in decisions(candidate)] == ["CandidateAttached"]


def test_reject_needs_a_reason_and_is_an_event(analyst: Client) -> None:
    candidate = make_candidate()
    data = form_data(analyst.get(review_url(candidate)), "reject_form")
    response = analyst.post(review_url(candidate), {**data, "decision": "reject", "reject-reason": ""})
    assert response.status_code == 200 and "reason" in response.context["reject_forms"][0].errors
    response = analyst.post(review_url(candidate), {**data, "decision": "reject", "reject-reason": "an op-ed"})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == "rejected"
    [event] = decisions(candidate)
    assert (event.event_type, event.metadata["actor"], event.metadata["reason"]) == (
        "CandidateRejected",
        "analyst",
        "an op-ed",
    )
    # Decided candidates cannot be decided again.
    page = analyst.get(review_url(candidate)).content.decode()
    assert 'id="promote_form"' not in page and "an op-ed" in page
    again = analyst.post(
        review_url(candidate), {**data, "decision": "snooze", "snooze-days": "1", "snooze-token": data["reject-token"]}
    )
    assert again.status_code == 200
    assert Candidate.objects.get(pk=candidate.pk).status == "rejected"


def test_snooze_puts_the_candidate_aside_and_moves_to_the_next(analyst: Client) -> None:
    first = make_candidate(title="First", link="https://a.example/1", score=9)
    second = make_candidate(title="Second", link="https://a.example/2", score=5)
    data = form_data(analyst.get(review_url(first)), "snooze_form")
    response = analyst.post(review_url(first), {**data, "decision": "snooze", "snooze-days": "7"})
    assert response["Location"] == review_url(second)
    first.refresh_from_db()
    assert first.status == "snoozed"
    assert timedelta(days=6) < first.snoozed_until - timezone.now() <= timedelta(days=7)
    [event] = decisions(first)
    assert event.event_type == "CandidateSnoozed"


def test_bulk_reject_asks_for_one_reason_and_records_an_event_each(analyst: Client) -> None:
    one = make_candidate(title="One", link="https://a.example/1")
    two = make_candidate(title="Two", link="https://a.example/2")
    ids = [str(one.pk), str(two.pk)]
    ask = analyst.post(QUEUE, {"action": "reject_selected", "_selected_action": ids})
    assert ask.status_code == 200 and "Reject all" in ask.content.decode()
    empty = analyst.post(QUEUE, {"action": "reject_selected", "_selected_action": ids, "apply": "1", "reason": ""})
    assert empty.status_code == 200 and Candidate.objects.filter(status="new").count() == 2
    done = analyst.post(
        QUEUE,
        {"action": "reject_selected", "_selected_action": ids, "apply": "1", "reason": "duplicates of a wire story"},
    )
    assert done.status_code == 302
    assert set(Candidate.objects.values_list("status", flat=True)) == {"rejected"}
    assert [e.metadata["reason"] for e in decisions(one) + decisions(two)] == ["duplicates of a wire story"] * 2


def test_concurrent_decisions_only_one_wins(analyst: Client, entities: list[Entity]) -> None:
    candidate = make_candidate()
    data = form_data(analyst.get(review_url(candidate)), "promote_form")
    # Someone else rejects it while the analyst fills the promote form.
    review.candidate_reject(candidate_id=candidate.pk, reason="not news", actor="colleague")
    data.update({"decision": "promote", "promote-citation-reliability": "B", "promote-citation-credibility": "2"})
    response = analyst.post(review_url(candidate), data)
    assert response.status_code == 200
    assert "rejected already" in response.content.decode()
    assert not Development.objects.exists()
