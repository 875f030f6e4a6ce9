"""Merging two entities and undoing it: EntityMerged and EntityUnmerged on the duplicate's stream, a filter by
the entity merged into finds the duplicate's developments, the unmerge gives them back exactly, and a merge
into itself or into an entity already merged is refused with nothing written.

No servers: the test database (SQLite, or PostgreSQL with DATABASE_URL).
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from events.models import StoredEvent
from tests.timeline.factories import projection_rows, record
from timeline import selectors, services
from timeline.models import Entity

pytestmark = pytest.mark.django_db


def titles(entity: str) -> list[str]:
    return [row.title for row in selectors.timeline_developments(selectors.TimelineFilters(entity_id=entity))]


def test_a_merge_finds_the_duplicates_developments_and_an_unmerge_gives_them_back(entities: list[Entity]) -> None:
    services.entity_register(entity_id="huawei-tech", name="Huawei Technologies Co.", entity_type="company")
    record(title="Huawei listed", entities=["huawei"])
    record(title="Huawei Technologies sued", entities=["huawei-tech"])
    merged = services.entity_merge(entity_id="huawei-tech", into_id="huawei", reason="the same company")
    assert merged.merged_into_id == "huawei" and merged.version == 2
    assert sorted(titles("huawei")) == ["Huawei Technologies sued", "Huawei listed"]
    unmerged = services.entity_unmerge(entity_id="huawei-tech", reason="a different legal entity after all")
    assert unmerged.merged_into_id is None
    assert titles("huawei") == ["Huawei listed"] and titles("huawei-tech") == ["Huawei Technologies sued"]
    events = StoredEvent.objects.filter(stream="entity-huawei-tech").order_by("position")
    assert [e.event_type for e in events] == ["EntityRegistered", "EntityMerged", "EntityUnmerged"]


@pytest.mark.parametrize(
    ("entity", "into", "field"),
    [
        ("smic", "smic", "into"),
        ("smic", "huawei-tech", "into"),  # huawei-tech is merged into huawei already
        ("huawei-tech", "smic", "entity"),
        ("smic", "nobody", "into"),
    ],
)
def test_a_bad_merge_names_its_field_and_writes_nothing(
    entities: list[Entity], entity: str, into: str, field: str
) -> None:
    services.entity_register(entity_id="huawei-tech", name="Huawei Technologies Co.", entity_type="company")
    services.entity_merge(entity_id="huawei-tech", into_id="huawei")
    count = StoredEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        services.entity_merge(entity_id=entity, into_id=into)
    assert field in error.value.message_dict
    assert StoredEvent.objects.count() == count


def test_an_entity_not_merged_cannot_be_unmerged(entities: list[Entity]) -> None:
    with pytest.raises(ValidationError) as error:
        services.entity_unmerge(entity_id="smic", reason="x")
    assert "entity" in error.value.message_dict


def test_rebuilding_the_projections_keeps_the_merge(entities: list[Entity]) -> None:
    services.entity_register(entity_id="huawei-tech", name="Huawei Technologies Co.", entity_type="company")
    services.entity_merge(entity_id="huawei-tech", into_id="huawei")
    before = projection_rows()
    call_command("rebuild_projections", stdout=StringIO())
    assert projection_rows() == before and Entity.objects.get(pk="huawei-tech").merged_into_id == "huawei"
