"""The developments admin's search box answers as the API's q does: citations, phrases, exclusions, Chinese.
No servers started."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.timeline.factories import citation, record
from timeline.models import Entity

pytestmark = pytest.mark.django_db


def test_the_admin_search_box_is_full_text_search(analyst: Client, entities: list[Entity]) -> None:
    record(
        title="October 7 controls",
        entities=["bis"],
        citations=[citation(excerpt="Advanced node fabs need a licence.")],
    )
    record(title="Ascend 910B", date="2023-10", category="technology", kind="chip_launch", entities=["huawei"])
    record(title="Ascend 910C", date="2024-12", category="technology", kind="chip_launch", summary="华为的新芯片")
    url = reverse("admin:timeline_development_changelist")

    def titles(q: str) -> set[str]:
        response = analyst.get(url, {"q": q})
        assert response.status_code == 200
        return {d.title for d in response.context["cl"].result_list}

    assert titles("licence") == {"October 7 controls"}
    assert titles('"October 7"') == {"October 7 controls"}
    assert titles("Ascend -910B") == {"Ascend 910C"}
    assert titles("华为") == {"Ascend 910B", "Ascend 910C"}
    assert titles("Huawai") == {"Ascend 910B"}
