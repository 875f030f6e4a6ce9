"""The sources app's admin: sources and items, the review queue, the watch-list, the learned flagger (each module
registers its own)."""

from sources.admin import flagger, review, sources, watchlist  # noqa: F401
