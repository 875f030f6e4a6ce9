"""The public page of one entity: its names, profile, Entity List status, relationships with their sources, its
own timeline figure and its relationship graph."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from timeline import selectors
from timeline.entity_graph_svg import render_graph_svg
from timeline.figure import FigureError, figure_items, render_svg
from timeline.models import Development, DevelopmentVersion
from timeline.taxonomy import EntityType, RelationType
from timeline.web import development_entry, legend

ENTITY_TYPE_LABELS = dict(EntityType.choices)
RELATION_LABELS = dict(RelationType.choices)


def entity_page(request: HttpRequest, entity_id: str) -> HttpResponse:
    entity = selectors.entity_get(entity_id)
    if entity is None:
        raise Http404("No such entity.")
    rows: list[Development | DevelopmentVersion] = list(
        selectors.timeline_developments(selectors.TimelineFilters(entity_id=entity.pk))
    )
    figure_svg, figure_error = "", ""
    try:
        items = figure_items(rows)
        noun = "development" if len(items) == 1 else "developments"
        if items:
            figure_svg = render_svg(
                items, title=entity.name, subtitle=f"{len(items)} {noun}", id_prefix="entity-figure", standalone=False
            )
    except FigureError as error:
        figure_error = str(error)
    labels = selectors.entity_labels(entity_id for row in rows for entity_id in row.snapshot.get("entities", []))
    relationships = [
        {
            "relationship": relationship,
            "label": RELATION_LABELS.get(relationship.relation, relationship.relation).lower(),
            "citations": relationship.snapshot.get("citations", []),
        }
        for relationship in selectors.entity_relationships(entity.pk)
    ]
    graph = selectors.entity_graph(entity.pk, 2)
    context = {
        "entity": entity,
        "type_label": ENTITY_TYPE_LABELS.get(entity.entity_type, entity.entity_type),
        "other_names": [alias for alias in entity.snapshot.get("aliases", [])],
        "listing": selectors.entity_listing_status(entity.pk),
        "relationships": relationships,
        "graph_svg": render_graph_svg(graph) if graph.edges else "",
        "figure_svg": figure_svg,
        "figure_error": figure_error,
        "entries": [development_entry(row, labels) for row in rows],
        "legend": legend(),
    }
    return render(request, "timeline/entity.html", context)
