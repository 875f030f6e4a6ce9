"""The time axis: a range snapped to whole steps (months, quarters, years ...) and its ticks."""

from __future__ import annotations

from datetime import date

from timeline.figure.model import Tick, TickLabel

# Half-years are left out on purpose: 'H2 2019' reads worse than a year with quarter ticks.
_STEPS_MONTHS = (1, 3, 12, 24, 60, 120)
MIN_INTERVAL_PX = 48.0


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _interval_label(start_index: int, step: int, first: bool) -> str:
    start = _month_start(start_index)
    if step >= 12:
        return str(start.year)
    if step == 3:
        quarter = f"Q{1 + (start.month - 1) // 3}"
        return f"{quarter} {start.year}" if first or start.month == 1 else quarter
    month = start.strftime("%b")
    return f"{month} {start.year}" if first or start.month == 1 else month


def choose_scale(lower: date, upper: date, plot_width: float) -> tuple[date, date, int]:
    """(start, end, step in months): the range snapped to whole steps, with at most one interval per 48 px."""
    first = _month_index(lower)
    last = _month_index(upper) + 1  # exclusive: the month after the last day
    for step in _STEPS_MONTHS:
        start = first - first % step
        end = last + (-last) % step
        if (end - start) / step <= max(1.0, plot_width / MIN_INTERVAL_PX):
            return _month_start(start), _month_start(end), step
    step = _STEPS_MONTHS[-1]
    return _month_start(first - first % step), _month_start(last + (-last) % step), step


class TimeScale:
    def __init__(self, start: date, end: date, x0: float, x1: float) -> None:
        self.start = start.toordinal()
        self.days = max(1, end.toordinal() - self.start)
        self.x0 = x0
        self.x1 = x1

    def x(self, day: date) -> float:
        return self.x0 + (day.toordinal() - self.start) / self.days * (self.x1 - self.x0)


def axis_ticks(start: date, end: date, step: int, scale: TimeScale) -> tuple[list[Tick], list[TickLabel]]:
    ticks: list[Tick] = []
    labels: list[TickLabel] = []
    first, last = _month_index(start), _month_index(end)
    for index in range(first, last + 1, step):
        ticks.append(Tick(scale.x(_month_start(index)), True))
        if index < last:
            centre = (scale.x(_month_start(index)) + scale.x(_month_start(index + step))) / 2
            labels.append(TickLabel(centre, _interval_label(index, step, index == first)))
    # Minor ticks: quarters under years (or months under quarters) when they are at least 10 px apart.
    minor = {12: 3, 3: 1}.get(step)
    if minor and (scale.x(_month_start(first + minor)) - scale.x(_month_start(first))) >= 10:
        for index in range(first, last + 1, minor):
            if (index - first) % step:
                ticks.append(Tick(scale.x(_month_start(index)), False))
    return ticks, labels
