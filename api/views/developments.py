"""/api/developments/: the filtered list and its formats, one development, its history, and the writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api import response_cache
from api import serializers as s
from api.exceptions import IdempotencyKeyReusedError, form_errors
from api.filters import AS_OF_SCHEMA, DevelopmentFilterSet, TimelineFilterSet
from api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, KeysetPagination, page_size_from
from api.renderers import (
    AtomRenderer,
    CSVRenderer,
    ICalendarRenderer,
    STIXRenderer,
    TimelineJSONRenderer,
    TimelineJSRenderer,
)
from api.schema import NOT_BLANK
from api.views.base import ApiView, created
from events.store import ConcurrencyError, IdempotencyConflictError
from interop.spreadsheet import CSV_COLUMNS
from timeline import search, selectors, services
from timeline.models import Development

TIMELINE_RENDERERS = [
    TimelineJSONRenderer,
    TimelineJSRenderer,
    CSVRenderer,
    ICalendarRenderer,
    AtomRenderer,
    STIXRenderer,
]
# Formats that consumers load whole: their pages default to the largest size.
EXPORT_FORMATS = {"timelinejs", "csv", "ics", "stix"}

# Errors are JSON whatever format was asked (api.views.base.ApiView.finalize_response): said per media type, or
# the schema would list them under CSV, Atom and the images too.
JSON = "application/json"
ERRORS: dict[Any, Any] = {
    (400, JSON): OpenApiResponse(OpenApiTypes.OBJECT, description="Malformed parameters: {field: [messages]}"),
    (429, JSON): OpenApiResponse(s.ErrorSerializer, description="Too many requests"),
}
NOT_FOUND = OpenApiResponse(s.ErrorSerializer, description="Not found")
WRITE_ERRORS: dict[Any, Any] = {
    **ERRORS,
    (401, JSON): OpenApiResponse(s.ErrorSerializer, description="No or bad token"),
    (403, JSON): OpenApiResponse(s.ErrorSerializer, description="Not an analyst or editor"),
    (404, JSON): OpenApiResponse(s.ErrorSerializer, description="No such development"),
    (409, JSON): OpenApiResponse(
        s.ConflictSerializer,
        description="Stale version, or a change the development's state rules out (it is retracted): the body "
        "holds the current one",
    ),
    (422, JSON): OpenApiResponse(s.ErrorSerializer, description="Idempotency-Key reused for another request"),
}
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Retrying with the same key records once and answers as the first time.",
)
IF_MATCH_HEADER = OpenApiParameter(
    "If-Match",
    {"type": "string", "pattern": r'^(W/)?"?v?[0-9]+(-[^"]*)?"?$'},
    OpenApiParameter.HEADER,
    description="The development's ETag (or version) as you read it.",
)
# A revision needs the version the writer read: If-Match (the schema requires it; expected_version in the body
# does too, as a form cannot send headers).
IF_MATCH_REQUIRED = OpenApiParameter(
    "If-Match",
    IF_MATCH_HEADER.type,
    OpenApiParameter.HEADER,
    required=True,
    description="The development's ETag (or version) as you read it; or send expected_version in the body.",
)
# A retraction or removal says why: required, not blank (it may come in the body instead).
REASON_REQUIRED = OpenApiParameter(
    "reason",
    {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": NOT_BLANK},
    required=True,
    description="Why: required, not blank (it may come in the body instead).",
)
NOT_MODIFIED = OpenApiResponse(description="Not modified since the ETag / Last-Modified you sent")


def valid_uuid(value: str) -> UUID:
    """A development id from the path; anything else is a 404 (answered as JSON, like every API error)."""
    try:
        return UUID(value)
    except ValueError as error:
        raise Http404("No such development.") from error


# The text formats' shapes, as far as a schema can tell them: CSV starts with its header row, iCalendar is one
# VCALENDAR. Clients validate the rest with a CSV or iCalendar parser.
CSV_SCHEMA: dict[str, Any] = {"type": "string", "pattern": "^" + ",".join(CSV_COLUMNS) + "\r?\n"}
ICALENDAR_SCHEMA: dict[str, Any] = {"type": "string", "pattern": "^BEGIN:VCALENDAR\r?\n"}


def format_responses(json_schema: Any) -> dict[Any, Any]:
    """One 200 per format: the JSON page, TimelineJS JSON, CSV, iCalendar, Atom."""
    return {
        (200, "application/json"): json_schema,
        (200, TimelineJSRenderer.media_type): OpenApiResponse(
            OpenApiTypes.OBJECT, description="TimelineJS 3 JSON: a title slide and one event per development"
        ),
        (200, CSVRenderer.media_type): OpenApiResponse(
            CSV_SCHEMA,
            description="RFC 4180 CSV, UTF-8, one row per development under a header row of these columns "
            f"(new ones only ever at the end): {', '.join(CSV_COLUMNS)}",
        ),
        (200, ICalendarRenderer.media_type): OpenApiResponse(
            ICALENDAR_SCHEMA,
            description="RFC 5545 iCalendar (text/calendar; charset=utf-8): one VCALENDAR with a VEVENT per "
            "development, all-day from its date's lower to its upper bound",
        ),
        (200, AtomRenderer.media_type): OpenApiResponse(OpenApiTypes.STR, description="Atom, latest changes first"),
        (200, STIXRenderer.media_type): OpenApiResponse(
            OpenApiTypes.OBJECT, description="A STIX 2.1 bundle: a report per development, an identity per entity"
        ),
        304: NOT_MODIFIED,
        **ERRORS,
    }


class TimelineReadMixin(ApiView):
    """The read shared by /api/developments/ and /api/timelines/{slug}/: filters, order, page, format."""

    renderer_classes = TIMELINE_RENDERERS
    filter_backends = [DjangoFilterBackend]
    filterset_class: type[TimelineFilterSet] = DevelopmentFilterSet
    pagination_class = KeysetPagination
    queryset = Development.objects.none()  # only tells the schema generator the model; reads use selectors

    def page_header(self, position: int | None) -> dict[str, Any]:
        """What the answer says before its rows, as of `position` (None: now): nothing here."""
        return {}

    def get_download_name(self) -> str:
        """What a download of the answer is named after (api.renderers.csv_filename adds the day)."""
        return "developments"

    def page(self, *, timeline_slug: str = "") -> Response:
        request = self.request
        fmt = request.accepted_renderer.format
        filterset = self.filterset_class(
            request.query_params, queryset=self.queryset, request=request, timeline_slug=timeline_slug
        )
        if not filterset.is_valid():
            raise form_errors(filterset.errors)
        searched = str(filterset.form.cleaned_data.get("q") or "").strip()
        ordering = filterset.sort_order or ("-changed" if fmt == "atom" else "relevance" if searched else "date")
        page_size = page_size_from(request, MAX_PAGE_SIZE if fmt in EXPORT_FORMATS else DEFAULT_PAGE_SIZE)
        if ordering == "relevance":
            # Resolves as_of, which conditional() needs first; a position is checked with the head, read below.
            filterset.timeline_filters(check_as_of=False)
        else:
            queryset = filterset.qs
        position = filterset.as_of_position
        state = None
        if ordering == "relevance":
            # The log's head is read in the round trip that parses q (the names its terms resemble), and an as_of
            # position checked against it.
            checking = position if filterset.as_of_unchecked else None
            head = selectors.log_state_rows(position, checking=checking is not None)
            state = selectors.log_state_from(filterset.parse_search_alongside(head), checking=checking)
        validators = self.conditional(position, state=state)
        if (unchanged := self.not_modified(validators)) is not None:
            return unchanged
        if ordering == "relevance":
            page = KeysetPagination().paginate_relevance(
                filterset.search_block, request, page_size=page_size, head=validators.position
            )
        else:
            page = KeysetPagination().paginate(queryset, request, ordering=ordering, page_size=page_size)
        # A current relevance page's rows carry their entities' names (PostgreSQL); other pages look them up.
        names = search.page_entity_names(page.rows) if position is None else None
        if names is None:
            names = selectors.entity_names(
                (entity for row in page.rows for entity in row.snapshot["entities"]), as_of=position
            )
        base_url = self.base_url()
        results = [s.development_row(row, base_url=base_url, entity_names=names) for row in page.rows]
        if searched:
            assert filterset.search_query is not None
            found = search.snippets(filterset.search_query, page.rows)
            for row, result in zip(page.rows, results, strict=True):
                result["search_snippet"] = found.get(row.pk, "")
        data = {
            **self.page_header(position),
            "position": validators.position,
            "as_of": position,
            "next": page.next_url,
            "next_cursor": page.next_cursor,
            "results": results,
        }
        response = self.answer(data, validators)
        if page.next_url:
            response["Link"] = f'<{page.next_url}>; rel="next"'
        return response


ATOM_RESPONSES: dict[Any, Any] = {
    (200, AtomRenderer.media_type): OpenApiResponse(OpenApiTypes.STR, description="Atom, latest changes first"),
    304: NOT_MODIFIED,
    **ERRORS,
}


# The feed routes fix the format: a ?format= naming another one is refused, not silently answered as Atom.
FEED_FORMAT = OpenApiParameter("format", str, enum=["atom"], description="Atom only, at this address")


def refuse_other_feed_format(request: Request) -> None:
    asked = request.query_params.getlist("format")
    if asked and asked != ["atom"]:
        raise exceptions.ValidationError({"format": ["This address serves Atom only: format=atom or none."]})


class DevelopmentFeedView(TimelineReadMixin):
    """/api/developments/feed/: the list as Atom at a URL of its own (the route fixes the format), for feed
    readers that are given a feed's address rather than a format."""

    @extend_schema(
        operation_id="developments_feed",
        summary="Developments as an Atom feed, latest changes first (the same filters as the list)",
        parameters=[FEED_FORMAT],
        responses=ATOM_RESPONSES,
    )
    def get(self, request: Request, format: str = "atom") -> Response:
        refuse_other_feed_format(request)
        return self.page()


