"""The sources app's admin: sources and items, the review queue, the watch-list (each module registers its own)."""

from sources.admin import review, sources, watchlist  # noqa: F401
