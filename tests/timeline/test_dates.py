"""EDTF dates: bounds, precision, and the display strings Figure 1 would print."""

from __future__ import annotations

from datetime import date

import edtf
import pytest

from timeline.dates import FuzzyDateError, parse_fuzzy_date


@pytest.mark.parametrize(
    ("text", "lower", "upper", "precision", "display"),
    [
        ("2022-10-07", date(2022, 10, 7), date(2022, 10, 7), "day", "Oct 7, 2022"),
        ("2023-10", date(2023, 10, 1), date(2023, 10, 31), "month", "Oct 2023"),
        ("2024-36", date(2024, 10, 1), date(2024, 12, 31), "quarter", "Q4 2024"),
        ("2024-33", date(2024, 1, 1), date(2024, 3, 31), "quarter", "Q1 2024"),
        ("2019", date(2019, 1, 1), date(2019, 12, 31), "year", "2019"),
        ("2022-07~", date(2022, 7, 1), date(2022, 7, 31), "month", "c. Jul 2022"),
        ("2023-07/2023-09", date(2023, 7, 1), date(2023, 9, 30), "interval", "Jul–Sep 2023"),
        ("2023-10/2024-02", date(2023, 10, 1), date(2024, 2, 29), "interval", "Oct 2023 – Feb 2024"),
        ("2015-02", date(2015, 2, 1), date(2015, 2, 28), "month", "Feb 2015"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "month", "Feb 2024"),
        ("2025-01-27", date(2025, 1, 27), date(2025, 1, 27), "day", "Jan 27, 2025"),
        ("201X", date(2010, 1, 1), date(2019, 12, 31), "decade", "2010s"),
        ("2023-21", date(2023, 3, 1), date(2023, 5, 31), "season", "Spring 2023"),
        # EDTF's unspecified digits: some month of 2023, some day of October 2023
        ("2023-XX", date(2023, 1, 1), date(2023, 12, 31), "year", "2023"),
        ("2023-XX-XX", date(2023, 1, 1), date(2023, 12, 31), "year", "2023"),
        ("2023-10-XX", date(2023, 10, 1), date(2023, 10, 31), "month", "Oct 2023"),
        ("2023-12-XX?", date(2023, 12, 1), date(2023, 12, 31), "month", "Dec 2023?"),
    ],
)
def test_an_edtf_date_has_bounds_a_precision_and_a_figure_1_display(
    text: str, lower: date, upper: date, precision: str, display: str
) -> None:
    parsed = parse_fuzzy_date(text)
    assert (parsed.edtf, parsed.lower, parsed.upper, parsed.precision, parsed.display) == (
        text,
        lower,
        upper,
        precision,
        display,
    )


def test_surrounding_whitespace_is_dropped_from_the_stored_edtf() -> None:
    assert parse_fuzzy_date("  2023-10 ").edtf == "2023-10"


@pytest.mark.parametrize(
    "text",
    ["2015", "2024-02", "2023-02", "2022-12", "2024-02-29", "2022-10-07", "1999-12-31", "2023-01", "2100-06-15"],
)
def test_plain_dates_have_the_same_bounds_as_the_edtf_package_gives(text: str) -> None:
    node = edtf.parse_edtf(text)
    expected_lower = date(*node.lower_strict()[:3])
    expected_upper = date(*node.upper_strict()[:3])
    parsed = parse_fuzzy_date(text)
    assert (parsed.lower, parsed.upper) == (expected_lower, expected_upper)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "garbage",
        "last autumn",
        "2023-13",
        "2023-00",
        "2023-02-30",
        "2023-02-29",
        "2023-10-32",
        "10/07/2022",
        "07.10.2022",
        "1850",
        "2301",
        "-0500",
        "../2023",
        "2023-07/..",
        "2023-09/2023-07",
        "{2022,2023}",
        "2022-10-07T10:00",
        # forms the edtf grammar takes but a timeline cannot place at a glance
        "2023-XX-05",  # a day of an unspecified month
        "2023-?10",  # partial qualification
        "2023-10-?05",
        "2023-1X",
        "2023-25",  # EDTF level 2 sub-year groupings other than seasons and quarters
        "2023-37",
        "2023-41",
        "2²23",  # a superscript is a digit to str.isdigit() but not to int()
        "٢٠٢٣",  # other scripts' digits are decimals to Python, but EDTF digits are ASCII
        "٢٠٢٣-10",
    ],
)
def test_malformed_or_unplaceable_dates_are_refused(text: str) -> None:
    with pytest.raises(FuzzyDateError):
        parse_fuzzy_date(text)


def test_a_refused_date_says_what_was_wrong() -> None:
    with pytest.raises(FuzzyDateError, match="'2023-13' is not a valid EDTF date"):
        parse_fuzzy_date("2023-13")
    with pytest.raises(FuzzyDateError, match="a date is required"):
        parse_fuzzy_date("")
    with pytest.raises(FuzzyDateError, match="qualify the whole date"):
        parse_fuzzy_date("2023-?10")
    with pytest.raises(FuzzyDateError, match="quarters 33-36"):
        parse_fuzzy_date("2023-25")
