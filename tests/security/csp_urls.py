"""The service's routes plus one page that exists only in tests: a development's title rendered unescaped.

It stands for the one escape someone forgets: the Content-Security-Policy must still stop what the stored text
carries. tests/security/test_csp_browser.py switches ROOT_URLCONF to this module; the service never routes here.
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import path

from config.urls import handler500
from config.urls import urlpatterns as service_urlpatterns
from timeline.models import Development

# The base page of the public site, with the stored title marked safe: exactly the mistake the policy backs up.
UNESCAPED = """{% extends "timeline/base.html" %}
{% block content %}<h1 id="unescaped">{{ development.title|safe }}</h1>{% endblock %}"""


def unescaped_title(request: HttpRequest, development_id: uuid.UUID) -> HttpResponse:
    development = get_object_or_404(Development, pk=development_id)
    template = engines["django"].from_string(UNESCAPED)
    return HttpResponse(template.render({"development": development}, request))


urlpatterns = [
    path("test-only/unescaped/<uuid:development_id>/", unescaped_title, name="test-only-unescaped"),
    *service_urlpatterns,
]

__all__ = ["handler500", "urlpatterns"]
