"""Thin views: the TAXII 2.1 server and the MISP feed (interop.taxii and interop.misp build the documents), and
the embeddable TimelineJS page."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import condition, require_GET

from interop import misp, stix, taxii
from timeline import selectors as timeline_selectors

View = Callable[..., HttpResponse]


def taxii_response(document: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(document, ensure_ascii=False), status=status, content_type=taxii.TAXII_MEDIA_TYPE)


def taxii_view(view: View) -> View:
    """GET only; a TAXII error becomes a TAXII error message; a client that accepts neither TAXII nor any type is
    refused with 406, as the specification asks."""

    @require_GET
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        accept = request.headers.get("Accept", "*/*")
        if "application/taxii+json" not in accept and "*/*" not in accept and "application/*" not in accept:
            error = taxii.TaxiiError(406, "Not acceptable", f"This server answers {taxii.TAXII_MEDIA_TYPE}.")
            return taxii_response(error.document(), status=406)
        try:
            return view(request, *args, **kwargs)
        except taxii.TaxiiError as error:
            return taxii_response(error.document(), status=error.status)

    return wrapped


@taxii_view
def discovery(request: HttpRequest) -> HttpResponse:
    return taxii_response(taxii.discovery(request.build_absolute_uri("/taxii2/api/")))


@taxii_view
def api_root(request: HttpRequest) -> HttpResponse:
    return taxii_response(taxii.api_root())


@taxii_view
def collections(request: HttpRequest) -> HttpResponse:
    return taxii_response({"collections": [collection.document() for collection in taxii.collections()]})


@taxii_view
def collection(request: HttpRequest, collection_id: str) -> HttpResponse:
    return taxii_response(taxii.collection_get(collection_id).document())


def _paged(page: taxii.Page, document: dict[str, Any]) -> HttpResponse:
    response = taxii_response(document)
    if page.date_added:
        response["X-TAXII-Date-Added-First"] = page.date_added[0]
        response["X-TAXII-Date-Added-Last"] = page.date_added[-1]
    return response


@taxii_view
def objects(request: HttpRequest, collection_id: str) -> HttpResponse:
    page = taxii.objects_page(taxii.collection_get(collection_id), taxii.parse_query(request.GET))
    return _paged(page, page.envelope())


@taxii_view
def manifest(request: HttpRequest, collection_id: str) -> HttpResponse:
    page = taxii.objects_page(taxii.collection_get(collection_id), taxii.parse_query(request.GET))
    return _paged(page, page.manifest())


# --- the MISP feed ---


def _feed_etag(request: HttpRequest, *args: Any, **kwargs: Any) -> str:
    """The log's head: a MISP server pulling the feed again gets 304 until something was recorded."""
    return f'"misp-{timeline_selectors.log_state()[0]}"'


@require_GET
@condition(etag_func=_feed_etag)
def misp_manifest(request: HttpRequest) -> HttpResponse:
    return JsonResponse(misp.manifest(stix.all_records()))


@require_GET
@condition(etag_func=_feed_etag)
def misp_hashes(request: HttpRequest) -> HttpResponse:
    return HttpResponse(misp.hashes_csv(stix.all_records()), content_type="text/csv; charset=utf-8")


@require_GET
@condition(etag_func=_feed_etag)
def misp_event(request: HttpRequest, event: str) -> HttpResponse:
    document = misp.event_for(event)
    if document is None:
        raise Http404("No such event.")
    return JsonResponse(document, json_dumps_params={"ensure_ascii": False})


# --- embedding ---

CSP_MIDDLEWARE = "csp.middleware.CSPMiddleware"


@require_GET
@xframe_options_exempt
def embed_timeline(request: HttpRequest, slug: str) -> HttpResponse:
    """A named timeline drawn by TimelineJS (served from our static files), for other sites' iframes; which
    sites may frame it is settings.EMBED_FRAME_ANCESTORS."""
    named = timeline_selectors.named_timeline_get(slug)
    if named is None:
        raise Http404("No such named timeline.")
    data_url = reverse("timeline-detail", kwargs={"slug": slug}) + "?format=timelinejs"
    response = render(request, "interop/embed.html", {"title": named.title, "data_url": data_url})
    ancestors = settings.EMBED_FRAME_ANCESTORS.split()
    # django-csp's middleware (when installed) keeps the site's policy and replaces only frame-ancestors; without
    # it, the page's policy is frame-ancestors alone. Either way this setting is the one place that decides.
    response._csp_replace = {"frame-ancestors": ancestors}  # type: ignore[attr-defined]
    if CSP_MIDDLEWARE not in settings.MIDDLEWARE:
        response["Content-Security-Policy"] = "frame-ancestors " + " ".join(ancestors)
    return response
