"""What the store knows of event types: current schema versions, upcasters and projectors.

Apps register here in AppConfig.ready(); the store itself knows no domain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from events.shapes import EventData

if TYPE_CHECKING:
    from events.store import RecordedEvent

# Takes a copy of the older data, free to change in place, and returns the data in the next version's shape.
Upcaster = Callable[[dict[str, object]], EventData]

_schema_versions: dict[str, int] = {}
_upcasters: dict[tuple[str, int], Upcaster] = {}
_projectors: dict[str, Projector] = {}
_bulk_rebuilders: list[BulkRebuilder] = []


class Projector(Protocol):
    """A read model built only from events. `apply` runs inside the append's transaction."""

    name: str

    def apply(self, event: RecordedEvent) -> None: ...

    def reset(self) -> None:
        """Delete every row of the read model, so that a replay builds it again."""


class BulkRebuilder(Protocol):
    """Builds the read models of the projectors it names from the whole log at once, in the caller's transaction:
    the very rows replaying the log through them leaves, written set-based (what a whole-log rebuild uses where
    it can, rather than the replay)."""

    projector_names: frozenset[str]

    def available(self) -> bool:
        """Whether it can build on the database in use (else the rebuild replays the log)."""

    def rebuild(self, upto: int) -> int:
        """Empty the read models and build them from the events at positions up to `upto`; answer how many."""


def register_event_type(event_type: str, schema_version: int = 1) -> None:
    _schema_versions[event_type] = schema_version


def schema_version_of(event_type: str) -> int:
    return _schema_versions.get(event_type, 1)


def register_upcaster(event_type: str, from_version: int, upcaster: Upcaster) -> None:
    """`upcaster` turns the data of `event_type` at `from_version` into the shape of `from_version + 1`."""
    _upcasters[(event_type, from_version)] = upcaster


def upcast(event_type: str, schema_version: int, data: EventData) -> tuple[int, EventData]:
    current = schema_version_of(event_type)
    while schema_version < current:
        upcaster = _upcasters.get((event_type, schema_version))
        if upcaster is None:
            raise LookupError(f"no upcaster for {event_type} v{schema_version}")
        data = upcaster(dict(data))
        schema_version += 1
    return schema_version, data


def register_projector(projector: Projector) -> None:
    _projectors[projector.name] = projector


def projectors() -> Iterable[Projector]:
    return list(_projectors.values())


def register_bulk_rebuilder(rebuilder: BulkRebuilder) -> None:
    _bulk_rebuilders.append(rebuilder)


def bulk_rebuilder() -> BulkRebuilder | None:
    """The rebuilder standing for exactly the registered projectors on this database, if there is one."""
    names = frozenset(_projectors)
    return next((r for r in _bulk_rebuilders if r.projector_names == names and r.available()), None)
