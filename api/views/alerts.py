"""/api/saved-searches/: a signed-in user's own saved searches, and how they hear of new matches."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from alerts import services as alert_services
from alerts.models import Channel, SavedSearch
from alerts.selectors import saved_searches_of
from api import serializers as s
from api.exceptions import form_errors
from api.filters import DevelopmentFilterSet
from api.views.base import ApiView
from api.views.developments import ERRORS
from timeline import selectors
from timeline.models import Development

# Filters a saved search cannot take: it follows the live timeline, in no particular order.
NOT_SAVED = ("as_of", "ordering", "cursor", "page_size", "format")


# Every operation here needs a signed-in user; another user's saved search is a 404.
OWN_ERRORS: dict[Any, Any] = {
    **ERRORS,
    401: OpenApiResponse(s.ErrorSerializer, description="Not signed in"),
    403: OpenApiResponse(s.ErrorSerializer, description="Not signed in (session without a token)"),
    404: OpenApiResponse(s.ErrorSerializer, description="You have no saved search with this id"),
}


class SavedSearchWriteSerializer(s.StrictSerializer):
    name = serializers.CharField(max_length=200)
    query = serializers.CharField(
        max_length=2000,
        allow_blank=True,
        required=False,
        help_text="The filters as /api/developments/ takes them, e.g. category=government&entity=DeepSeek.",
    )
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    webhook_url = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    active = serializers.BooleanField(required=False)


class SavedSearchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    query = serializers.CharField()
    filters = serializers.DictField()
    channel = serializers.CharField()
    webhook_url = serializers.CharField()
    webhook_secret = serializers.CharField(
        required=False, help_text="Only in the answer that created, first gave (a change to a webhook) or rotated it."
    )
    webhook_disabled_at = serializers.DateTimeField(allow_null=True)
    active = serializers.BooleanField()
    matches = serializers.CharField(help_text="The matching developments now, in the API.")


class SavedSearchPageSerializer(serializers.Serializer):
    results = SavedSearchSerializer(many=True)


def saved_search_row(search: SavedSearch, *, base_url: str, with_secret: bool = False) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": search.pk,
        "name": search.name,
        "query": search.query,
        "filters": search.filters,
        "channel": search.channel,
        "webhook_url": search.webhook_url,
        "webhook_disabled_at": search.webhook_disabled_at.isoformat() if search.webhook_disabled_at else None,
        "active": search.active,
        "matches": f"{base_url}/api/developments/?{search.query}".rstrip("?"),
    }
    if with_secret and search.webhook_secret:
        row["webhook_secret"] = search.webhook_secret  # shown once; store it to verify signatures
    return row


def parse_query(query: str) -> alert_services.SavedSearchChanges:
    """The query string checked by the same FilterSet as /api/developments/, so a saved search means exactly what
    the list answers for it; 400 naming the filter otherwise."""
    params = QueryDict(query.lstrip("?"))
    refused = [name for name in NOT_SAVED if name in params]
    if refused:
        raise exceptions.ValidationError(
            {"query": [f"a saved search follows the live timeline: drop {', '.join(refused)}."]}
        )
    unknown = sorted(set(params) - set(DevelopmentFilterSet.base_filters))
    if unknown:
        raise exceptions.ValidationError({"query": [f"unknown filters: {', '.join(unknown)}."]})
    filterset = DevelopmentFilterSet(params, queryset=Development.objects.none())
    if not filterset.is_valid():
        raise form_errors(filterset.errors)
    filters = filterset.timeline_filters()
    if filters.entity_ids:  # a saved search keeps one entity (alerts.services.filters_as_mapping)
        raise exceptions.ValidationError({"entity": ["a saved search follows one entity; save one per entity."]})
    if filters.timeline and selectors.named_timeline_get(filters.timeline) is None:
        raise exceptions.ValidationError({"timeline": [f"no named timeline '{filters.timeline}'."]})
    return alert_services.SavedSearchChanges(query=params.urlencode(), filters=filters)


def _changes(data: dict[str, Any]) -> alert_services.SavedSearchChanges:
    parsed = parse_query(data["query"]) if "query" in data else alert_services.SavedSearchChanges()
    return alert_services.SavedSearchChanges(
        name=data.get("name"),
        query=parsed.query,
        filters=parsed.filters,
        channel=data.get("channel"),
        webhook_url=data.get("webhook_url"),
        active=data.get("active"),
    )


class SavedSearchListView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="saved_searches_list",
        summary="Your saved searches",
        responses={200: SavedSearchPageSerializer, **OWN_ERRORS},
    )
    def get(self, request: Request) -> Response:
        base_url = self.base_url()
        return Response({"results": [saved_search_row(x, base_url=base_url) for x in saved_searches_of(request.user)]})

    @extend_schema(
        summary="Save a search and choose how to hear of new matches",
        description="`webhook_secret` is in this answer only: keep it to verify the Standard Webhooks signature.",
        request=SavedSearchWriteSerializer,
        responses={201: SavedSearchSerializer, **OWN_ERRORS},
    )
    def post(self, request: Request) -> Response:
        body = SavedSearchWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = {"query": "", **body.validated_data}
        try:
            search = alert_services.saved_search_create(owner=request.user, changes=_changes(data))
        except alert_services.SavedSearchError as error:
            raise exceptions.ValidationError(error.errors) from error
        return Response(saved_search_row(search, base_url=self.base_url(), with_secret=True), status=201)


class SavedSearchDetailView(ApiView):
    permission_classes = [IsAuthenticated]

    def get_search(self, pk: str) -> SavedSearch:
        # Another user's search is a 404, not a 403: its existence is not theirs to know.
        search = (
            saved_searches_of(self.request.user).filter(pk=int(pk)).first() if pk.isdecimal() and len(pk) < 19 else None
        )
        if search is None:
            raise exceptions.NotFound("You have no saved search with this id.")
        return search

    @extend_schema(summary="One of your saved searches", responses={200: SavedSearchSerializer, **OWN_ERRORS})
    def get(self, request: Request, pk: str) -> Response:
        return Response(saved_search_row(self.get_search(pk), base_url=self.base_url()))

    @extend_schema(
        summary="Change a saved search",
        description="New filters alert from now on, not on the past. A search changed into a webhook gets its "
        "`webhook_secret` in this answer only.",
        request=SavedSearchWriteSerializer,
        responses={200: SavedSearchSerializer, **OWN_ERRORS},
    )
    def patch(self, request: Request, pk: str) -> Response:
        body = SavedSearchWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        search = self.get_search(pk)
        had_secret = bool(search.webhook_secret)
        try:
            search = alert_services.saved_search_change(search=search, changes=_changes(dict(body.validated_data)))
        except alert_services.SavedSearchError as error:
            raise exceptions.ValidationError(error.errors) from error
        # Turned into a webhook: the secret it was just given is shown now, as on creation, or never.
        return Response(saved_search_row(search, base_url=self.base_url(), with_secret=not had_secret))

    @extend_schema(summary="Delete a saved search (and its delivery log)", responses={204: None, **OWN_ERRORS})
    def delete(self, request: Request, pk: str) -> Response:
        alert_services.saved_search_delete(search=self.get_search(pk))
        return Response(status=204)


class SavedSearchSecretView(SavedSearchDetailView):
    http_method_names = ["post", "options"]  # the secret is rotated, not read, changed or deleted here

    @extend_schema(
        summary="Rotate the webhook secret",
        description="The new secret is in this answer only.",
        request=None,
        responses={200: SavedSearchSerializer, **OWN_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        search = alert_services.saved_search_rotate_secret(search=self.get_search(pk))
        return Response(saved_search_row(search, base_url=self.base_url(), with_secret=True))
