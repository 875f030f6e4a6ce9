"""Who may do what through the API: the analyst roles are Django groups looked up by name."""

from __future__ import annotations

from typing import Any

# Groups whose members write and see analysts' identities. The admin's role setup uses the same names.
WRITER_GROUPS = ("analyst", "editor")


def is_analyst(user: Any) -> bool:
    """True for an authenticated member of a writer group (or a superuser)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    cached = getattr(user, "_api_is_analyst", None)
    if cached is None:
        cached = user.groups.filter(name__in=WRITER_GROUPS).exists()
        user._api_is_analyst = cached
    return bool(cached)
