"""GET /api/: the API's root, a JSON map of its resources to their absolute links, as DRF's API root lists them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api import serializers as s
from api.views.base import ApiView
from api.views.developments import ERRORS

# Resource name -> URL name: the collections and documents a client starts from (a development or a named
# timeline is reached through its collection's links).
ROOT_RESOURCES = {
    "developments": "development-list",
    "developments_feed": "development-feed",
    "timelines": "timeline-list",
    "changes": "changes",
    "feed": "feed",
    "schema": "schema",
    "docs": "swagger-ui",
}


class ApiRootView(ApiView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="api_root",
        summary="The API's resources, each with its link",
        responses={200: s.ApiRootSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        return Response({name: reverse(url_name, request=request) for name, url_name in ROOT_RESOURCES.items()})
