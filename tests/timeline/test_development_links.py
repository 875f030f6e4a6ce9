"""Links between developments (amends, responds to, ...): events on the linking development's stream, shown both
ways, kept in its history and `as_of`, rebuilt from the log, and loaded from the report with its passage.

No servers: the test database (SQLite, or PostgreSQL with DATABASE_URL) and the shipped data file.
"""

from __future__ import annotations

import uuid
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from events.models import StoredEvent
from events.store import ConcurrencyError
from tests.timeline.factories import projection_rows, record
from timeline import selectors, services
from timeline.models import Development, DevelopmentLink
from timeline.report_loader import development_id_for, load_report_timeline
from timeline.shapes import DevelopmentLinkedData, DevelopmentState, DevelopmentUnlinkedData, LinkData

pytestmark = pytest.mark.django_db


def two_rules() -> tuple[Development, Development]:
    first = record(title="U.S. imposes first AI chip export controls", date="2022-10-07")
    second = record(title="U.S. updates AI chip controls", date="2023-10")
    return first, second


def test_a_link_is_an_event_on_the_linking_developments_stream_and_shows_both_ways() -> None:
    first, second = two_rules()
    linked = services.development_link(
        development_id=second.pk, relation="amends", target_id=first.pk, note="raises the thresholds", actor="ana"
    )
    event = StoredEvent.objects.get(stream=f"development-{second.pk}", event_type="DevelopmentLinked")
    assert event.data["link"]["relation"] == "amends" and event.data["link"]["target"] == str(first.pk)
    assert linked.version == 2 and linked.snapshot["links"][0]["note"] == "raises the thresholds"
    [out] = selectors.development_links(str(second.pk), linked.snapshot["links"])
    assert (out.direction, out.relation_label, out.title) == (
        "out",
        "Amends",
        "U.S. imposes first AI chip export controls",
    )
    [back] = selectors.development_links(str(first.pk), [])
    assert (back.direction, back.relation_label, back.title) == ("in", "Amended by", "U.S. updates AI chip controls")


def test_an_unlinked_link_is_gone_now_but_still_there_as_of_before() -> None:
    first, second = two_rules()
    linked = services.development_link(development_id=second.pk, relation="amends", target_id=first.pk)
    before = linked.last_position
    unlinked = services.development_unlink(
        development_id=second.pk, link_id=linked.snapshot["links"][0]["id"], reason="wrong rule"
    )
    assert unlinked.snapshot["links"] == [] and not DevelopmentLink.objects.exists()
    then = selectors.development_as_of(str(second.pk), before)
    assert then is not None and then.snapshot["links"][0]["target"] == str(first.pk)
    history = [v.event_type for v in selectors.development_history(str(second.pk))]
    assert history == ["DevelopmentRecorded", "DevelopmentLinked", "DevelopmentUnlinked"]


@pytest.mark.parametrize(
    ("relation", "target", "field"),
    [
        ("inspired_by", "first", "relation"),
        ("amends", "self", "target"),
        ("amends", "missing", "target"),
        ("amends", "not-a-uuid", "target"),
    ],
)
def test_a_bad_link_names_its_field_and_writes_nothing(relation: str, target: str, field: str) -> None:
    first, second = two_rules()
    targets = {"first": first.pk, "self": second.pk, "missing": uuid.uuid4(), "not-a-uuid": "not-a-uuid"}
    count = StoredEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        services.development_link(development_id=second.pk, relation=relation, target_id=targets[target])
    assert field in error.value.message_dict
    assert StoredEvent.objects.count() == count


def test_the_same_link_twice_is_refused() -> None:
    first, second = two_rules()
    services.development_link(development_id=second.pk, relation="amends", target_id=first.pk)
    with pytest.raises(ValidationError) as error:
        services.development_link(development_id=second.pk, relation="amends", target_id=first.pk)
    assert "target" in error.value.message_dict


def test_a_link_against_a_stale_version_is_refused() -> None:
    first, second = two_rules()
    services.development_revise(development_id=second.pk, changes={"summary": "tighter"}, expected_version=1)
    with pytest.raises(ConcurrencyError):
        services.development_link(development_id=second.pk, relation="amends", target_id=first.pk, expected_version=1)
    assert not DevelopmentLink.objects.exists()


def test_rebuilding_the_projections_gives_the_same_links() -> None:
    first, second = two_rules()
    third = record(title="Nvidia ships A800 and H800", date="2022-10/2023-10")
    services.development_link(development_id=third.pk, relation="responds_to", target_id=first.pk)
    linked = services.development_link(development_id=second.pk, relation="amends", target_id=first.pk)
    services.development_unlink(development_id=second.pk, link_id=linked.snapshot["links"][0]["id"], reason="x")
    services.development_link(development_id=second.pk, relation="responds_to", target_id=third.pk)
    before = projection_rows()
    links = sorted(DevelopmentLink.objects.values_list("id", "source_id", "relation", "target_id", "note", "position"))
    call_command("rebuild_projections", stdout=StringIO())
    assert projection_rows() == before
    rebuilt = sorted(
        DevelopmentLink.objects.values_list("id", "source_id", "relation", "target_id", "note", "position")
    )
    assert rebuilt == links and len(links) == 2


def test_the_report_links_the_october_2023_rule_to_the_one_it_amends_citing_the_passage() -> None:
    load_report_timeline()
    october_2023 = Development.objects.get(pk=development_id_for("us_ai_chip_export_controls_oct_2023"))
    links = {link["relation"]: link for link in october_2023.snapshot["links"]}
    assert links["amends"]["target"] == development_id_for("us_ai_chip_export_controls_oct_2022")
    assert "key judgment 4" in links["amends"]["note"]
    assert "modified the export control performance thresholds in October 2023" in links["amends"]["note"]
    assert DevelopmentLink.objects.count() == 7


def test_loading_the_report_again_adds_no_link_and_brings_none_back_an_analyst_removed() -> None:
    load_report_timeline()
    source = Development.objects.get(pk=development_id_for("sien_pensun_equipment_transfer_completed"))
    services.development_unlink(
        development_id=source.pk, link_id=source.snapshot["links"][0]["id"], reason="an analyst disagrees"
    )
    count = StoredEvent.objects.count()
    assert load_report_timeline().links_added == 0
    assert StoredEvent.objects.count() == count


def test_a_development_page_lists_its_links_both_ways(client: Client) -> None:
    first, second = two_rules()
    services.development_link(development_id=second.pk, relation="amends", target_id=first.pk)
    page = client.get(f"/developments/{first.pk}/").content.decode()
    assert "Related developments" in page and "Amended by" in page and "U.S. updates AI chip controls" in page
    page = client.get(f"/developments/{second.pk}/").content.decode()
    assert "Amends" in page and f"/developments/{first.pk}/" in page


def test_the_link_events_have_exactly_the_keys_their_declared_shapes_name() -> None:
    first, second = two_rules()
    linked = services.development_link(development_id=second.pk, relation="amends", target_id=first.pk)
    services.development_unlink(development_id=second.pk, link_id=linked.snapshot["links"][0]["id"], reason="x")
    stored = {row.event_type: row.data for row in StoredEvent.objects.filter(stream=f"development-{second.pk}")}
    assert set(stored["DevelopmentLinked"]) == set(DevelopmentLinkedData.__annotations__)
    assert set(stored["DevelopmentLinked"]["link"]) == set(LinkData.__annotations__)
    assert set(stored["DevelopmentUnlinked"]) == set(DevelopmentUnlinkedData.__annotations__)
    state = Development.objects.get(pk=second.pk).snapshot
    assert set(state) == set(DevelopmentState.__annotations__)
