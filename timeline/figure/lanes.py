"""Label lanes above and below the axis, so no two labels overlap and no leader line runs through a label.

The rule: on one side of the axis, a label's box may only hold the anchors (leader-line x) of labels in lower
lanes; boxes that overlap in x take different lanes. Marker tracks next to the ribbon are packed the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from timeline.figure.model import FigureItem
from timeline.figure.scale import TimeScale
from timeline.figure.style import LABEL_GAP, MAX_LANES, MIN_BAR_WIDTH


@dataclass
class Candidate:
    item: FigureItem
    x0: float  # marker extent on the time axis
    x1: float
    width: float  # label box width
    date_line: str
    lines: list[str]


def span_extent(item: FigureItem, scale: TimeScale) -> tuple[float, float]:
    if item.precision == "day":
        x = scale.x(item.date_lower) + (scale.x(item.date_lower + timedelta(days=1)) - scale.x(item.date_lower)) / 2
        return x, x
    x0 = scale.x(item.date_lower)
    x1 = scale.x(item.date_upper + timedelta(days=1))
    if x1 - x0 < MIN_BAR_WIDTH:
        middle = (x0 + x1) / 2
        x0, x1 = middle - MIN_BAR_WIDTH / 2, middle + MIN_BAR_WIDTH / 2
    return x0, x1


def _anchor_choices(candidate: Candidate, right_limit: float, left_limit: float) -> list[tuple[float, bool]]:
    """(anchor x, label extends right) pairs to try, best first: near the start of a span, label to the right."""
    if candidate.x0 == candidate.x1:
        xs = [candidate.x0]
    else:
        inset = min(3.0, (candidate.x1 - candidate.x0) / 2)
        low, high = candidate.x0 + inset, candidate.x1 - inset
        count = max(1, min(8, int((high - low) / 6)))
        xs = [low + (high - low) * i / count for i in range(count + 1)] if high > low else [low]
    choices = [(x, True) for x in xs if x + candidate.width <= right_limit]
    if not choices:  # too near the right edge: the label extends left of its anchor
        choices = [(x, False) for x in xs if x - candidate.width >= left_limit]
    if not choices:  # the figure is narrower than a label: keep it inside as best we can
        choices = [(max(left_limit, min(xs[0], right_limit - candidate.width)), True)]
    return choices


def box_x(anchor: float, width: float, extends_right: bool) -> tuple[float, float]:
    return (anchor, anchor + width) if extends_right else (anchor - width, anchor)


@dataclass
class _Slot:
    lane: int
    anchor: float
    x0: float
    x1: float


def _covers(x0: float, x1: float, x: float) -> bool:
    return x0 - LABEL_GAP <= x <= x1 + LABEL_GAP


def _lowest_lane(anchor: float, x0: float, x1: float, placed: Sequence[_Slot]) -> int | None:
    """The lowest lane for a label on one side, or None when every lane would put a leader through a label.

    A label whose box holds another label's anchor must sit above it (else that leader runs through the box);
    a label whose anchor lies in another's box must sit below it; boxes that overlap in x need different lanes.
    """
    above = -1
    below = MAX_LANES * 4
    taken: set[int] = set()
    for slot in placed:
        if _covers(x0, x1, slot.anchor):
            above = max(above, slot.lane)
        if _covers(slot.x0, slot.x1, anchor):
            below = min(below, slot.lane)
        if x0 < slot.x1 + LABEL_GAP and slot.x0 < x1 + LABEL_GAP:
            taken.add(slot.lane)
    lane = above + 1
    while lane in taken:
        lane += 1
    return lane if lane < below else None


def _settle_lanes(slots: Sequence[_Slot]) -> list[int]:
    """Final lanes for one side: every label above the labels whose anchors its box holds, boxes apart.

    "Above" is a directed graph; labels are taken in topological order (ties: the tentative lane, then x) and
    each goes to the lowest lane above its predecessors where its box overlaps no box already in that lane.
    A cycle (two labels facing each other over each other's anchors) cannot be drawn without a crossing;
    it is broken at the label with the fewest labels still due below it.
    """
    count = len(slots)
    above: list[list[int]] = [[] for _ in range(count)]  # above[i]: labels that must sit above i
    waiting_for = [0] * count
    for i, low in enumerate(slots):
        for j, high in enumerate(slots):
            if i != j and _covers(high.x0, high.x1, low.anchor):
                above[i].append(j)
                waiting_for[j] += 1
    lanes = [-1] * count
    floor = [0] * count
    done = [False] * count
    boxes_in_lane: dict[int, list[tuple[float, float]]] = {}
    for _ in range(count):
        # Ready labels first; in a cycle, the label with the fewest labels still due below it.
        index = min(
            (i for i in range(count) if not done[i]), key=lambda i: (waiting_for[i], slots[i].lane, slots[i].x0, i)
        )
        slot = slots[index]
        lane = floor[index]
        while any(slot.x0 < x1 + LABEL_GAP and x0 < slot.x1 + LABEL_GAP for x0, x1 in boxes_in_lane.get(lane, [])):
            lane += 1
        lanes[index] = lane
        done[index] = True
        boxes_in_lane.setdefault(lane, []).append((slot.x0, slot.x1))
        for j in above[index]:
            waiting_for[j] -= 1
            floor[j] = max(floor[j], lane + 1)
    return lanes


def assign_lanes(
    candidates: Sequence[Candidate], right_limit: float, left_limit: float
) -> list[tuple[Candidate, int, int, float, bool]]:
    """Each label on the side of the axis, and with the anchor, that lets it sit lowest.

    Labels that can extend right are taken right to left, so a cluster of nearby dates stacks as a staircase:
    each new box covers only anchors of labels already below it. A label may extend left instead when that is
    lower, but not over a label still waiting (that one could then only go to the other side). Labels that
    must extend left (too near the right edge) come last, left to right. When no lane is free of crossings,
    the option facing the fewest labels wins and `_settle_lanes` lifts whatever must move above it.
    """
    options = {id(c): _anchor_choices(c, right_limit, left_limit) for c in candidates}
    reach = {id(c): (min(a for a, _ in options[id(c)]), max(a for a, _ in options[id(c)])) for c in candidates}
    normal = sorted((c for c in candidates if options[id(c)][0][1]), key=lambda c: (-c.x0, -c.x1))
    flipped = sorted((c for c in candidates if not options[id(c)][0][1]), key=lambda c: (c.x0, c.x1))
    waiting = {id(c): c for c in candidates}
    placed: dict[int, list[_Slot]] = {-1: [], 1: []}
    owners: dict[int, list[Candidate]] = {-1: [], 1: []}

    def shuts_out(x0: float, x1: float, me: Candidate) -> bool:
        for key, other in waiting.items():
            if other is me:
                continue
            low, high = reach[key]
            if x0 - LABEL_GAP <= low and high <= x1 + LABEL_GAP:
                return True
        return False

    for candidate in [*normal, *flipped]:
        best: tuple[int, int, int, int, int, int, float, bool] | None = None
        for side in (-1, 1):
            top = max((slot.lane for slot in placed[side]), default=-1) + 1
            for rank, (anchor, extends_right) in enumerate(options[id(candidate)]):
                x0, x1 = box_x(anchor, candidate.width, extends_right)
                lane = _lowest_lane(anchor, x0, x1, placed[side])
                if lane is not None:
                    penalty = 1 if shuts_out(x0, x1, candidate) else 0
                    facing = 0
                else:
                    penalty = 2
                    facing = sum(
                        1 for slot in placed[side] if _covers(x0, x1, slot.anchor) and _covers(slot.x0, slot.x1, anchor)
                    )
                    lane = top
                score = (penalty, facing, lane, len(placed[side]), rank, side, anchor, extends_right)
                if best is None or score[:6] < best[:6]:
                    best = score
        assert best is not None
        _, _, lane, _, _, side, anchor, extends_right = best
        x0, x1 = box_x(anchor, candidate.width, extends_right)
        placed[side].append(_Slot(lane, anchor, x0, x1))
        owners[side].append(candidate)
        del waiting[id(candidate)]

    result: list[tuple[Candidate, int, int, float, bool]] = []
    for side in (-1, 1):
        for candidate, slot, lane in zip(owners[side], placed[side], _settle_lanes(placed[side]), strict=True):
            result.append((candidate, side, lane, slot.anchor, slot.x1 > slot.anchor))
    return result


def assign_tracks(extents: Sequence[tuple[float, float]]) -> list[int]:
    """Marker tracks next to the ribbon: markers that would touch go one track further out."""
    order = sorted(range(len(extents)), key=lambda i: (extents[i][0], extents[i][1]))
    track_ends: list[float] = []
    tracks = [0] * len(extents)
    for index in order:
        x0, x1 = extents[index]
        for track, end in enumerate(track_ends):
            if x0 >= end + 3:
                track_ends[track] = x1
                tracks[index] = track
                break
        else:
            track_ends.append(x1)
            tracks[index] = len(track_ends) - 1
    return tracks
