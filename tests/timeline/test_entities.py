"""Entities as event-sourced streams: a profile (type, country, description, identifiers, names in every language
with the one to show) revised by events with history and `as_of`, an Entity List status derived from the
developments that list or delist them, and entities registered before profiles existed kept whole.

No servers: the test database (SQLite, or PostgreSQL with DATABASE_URL).
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from events.models import StoredEvent
from events.store import ConcurrencyError
from tests.timeline.factories import projection_rows, record
from timeline import selectors, services
from timeline.models import Entity

pytestmark = pytest.mark.django_db


def huawei() -> Entity:
    return services.entity_register(
        entity_id="huawei",
        name="Huawei",
        entity_type="company",
        aliases=[{"name": "华为", "lang": "zh"}],
        country="cn",
        description="Chinese telecommunications and chip design company.",
        identifiers={"wikidata": "Q160120"},
    )


def test_an_entity_is_registered_with_its_profile_and_found_by_any_name() -> None:
    entity = huawei()
    assert (entity.country, entity.identifiers, entity.version) == ("CN", {"wikidata": "Q160120"}, 1)
    assert entity.snapshot["aliases"] == [{"name": "华为", "lang": "zh"}]
    assert [e.pk for e in selectors.entities_filtered(text="华为")] == ["huawei"]
    assert [e.pk for e in selectors.entities_filtered(country="cn", entity_type="company")] == ["huawei"]
    assert not selectors.entities_filtered(entity_type="person").exists()


def test_a_revision_is_an_event_with_history_and_the_entity_as_it_was_before() -> None:
    entity = huawei()
    registered_at = entity.last_position
    revised = services.entity_revise(
        entity_id="huawei",
        changes={"name": "Huawei Technologies", "identifiers": {"wikidata": "Q160120", "entity_list": "Huawei"}},
        expected_version=1,
        reason="the full name",
    )
    assert revised.name == "Huawei Technologies" and revised.version == 2
    assert selectors.entity_resolve("华为") == revised and selectors.entity_resolve("Huawei Technologies") == revised
    then = selectors.entity_as_of("huawei", registered_at)
    assert then is not None and then.state["name"] == "Huawei" and then.state["identifiers"] == {"wikidata": "Q160120"}
    history = selectors.entity_history("huawei")
    assert [v.event_type for v in history] == ["EntityRegistered", "EntityRevised"] and history[
        1
    ].reason == "the full name"
    assert selectors.entity_as_of("huawei", registered_at - 1) is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"entity_type": "spaceship"}, "entity_type"),
        ({"country": "China"}, "country"),
        ({"identifiers": {"wikidata": "160120"}}, "identifiers"),
        ({"identifiers": {"isin": "X"}}, "identifiers"),
        ({"name": " "}, "name"),
        ({"website": "https://huawei.com"}, "website"),
    ],
)
def test_a_bad_revision_names_its_field_and_writes_nothing(changes: dict[str, object], field: str) -> None:
    huawei()
    count = StoredEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        services.entity_revise(entity_id="huawei", changes=changes, expected_version=1)
    assert field in error.value.message_dict
    assert StoredEvent.objects.count() == count


def test_a_stale_entity_version_is_refused() -> None:
    huawei()
    services.entity_revise(entity_id="huawei", changes={"description": "A company."}, expected_version=1)
    with pytest.raises(ConcurrencyError):
        services.entity_revise(entity_id="huawei", changes={"country": "US"}, expected_version=1)
    assert Entity.objects.get(pk="huawei").country == "CN"


def test_the_entity_list_status_follows_the_latest_listing_or_delisting_development() -> None:
    huawei()
    assert not selectors.entity_listing_status("huawei").listed
    record(title="Huawei added to the Entity List", date="2019-05-16", kind="entity_listing", entities=["huawei"])
    status = selectors.entity_listing_status("huawei")
    assert status.listed and [c.date for c in status.changes] == ["2019-05-16"]
    assert [e.pk for e in selectors.entities_filtered(listed=True)] == ["huawei"]
    record(title="Huawei removed", date="2030", kind="entity_delisting", entities=["华为"])
    assert not selectors.entity_listing_status("huawei").listed
    assert not selectors.entities_filtered(listed=True).exists()


def test_a_name_two_entities_answer_to_is_reported() -> None:
    huawei()
    services.entity_register(entity_id="hw-fan-club", name="Fans", entity_type="other", aliases=[{"name": "HUAWEI"}])
    assert selectors.entity_name_clashes("huawei") == {"HUAWEI": ["hw-fan-club"]}


def test_rebuilding_the_projections_gives_the_same_entities() -> None:
    huawei()
    services.entity_revise(
        entity_id="huawei", changes={"aliases": [{"name": "華為", "lang": "zh-Hant"}]}, expected_version=1
    )
    before = projection_rows()
    call_command("rebuild_projections", stdout=StringIO())
    assert projection_rows() == before


def test_resolving_many_terms_at_once_finds_what_resolving_each_finds() -> None:
    huawei()
    services.entity_register(entity_id="smic", name="SMIC", entity_type="fab", aliases=[{"name": "Huawei", "lang": ""}])
    services.entity_register(
        entity_id="zeta", name="Fab Two", entity_type="fab", aliases=[{"name": "Twin", "lang": ""}]
    )
    services.entity_register(
        entity_id="alpha", name="Fab One", entity_type="fab", aliases=[{"name": "twin", "lang": ""}]
    )
    # An id, a name in another case and spacing, an alias in another script, an id that is also another entity's
    # alias, an alias two entities share, an unknown term, a blank one.
    terms = ["smic", "  huawei ", "华为", "Huawei", "TWIN", "zeta", "nobody", " ", "Fab  one"]

    resolved = selectors.entity_ids_resolve(terms)

    one_by_one = {term: getattr(selectors.entity_resolve(term), "pk", None) for term in terms}
    assert resolved == one_by_one
    assert resolved["TWIN"] == "alpha" and resolved["nobody"] is None and resolved["Fab  one"] == "alpha"
