"""Fixtures for the admin tests: one staff user per role (groups from the data migration), entities with aliases,
and developments made through the timeline services."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from tests.timeline.factories import citation, record, register_entities
from timeline.models import Development, Entity

PASSWORD = "correct horse battery staple"
ROLES = ("viewer", "analyst", "editor")


def make_user(username: str, role: str | None, *, superuser: bool = False) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=True, is_superuser=superuser)
    if role:
        # The groups come from timeline/migrations/0003_roles.py (and the post_migrate sync): never created here.
        user.groups.add(Group.objects.get(name=role))
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def users(db: None) -> dict[str, User]:
    return {role: make_user(role, role) for role in ROLES} | {"nobody": make_user("nobody", None)}


@pytest.fixture
def clients(users: dict[str, User]) -> dict[str, Client]:
    return {name: client_for(user) for name, user in users.items()}


@pytest.fixture
def analyst(clients: dict[str, Client]) -> Client:
    return clients["analyst"]


@pytest.fixture
def editor(clients: dict[str, Client]) -> Client:
    return clients["editor"]


@pytest.fixture
def viewer(clients: dict[str, Client]) -> Client:
    return clients["viewer"]


@pytest.fixture
def entities(db: None) -> list[Entity]:
    return register_entities()


@pytest.fixture
def development(entities: list[Entity]) -> Development:
    return record(
        title="BIS publishes the October 7, 2022 controls",
        summary="The Bureau of Industry and Security restricts advanced computing chips.",
        entities=["bis"],
        citations=[citation()],
        actor="someone",
    )


def form_data(response: Any, form_id: str | None = None) -> dict[str, Any]:
    """The values a browser would submit from the first (or the named) form of a page: inputs, selects, textareas."""
    from html.parser import HTMLParser

    class Parser(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.depth = 0  # inside the wanted form
            self.done = False
            self.data: dict[str, Any] = {}
            self.select: str | None = None
            self.multiple = False
            self.textarea: str | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = {k: v or "" for k, v in attrs}
            wanted = a.get("id") == form_id if form_id else a.get("id") != "logout-form"
            if tag == "form" and not self.done and wanted:
                self.depth = 1
                return
            if not self.depth:
                return
            name = a.get("name")
            if tag == "input" and name and "disabled" not in a:
                kind = a.get("type", "text")
                if kind in ("checkbox", "radio"):
                    if "checked" in a:
                        self.data.setdefault(name, []).append(a.get("value", "on"))
                elif kind not in ("submit", "button", "file"):
                    self.data[name] = a.get("value", "")
            elif tag == "select" and name:
                self.select, self.multiple = name, "multiple" in a
                self.data.setdefault(name, [] if self.multiple else "")
            elif tag == "option" and self.select and "selected" in a:
                if self.multiple:
                    self.data[self.select].append(a.get("value", ""))
                else:
                    self.data[self.select] = a.get("value", "")
            elif tag == "textarea" and name:
                self.textarea = name
                self.data[name] = ""

        def handle_endtag(self, tag: str) -> None:
            if tag == "form" and self.depth:
                self.depth = 0
                self.done = True
            elif tag == "select":
                self.select = None
            elif tag == "textarea":
                self.textarea = None

        def handle_data(self, data: str) -> None:
            if self.textarea and self.depth:
                # Browsers drop one leading newline of a textarea's content.
                text = self.data[self.textarea] + data
                self.data[self.textarea] = text[1:] if text.startswith("\n") and not self.data[self.textarea] else text

    parser = Parser()
    parser.feed(response.content.decode())
    return {k: v for k, v in parser.data.items() if k != "csrfmiddlewaretoken"}


def make_candidate(
    *,
    title: str = "Commerce adds 140 Chinese chip firms to the Entity List",
    summary: str = "The Bureau of Industry and Security added 140 entities, including SMIC suppliers.",
    link: str = "https://news.example.org/entity-list-140",
    score: float = 7.5,
    source: Any = None,
    story: Any = None,
    **fields: Any,
) -> Any:
    """A fetched item and its candidate, as the workers would store them (ingestion state is plain data)."""
    from datetime import UTC, datetime

    from sources.models import Candidate, Item, Source

    if source is None:
        source = Source.objects.get_or_create(
            url="https://news.example.org/feed.xml", defaults={"name": "Example News", "host": "news.example.org"}
        )[0]
    item = Item.objects.create(
        source=source,
        dedup_key=f"{title}:{link}"[:64],
        link=link,
        title=title,
        summary=summary,
        published_at=datetime(2024, 12, 2, 15, 0, tzinfo=UTC),
        published_raw="Mon, 02 Dec 2024 15:00:00 GMT",
        story=story,
    )
    defaults: dict[str, Any] = {
        "score": score,
        "reasons": [
            {
                "rule": "Bureau of Industry and Security",
                "role": "entity",
                "weight": 2.0,
                "match": "BIS",
                "field": "title",
            },
            {
                "rule": "entity list",
                "role": "action",
                "weight": 3.0,
                "match": "Entity List",
                "field": "title",
                "kind": "rule_release",
            },
        ],
        "category": "government",
        "kind": "rule_release",
        "entities": [
            {"name": "BIS", "entity_id": "bis"},
            {"name": "SMIC", "entity_id": "smic"},
            {"name": "Unknown Co", "entity_id": ""},
        ],
        "date_edtf": "2024-12-02",
        "possible_duplicates": [],
    }
    defaults.update(fields)
    return Candidate.objects.create(item=item, **defaults)
