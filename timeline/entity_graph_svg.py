"""An entity's relationship graph drawn as server-side SVG: the entity in the middle, the entities one and two
relationships away in columns either side, each label on its own row so that no two labels overlap."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from timeline.selectors import EntityGraph
from timeline.taxonomy import RelationType

WIDTH = 1400
ROW = 28  # px per label row: 14 px text with room to spare
TOP = 40
MAX_PER_COLUMN = 30
COLUMNS = {1: (560, 840), 2: (200, 1200)}  # x of the left and right column for each distance
MAX_NAME = 24  # characters of a name drawn; the full name is in the node's title
RELATION_LABELS = dict(RelationType.choices)


@dataclass(frozen=True)
class _Placed:
    entity_id: str
    x: float
    y: float
    side: str  # left or right: where its label goes


def _relation_to_parent(graph: EntityGraph, entity_id: str) -> str:
    """How the entity relates to one nearer the center, as a short phrase ("subsidiary of", "← foundry for")."""
    hops = graph.nodes[entity_id][2]
    for edge in graph.edges:
        ends = {edge.source, edge.target}
        if entity_id in ends and any(graph.nodes.get(e, ("", "", 9))[2] == hops - 1 for e in ends - {entity_id}):
            label = RELATION_LABELS.get(edge.relation, edge.relation).lower()
            return label if edge.source == entity_id else f"← {label}"
    return ""


def render_graph_svg(graph: EntityGraph) -> str:
    by_hops: dict[int, list[str]] = {1: [], 2: []}
    for entity_id, (_name, _type, hops) in sorted(graph.nodes.items(), key=lambda item: item[1][0].casefold()):
        if hops in by_hops:
            by_hops[hops].append(entity_id)
    placed: dict[str, _Placed] = {}
    rows = 1
    hidden = 0
    for hops, ids in by_hops.items():
        shown = ids[: 2 * MAX_PER_COLUMN]
        hidden += len(ids) - len(shown)
        half = (len(shown) + 1) // 2
        for side, column, x in (("left", shown[:half], COLUMNS[hops][0]), ("right", shown[half:], COLUMNS[hops][1])):
            for index, entity_id in enumerate(column):
                placed[entity_id] = _Placed(entity_id, x, TOP + ROW * (index + 0.5), side)
            rows = max(rows, len(column))
    height = TOP + ROW * rows + 40
    center = _Placed(graph.center, WIDTH / 2, TOP + ROW * rows / 2, "center")
    placed[graph.center] = center
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        'role="img" aria-labelledby="graph-title" class="entity-graph" font-family="sans-serif" font-size="14">',
        f'<title id="graph-title">Relationships of {escape(graph.nodes[graph.center][0])}</title>',
    ]
    for edge in graph.edges:
        a, b = placed.get(edge.source), placed.get(edge.target)
        if a and b:
            relation = RELATION_LABELS.get(edge.relation, edge.relation).lower()
            said = f"{graph.nodes[edge.source][0]} {relation} {graph.nodes[edge.target][0]}"
            parts.append(
                f'<line x1="{a.x:.0f}" y1="{a.y:.0f}" x2="{b.x:.0f}" y2="{b.y:.0f}" stroke="#8a94a6" '
                f'stroke-width="1.2"><title>{escape(said)}</title></line>'
            )
    for node in placed.values():
        name = graph.nodes[node.entity_id][0]
        if node.side == "center":
            parts.append(f'<circle cx="{node.x:.0f}" cy="{node.y:.0f}" r="9" fill="#1f4e79"/>')
            parts.append(
                f'<text x="{node.x:.0f}" y="{node.y - 16:.0f}" text-anchor="middle" '
                f'font-weight="bold">{escape(name)}</text>'
            )
            continue
        relation = _relation_to_parent(graph, node.entity_id)
        anchor, dx = ("end", -10) if node.side == "left" else ("start", 10)
        short = name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"
        label = escape(short) + (
            f' <tspan fill="#5a6478" font-size="12">({escape(relation)})</tspan>' if relation else ""
        )
        parts.append(f'<circle cx="{node.x:.0f}" cy="{node.y:.0f}" r="6" fill="#4f81bd"/>')
        parts.append(
            f'<a href="/entities/{escape(node.entity_id)}/"><text x="{node.x + dx:.0f}" y="{node.y + 5:.0f}" '
            f'text-anchor="{anchor}"><title>{escape(name)}</title>{label}</text></a>'
        )
    if hidden:
        parts.append(f'<text x="{WIDTH / 2:.0f}" y="{height - 12}" text-anchor="middle">and {hidden} more</text>')
    parts.append("</svg>")
    return "\n".join(parts)
