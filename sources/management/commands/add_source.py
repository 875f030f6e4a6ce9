"""Register a feed for the workers to poll."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sources.services import source_add


class Command(BaseCommand):
    help = "Add a feed (RSS, Atom or JSON Feed URL) to the sources the workers poll; it is due at once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url")
        parser.add_argument("--name", default="", help="a name for analysts (default: the host)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            source = source_add(url=str(options["url"]), name=str(options["name"]))
        except ValidationError as error:
            messages = [message for field in error.message_dict.values() for message in field]
            raise CommandError("; ".join(messages)) from error
        self.stdout.write(f"added source {source.pk}: {source.name} <{source.url}>, due now")
