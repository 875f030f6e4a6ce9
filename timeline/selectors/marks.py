"""What one development's answers depend on, as a mark that moves exactly when such an answer may change.

A development's detail and history do not depend on the whole log, only on a few streams: its own (its state,
citations and own links), its entities' (the names it shows) and those of the developments linking to it (their
titles and notes in `linked_from`). A mark reads the last position among them in one statement, so ETags and
the response cache can follow that development instead of the log's head, and writes elsewhere leave them be.

Why the last position is enough, with the number of links to it: positions only grow, and every change to
what such an answer shows is an event on one of those streams, which gives that stream's row the newest
position. A change to the development or one of its entities, or a link added to it or an edit of a linking
development (its title, its link's note), therefore raises the mark past every earlier one. The one change that
leaves no newer position behind is a link removed (its row goes away with its source's position): that lowers
the number of links. Two marks with the same position and number therefore show the same streams in the same
state. The chain hash of the event at the position tells two logs with the same positions apart (a restore, a
database made again), for the response cache, which outlives a database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from django.db import connection

from events.models import StoredEvent
from timeline.models import Development, DevelopmentEntity, DevelopmentLink, Entity


class MarkReach(StrEnum):
    """How far an answer about one development reaches beyond its own stream."""

    # Its own events only: its history.
    OWN = "own"
    # What its current detail shows: its own stream, the names of its entities, the developments linking to it.
    SHOWN = "shown"


@dataclass(frozen=True)
class DevelopmentMark:
    position: int  # the last position among the streams the answer depends on
    links_in: int  # links other developments make to it now (0 for MarkReach.OWN)
    chain_hash: str  # of the event at `position`

    @property
    def token(self) -> str:
        """The mark as the response cache compares it: equal tokens, equal answers."""
        return f"{self.position}:{self.links_in}:{self.chain_hash}"


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]


def _sql(reach: MarkReach) -> tuple[str, int]:
    """The statement for `reach` and how many times it takes the development's id."""
    events = _table(StoredEvent)
    development = _table(Development)
    if reach is MarkReach.OWN:
        return (
            f"SELECT d.last_position, 0, e.hash FROM {development} d "
            f"JOIN {events} e ON e.position = d.last_position WHERE d.id = %s",
            1,
        )
    links, entities, entity = _table(DevelopmentLink), _table(DevelopmentEntity), _table(Entity)
    return (
        f"SELECT m.p, m.n, e.hash FROM ("
        f" SELECT MAX(parts.p) AS p, (SELECT COUNT(*) FROM {links} WHERE target_id = %s) AS n FROM ("
        f"  SELECT last_position AS p FROM {development} WHERE id = %s"
        f"  UNION ALL SELECT en.last_position FROM {entities} de JOIN {entity} en ON en.id = de.entity_id"
        f"   WHERE de.development_id = %s"
        f"  UNION ALL SELECT s.last_position FROM {links} l JOIN {development} s ON s.id = l.source_id"
        f"   WHERE l.target_id = %s"
        f" ) parts"
        f") m JOIN {events} e ON e.position = m.p",
        4,
    )


def development_mark(development_id: str | uuid.UUID, reach: MarkReach) -> DevelopmentMark | None:
    """The mark of one development's answers of `reach`; None when there is no such development.

    One raw statement on primary keys and foreign-key indexes: the response cache asks it before every answer
    it gives for a development, where the ORM's building of the query would cost more than running it."""
    try:
        pk = development_id if isinstance(development_id, uuid.UUID) else uuid.UUID(str(development_id))
    except ValueError:
        return None
    sql, uses = _sql(reach)
    param = Development._meta.pk.get_db_prep_value(pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [param] * uses)
        row = cursor.fetchone()
    if row is None:
        return None
    return DevelopmentMark(int(row[0]), int(row[1]), str(row[2]))
