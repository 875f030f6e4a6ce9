"""The error every source kind raises for bytes it cannot trust: the poll fails on its source and writes nothing."""

from __future__ import annotations

from sources.feeds.parsing import FeedParseError


class PrimarySourceError(FeedParseError):
    """A primary source's body is broken (truncated, a changed header, a missing field, a list that emptied).

    A FeedParseError, so the common poll path records it on the source (unhealthy, backed off) like a feed that
    is no feed."""
