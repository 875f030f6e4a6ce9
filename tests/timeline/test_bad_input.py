"""Bad input: every service validates what it is given, raises ValidationError with field errors, and writes
nothing to the log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from events import store
from tests.timeline.factories import citation, projection_rows, record
from timeline import services
from timeline.models import Development, Entity

pytestmark = pytest.mark.django_db


@pytest.fixture
def development(entities: list[Entity]) -> Development:
    return record(entities=["bis"], citations=[citation()])


@pytest.fixture
def nothing_written() -> Iterator[None]:
    """Asserts, after the test, that the log and every projection are exactly as they were before it."""
    length, rows = store.last_position(), projection_rows()
    yield
    assert store.last_position() == length
    assert projection_rows() == rows


def refused(call: Callable[[], Any]) -> dict[str, list[str]]:
    """The field errors of a refused command (and the log length is unchanged)."""
    length = store.last_position()
    with pytest.raises(ValidationError) as raised:
        call()
    assert store.last_position() == length
    return raised.value.message_dict


RECORD = {"title": "A development", "date": "2023-10", "category": "corporate", "kind": "founding"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"category": "military"}, "category"),
        ({"category": "Corporate"}, "category"),
        ({"kind": "rumour"}, "kind"),
        ({"date": ""}, "date"),
        ({"date": "2023-13"}, "date"),
        ({"date": "2023-02-30"}, "date"),
        ({"date": "October 2023"}, "date"),
        ({"date": "2023-07/.."}, "date"),
        ({"entities": ["nobody-we-know"]}, "entities"),
        ({"tags": ["Not A Tag!"]}, "tags"),
        ({"media": {"url": "javascript:alert(1)"}}, "media"),
        ({"citations": [citation(reliability="G")]}, "citations[0].reliability"),
        ({"citations": [citation(reliability="")]}, "citations[0].reliability"),
        ({"citations": [citation(credibility="7")]}, "citations[0].credibility"),
        ({"citations": [citation(credibility="0")]}, "citations[0].credibility"),
        ({"citations": [citation(), citation(credibility="B")]}, "citations[1].credibility"),
        ({"citations": [citation(url="ftp://example.org/report.pdf")]}, "citations[0].url"),
        ({"citations": [citation(url="javascript:alert(1)")]}, "citations[0].url"),
        ({"citations": [citation(url="file:///etc/passwd")]}, "citations[0].url"),
        ({"citations": [citation(url="not a url")]}, "citations[0].url"),
        ({"citations": [citation(title="")]}, "citations[0].title"),
        ({"citations": [citation(published="March 2025")]}, "citations[0].published"),
    ],
)
def test_recording_bad_input_raises_field_errors_and_writes_nothing(
    entities: list[Entity], nothing_written: None, overrides: dict[str, Any], field: str
) -> None:
    errors = refused(lambda: services.development_record(**{**RECORD, **overrides}))
    assert field in errors, errors
    assert all(message for message in errors[field])


def test_every_bad_field_is_reported_at_once(entities: list[Entity], nothing_written: None) -> None:
    errors = refused(
        lambda: services.development_record(
            title="",
            date="someday",
            category="x",
            kind="y",
            entities=["nobody"],
            citations=[{"title": "", "reliability": "Z", "credibility": "9", "url": "ftp://x"}],
        )
    )
    assert set(errors) == {
        "title",
        "date",
        "category",
        "kind",
        "entities",
        "citations[0].title",
        "citations[0].reliability",
        "citations[0].credibility",
        "citations[0].url",
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"category": "military"}, "category"),
        ({"kind": "rumour"}, "kind"),
        ({"date": "2023-99"}, "date"),
        ({"entities": ["nobody-we-know"]}, "entities"),
        ({"status": "retracted"}, "status"),
        ({"citations": []}, "citations"),
        ({}, "changes"),
        ({"title": "BIS publishes the October 7, 2022 controls"}, "changes"),
    ],
)
def test_revising_with_bad_changes_raises_field_errors_and_writes_nothing(
    development: Development, nothing_written: None, changes: dict[str, Any], field: str
) -> None:
    errors = refused(
        lambda: services.development_revise(development_id=development.pk, changes=changes, expected_version=2)
    )
    assert field in errors, errors


def test_commands_on_an_unknown_development_are_refused(nothing_written: None) -> None:
    for unknown in ["6f1e0c64-0000-4000-8000-000000000000", "not-a-uuid"]:
        commands: list[Callable[[str], Any]] = [
            lambda d: services.development_revise(development_id=d, changes={"title": "x"}, expected_version=1),
            lambda d: services.development_retract(development_id=d, reason="r"),
            lambda d: services.development_restore(development_id=d, reason="r"),
            lambda d: services.citation_add(development_id=d, citation=citation()),
            lambda d: services.citation_remove(development_id=d, citation_id="c", reason="r"),
        ]
        for command in commands:
            assert "development" in refused(lambda: command(unknown))  # noqa: B023 (called at once)


def test_retracting_needs_a_reason_and_a_current_development(development: Development, nothing_written: None) -> None:
    assert "reason" in refused(lambda: services.development_retract(development_id=development.pk, reason="  "))
    assert "status" in refused(lambda: services.development_restore(development_id=development.pk, reason="why"))


def test_a_retracted_development_cannot_be_retracted_again(development: Development) -> None:
    services.development_retract(development_id=development.pk, reason="wrong")
    length = store.last_position()
    assert "status" in refused(lambda: services.development_retract(development_id=development.pk, reason="again"))
    assert store.last_position() == length


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reliability": "G"}, "reliability"),
        ({"reliability": "AB"}, "reliability"),
        ({"credibility": "7"}, "credibility"),
        ({"credibility": ""}, "credibility"),
        ({"url": "mailto:someone@example.org"}, "url"),
        ({"url": "ftp://example.org/x"}, "url"),
        ({"title": ""}, "title"),
        ({"published": "2025-02-30"}, "published"),
    ],
)
def test_adding_a_badly_graded_or_addressed_citation_is_refused(
    development: Development, nothing_written: None, fields: dict[str, str], field: str
) -> None:
    errors = refused(lambda: services.citation_add(development_id=development.pk, citation=citation(**fields)))
    assert field in errors, errors


def test_adding_the_same_citation_twice_is_refused(development: Development, nothing_written: None) -> None:
    existing = development.snapshot["citations"][0]["id"]
    errors = refused(lambda: services.citation_add(development_id=development.pk, citation=citation(id=existing)))
    assert "id" in errors


def test_removing_a_citation_the_development_does_not_have_is_refused(
    development: Development, nothing_written: None
) -> None:
    errors = refused(
        lambda: services.citation_remove(
            development_id=development.pk, citation_id="5a7c1f1e-0000-4000-8000-000000000000", reason="gone"
        )
    )
    assert "citation_id" in errors
    existing = development.snapshot["citations"][0]["id"]
    errors = refused(lambda: services.citation_remove(development_id=development.pk, citation_id=existing, reason=""))
    assert "reason" in errors


def test_merging_a_development_into_itself_is_refused(development: Development, nothing_written: None) -> None:
    errors = refused(lambda: services.development_merge(duplicate_id=development.pk, into_id=str(development.pk)))
    assert "into" in errors


def test_merging_into_or_from_a_development_that_is_not_current_is_refused(development: Development) -> None:
    other = record(title="Other")
    services.development_retract(development_id=other.pk, reason="wrong")
    length = store.last_position()
    assert "into" in refused(lambda: services.development_merge(duplicate_id=development.pk, into_id=other.pk))
    assert "duplicate" in refused(lambda: services.development_merge(duplicate_id=other.pk, into_id=development.pk))
    assert "development" in refused(
        lambda: services.development_merge(duplicate_id=development.pk, into_id="6f1e0c64-0000-4000-8000-000000000000")
    )
    assert store.last_position() == length


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"entity_id": "Not A Slug"}, "entity_id"),
        ({"entity_id": ""}, "entity_id"),
        ({"name": " "}, "name"),
        ({"entity_type": "planet"}, "entity_type"),
        ({"aliases": [{"name": "", "lang": "zh"}]}, "aliases"),
    ],
)
def test_registering_a_bad_entity_is_refused(nothing_written: None, arguments: dict[str, Any], field: str) -> None:
    valid = {"entity_id": "cambricon", "name": "Cambricon", "entity_type": "company", "aliases": [{"name": "寒武纪"}]}
    errors = refused(lambda: services.entity_register(**{**valid, **arguments}))
    assert field in errors, errors


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"slug": "Figure 1"}, "slug"),
        ({"slug": ""}, "slug"),
        ({"title": ""}, "title"),
        ({"filters": {"colour": "red"}}, "filters"),
        ({"pinned": ["6f1e0c64-0000-4000-8000-000000000000"]}, "pinned"),
    ],
)
def test_defining_a_bad_named_timeline_is_refused(
    development: Development, nothing_written: None, arguments: dict[str, Any], field: str
) -> None:
    valid = {"slug": "figure-1", "title": "Figure 1", "pinned": [development.pk]}
    errors = refused(lambda: services.timeline_define(**{**valid, **arguments}))
    assert field in errors, errors


def test_merging_a_development_into_itself_is_refused_however_its_id_is_spelled(
    development: Development, nothing_written: None
) -> None:
    errors = refused(
        lambda: services.development_merge(duplicate_id=str(development.pk).upper(), into_id=development.pk)
    )
    assert "into" in errors


def test_a_citation_id_that_is_not_a_uuid_is_a_field_error(development: Development, nothing_written: None) -> None:
    errors = refused(lambda: services.citation_add(development_id=development.pk, citation=citation(id="not-a-uuid")))
    assert "id" in errors
    errors = refused(lambda: services.development_record(**RECORD, citations=[citation(id="not-a-uuid")]))
    assert "citations[0].id" in errors


def test_a_citation_id_used_by_another_development_is_refused(development: Development) -> None:
    other = record(title="Other")
    length, rows = store.last_position(), projection_rows()
    taken = development.snapshot["citations"][0]["id"]
    errors = refused(lambda: services.citation_add(development_id=other.pk, citation=citation(id=taken)))
    assert "id" in errors
    assert (store.last_position(), projection_rows()) == (length, rows)


@pytest.mark.parametrize(
    "filters",
    [
        {"from": "yesterday"},
        {"to": "2023-13-01"},
        {"disputed": "yes"},
        {"category": ["military"]},
        {"kind": "rumour"},
        {"min_reliability": "Z"},
    ],
)
def test_a_named_timeline_with_a_saved_filter_value_that_cannot_be_answered_is_refused(
    nothing_written: None, filters: dict[str, Any]
) -> None:
    errors = refused(lambda: services.timeline_define(slug="figure-1", title="Figure 1", filters=filters))
    assert "filters" in errors, errors


def test_a_pinned_id_that_is_not_a_uuid_is_a_field_error(nothing_written: None) -> None:
    errors = refused(lambda: services.timeline_define(slug="figure-1", title="Figure 1", pinned=["not-a-uuid"]))
    assert "pinned" in errors
