"""The addresses the service prints answer: `/` is a landing page, `/api/` lists the API's resources with links.

`python3 dev.py run` prints http://127.0.0.1:8000/api/ as the API root and the README's first command names
http://127.0.0.1:8000/; both used to be 404s. No server is started: Django's test client.
"""

from __future__ import annotations

import re

from django.test import Client
from django.utils.html import escape

from timeline.models import NamedTimeline


def test_the_api_root_lists_every_resource_with_a_link_that_answers(client: Client, report: NamedTimeline) -> None:
    response = client.get("/api/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    links = response.json()
    assert links == {
        "developments": "http://testserver/api/developments/",
        "developments_feed": "http://testserver/api/developments/feed/",
        "timelines": "http://testserver/api/timelines/",
        "changes": "http://testserver/api/changes/",
        "feed": "http://testserver/api/feed/",
        "schema": "http://testserver/api/schema/",
        "docs": "http://testserver/api/docs/",
    }
    for url in links.values():
        assert client.get(url.removeprefix("http://testserver")).status_code == 200, url


def test_the_landing_page_links_the_timelines_the_api_docs_and_the_admin(client: Client, report: NamedTimeline) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'href="/static/timeline/site.css"' in html  # the public pages' own style
    hrefs = set(re.findall(r'href="([^"]+)"', html))
    assert {"/timelines/", f"/timelines/{report.slug}/", "/api/docs/", "/api/", "/admin/"} <= hrefs
    assert escape(report.title) in html
    for href in ("/timelines/", f"/timelines/{report.slug}/", "/api/docs/", "/api/"):
        assert client.get(href).status_code == 200, href
    assert client.get("/admin/").status_code == 302  # to the admin's login page
