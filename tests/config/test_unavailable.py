"""handler500 (config/unavailable.py): the database's state is a 503 with Retry-After anywhere; bugs stay 500s.

The end-to-end cases (an admin write on a read-only database, a public page after the connections are cut,
through gunicorn) are in tests/reliability/test_database_faults.py; these pin the branches those do not reach.
"""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from config.unavailable import server_error


def _answer(path: str, error: Exception) -> HttpResponse:
    request = RequestFactory().get(path)
    try:
        raise error
    except Exception:
        return server_error(request)


def test_outside_drf_an_api_path_still_gets_a_json_503() -> None:
    response = _answer("/api/developments/", OperationalError("connection refused"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5" and response["Content-Type"] == "application/json"
    assert "cannot be reached" in json.loads(response.content)["detail"]


@pytest.mark.parametrize("path", ["/api/developments/", "/timelines/"])
def test_an_exception_that_is_not_the_database_stays_a_plain_500(path: str) -> None:
    response = _answer(path, ValueError("a bug"))
    assert response.status_code == 500
    assert b"a bug" not in response.content
