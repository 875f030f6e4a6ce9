"""Appends that continue from the rows this process projected (timeline.projected_rows) instead of reading them
back: the read models they leave must be the ones a rebuild makes, and the rows the services answer with the
ones stored. Transactions really commit here (rows are kept only once committed), so the module runs on the
database the suite runs on (PostgreSQL with DATABASE_URL, where the kept rows are used); no servers started."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.forms.models import model_to_dict

from events import store
from events.maintenance import rebuild_projections
from events.store import NewEvent
from tests.timeline.factories import citation, projection_rows, record, register_entities
from timeline import domain, projected_rows, services
from timeline.models import Development

pytestmark = pytest.mark.django_db(transaction=True)


def stored(development: Development) -> dict[str, Any]:
    return model_to_dict(Development.objects.get(pk=development.pk), exclude=["entities"])


def answered(development: Development) -> dict[str, Any]:
    return model_to_dict(development, exclude=["entities"])


def test_a_development_curated_event_after_event_has_the_rows_a_rebuild_makes() -> None:
    register_entities()
    development = record(entities=["bis"], citations=[citation(excerpt="The rule restricts advanced chips.")])
    assert answered(development) == stored(development)
    revised = services.development_revise(
        development_id=development.pk, changes={"title": "BIS tightens the controls"}, expected_version=2
    )
    assert answered(revised) == stored(development)
    cited = services.citation_add(
        development_id=development.pk, citation=citation(claim="Chips above a threshold need a licence.")
    )
    assert answered(cited) == stored(development)
    renamed = services.development_revise(
        development_id=development.pk, changes={"entities": ["bis", "nvidia"], "summary": "More."}, expected_version=4
    )
    assert answered(renamed) == stored(development)
    retracted = services.development_retract(development_id=development.pk, reason="Duplicate entry.")
    assert answered(retracted) == stored(development)
    assert retracted.version == 6
    before = projection_rows()

    rebuild_projections()

    assert projection_rows() == before


def test_a_batch_continuing_a_development_has_the_rows_a_rebuild_makes() -> None:
    register_entities()
    development = record(entities=["huawei"])
    services.development_revise(development_id=development.pk, changes={"title": "Ascend ships"}, expected_version=1)
    stream = domain.development_stream(str(development.pk))
    events = [
        NewEvent(domain.CITATION_ADDED, {"citation": services.clean_citation(citation(excerpt=f"Excerpt {i}."), {})})
        for i in range(3)
    ]
    events.append(NewEvent(domain.DEVELOPMENT_REVISED, {"changes": {"summary": "Shipped at scale."}}))
    store.append(stream, events, expected_version=2)
    services.development_revise(development_id=development.pk, changes={"title": "Ascend 910B"}, expected_version=6)
    before = projection_rows()

    rebuild_projections()

    assert projection_rows() == before


def test_an_append_rolled_back_leaves_nothing_the_next_one_continues_from() -> None:
    development = record()
    services.development_revise(development_id=development.pk, changes={"title": "Kept"}, expected_version=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.development_revise(development_id=development.pk, changes={"title": "Undone"}, expected_version=2)
        raise RuntimeError("roll the revision back")

    again = services.development_revise(
        development_id=development.pk, changes={"summary": "After the rollback."}, expected_version=2
    )

    assert (again.title, again.summary, again.version) == ("Kept", "After the rollback.", 3)
    assert answered(again) == stored(development)
    before = projection_rows()
    rebuild_projections()
    assert projection_rows() == before


def statements_during(action: Callable[[], object]) -> list[str]:
    statements: list[str] = []

    def note(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note):
        action()
    return statements


def test_a_command_on_the_version_this_process_projected_reads_no_row_back() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("rows are kept where a read costs a round trip: PostgreSQL")
    development = record(title="Before")
    table = Development._meta.db_table

    statements = statements_during(
        lambda: services.development_revise(
            development_id=development.pk, changes={"title": "After"}, expected_version=1
        )
    )
    statements += statements_during(
        lambda: services.citation_add(development_id=development.pk, citation=citation(), expected_version=2)
    )
    statements += statements_during(
        lambda: services.development_retract(development_id=development.pk, reason="Wrong.", expected_version=3)
    )

    assert not [sql for sql in statements if sql.startswith("SELECT") and f'FROM "{table}"' in sql]
    assert stored(development)["status"] == "retracted"
    assert Development.objects.get(pk=development.pk).version == 4


def test_a_command_on_a_kept_version_the_stream_moved_past_answers_as_on_the_row_read() -> None:
    """Another process moved the stream on: the kept row is stale, and the answer is the one the current row
    gives (the kept row of another process's version is put back here, as that process would leave it)."""
    development = record(title="First")
    first = projected_rows.committed(str(development.pk), 1)
    services.development_revise(development_id=development.pk, changes={"title": "Second"}, expected_version=1)
    if first is not None:
        projected_rows._keep([first])

    # Against version 1 there is nothing to change; against the current row, a conflict.
    with pytest.raises(store.ConcurrencyError):
        services.development_revise(development_id=development.pk, changes={"title": "First"}, expected_version=1)
    # Against version 1 a change; against the current row, nothing to change.
    with pytest.raises(ValidationError, match="Nothing to change"):
        services.development_revise(development_id=development.pk, changes={"title": "Second"}, expected_version=1)
    # A change either way, refused as a conflict.
    with pytest.raises(store.ConcurrencyError):
        services.development_revise(development_id=development.pk, changes={"title": "Third"}, expected_version=1)
    # The status a retraction needs, as the current row has it.
    services.development_retract(development_id=development.pk, reason="Wrong.", expected_version=2)
    retracted = projected_rows.committed(str(development.pk), 3)
    services.development_restore(development_id=development.pk, reason="Right after all.", expected_version=3)
    if retracted is not None:
        projected_rows._keep([retracted])
    with pytest.raises(ValidationError, match="not retracted"):
        services.development_restore(development_id=development.pk, reason="Again.", expected_version=3)
    assert Development.objects.get(pk=development.pk).version == 4
