"""What the development and relationship writes share: the row a command changes, and the row it answers with."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from typing import TypeVar

from django.core.exceptions import ValidationError

from events import store
from events.store import NewEvent
from timeline import projected_rows
from timeline.models import Development, Relationship

Row = TypeVar("Row", Development, Relationship)


def current_row(model: type[Row], pk: uuid.UUID | str) -> Row:
    """The row a command changes. An unknown or malformed id is bad input like any other, keyed by the noun
    ({"development": ["no development …"]}), not a 500."""
    try:
        return model.objects.get(pk=pk)
    except (model.DoesNotExist, ValidationError, ValueError) as error:
        noun = model._meta.model_name
        raise ValidationError({str(noun): [f"no {noun} {pk}"]}) from error


def append_and_read(
    model: type[Row],
    stream: str,
    pk: str,
    events: Sequence[NewEvent],
    expected_version: int | None,
    assumed_version: int | None = None,
) -> Row:
    """Append to the row's stream and answer the row as projected, marked `replayed` when every event was
    already recorded (a retry), so the API can answer a retry as it answered the first attempt.
    `assumed_version`: the version of the row the command read (store.append's guess, not a check)."""
    recorded = store.append(stream, events, expected_version=expected_version, assumed_version=assumed_version)
    replayed = all(event.replayed for event in recorded)
    projected = None if replayed else _projected(model, pk, recorded[-1])
    row = projected if projected is not None else model.objects.get(pk=pk)
    row.replayed = replayed
    return row


def _projected(model: type[Row], pk: str, last: store.RecordedEvent) -> Row | None:
    """The row as this append projected it (no need to read it back): a development's, if the append projected
    it whole and no later append of this thread's replaced it."""
    row = projected_rows.last(pk)
    if not isinstance(row, model) or row.last_position != last.position:
        return None
    return copy.copy(row)  # the caller marks its answer (replayed); the kept row stays as projected
