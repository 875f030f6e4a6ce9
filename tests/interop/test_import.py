"""Spreadsheet import (CSV and xlsx in the CSV export's columns): export -> import round-trips, re-importing
records nothing, a changed row is a revision, and bad files get a clear message with nothing recorded.

No server is started; files are written to pytest's tmp_path and read by the service and the command.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from events.models import StoredEvent
from interop import spreadsheet
from tests.api.conftest import citation, record
from timeline.models import Development

pytestmark = pytest.mark.django_db
HEADER = ["title", "date", "category", "kind", "entities", "tags", "disputed", "citations", "citation_urls"]


def sheet_csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def row(title: str = "SMIC ships 7nm chips", date: str = "2022-07", **cells: str) -> list[str]:
    values = {"category": "technology", "kind": "chip_launch", "entities": "SMIC; 华为", "tags": "7nm",
              "disputed": "false", "citations": "TechInsights teardown [B2]",
              "citation_urls": "https://example.org/teardown", **cells}  # fmt: skip
    return [title, date, *(values[column] for column in HEADER[2:])]


def do_import(data: bytes, name: str = "sheet.csv") -> spreadsheet.ImportPlan:
    plan = spreadsheet.import_plan(data, name)
    assert plan.ok, [str(error) for error in plan.errors]
    spreadsheet.import_apply(plan, actor="ada", reason="test import")
    return plan


def test_a_spreadsheet_records_its_rows_and_reimporting_it_records_nothing(entities: None) -> None:
    data = sheet_csv([row(), row("DeepSeek founded", "2023-07", category="Corporate", kind="founding",
                                 entities="深度求索", citations="", citation_urls="")])  # fmt: skip
    plan = do_import(data)
    assert (len(plan.new), len(plan.revisions)) == (2, 0)
    smic = Development.objects.get(title="SMIC ships 7nm chips")
    assert smic.snapshot["entities"] == ["smic", "huawei"]
    assert smic.snapshot["citations"][0]["reliability"] == "B" and smic.precision == "month"
    events = StoredEvent.objects.count()
    again = do_import(data)
    assert (len(again.new), len(again.revisions), again.unchanged) == (0, 0, 2)
    assert StoredEvent.objects.count() == events


def test_a_semicolon_separated_csv_with_a_byte_order_mark_imports(entities: None) -> None:
    """What Excel writes as "CSV UTF-8" where the decimal separator is a comma."""
    text = (
        "\ufefftitle;date;category;kind;citations\n"
        "SMIC ships 7nm chips;2022-07;technology;chip_launch;TechInsights [B2]\n"
    )
    plan = do_import(text.encode("utf-8"))
    assert len(plan.new) == 1
    assert Development.objects.get().snapshot["citations"][0]["title"] == "TechInsights"


def test_a_changed_row_becomes_a_revision(entities: None) -> None:
    do_import(sheet_csv([row()]))
    plan = do_import(sheet_csv([row(tags="7nm; yield", disputed="yes")]))
    assert [revision.changes for revision in plan.revisions] == [{"tags": ["7nm", "yield"], "disputed": True}]
    smic = Development.objects.get()
    assert smic.version == 3 and smic.disputed  # recorded, cited, revised


def test_the_csv_export_imports_back_and_an_edit_to_it_is_a_revision(anon: Any, entities: None) -> None:
    record(citations=[citation()], entities=["bis"], tags=["entity-list"])
    record(title="=HYPERLINK(1)", date="2024-36", category="gpu_acquisition", kind="gpu_acquisition")
    exported = anon.get("/api/developments/?format=csv").content
    events = StoredEvent.objects.count()
    plan = do_import(exported)
    assert (len(plan.new), len(plan.revisions), plan.unchanged) == (0, 0, 2)
    assert StoredEvent.objects.count() == events
    edited = exported.replace(b"BIS publishes the October 7, 2022 controls", b"BIS publishes the Oct 7 controls")
    plan = do_import(edited)
    assert [revision.changes for revision in plan.revisions] == [{"title": "BIS publishes the Oct 7 controls"}]


def test_an_xlsx_workbook_imports_and_a_formula_is_named_by_row_and_column(entities: None, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(row())
    sheet.append(row("Nvidia H20 rules", "2023-10"))
    sheet["B3"] = "=TODAY()"
    path = tmp_path / "sheet.xlsx"
    workbook.save(path)
    plan = spreadsheet.import_plan(path.read_bytes(), path.name)
    assert [str(error) for error in plan.errors] == [
        "row 3, date: a formula: type its value instead (formulas are not imported).",
        "row 3, date: '' is not an EDTF date (e.g. 2022-10-07, 2023-10, 2024-36, 2022-07~).",
    ]
    sheet["B3"] = "2023-10-17"
    workbook.save(path)
    assert len(do_import(path.read_bytes(), path.name).new) == 2


def test_each_bad_cell_is_reported_by_row_and_column_and_nothing_is_recorded(entities: None) -> None:
    data = sheet_csv([
        row(),
        row(date="July 2022"),
        row(category="Finance"),
        row(citations="A report without a grade"),
        row(entities="Nobody Inc"),
    ])  # fmt: skip
    events = StoredEvent.objects.count()
    plan = spreadsheet.import_plan(data, "sheet.csv")
    assert [(error.row, error.column) for error in plan.errors] == [
        (3, "date"), (4, "category"), (5, "citations"), (6, "entities")
    ]  # fmt: skip
    assert "Finance" in str(plan.errors[1])
    assert StoredEvent.objects.count() == events


def test_ten_thousand_rows_with_one_bad_row_name_it_and_record_nothing(entities: None) -> None:
    rows = [row(f"Development {n}", citations="", citation_urls="", entities="") for n in range(10_000)]
    rows[7_345][1] = "2023-13"
    events = StoredEvent.objects.count()
    plan = spreadsheet.import_plan(sheet_csv(rows), "big.csv")
    assert [(error.row, error.column) for error in plan.errors] == [(7_347, "date")]
    assert StoredEvent.objects.count() == events


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        ("Titel;Datum\nÄnderung;2023\n".encode("latin-1"), "export.csv", "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "chart.csv", "not a spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", "old Excel"),
        (b"just some text, not columns", "notes.csv", "header"),
        (b"PK\x03\x04broken zip", "sheet.xlsx", "cannot be opened"),
        (b"title,date\n", "sheet.xlsx", "not an Excel workbook"),
    ],
)
def test_a_file_that_cannot_be_read_gets_one_clear_message(data: bytes, name: str, message: str, db: None) -> None:
    with pytest.raises(spreadsheet.ImportFileError, match=message):
        spreadsheet.import_plan(data, name)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(db: None, settings: Any) -> None:
    data = sheet_csv([row()]) + b"x" * (50 * 1024 * 1024)
    with pytest.raises(spreadsheet.ImportFileError, match="at most 10 MB"):
        spreadsheet.import_plan(data, "huge.csv")


def test_the_command_dry_run_records_nothing_and_a_bad_file_exits_with_one_line(
    entities: None, tmp_path: Path, capsys: Any
) -> None:
    path = tmp_path / "sheet.csv"
    path.write_bytes(sheet_csv([row()]))
    events = StoredEvent.objects.count()
    call_command("import_developments", str(path), "--dry-run")
    assert "1 rows: 1 new, 0 revised, 0 unchanged (dry run" in capsys.readouterr().out
    assert StoredEvent.objects.count() == events
    call_command("import_developments", str(path))
    assert Development.objects.count() == 1
    path.write_bytes(sheet_csv([row(date="soon")]))
    with pytest.raises(CommandError, match=r"1 error\(s\), nothing recorded"):
        call_command("import_developments", str(path))
    assert "row 2, date" in capsys.readouterr().err
