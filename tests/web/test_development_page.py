"""/developments/{id}/: the development with its graded sources and its history (when, what changed, why)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.utils.html import escape

from tests.web.conftest import figure_developments
from timeline import services
from timeline.models import NamedTimeline


def test_the_page_shows_the_development_its_sources_and_when_it_was_recorded(
    client: Client, report: NamedTimeline
) -> None:
    development = next(d for d in figure_developments(report) if d.display_date == "Oct 7, 2022")
    response = client.get(f"/developments/{development.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{development.title}</h1>" in html
    assert "Oct 7, 2022" in html and "Government" in html
    citation = development.citations.first()
    assert citation is not None
    assert f">{citation.grading}</abbr>" in html and citation.title in html
    assert "<strong>Recorded</strong>" in html
    assert "Loaded from the CSIS report" in html  # why
    assert "<strong>Citation added</strong>" in html and f"{citation.grading} · {citation.title}" in html


def test_the_page_names_the_entities_in_every_language_they_have(client: Client, report: NamedTimeline) -> None:
    services.entity_register(
        entity_id="smic-test", name="SMIC", entity_type="company", aliases=[{"name": "中芯国际", "lang": "zh-Hans"}]
    )
    development = services.development_record(
        title="SMIC reaches 7nm", date="2023-08", category="technology", kind="fab_milestone", entities=["smic-test"]
    )
    html = client.get(f"/developments/{development.pk}/").content.decode()
    assert '<strong>Entities:</strong> SMIC (<span lang="zh-Hans">中芯国际</span>)' in html


def test_a_revision_and_a_retraction_show_what_changed_and_why(client: Client, report: NamedTimeline) -> None:
    development = figure_developments(report)[0]
    revised = services.development_revise(
        development_id=development.pk,
        changes={"title": "High-Flyer's reserve reaches 100 GPUs", "date": "2015-06"},
        expected_version=development.version,
        reason="The interview gives mid-2015",
        actor="analyst-ann",
    )
    services.development_retract(
        development_id=development.pk, reason="Duplicate of another entry", actor="analyst-ann"
    )
    html = client.get(f"/developments/{development.pk}/").content.decode()
    assert escape(f"title: {development.title} → High-Flyer's reserve reaches 100 GPUs") in html
    assert "date: 2015 → 2015-06" in html
    assert "Why: The interview gives mid-2015" in html
    assert "<strong>Retracted</strong>" in html and "Why: Duplicate of another entry" in html
    assert "This development was retracted" in html
    versions = re.findall(r"version (\d+)", html)
    assert versions[-1] == str(revised.version + 1)
    assert "analyst-ann" not in html  # identities are for staff only


def test_staff_see_who_made_each_change(client: Client, report: NamedTimeline) -> None:
    development = figure_developments(report)[0]
    User.objects.create_user("ann", password="pw", is_staff=True)
    client.login(username="ann", password="pw")
    html = client.get(f"/developments/{development.pk}/").content.decode()
    assert "by loader:csis-report" in html


def test_an_unknown_development_is_a_404(client: Client, db: None) -> None:
    assert client.get(f"/developments/{uuid.uuid4()}/").status_code == 404
    assert client.get("/developments/not-a-uuid/").status_code == 404


def test_the_page_costs_a_fixed_number_of_queries(
    client: Client, report: NamedTimeline, django_assert_max_num_queries: Any
) -> None:
    development = figure_developments(report)[0]
    for index in range(10):
        services.citation_add(
            development_id=development.pk,
            citation={"title": f"Source {index}", "reliability": "C", "credibility": "3"},
        )
    with django_assert_max_num_queries(6):
        response = client.get(f"/developments/{development.pk}/")
    assert response.content.decode().count("<strong>Citation added</strong>") >= 11
