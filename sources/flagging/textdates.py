"""The date a development happened, as EDTF, from what an item's text says (never its publication date).

Explicit dates win ("October 7, 2022", "7 Oct 2022", "2022-10-07", "2023年10月17日"), then months ("in March
2024", "2024年3月"), quarters ("Q4 2024"), days without a year ("on Jan. 20", "1月20日") and weekdays ("on
Monday", "周一"), whose year or day comes from the publication date, and years ("in 2019"). Dates that
look ahead (effective dates, deadlines: "takes effect on", "from ... 起", "by 2030") or lie after the
publication date are skipped: they are not when the development happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from timeline.dates import FuzzyDateError, parse_fuzzy_date

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
CN_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
QUARTERS = {"q1": 33, "q2": 34, "q3": 35, "q4": 36, "first": 33, "second": 34, "third": 35, "fourth": 36}

# Months are capitalised in running text ("may", "mar" and "dec" are words), so the patterns are case-sensitive.
_M = (
    r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_Y = r"(?P<year>(?:19|20)\d{2})"
_D = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("ymd", re.compile(r"\b(?P<year>(?:19|20)\d{2})-(?P<m>[01]\d)-(?P<day>[0-3]\d)\b")),
    ("cn_ymd", re.compile(r"(?P<year>(?:19|20)\d{2})\s*年\s*(?P<m>[01]?\d)\s*月\s*(?P<day>[0-3]?\d)\s*[日号]")),
    ("mdy", re.compile(rf"\b{_M}\s+{_D},?\s+{_Y}\b")),
    ("dmy", re.compile(rf"\b{_D}\s+{_M},?\s+{_Y}\b")),
    ("cn_ym", re.compile(r"(?P<year>(?:19|20)\d{2})\s*年\s*(?P<m>[01]?\d)\s*月(?!\s*[0-3]?\d\s*[日号])")),
    ("my", re.compile(rf"\b{_M},?\s+{_Y}\b")),
    (
        "quarter",
        re.compile(
            rf"\b(?:(?P<q>Q[1-4])|(?P<qw>[Ff]irst|[Ss]econd|[Tt]hird|[Ff]ourth)[- ]quarter)(?:\s+of)?,?\s+{_Y}\b"
        ),
    ),
    ("cn_md", re.compile(r"(?<![\d年])(?P<m>[01]?\d)\s*月\s*(?P<day>[0-3]?\d)\s*[日号]")),
    ("md", re.compile(rf"\b{_M}\s+{_D}\b(?!,?\s+(?:19|20)\d{{2}})(?!\s*(?:%|percent|billion|million))")),
    (
        "weekday",
        re.compile(
            r"\b(?:[Oo]n|[Ll]ast|[Tt]his)\s+(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
        ),
    ),
    ("cn_weekday", re.compile(r"(?P<lastweek>上)?(?:周|星期|礼拜)(?P<cnweekday>[一二三四五六日天])")),
    (
        "year",
        re.compile(rf"\b(?:[Ii]n|[Dd]uring|[Tt]hroughout|[Ss]ince)\s+(?:early\s+|mid-?\s*|late\s+)?{_Y}\b(?!\s*-)"),
    ),
]
# Words just before a date that make it a future or effective date, not when something happened.
_LOOKAHEAD = re.compile(
    r"(?i)(?:effective|take[sn]?\s+effect|taking\s+effect|starting|beginning|from|until|till|through|by|"
    r"before|deadline|expires?|due|scheduled|planned|expected|slated|will)\s+(?:on\s+|in\s+|from\s+)?$|[自从至到截]\s*$"
)
_MONTH_NAME = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|June?|July?|Aug|Sep|Oct|Nov|Dec)")
# Every pattern needs a digit, a weekday or a Chinese week word: texts without any are skipped at once.
_MAY_HOLD_DATE = re.compile(r"\d|day\b|[周星礼]")
# A pattern with a year matches only where the year does: a text without one skips them all (most of those with
# a digit have none).
_YEAR = re.compile(r"(?:19|20)\d\d")
_WITH_YEAR = frozenset({"ymd", "cn_ymd", "mdy", "dmy", "cn_ym", "my", "quarter", "year"})
_LOOKAHEAD_AFTER = re.compile(r"^\s*(?:起|开始|生效|前|之前|以前)")


@dataclass(frozen=True)
class TextDate:
    edtf: str
    text: str


def _valid(edtf: str) -> str | None:
    try:
        return parse_fuzzy_date(edtf).edtf
    except FuzzyDateError:
        return None


def _month_of(match: re.Match[str]) -> int:
    groups = match.groupdict()
    if groups.get("month"):
        return MONTHS[groups["month"].lower().rstrip(".")]
    return int(groups["m"])


def _infer_year(month: int, day: int, published: date) -> int:
    """The year that puts month/day on or before the publication date (news reports the past)."""
    year = published.year
    try:
        if date(year, month, day) > published + timedelta(days=2):
            year -= 1
    except ValueError:
        pass
    return year


def _edtf_for(kind: str, match: re.Match[str], published: date | None) -> str | None:
    groups = match.groupdict()
    if kind in {"ymd", "cn_ymd", "mdy", "dmy"}:
        return _valid(f"{int(groups['year']):04d}-{_month_of(match):02d}-{int(groups['day']):02d}")
    if kind in {"cn_ym", "my"}:
        return _valid(f"{int(groups['year']):04d}-{_month_of(match):02d}")
    if kind == "quarter":
        quarter = (groups.get("q") or groups.get("qw") or "").lower()
        return _valid(f"{int(groups['year']):04d}-{QUARTERS[quarter]}")
    if kind == "year":
        return _valid(groups["year"])
    if published is None:
        return None
    if kind in {"md", "cn_md"}:
        month, day = _month_of(match), int(groups["day"])
        return _valid(f"{_infer_year(month, day, published):04d}-{month:02d}-{day:02d}")
    if kind == "cn_weekday" and groups.get("lastweek"):  # 上周一: Monday of the week before publication
        monday = published - timedelta(days=published.weekday())
        return (monday - timedelta(days=7 - CN_WEEKDAYS[groups["cnweekday"]])).isoformat()
    weekday = WEEKDAYS[groups["weekday"].lower()] if kind == "weekday" else CN_WEEKDAYS[groups["cnweekday"]]
    back = (published.weekday() - weekday) % 7
    return (published - timedelta(days=back)).isoformat()


def extract_date(*texts: str, published: datetime | date | None = None) -> TextDate | None:
    """The first date the texts give for what happened (texts in order of trust, e.g. title then summary)."""
    published_day = published.date() if isinstance(published, datetime) else published
    for text in texts:
        if not text or not _MAY_HOLD_DATE.search(text):
            continue
        # Cheap checks first: most patterns need a month name, Chinese text, "quarter"/"Q" or "day".
        wanted = {"ymd", "year"}
        if not text.isascii():
            wanted |= {"cn_ymd", "cn_ym", "cn_md", "cn_weekday"}
        if _MONTH_NAME.search(text):
            wanted |= {"mdy", "dmy", "my", "md"}
        if "uarter" in text or "Q" in text:
            wanted.add("quarter")
        if "day" in text:
            wanted.add("weekday")
        if _YEAR.search(text) is None:
            wanted -= _WITH_YEAR
        # The most precise kind of date wins (PATTERNS' order), and within a kind the first: so the first kind that
        # gives a date decides, and the kinds after it need not be sought.
        for kind, pattern in PATTERNS:
            if kind not in wanted:
                continue
            for match in pattern.finditer(text):
                before = text[max(0, match.start() - 40) : match.start()]
                after = text[match.end() : match.end() + 6]
                if _LOOKAHEAD.search(before) or _LOOKAHEAD_AFTER.search(after):
                    continue
                edtf = _edtf_for(kind, match, published_day)
                if edtf is None:
                    continue
                if published_day is not None and parse_fuzzy_date(edtf).lower > published_day + timedelta(days=2):
                    continue
                return TextDate(edtf, match.group(0).strip())
    return None
