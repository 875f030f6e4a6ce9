"""Spreadsheet import: CSV or xlsx rows in the CSV export's columns, checked row by row, then recorded as
events through the timeline services, all or nothing.

A file goes through two steps. `import_plan` reads it and decides, for each row, whether it is new, a revision
of a development already recorded, or unchanged; every problem is reported by row number (the spreadsheet's,
header = row 1) and column, and nothing is written. `import_apply` records a plan without errors in one
transaction. Importing the same file again records nothing; a changed row becomes a revision.

Which development a row is: the one its `id` names, if recorded; else the one a previous import of the same
row recorded (its event id is derived from the row's `id`, or from its title and date when it has none).
Citations are added when a development is recorded; on an existing development, citations are left as they
are (the export's citation columns do not carry publisher, excerpt or notes, so they cannot say what changed).

Columns that are derived (display_date, bounds, precision, status, version, positions, url) are ignored on
import. CSV must be UTF-8; xlsx is read with openpyxl, first sheet, values only: a formula is refused (its
value could be stale or absent), as is a CSV cell starting with "=". The export's apostrophe before a value
that would read as a formula is removed again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import uuid
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from events.store import ConcurrencyError
from timeline import selectors, services
from timeline.dates import FuzzyDateError, parse_fuzzy_date
from timeline.models import Development
from timeline.taxonomy import CREDIBILITY, RELIABILITY, Category, Kind

# The CSV export's header (api.renderers writes it), in order: an import takes the same columns, so that an
# exported file can be edited and imported again. New columns only ever go at the end.
CSV_COLUMNS = (
    "id",
    "date",
    "display_date",
    "date_lower",
    "date_upper",
    "precision",
    "category",
    "kind",
    "title",
    "summary",
    "entities",
    "entity_ids",
    "tags",
    "status",
    "disputed",
    "version",
    "last_position",
    "changed_at",
    "citations",
    "gradings",
    "citation_urls",
    "url",
)
REQUIRED_COLUMNS = ("title", "date", "category", "kind")
# What a spreadsheet would run as a formula; the CSV export puts an apostrophe before such a value.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Fixed for ever: import event ids derive from it, which is what makes a re-import record nothing.
IMPORT_NAMESPACE = uuid.UUID("5f0c7b1e-8e43-4a7e-b1f5-2d9c6a0e4b13")
_GRADED = re.compile(r"^(?P<title>.*?)\s*\[(?P<grade>[^\]]*)\]\s*$")
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n", ""}
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


class ImportFileError(ValueError):
    """The file as a whole cannot be read: one message says why and what to do."""


@dataclass(frozen=True)
class CellError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


@dataclass(frozen=True)
class NewDevelopment:
    row: int
    event_id: uuid.UUID
    fields: dict[str, Any]


@dataclass(frozen=True)
class Revision:
    row: int
    development_id: str
    expected_version: int
    changes: dict[str, Any]

    @property
    def event_id(self) -> uuid.UUID:
        """The same for the same change to the same version, so a retried import does not revise twice."""
        described = json.dumps(self.changes, sort_keys=True, ensure_ascii=False)
        return uuid.uuid5(IMPORT_NAMESPACE, f"{self.development_id}|v{self.expected_version}|{described}")


@dataclass
class ImportPlan:
    rows: int = 0
    new: list[NewDevelopment] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)
    unchanged: int = 0
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return f"{self.rows} rows: {len(self.new)} new, {len(self.revisions)} revised, {self.unchanged} unchanged" + (
            f", {len(self.errors)} errors" if self.errors else ""
        )


@dataclass(frozen=True)
class ImportResult:
    recorded: list[str]
    revised: list[str]
    unchanged: int


# --- reading the file -------------------------------------------------------------------------------------


def read_table(data: bytes, filename: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) for each non-empty row under the header; ImportFileError if unreadable."""
    limit = settings.INTEROP_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise ImportFileError(
            f"The file is {len(data) / 1e6:.1f} MB; at most {limit / 1e6:.0f} MB can be imported at once. "
            "Split it into several files."
        )
    if data.startswith(_OLE_MAGIC):
        raise ImportFileError("This is an old Excel (.xls) file: save it as .xlsx or as CSV UTF-8 and upload it again.")
    if data.startswith(_XLSX_MAGIC):
        rows = _xlsx_rows(data)
    elif filename.lower().endswith((".xlsx", ".xlsm")):
        raise ImportFileError("This file is not an Excel workbook (.xlsx), whatever its name says.")
    else:
        rows = _csv_rows(data)
    yield from _with_header(rows)


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    if b"\x00" in data[:4096]:
        raise ImportFileError("This is not a spreadsheet: upload a CSV (UTF-8) or an .xlsx file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f'The file is not UTF-8 text (byte {error.start} cannot be read): save it as "CSV UTF-8" '
            "(or as .xlsx) and upload it again."
        ) from error
    # Excel writes ";" (or tabs) where the decimal separator is a comma: the header line says which it is.
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    for number, values in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
        yield number, ["=formula" if value.startswith("=") else value for value in values]


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as error:
        raise ImportFileError(f"This .xlsx file cannot be opened ({error}); save it again from Excel.") from error
    try:
        sheet = workbook.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            yield number, ["=formula" if cell.data_type == "f" else cell.value for cell in cells]
    finally:
        workbook.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    # The export's guard against formulas, undone.
    if text.startswith("'") and text[1:2] in FORMULA_PREFIXES:
        return text[1:]
    return text


