"""The development rows appends have just projected, so that nobody reads them back.

Two uses, both to spare a round trip to the database: the write services answer with the row their append
projected (the last append's rows, kept for this thread), and a development's next event continues from the row
its previous event left (recently committed rows, kept for this process) instead of reading the open history
row back. A row is kept only once its transaction has committed: a version of a stream, once committed, never
changes, and the next event is checked to follow exactly that version; anything else is read as before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import transaction

from timeline.models import Development, DevelopmentVersion


@dataclass(frozen=True)
class ProjectedRow:
    """A development's row as an event left it (every column; `last_position` is also the id of the history row
    the event opened), and that history row's search document."""

    row: Development
    document_id: int

    def open_version(self) -> DevelopmentVersion:
        """The history row this row's last event opened, as far as a next event needs it (id, state, document)."""
        return DevelopmentVersion(
            id=self.row.last_position,
            development_id=self.row.pk,
            snapshot=self.row.snapshot,
            document_id=self.document_id,
        )


# How many developments' committed rows a process keeps: the ones being curated now.
_KEPT = 256

_last: ContextVar[dict[str, Development] | None] = ContextVar("last_projected_developments", default=None)
_committed: OrderedDict[str, ProjectedRow] = OrderedDict()
_lock = threading.Lock()


def record(rows: Sequence[ProjectedRow], *, keep: bool) -> None:
    """The rows the current append projected; `keep`: remember them for the next events once it commits."""
    _last.set({str(projected.row.pk): projected.row for projected in rows})
    if keep and rows:
        transaction.on_commit(lambda: _keep(rows))


def _keep(rows: Sequence[ProjectedRow]) -> None:
    with _lock:
        for projected in rows:
            key = str(projected.row.pk)
            _committed[key] = projected
            _committed.move_to_end(key)
        while len(_committed) > _KEPT:
            _committed.popitem(last=False)


def last(development_id: object) -> Development | None:
    """The row this thread's last append projected for the development, if it projected it whole."""
    return (_last.get() or {}).get(str(development_id))


def committed(development_id: str, version: int) -> ProjectedRow | None:
    """The development's committed row at `version`, if this process projected it and still keeps it."""
    with _lock:
        projected = _committed.get(development_id)
    return projected if projected is not None and projected.row.version == version else None


def forget() -> None:
    """Drop every kept row (the read models are being rebuilt)."""
    _last.set(None)
    with _lock:
        _committed.clear()
