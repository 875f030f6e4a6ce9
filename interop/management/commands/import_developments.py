"""manage.py import_developments FILE.csv|FILE.xlsx [--dry-run]: a spreadsheet in the CSV export's columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from interop import spreadsheet

# Enough errors to fix a file in one go without flooding the terminal.
ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = "Import developments from a CSV (UTF-8) or .xlsx file in the CSV export's columns; all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check the file and say what it would do.")
        parser.add_argument("--actor", default="import", help="Who the events name as their author.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as os_error:
            raise CommandError(f"{path}: cannot be read ({os_error.strerror}).") from os_error
        try:
            plan = spreadsheet.import_plan(data, path.name)
        except spreadsheet.ImportFileError as file_error:
            raise CommandError(f"{path}: {file_error}") from file_error
        if not plan.ok:
            for error in plan.errors[:ERRORS_SHOWN]:
                self.stderr.write(f"{path}: {error}")
            more = len(plan.errors) - ERRORS_SHOWN
            raise CommandError(
                f"{path}: {len(plan.errors)} error(s), nothing recorded"
                + (f" ({more} more not shown)" if more > 0 else "")
            )
        if options["dry_run"]:
            self.stdout.write(f"{plan.summary()} (dry run: nothing recorded)")
            return
        try:
            spreadsheet.import_apply(plan, actor=options["actor"], reason=f"Imported from {path.name}")
        except spreadsheet.ImportConflictError as conflict:
            raise CommandError(f"{path}: {conflict}") from conflict
        self.stdout.write(plan.summary())
