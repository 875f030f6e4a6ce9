"""The watch-list's "try against recent items" preview: what an edited rule would flag, with nothing saved."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from sources.models import Item, Source, WatchEntity, WatchPattern
from sources.selectors import watchlist_rules
from tests.admin.conftest import form_data

pytestmark = pytest.mark.django_db

TRY_NEW = reverse("admin:sources_watchpattern_try_new")


@pytest.fixture
def items(db: None) -> list[Item]:
    source = Source.objects.create(url="https://wire.example/rss", name="Wire", host="wire.example")
    titles = [
        "SMIC announces zorblax milestone at its Shenzhen plant",
        "Huawei reaches zorblax milestone with Ascend production",
        "Local bakery reaches zorblax milestone",
        "Nvidia reports quarterly earnings",
    ]
    return [
        Item.objects.create(source=source, dedup_key=f"k{index}", title=title, link=f"https://wire.example/{index}")
        for index, title in enumerate(titles)
    ]


def test_a_new_pattern_is_tried_against_recent_items_and_nothing_is_saved(editor: Client, items: list[Item]) -> None:
    patterns = WatchPattern.objects.count()
    data = form_data(editor.get(TRY_NEW), "try_form")
    data.update(
        name="zorblax",
        role="action",
        pattern="zorblax milestone",
        weight="3",
        kind="fab_milestone",
        category="technology",
        active="on",
    )
    response = editor.post(TRY_NEW, {**data, "_try": "Try"})
    assert response.status_code == 200
    result = response.context["result"]
    assert result["items_tried"] == 4
    newly = sorted(row.item.title for row in result["newly_flagged"])
    # The chip makers' items would now be flagged; the bakery has no chip topic, so it stays out.
    assert newly == [
        "Huawei reaches zorblax milestone with Ascend production",
        "SMIC announces zorblax milestone at its Shenzhen plant",
    ]
    assert all(any(r["rule"] == "zorblax" for r in row.rule_reasons) for row in result["newly_flagged"])
    assert "zorblax milestone" in response.content.decode()
    # Nothing was stored, and the compiled watch-list the workers use does not know the trial rule.
    assert WatchPattern.objects.count() == patterns
    assert not any(rule.name == "zorblax" for rule in watchlist_rules().actions)


def test_an_existing_rule_tried_with_less_weight_shows_what_would_no_longer_be_flagged(
    editor: Client, items: list[Item]
) -> None:
    WatchPattern.objects.create(
        name="zorblax",
        role="action",
        pattern="zorblax milestone",
        weight=3,
        kind="fab_milestone",
        category="technology",
    )
    rule = WatchPattern.objects.get(name="zorblax")
    url = reverse("admin:sources_watchpattern_try", args=[rule.pk])
    assert (
        "Try against recent items"
        in editor.get(reverse("admin:sources_watchpattern_change", args=[rule.pk])).content.decode()
    )
    data = form_data(editor.get(url), "try_form")
    assert data["pattern"] == "zorblax milestone"
    response = editor.post(url, {**data, "weight": "0.5"})
    result = response.context["result"]
    assert sorted(row.item.title for row in result["no_longer_flagged"]) == [
        "Huawei reaches zorblax milestone with Ascend production",
        "SMIC announces zorblax milestone at its Shenzhen plant",
    ]
    assert WatchPattern.objects.get(pk=rule.pk).weight == 3


def test_a_broken_pattern_is_a_form_error(editor: Client, items: list[Item]) -> None:
    data = form_data(editor.get(TRY_NEW), "try_form")
    data.update(name="broken", role="action", pattern="(unclosed", is_regex="on", weight="1")
    response = editor.post(TRY_NEW, data)
    assert response.status_code == 200 and "pattern" in response.context["form"].errors
    assert response.context["result"] is None


def test_entities_can_be_tried_too(editor: Client, items: list[Item]) -> None:
    url = reverse("admin:sources_watchentity_try_new")
    data = form_data(editor.get(url), "try_form")
    data.update(name="Local bakery", aliases="", weight="2", entity_type="company", active="on")
    WatchPattern.objects.create(name="zorblax", role="action", pattern="zorblax milestone", weight=3)
    response = editor.post(url, data)
    assert response.status_code == 200
    assert "Local bakery reaches zorblax milestone" in [
        r.item.title for r in response.context["result"]["newly_flagged"]
    ]
    assert not WatchEntity.objects.filter(name="Local bakery").exists()


def test_only_editors_may_try_rules(clients: dict[str, Client], items: list[Item]) -> None:
    for role in ("viewer", "analyst"):
        assert clients[role].get(TRY_NEW).status_code == 403
        assert clients[role].post(TRY_NEW, {"name": "x", "role": "action", "pattern": "x"}).status_code == 403
