"""The OpenAPI schema at /api/schema/, its offline docs, and schemathesis over every operation, anonymous and
authenticated: no 5xx and no response that breaks the schema.

schemathesis drives the WSGI app in-process (no server, no network); examples are capped so CI stays quick.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import citation, make_user, record
from timeline import services

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.mark.django_db
def test_the_schema_describes_every_operation_with_its_filters(anon: Any) -> None:
    schema = anon.get("/api/schema/?format=json").json()
    operations = {(path, method) for path, item in schema["paths"].items() for method in item}
    assert operations >= {
        ("/api/developments/", "get"),
        ("/api/developments/", "post"),
        ("/api/developments/{id}/", "get"),
        ("/api/developments/{id}/", "patch"),
        ("/api/developments/{id}/", "delete"),
        ("/api/developments/{id}/history/", "get"),
        ("/api/developments/{id}/citations/", "post"),
        ("/api/timelines/", "get"),
        ("/api/timelines/{slug}/", "get"),
        ("/api/changes/", "get"),
        ("/api/feed/", "get"),
    }
    parameters = {p["name"] for p in schema["paths"]["/api/developments/"]["get"]["parameters"]}
    assert parameters >= {
        "category", "kind", "entity", "tag", "from", "to", "q", "timeline", "disputed", "min_reliability",
        "as_of", "ordering", "cursor", "page_size", "format",
    }  # fmt: skip
    timeline_parameters = {p["name"] for p in schema["paths"]["/api/timelines/{slug}/"]["get"]["parameters"]}
    assert "category" in timeline_parameters and "cursor" in timeline_parameters
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_swagger_ui_loads_its_scripts_from_this_server_only(anon: Any) -> None:
    page = anon.get("/api/docs/").content.decode("utf-8")
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui-bundle.js" in source for source in sources), page
    assert not [source for source in sources if source.startswith(("http:", "https:", "//"))]
    for source in sources:
        if source.startswith("/static/"):
            assert finders.find(source.removeprefix("/static/")), source


@pytest.fixture
def api_schema(db: None) -> Iterator[Any]:
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    services.entity_register(entity_id="nvidia", name="Nvidia", entity_type="company")
    development = record(entities=["nvidia"], citations=[citation()], summary="A summary.")
    record(title="Disputed", date="2024-36", category="technology", kind="fab_milestone", disputed=True)
    services.timeline_define(slug="deepseek-development", title="Figure 1", pinned=[development.pk])
    # Like Django's test client: a request must not close the connection that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# The figure images (api/figure_views.py) are drawn, which is slow in-process; tests/api/test_contract.py covers
# them, with every check, against gunicorn.
schema = schemathesis.pytest.from_fixture("api_schema").exclude(path_regex=r"/figure\.(svg|png)$")
EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@EXAMPLES
def test_anonymous_callers_get_no_5xx_and_only_answers_the_schema_allows(case: Any) -> None:
    response = case.call()
    case.validate_response(response, checks=CHECKS)


@schema.parametrize()
@EXAMPLES
def test_analysts_get_no_5xx_and_only_answers_the_schema_allows(case: Any) -> None:
    from django.contrib.auth.models import User

    user = User.objects.filter(username="schemathesis").first()
    if user is None:
        _, key = make_user("schemathesis", "analyst")
    else:
        key = user.auth_token.key
    response = case.call(headers={"Authorization": f"Token {key}"})
    case.validate_response(response, checks=CHECKS)
