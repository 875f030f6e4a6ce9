"""Load a JSON Lines export into an empty database and rebuild the projections."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from events.maintenance import LogImportError, import_log


class Command(BaseCommand):
    help = "Import an export_log file into an empty database, verifying the hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="a file written by export_log")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        try:
            with open(path, encoding="utf-8") as lines:
                count = import_log(lines)
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"import refused: {path} is not UTF-8 text") from error
        except LogImportError as error:
            raise CommandError(f"import refused: {error}") from error
        self.stdout.write(f"imported {count} events and rebuilt the projections")
