"""Write the event log as JSON Lines (a backup that import_log restores exactly)."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from events.maintenance import export_log


class Command(BaseCommand):
    help = "Export the event log as JSON Lines to a file, or to standard output with '-'."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="file to write, or - for standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        if path == "-":
            export_log(sys.stdout)
            return
        try:
            with open(path, "x", encoding="utf-8") as out:
                count = export_log(out)
        except FileExistsError as error:
            raise CommandError(f"{path} exists already; export_log will not overwrite a file") from error
        except OSError as error:
            raise CommandError(f"cannot write {path}: {error.strerror}") from error
        self.stderr.write(f"exported {count} events to {path}")