class DevelopmentListView(TimelineReadMixin):
    @extend_schema(
        operation_id="developments_list",
        summary="Developments, filtered, in any format",
        description="Cursor-paginated. `position` is the log position the answer reflects; "
        "`as_of` answers what the timeline said then.",
        responses=format_responses(s.PageSerializer),
    )
    def get(self, request: Request) -> Response:
        return self.page()

    @extend_schema(
        summary="Record a development",
        request=s.DevelopmentCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: s.DevelopmentSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        body = s.DevelopmentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        reason = fields.pop("reason", "")
        event_id, request_hash = self.idempotency_event_id(), self.request_hash
        if (replayed := self._replay(event_id, fields["title"].strip())) is not None:
            return replayed
        try:
            development = services.development_record(
                **fields, actor=self.actor(), reason=reason, event_id=event_id, request_hash=request_hash
            )
        except IdempotencyConflictError as error:
            raise IdempotencyKeyReusedError() from error
        if development.replayed:
            # A concurrent first attempt with this key committed after the check above: answer as it did.
            replayed = self._replay(event_id, fields["title"].strip())
            assert replayed is not None
            return replayed
        fresh = selectors.development_get(str(development.pk))
        row = s.development_row(fresh, base_url=self.base_url())
        return created(row, row["url"], replayed=False)

    def _replay(self, event_id: UUID | None, title: str) -> Response | None:
        """The first answer again (201, Idempotent-Replayed) when this Idempotency-Key already recorded."""
        if event_id is None or (prior := selectors.development_version_after_event(event_id)) is None:
            return None
        if not _same_request(prior, "DevelopmentRecorded", self.request_hash) or (
            prior.version.snapshot.get("title") != title
        ):
            raise IdempotencyKeyReusedError()
        row = s.development_row(prior.version, base_url=self.base_url())
        return created(row, row["url"], replayed=True)


def _same_request(prior: selectors.PriorWrite, event_type: str, request_hash: str) -> bool:
    """Whether a request with an Idempotency-Key already used repeats the first one (and may get its answer).
    Events recorded before request hashes were kept are judged by their type alone."""
    return prior.event_type == event_type and (not prior.request_hash or prior.request_hash == request_hash)


class DevelopmentResource(ApiView):
    """Helpers of the views on one development."""

    renderer_classes = [JSONRenderer]

    def _current(self, pk: str) -> Any:
        development = selectors.development_get(str(valid_uuid(pk)))
        if development is None:
            raise Http404("No such development.")
        return development

    def _replay(self, event_type: str, pk: str) -> Response | None:
        """The first answer again when this Idempotency-Key was already used for the same kind of change."""
        event_id = self.idempotency_event_id()
        if event_id is None or (prior := selectors.development_version_after_event(event_id)) is None:
            return None
        if not _same_request(prior, event_type, self.request_hash) or (
            str(prior.version.development_id) != str(valid_uuid(pk))
        ):
            raise IdempotencyKeyReusedError()
        response = Response(s.development_row(prior.version, base_url=self.base_url()))
        response["Idempotent-Replayed"] = "true"
        return response

    def _conflict(self, pk: str, error: ConcurrencyError) -> Response:
        current = self._current(pk)
        return Response(
            {
                "detail": f"The development is at version {error.actual}, not {error.expected}: "
                "read it again and resend your change.",
                "current_version": error.actual,
                "current": s.development_row(current, base_url=self.base_url()),
            },
            status=status.HTTP_409_CONFLICT,
        )

    def _state_conflict(self, pk: str, error: DjangoValidationError) -> Response:
        current = self._current(pk)
        return Response(
            {
                "detail": " ".join(error.message_dict["status"]),
                "current_version": current.version,
                "current": s.development_row(current, base_url=self.base_url()),
            },
            status=status.HTTP_409_CONFLICT,
        )

    def _write(self, event_type: str, pk: str, command: Callable[[UUID | None], Any]) -> Response:
        """Run one change through its service: an Idempotency-Key replay answers as the first time did, a stale
        version is a 409 with the current row, a key reused for another change is a 422."""
        if (replayed := self._replay(event_type, pk)) is not None:
            return replayed
        try:
            development = command(self.idempotency_event_id())
        except ConcurrencyError as error:
            return self._conflict(pk, error)
        except DjangoValidationError as error:
            # A change the development's state rules out (retracting it twice) conflicts with the resource as it
            # is, like a stale version: a 409 with the current row. Bad input stays a 400.
            if getattr(error, "error_dict", {}).keys() == {"status"}:
                return self._state_conflict(pk, error)
            raise
        except IdempotencyConflictError as error:
            raise IdempotencyKeyReusedError() from error
        if development.replayed and (replayed := self._replay(event_type, pk)) is not None:
            return replayed  # a concurrent first attempt with this key committed after the check above
        return self._done(development)

    def _done(self, development: Any) -> Response:
        fresh = selectors.development_get(str(development.pk))
        assert fresh is not None
        validators = self.conditional(None, prefix=f"v{fresh.version}-")
        return self.answer(s.development_row(fresh, base_url=self.base_url()), validators)


class DevelopmentDetailView(DevelopmentResource):
    # One development as STIX too: a bundle of its report and the identities it names.
    renderer_classes = [JSONRenderer, STIXRenderer]

    @extend_schema(
        summary="One development (or what it was as_of a time or position)",
        parameters=[
            OpenApiParameter(
                "as_of",
                AS_OF_SCHEMA,
                description="A log position (integer) or an ISO time with a zone: the development as it was then.",
            )
        ],
        responses={
            (200, JSON): s.DevelopmentSerializer,
            (200, STIXRenderer.media_type): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="A STIX 2.1 bundle: the development's report and the identities it names",
            ),
            304: NOT_MODIFIED,
            (404, JSON): NOT_FOUND,
            **ERRORS,
        },
    )
    def get(self, request: Request, pk: str) -> Response:
        as_of = request.query_params.get("as_of")
        mark: selectors.DevelopmentMark | None = None
        if as_of:
            form = TimelineFilterSet({"as_of": as_of}, queryset=Development.objects.none())
            if not form.is_valid():
                raise form_errors(form.errors)
            position = selectors.resolve_as_of(form.form.cleaned_data["as_of"])
            assert position is not None
            row_source: Any = selectors.development_as_of(str(valid_uuid(pk)), position)
            if row_source is None:
                raise Http404("The development was not recorded at that position.")
        else:
            position = None
            # Read before what it shows, as the response cache needs (api.response_cache).
            mark = selectors.development_mark(valid_uuid(pk), selectors.MarkReach.SHOWN)
            row_source = self._current(pk)
        # STIX adds the relationships between its entities, which the mark does not follow: that bundle, and an
        # as_of answer (its ETag already holds while the log grows), stay on the log.
        on_mark = position is None and mark is not None and request.accepted_renderer.format == "json"
        if on_mark:
            assert mark is not None
            validators = self.mark_conditional(mark, selectors.log_state(None)[1], prefix=f"v{row_source.version}-")
        else:
            validators = self.conditional(position, prefix=f"v{row_source.version}-")
        if (unchanged := self.not_modified(validators)) is not None:
            return unchanged
        # As of a position, its entities are named as they were then (the ETag counts no later rename).
        names = None if position is None else selectors.entity_names(row_source.snapshot["entities"], as_of=position)
        row = s.development_row(row_source, base_url=self.base_url(), entity_names=names)
        if position is None:
            # Only the current links of others are projected, so an as_of answer shows its own links alone.
            row["linked_from"] = [
                s.linked_from_row(view, base_url=self.base_url())
                for view in selectors.development_links(str(row_source.pk), [])
            ]
        if on_mark:
            assert mark is not None
            scope = response_cache.development_scope(str(row_source.pk), selectors.MarkReach.SHOWN)
            return self.answer_on_mark(row, validators, mark, scope)
        return self.answer(row, validators)

    @extend_schema(
        summary="Revise a development (needs the version you read)",
        request=s.DevelopmentReviseSerializer,
        parameters=[IF_MATCH_REQUIRED, IDEMPOTENCY_HEADER],
        responses={
            200: s.DevelopmentSerializer,
            (428, JSON): OpenApiResponse(s.ErrorSerializer, description="No version sent"),
            **WRITE_ERRORS,
        },
    )
    def patch(self, request: Request, pk: str) -> Response:
        self._current(pk)
        body = s.DevelopmentReviseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        reason = changes.pop("reason", "")
        expected = self.expected_version(changes.pop("expected_version", None), required=True)
        return self._write(
            "DevelopmentRevised",
            pk,
            lambda event_id: services.development_revise(
                development_id=pk,
                changes=changes,
                expected_version=expected,
                actor=self.actor(),
                reason=reason,
                event_id=event_id,
                request_hash=self.request_hash,
            ),
        )

    @extend_schema(
        summary="Retract a development (it stays in the log and in as_of answers)",
        request=s.RetractSerializer,
        parameters=[
            REASON_REQUIRED,
            IF_MATCH_HEADER,
            IDEMPOTENCY_HEADER,
        ],
        responses={200: s.DevelopmentSerializer, **WRITE_ERRORS},
    )
    def delete(self, request: Request, pk: str) -> Response:
        self._current(pk)
        body = s.RetractSerializer(data=request.data if isinstance(request.data, dict) else {})
        body.is_valid(raise_exception=True)
        reason = self.reason(body.validated_data.get("reason"))
        expected = self.expected_version(body.validated_data.get("expected_version"), required=False)
        return self._write(
            "DevelopmentRetracted",
            pk,
            lambda event_id: services.development_retract(
                development_id=pk,
                reason=reason,
                expected_version=expected,
                actor=self.actor(),
                event_id=event_id,
                request_hash=self.request_hash,
            ),
        )


class DevelopmentHistoryView(ApiView):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="A development's changes in order: when, what changed, why (who, for analysts)",
        responses={200: s.HistorySerializer, 304: NOT_MODIFIED, (404, JSON): NOT_FOUND, **ERRORS},
    )
    def get(self, request: Request, pk: str) -> Response:
        pk = str(valid_uuid(pk))
        # Its own stream is all a history shows: read its mark before it, as the response cache needs.
        mark = selectors.development_mark(pk, selectors.MarkReach.OWN)
        versions = list(selectors.development_history(pk))
        if not versions or mark is None:
            raise Http404("No such development.")
        last = versions[-1]
        validators = self.mark_conditional(mark, last.valid_from_time, prefix=f"v{last.version}-")
        if (unchanged := self.not_modified(validators)) is not None:
            return unchanged
        show_actor = self.shows_identities
        data = {
            "development": str(pk),
            "results": [s.version_row(version, show_actor=show_actor) for version in versions],
        }
        scope = response_cache.development_scope(pk, selectors.MarkReach.OWN)
        return self.answer_on_mark(data, validators, mark, scope)
