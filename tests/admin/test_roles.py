"""Roles: the groups from the data migration, and what each may see and do on every curation page and action.

viewer reads everything; analyst also curates developments, entities and candidates; editor also edits named
timelines, sources and the watch-list; a staff user without a role sees none of it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from events.models import StoredEvent
from sources.models import Candidate, Source
from tests.admin.conftest import form_data, make_candidate
from tests.timeline.factories import citation, record
from timeline import services
from timeline.models import Development, Entity, NamedTimeline
from timeline.roles import role_permissions

pytestmark = pytest.mark.django_db


def test_the_migration_created_the_three_roles_with_their_permissions(db: Any) -> None:
    for role, wanted in role_permissions().items():
        group = Group.objects.get(name=role)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert set(wanted) <= held, (role, set(wanted) - held)
    viewer = Group.objects.get(name="viewer")
    assert not viewer.permissions.exclude(codename__startswith="view_").exists()
    # Nobody may delete a development or an event, whatever the role.
    assert not Group.objects.filter(permissions__codename__in=["delete_development", "delete_storedevent"]).exists()


@pytest.fixture
def world(entities: list[Entity]) -> dict[str, Any]:
    development = record(title="October 7 controls", citations=[citation()])
    services.timeline_define(slug="figure-1", title="Figure 1", pinned=[development.pk])
    candidate = make_candidate()
    source = Source.objects.get()
    return {"development": development, "candidate": candidate, "source": source}


def pages(world: dict[str, Any]) -> dict[str, str]:
    development: Development = world["development"]
    return {
        "developments": reverse("admin:timeline_development_changelist"),
        "development": reverse("admin:timeline_development_change", args=[development.pk]),
        "history": reverse("admin:timeline_development_history", args=[development.pk]),
        "entities": reverse("admin:timeline_entity_changelist"),
        "timelines": reverse("admin:timeline_namedtimeline_changelist"),
        "timeline": reverse("admin:timeline_namedtimeline_change", args=["figure-1"]),
        "log": reverse("admin:events_storedevent_changelist"),
        "queue": reverse("admin:sources_candidate_changelist"),
        "candidate": reverse("admin:sources_candidate_change", args=[world["candidate"].pk]),
        "sources": reverse("admin:sources_source_changelist"),
        "watchpatterns": reverse("admin:sources_watchpattern_changelist"),
    }


@pytest.mark.parametrize("role", ["viewer", "analyst", "editor"])
def test_every_role_may_read_every_curation_page(clients: dict[str, Client], world: dict[str, Any], role: str) -> None:
    for name, url in pages(world).items():
        assert clients[role].get(url).status_code == 200, (role, name)


def test_a_staff_user_without_a_role_sees_none_of_it(clients: dict[str, Client], world: dict[str, Any]) -> None:
    for name, url in pages(world).items():
        assert clients["nobody"].get(url).status_code == 403, name


WRITE_PAGES = {
    "add development": ("admin:timeline_development_add", None, {"analyst", "editor"}),
    "retract": ("admin:timeline_development_retract", "development", {"analyst", "editor"}),
    "add citation": ("admin:timeline_development_citation_add", "development", {"analyst", "editor"}),
    "merge": ("admin:timeline_development_merge", None, {"analyst", "editor"}),
    "add entity": ("admin:timeline_entity_add", None, {"analyst", "editor"}),
    "add timeline": ("admin:timeline_namedtimeline_add", None, {"editor"}),
    "add source": ("admin:sources_source_add", None, {"editor"}),
    "add watch pattern": ("admin:sources_watchpattern_add", None, {"editor"}),
}


@pytest.mark.parametrize("role", ["viewer", "analyst", "editor", "nobody"])
def test_write_pages_open_only_to_the_roles_that_may_write(
    clients: dict[str, Client], world: dict[str, Any], role: str
) -> None:
    for page, (name, arg, allowed) in WRITE_PAGES.items():
        url = reverse(name, args=[world[arg].pk] if arg else None)
        if page == "merge":
            url += f"?ids={world['development'].pk}"
        status = clients[role].get(url).status_code
        assert (status == 200) == (role in allowed), (role, page, status)


def test_a_viewer_sees_the_change_form_read_only_and_cannot_post_it(
    clients: dict[str, Client], world: dict[str, Any]
) -> None:
    development = world["development"]
    url = reverse("admin:timeline_development_change", args=[development.pk])
    page = clients["viewer"].get(url).content.decode()
    assert "Save the change" not in page and "Retract…" not in page and "Add citation" not in page
    data = form_data(clients["analyst"].get(url), "development_form")
    response = clients["viewer"].post(url, {**data, "title": "Hijacked", "reason": "because"})
    assert response.status_code == 403
    retract = reverse("admin:timeline_development_retract", args=[development.pk])
    assert clients["viewer"].post(retract, {"reason": "x", "token": data["token"]}).status_code == 403
    assert Development.objects.get(pk=development.pk).title == "October 7 controls"
    assert not StoredEvent.objects.filter(metadata__actor="viewer").exists()


def test_a_viewer_cannot_decide_on_candidates(clients: dict[str, Client], world: dict[str, Any]) -> None:
    candidate = world["candidate"]
    url = reverse("admin:sources_candidate_change", args=[candidate.pk])
    page = clients["viewer"].get(url).content.decode()
    assert 'id="promote_form"' not in page and 'id="reject_form"' not in page
    data = form_data(clients["analyst"].get(url), "reject_form")
    assert clients["viewer"].post(url, {**data, "decision": "reject", "reject-reason": "no"}).status_code == 403
    queue = reverse("admin:sources_candidate_changelist")
    assert "reject_selected" not in clients["viewer"].get(queue).content.decode()
    clients["viewer"].post(
        queue, {"action": "reject_selected", "_selected_action": [candidate.pk], "apply": "1", "reason": "no"}
    )
    assert Candidate.objects.get(pk=candidate.pk).status == "new"


def test_only_editors_change_named_timelines(clients: dict[str, Client], world: dict[str, Any]) -> None:
    url = reverse("admin:timeline_namedtimeline_change", args=["figure-1"])
    data = form_data(clients["editor"].get(url), "namedtimeline_form")
    for role in ("viewer", "analyst"):
        assert "Preview" not in clients[role].get(url).content.decode()
        assert clients[role].post(url, {**data, "title": "Mine now"}).status_code == 403
    assert clients["editor"].post(url, {**data, "title": "Figure 1 (edited)"}).status_code == 302
    assert NamedTimeline.objects.get(pk="figure-1").title == "Figure 1 (edited)"


def test_only_editors_may_fetch_now_or_unpark_a_source(clients: dict[str, Client], world: dict[str, Any]) -> None:
    source: Source = world["source"]
    Source.objects.filter(pk=source.pk).update(health="parked", next_check_at=None, error_count=9)
    url = reverse("admin:sources_source_changelist")
    for role in ("viewer", "analyst"):
        page = clients[role].get(url).content.decode()
        assert 'value="unpark"' not in page and 'value="fetch_now"' not in page
        clients[role].post(url, {"action": "unpark", "_selected_action": [source.pk]})
        assert Source.objects.get(pk=source.pk).health == "parked", role
    assert 'value="unpark"' in clients["editor"].get(url).content.decode()
    clients["editor"].post(url, {"action": "unpark", "_selected_action": [source.pk]})
    assert Source.objects.get(pk=source.pk).health == "ok"


def test_the_log_is_read_only_even_for_a_superuser(db: Any, world: dict[str, Any]) -> None:
    from tests.admin.conftest import client_for, make_user

    root = client_for(make_user("root", None, superuser=True))
    event = StoredEvent.objects.order_by("position").first()
    assert event is not None
    change = reverse("admin:events_storedevent_change", args=[event.pk])
    page = root.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert root.post(change, {"stream": "hijacked"}).status_code == 403
    assert root.get(reverse("admin:events_storedevent_delete", args=[event.pk])).status_code == 403
    assert root.get(reverse("admin:events_storedevent_add")).status_code == 403


def test_grant_role_makes_a_user_staff_in_the_role_and_refuses_unknown_users(db: Any) -> None:
    from django.contrib.auth.models import User
    from django.core.management import CommandError, call_command

    user = User.objects.create_user("carol", password="x")
    call_command("grant_role", "carol", "analyst")
    user.refresh_from_db()
    assert user.is_staff and list(user.groups.values_list("name", flat=True)) == ["analyst"]
    assert user.has_perm("timeline.change_development") and not user.has_perm("timeline.change_namedtimeline")
    call_command("grant_role", "carol", "analyst", "--remove")
    assert not user.groups.exists()
    with pytest.raises(CommandError, match="no user 'dave'"):
        call_command("grant_role", "dave", "editor")
    with pytest.raises(CommandError):
        call_command("grant_role", "carol", "owner")
