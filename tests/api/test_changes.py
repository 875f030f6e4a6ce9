"""GET /api/changes/: the change feed in log order, identities hidden from the public, and a replay of it
into an empty store that rebuilds the same current developments."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection

from events import registry, store
from events.guards import drop_guard, install_guard
from events.models import LogHead, ProjectionCheckpoint, StoredEvent
from events.store import NewEvent
from tests.api.conftest import citation, record
from timeline import services
from timeline.models import Development

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(entities: None) -> None:
    """Every kind of command, by a named analyst."""
    a = record(title="A", date="2022-10-07", entities=["bis"], citations=[citation()], actor="ada.lovelace")
    b = record(title="B", date="2023-10", category="technology", kind="model_launch", actor="ada.lovelace")
    c = record(title="B (duplicate)", date="2023-10", category="technology", kind="model_launch", actor="bob.turing")
    services.development_revise(
        development_id=a.pk,
        changes={"date": "2022-10", "tags": ["export-controls"]},
        expected_version=2,
        actor="ada.lovelace",
    )
    services.citation_add(development_id=b.pk, citation=citation(title="FT", reliability="C"), actor="bob.turing")
    services.development_retract(development_id=b.pk, reason="premature", actor="bob.turing")
    services.development_restore(development_id=b.pk, reason="confirmed", actor="ada.lovelace")
    services.development_merge(duplicate_id=c.pk, into_id=b.pk, reason="same launch", actor="ada.lovelace")
    d = record(title="D", date="2019", category="corporate", kind="founding", actor="ada.lovelace")
    services.development_retract(development_id=d.pk, reason="wrong", actor="ada.lovelace")
    services.timeline_define(slug="figure", title="Figure", pinned=[a.pk, b.pk], actor="ada.lovelace")


def _feed(client: Any, limit: int = 7) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    after = 0
    while True:
        body = client.get("/api/changes/", {"after": after, "limit": limit}).json()
        changes += body["results"]
        if body["next_after"] == after:
            assert body["last_position"] == after
            return changes
        assert body["next"].endswith(f"after={body['next_after']}&limit={limit}")
        after = body["next_after"]


def test_the_feed_gives_every_event_in_position_order_with_the_next_position(anon: Any, history: None) -> None:
    changes = _feed(anon)
    assert [c["position"] for c in changes] == list(range(1, store.last_position() + 1))
    first = anon.get("/api/changes/?after=0&limit=3").json()
    assert [c["position"] for c in first["results"]] == [1, 2, 3] and first["next_after"] == 3
    recorded = next(c for c in changes if c["type"] == "DevelopmentRecorded")
    assert set(recorded) == {
        "position", "event_id", "stream", "version", "type", "schema_version", "time", "data", "metadata", "hash"
    }  # fmt: skip
    assert recorded["stream"].startswith("development-") and recorded["data"]["title"] == "A"


def test_analysts_identities_are_hidden_from_anonymous_callers(anon: Any, analyst: Any, history: None) -> None:
    public = _feed(anon)
    assert all("actor" not in c["metadata"] and c["hash"] is None for c in public)
    assert "ada.lovelace" not in str(public) and "bob.turing" not in str(public)
    assert any(c["metadata"].get("reason") == "premature" for c in public)
    private = _feed(analyst)
    assert {c["metadata"].get("actor") for c in private} >= {"ada.lovelace", "bob.turing"}
    assert all(len(c["hash"]) == 64 for c in private)


@pytest.mark.parametrize("query", ["after=-1", "after=x", "after=²", "limit=0", "limit=1001", "limit=2.5", "limit=²"])
def test_a_malformed_after_or_limit_is_a_400(anon: Any, db: None, query: str) -> None:
    response = anon.get(f"/api/changes/?{query}")
    assert response.status_code == 400
    assert set(response.json()) <= {"after", "limit"}


def _developments(client: Any) -> list[dict[str, Any]]:
    rows = client.get("/api/developments/?page_size=500").json()["results"]
    # Recorded times are the replay's own; everything else must be equal.
    return [{key: value for key, value in row.items() if key != "changed_at"} for row in rows]


def _read_model() -> list[dict[str, Any]]:
    fields = ("id", "title", "edtf", "status", "version", "last_position", "recorded_position", "snapshot", "tags_key")
    return list(Development.objects.order_by("pk").values(*fields))


def test_replaying_the_feed_from_zero_into_an_empty_store_gives_the_same_current_developments(
    anon: Any, history: None
) -> None:
    changes = _feed(anon, limit=5)
    before_api, before_rows = _developments(anon), _read_model()
    retracted = Development.objects.filter(status="retracted").count()
    assert len(before_api) == 2 and retracted == 1

    # An empty store: the test lifts the append-only guard inside its own transaction (rolled back after).
    drop_guard(connection)
    StoredEvent.objects.all().delete()
    LogHead.objects.all().delete()
    install_guard(connection)
    for projector in reversed(list(registry.projectors())):
        projector.reset()
    ProjectionCheckpoint.objects.all().delete()
    assert anon.get("/api/developments/").json()["results"] == []

    for change in changes:
        store.append(
            change["stream"],
            [
                NewEvent(
                    change["type"], change["data"], event_id=uuid.UUID(change["event_id"]), metadata=change["metadata"]
                )
            ],
            expected_version=change["version"] - 1,
        )
    assert _developments(anon) == before_api
    assert _read_model() == before_rows
    assert [c["position"] for c in _feed(anon)] == [c["position"] for c in changes]


def test_the_change_feed_and_the_atom_feed_publish_the_head_that_verify_log_checks_a_copy_against(
    anon: Any, history: None
) -> None:
    import io
    from xml.etree import ElementTree

    from django.core.management import CommandError, call_command

    head = store.published_head()
    published = f"{head.position}:{head.hash}"
    # Sealed: the raw chain hash of the last event stays with analysts (it could confirm a guessed actor).
    assert head.hash != store.head().hash
    changes = anon.get("/api/changes/?after=0&limit=1")
    assert changes.json()["head"] == {"position": head.position, "hash": head.hash}
    assert changes["Log-Head"] == published
    feed_json = anon.get("/api/feed/?format=json")
    assert feed_json.json()["head"] == {"position": head.position, "hash": head.hash}
    atom = anon.get("/api/feed/")
    assert atom["Log-Head"] == published
    element = ElementTree.fromstring(atom.content).find("{tag:timeline.invalid,2026:log}head")
    assert element is not None and (element.get("position"), element.get("hash")) == (str(head.position), head.hash)

    # The head someone recorded is what a copy of the log must still contain.
    call_command("verify_log", "--expect-head", published, stdout=io.StringIO())
    drop_guard(connection)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM events_storedevent WHERE position = %s", [head.position])
        cursor.execute("DELETE FROM events_loghead WHERE position = %s", [head.position])
    install_guard(connection)
    with pytest.raises(CommandError, match=f"position {head.position} is missing from the end of the log"):
        call_command("verify_log", "--expect-head", published, stdout=io.StringIO())
