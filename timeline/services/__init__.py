"""Commands on the timeline: each validates its input, then appends events (the only caller of append).

Every service takes keyword-only arguments, raises django.core.exceptions.ValidationError with field errors
on bad input (writing nothing), and events.store.ConcurrencyError when `expected_version` is stale.

One module a kind of stream (developments, links, entities, relationships, timelines); the checks they share
are in timeline.validation. Callers import from here: `from timeline import services`.
"""

from timeline.services.developments import (
    citation_add,
    citation_remove,
    development_id_for,
    development_merge,
    development_record,
    development_restore,
    development_retract,
    development_revise,
    developments_record_many,
)
from timeline.services.entities import entity_merge, entity_register, entity_revise, entity_unmerge
from timeline.services.links import development_link, development_unlink
from timeline.services.relationships import (
    relationship_cite,
    relationship_correct,
    relationship_record,
    relationship_retract,
)
from timeline.services.timelines import TIMELINE_FILTER_KEYS, timeline_define
from timeline.validation import clean_citation

__all__ = [
    "TIMELINE_FILTER_KEYS",
    "citation_add",
    "citation_remove",
    "clean_citation",
    "development_id_for",
    "development_link",
    "development_merge",
    "development_record",
    "development_restore",
    "development_retract",
    "development_revise",
    "development_unlink",
    "developments_record_many",
    "entity_merge",
    "entity_register",
    "entity_revise",
    "entity_unmerge",
    "relationship_cite",
    "relationship_correct",
    "relationship_record",
    "relationship_retract",
    "timeline_define",
]
