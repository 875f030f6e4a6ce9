"""Fixtures for the public pages and the figure endpoints: the report's timeline loaded through its command."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command

from timeline.models import Development, NamedTimeline

FIGURE_1 = "deepseek-development"


@pytest.fixture(autouse=True)
def generous_throttles(settings: Any) -> None:
    """The figure endpoints share the API's throttles; they have their own test in tests/api."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000000/minute", "user": "1000000/minute"},
    }
    cache.clear()


@pytest.fixture
def report(db: None) -> NamedTimeline:
    """The CSIS report's developments and Figure 1 (`deepseek-development`), loaded as `make run` loads them."""
    call_command("load_deepseek_timeline", stdout=StringIO())
    return NamedTimeline.objects.get(slug=FIGURE_1)


def figure_developments(named: NamedTimeline) -> list[Development]:
    return list(
        Development.objects.filter(pk__in=named.pinned, status="current").order_by(
            "date_lower", "date_upper", "title", "pk"
        )
    )