def _with_header(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, dict[str, str]]]:
    header: list[str] | None = None
    max_rows = settings.INTEROP_IMPORT_MAX_ROWS
    for number, values in rows:
        if header is None:
            header = [_text(value).strip().lower() for value in values]
            while header and not header[-1]:
                header.pop()
            _check_header(header)
            continue
        if number - 1 > max_rows:
            raise ImportFileError(f"The file has more than {max_rows} rows; split it into several files.")
        # A row may be shorter or longer than the header (spreadsheets drop trailing empty cells).
        cells = {column: _text(value) for column, value in zip(header, values, strict=False)}
        if any(cell.strip() for cell in cells.values()):
            yield number, cells
    if header is None:
        raise ImportFileError("The file is empty: the first row must be the header (" + ", ".join(CSV_COLUMNS) + ").")


def _check_header(header: list[str]) -> None:
    unknown = [column for column in header if column not in CSV_COLUMNS]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing or unknown:
        problems = []
        if missing:
            problems.append("missing column(s) " + ", ".join(missing))
        if unknown:
            problems.append("unknown column(s) " + ", ".join(repr(column) for column in unknown))
        raise ImportFileError(
            "The first row must be the header, in the CSV export's column names: "
            + "; ".join(problems)
            + ". The columns are: "
            + ", ".join(CSV_COLUMNS)
            + "."
        )


# --- checking each row ------------------------------------------------------------------------------------


class _RowReader:
    """Turns one row's cells into the services' fields, collecting errors by column."""

    def __init__(self, number: int, cells: Mapping[str, str], entity_cache: dict[str, str | None]) -> None:
        self.number = number
        self.cells = cells
        self.errors: list[CellError] = []
        self.entities = entity_cache

    def error(self, column: str, message: str) -> None:
        self.errors.append(CellError(self.number, column, message))

    def cell(self, column: str) -> str:
        value = self.cells.get(column, "")
        if value == "=formula":
            self.error(column, "a formula: type its value instead (formulas are not imported).")
            return ""
        return value.strip()

    def choice(self, column: str, choices: Any) -> str:
        value = self.cell(column)
        by_label = {label.casefold(): key for key, label in choices.choices}
        by_key = {key.casefold(): key for key in choices.values}
        found = by_key.get(value.casefold()) or by_label.get(value.casefold())
        if found is None:
            if value:
                self.error(column, f"unknown {column} '{value}' (one of: {', '.join(choices.values)}).")
            else:
                self.error(column, f"a {column} is required (one of: {', '.join(choices.values)}).")
            return ""
        return found

    def fields(self) -> dict[str, Any]:
        title = self.cell("title")
        if not title:
            self.error("title", "a title is required.")
        date_text = self.cell("date")
        try:
            parse_fuzzy_date(date_text)
        except FuzzyDateError:
            self.error("date", f"'{date_text}' is not an EDTF date (e.g. 2022-10-07, 2023-10, 2024-36, 2022-07~).")
        fields: dict[str, Any] = {
            "title": title,
            "summary": self.cell("summary"),
            "date": date_text,
            "category": self.choice("category", Category),
            "kind": self.choice("kind", Kind),
            "entities": self.entity_ids(),
            "tags": [tag for tag in (t.strip() for t in self.cell("tags").split(";")) if tag],
            "disputed": self.disputed(),
            "citations": self.citations(),
        }
        return fields

    def entity_ids(self) -> list[str]:
        column = "entity_ids" if self.cell("entity_ids") else "entities"
        ids: list[str] = []
        for term in (t.strip() for t in self.cell(column).split(";")):
            if not term:
                continue
            if term not in self.entities:
                entity = selectors.entity_resolve(term)
                self.entities[term] = entity.pk if entity is not None else None
            if (entity_id := self.entities[term]) is None:
                self.error(column, f"unknown entity '{term}' (register it in the admin first).")
            elif entity_id not in ids:
                ids.append(entity_id)
        return ids

    def disputed(self) -> bool:
        value = self.cell("disputed").casefold()
        if value not in _TRUE | _FALSE:
            self.error("disputed", f"'{value}' is not true or false.")
        return value in _TRUE

    def citations(self) -> list[dict[str, str]]:
        text = self.cell("citations")
        parts = [part.strip() for part in text.split(" | ")] if text else []
        urls = self.cell("citation_urls").split()
        if urls and len(urls) != len(parts):
            self.error("citation_urls", f"{len(urls)} URL(s) for {len(parts)} citation(s): give one per citation.")
            urls = []
        citations = []
        for index, part in enumerate(parts):
            match = _GRADED.match(part)
            grade = match.group("grade").strip().upper() if match else ""
            if not match or len(grade) != 2 or grade[0] not in RELIABILITY or grade[1] not in CREDIBILITY:
                self.error(
                    "citations",
                    f"citation '{part}' needs its Admiralty grade in brackets, e.g. 'CSIS report [B2]' "
                    "(reliability A-F, credibility 1-6).",
                )
                continue
            citation = {"title": match.group("title").strip(), "reliability": grade[0], "credibility": grade[1]}
            if urls:
                citation["url"] = urls[index]
            citations.append(citation)
        return citations

    def development_id(self) -> str:
        value = self.cell("id")
        if not value:
            return ""
        try:
            return str(uuid.UUID(value))
        except ValueError:
            self.error("id", f"'{value}' is not a development id (a UUID); leave it empty for a new development.")
            return ""


