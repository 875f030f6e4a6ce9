"""The curation admin for the timeline: developments, entities, named timelines.

Every page writes through timeline.services; the read models are never saved directly. Roles are ordinary
Django permissions held by the groups of timeline/roles.py.
"""

from timeline.admin import developments, entities, links, relationships, timelines

__all__ = ["developments", "entities", "links", "relationships", "timelines"]
