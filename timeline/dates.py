"""Fuzzy dates in EDTF: bounds, precision and the display strings Figure 1 would print."""

from __future__ import annotations

import calendar
import functools
import re
import time
from dataclasses import dataclass
from datetime import date

import edtf
from edtf.parser.edtf_exceptions import EDTFParseException

_PLAIN = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")
QUARTERS = {33: 1, 34: 2, 35: 3, 36: 4}
SEASONS = {21: "Spring", 22: "Summer", 23: "Autumn", 24: "Winter"}


class FuzzyDateError(ValueError):
    """The text is not an EDTF date this service can place on a timeline."""


@dataclass(frozen=True)
class FuzzyDate:
    edtf: str
    lower: date
    upper: date
    precision: str  # day, month, quarter, season, year, decade, century, interval
    display: str


def _to_date(value: time.struct_time) -> date:
    return date(value.tm_year, value.tm_mon, value.tm_mday)


def _month(number: int) -> str:
    return calendar.month_abbr[number]


def _describe(text: str) -> tuple[str, str]:
    """(precision, display) for one parsed EDTF node, Figure 1 style."""
    qualifier = ""
    core = text
    if core.endswith(("~", "?", "%")):
        qualifier = {"~": "c. ", "?": "", "%": "c. "}[core[-1]]
        suffix = "?" if core[-1] in "?%" else ""
        core = core[:-1]
    else:
        suffix = ""
    parts = core.split("-")
    negative = core.startswith("-")
    # EDTF digits are ASCII: other scripts' digits (٢٠٢٣) are decimals to Python but no EDTF.
    if negative or not core.isascii() or (not parts[0].isdecimal() and "X" not in parts[0].upper()):
        raise FuzzyDateError(f"'{text}' is not a date this service supports")
    year = parts[0]
    if "X" in year.upper():
        stripped = year.upper().rstrip("X")
        precision = {1: "decade", 2: "century"}.get(4 - len(stripped), "year")
        label = f"{stripped}00s" if precision == "century" else f"{stripped}0s"
        return precision, f"{qualifier}{label}{suffix}"
    if len(parts) == 1:
        return "year", f"{qualifier}{year}{suffix}"
    month, day = parts[1].upper(), (parts[2].upper() if len(parts) > 2 else None)
    if not all(part.isascii() and (part.isdecimal() or part == "XX") for part in (month, day) if part is not None):
        # Partial qualification (2023-?10) or a partly unspecified month (2023-1X): the edtf grammar takes
        # them, but a timeline cannot say what they mean at a glance.
        raise FuzzyDateError(
            f"'{text}' qualifies or leaves out part of a month or day; qualify the whole date (2023-10?) instead"
        )
    if month == "XX":
        if day not in (None, "XX"):
            raise FuzzyDateError(f"'{text}' gives a day of an unspecified month; give the month or leave both out")
        return "year", f"{qualifier}{year}{suffix}"  # some month of that year
    number = int(month)
    if day is None and number in QUARTERS:
        return "quarter", f"{qualifier}Q{QUARTERS[number]} {year}{suffix}"
    if day is None and number in SEASONS:
        return "season", f"{qualifier}{SEASONS[number]} {year}{suffix}"
    if not 1 <= number <= 12:
        raise FuzzyDateError(
            f"'{text}': {month} is not a month this service supports (01-12, seasons 21-24, quarters 33-36)"
        )
    if day is None or day == "XX":
        return "month", f"{qualifier}{_month(number)} {year}{suffix}"  # "XX": some day of that month
    return "day", f"{qualifier}{_month(number)} {int(day)}, {year}{suffix}"


def _span(start: str, end: str) -> str:
    """'Jul 2023' and 'Sep 2023' read as 'Jul–Sep 2023'."""
    start_month, _, start_year = start.partition(" ")
    end_month, _, end_year = end.partition(" ")
    if start_year and start_year == end_year and start_month.isalpha() and end_month.isalpha():
        return f"{start_month}–{end_month} {end_year}"
    return f"{start} – {end}"


def _plain_date(text: str) -> FuzzyDate | None:
    """YYYY, YYYY-MM and YYYY-MM-DD without qualifiers: most dates, bounded without the slow grammar."""
    match = _PLAIN.match(text)
    if not match:
        return None
    year, month, day = int(match[1]), match[2], match[3]
    if month is not None and not 1 <= int(month) <= 12:
        return None  # let the EDTF parser decide (seasons, quarters) or refuse
    try:
        if day is not None:
            lower = upper = date(year, int(month), int(day))
        elif month is not None:
            lower = date(year, int(month), 1)
            upper = date(year, int(month), calendar.monthrange(year, int(month))[1])
        else:
            lower, upper = date(year, 1, 1), date(year, 12, 31)
    except ValueError as error:
        raise FuzzyDateError(f"'{text}' is not a valid EDTF date: {error}") from error
    if not 1900 <= year <= 2200:
        raise FuzzyDateError(f"'{text}' lies outside the years this timeline covers")
    precision, display = _describe(text)
    return FuzzyDate(text, lower, upper, precision, display)


# The edtf grammar (pyparsing) costs ~10 ms a parse; the same few thousand strings recur across every
# projection and rebuild, and FuzzyDate is immutable, so parsed dates are cached.
@functools.lru_cache(maxsize=65536)
def parse_fuzzy_date(text: str) -> FuzzyDate:
    """Parse an EDTF string such as 2022-10-07, 2023-10, 2024-36 (Q4), 2022-07~ or 2023-07/2023-09."""
    text = (text or "").strip()
    if not text:
        raise FuzzyDateError("a date is required (EDTF, e.g. 2022-10-07, 2023-10, 2024-36 or 2019)")
    plain = _plain_date(text)
    if plain is not None:
        return plain
    try:
        node = edtf.parse_edtf(text)
    except EDTFParseException as error:
        raise FuzzyDateError(f"'{text}' is not a valid EDTF date") from error
    except ValueError as error:  # impossible dates (2023-02-30) say what is wrong
        raise FuzzyDateError(f"'{text}' is not a valid EDTF date: {error}") from error
    except Exception as error:  # the grammar's internal errors on forms it half-supports say nothing useful
        raise FuzzyDateError(f"'{text}' is not a valid EDTF date") from error
    try:
        lower = _to_date(node.lower_strict())
        upper = _to_date(node.upper_strict())
    except (AttributeError, OverflowError, ValueError, TypeError) as error:
        raise FuzzyDateError(f"'{text}' has no finite bounds") from error
    if lower.year < 1900 or upper.year > 2200 or lower > upper:
        raise FuzzyDateError(f"'{text}' lies outside the years this timeline covers")
    if "/" in text:
        start_text, end_text = text.split("/", 1)
        if not start_text or not end_text or ".." in text:
            raise FuzzyDateError(f"'{text}' is an open interval; give both ends")
        _, start_display = _describe(start_text)
        _, end_display = _describe(end_text)
        return FuzzyDate(text, lower, upper, "interval", _span(start_display, end_display))
    if any(mark in text[1:] for mark in "{[") or text.count("-") > 2:
        raise FuzzyDateError(f"'{text}' is an EDTF form this service does not place on a timeline")
    precision, display = _describe(text)
    return FuzzyDate(text, lower, upper, precision, display)
