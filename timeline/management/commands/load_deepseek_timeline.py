"""Load the CSIS report's timeline and Figure 1 (idempotent: a second run adds nothing)."""

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from timeline.report_loader import DATA_FILE, load_report_timeline


class Command(BaseCommand):
    help = "Load the developments of the CSIS DeepSeek report and the named timeline deepseek-development."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", default=str(DATA_FILE), help="the timeline data file (JSON)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            result = load_report_timeline(path)
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{path} is not UTF-8 JSON") from error
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise CommandError(f"{path} is not a timeline data file: {error!r}") from error
        except ValidationError as error:
            raise CommandError(f"{path} holds invalid data: {error.message_dict}") from error
        self.stdout.write(
            f"report timeline: {result.developments_total} developments "
            f"({result.developments_added} new), {result.entities_added} new entities, "
            f"{result.timelines_changed} timelines defined or revised, "
            f"{result.citations_added} citations added to developments loaded before, "
            f"{result.links_added} links between developments, "
            f"{result.relationships_added} relationships between entities"
        )
