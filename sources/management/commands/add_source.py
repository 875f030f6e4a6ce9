"""Register a source (a feed, or a primary source of another kind) for the workers to poll."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sources.models import SourceKind
from sources.services import source_add


class Command(BaseCommand):
    help = "Add a feed (RSS, Atom or JSON Feed URL) to the sources the workers poll; it is due at once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url")
        parser.add_argument("--name", default="", help="a name for analysts (default: the host)")
        parser.add_argument(
            "--kind",
            default=SourceKind.FEED,
            choices=SourceKind.values,
            help="feed (default), federal_register (a documents.json address) or screening_list (an export's)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            source = source_add(url=str(options["url"]), name=str(options["name"]), kind=str(options["kind"]))
        except ValidationError as error:
            messages = [message for field in error.message_dict.values() for message in field]
            raise CommandError("; ".join(messages)) from error
        kind = "" if source.kind == SourceKind.FEED else f" ({source.kind})"
        self.stdout.write(f"added source {source.pk}: {source.name} <{source.url}>{kind}, due now")