def _row_key(development_id: str, fields: Mapping[str, Any]) -> str:
    if development_id:
        return f"id:{development_id}"
    return "title-date:" + " ".join(str(fields["title"]).casefold().split()) + "|" + str(fields["date"])


REVISED_FIELDS = ("title", "summary", "date", "category", "kind", "entities", "tags", "disputed")


def import_plan(data: bytes, filename: str) -> ImportPlan:
    """What importing the file would do, and every problem in it; writes nothing."""
    plan = ImportPlan()
    entity_cache: dict[str, str | None] = {}
    seen: dict[str, int] = {}
    rows: list[tuple[int, str, str, dict[str, Any]]] = []
    for number, cells in read_table(data, filename):
        plan.rows += 1
        reader = _RowReader(number, cells, entity_cache)
        development_id = reader.development_id()
        fields = reader.fields()
        key = _row_key(development_id, fields)
        if key in seen and not reader.errors:
            reader.error("id" if development_id else "title", f"the same development as row {seen[key]}.")
        seen.setdefault(key, number)
        plan.errors += reader.errors
        if not reader.errors:
            rows.append((number, development_id, key, fields))
    if plan.errors:
        return plan
    _decide(plan, rows)
    return plan


def _decide(plan: ImportPlan, rows: list[tuple[int, str, str, dict[str, Any]]]) -> None:
    """New, revised or unchanged, for rows that passed their checks: the existing developments read in bulk."""
    candidates: dict[int, str] = {}
    event_ids: dict[int, uuid.UUID] = {}
    for number, development_id, key, _ in rows:
        event_ids[number] = uuid.uuid5(IMPORT_NAMESPACE, key)
        candidates[number] = development_id or services.development_id_for(event_ids[number])
    wanted = set(candidates.values()) | {services.development_id_for(event_id) for event_id in event_ids.values()}
    existing = {str(row.pk): row for row in Development.objects.filter(pk__in=wanted).only("id", "version", "snapshot")}
    for number, _, _, fields in rows:
        target = existing.get(candidates[number]) or existing.get(services.development_id_for(event_ids[number]))
        if target is None:
            plan.new.append(NewDevelopment(number, event_ids[number], fields))
            continue
        state = target.snapshot
        changes = {name: fields[name] for name in REVISED_FIELDS if state.get(name) != fields[name]}
        if changes:
            plan.revisions.append(Revision(number, str(target.pk), target.version, changes))
        else:
            plan.unchanged += 1


class ImportConflictError(RuntimeError):
    """A development changed between the preview and the import: nothing was recorded; preview again."""


def import_apply(plan: ImportPlan, *, actor: str, reason: str) -> ImportResult:
    """Record a plan without errors, all or nothing: new developments in one batch, then each revision."""
    if plan.errors:
        raise ValueError("a plan with errors cannot be imported")
    try:
        with transaction.atomic():
            recorded = services.developments_record_many(
                developments=[(new.event_id, new.fields) for new in plan.new], actor=actor, reason=reason
            )
            for revision in plan.revisions:
                services.development_revise(
                    development_id=revision.development_id,
                    changes=revision.changes,
                    expected_version=revision.expected_version,
                    actor=actor,
                    reason=reason,
                    event_id=revision.event_id,
                )
    except ConcurrencyError as error:
        raise ImportConflictError(
            "A development in the file changed while it was being imported; nothing was recorded. Preview the "
            "file again."
        ) from error
    return ImportResult(
        recorded=recorded, revised=[revision.development_id for revision in plan.revisions], unchanged=plan.unchanged
    )


def file_token(data: bytes) -> str:
    """The name an uploaded file is kept under between the preview and the import: its sha256."""
    return hashlib.sha256(data).hexdigest()
