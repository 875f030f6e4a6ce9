"""The beat schedule: each app's periodic tasks, in one place so exactly one beat runs them all."""

from __future__ import annotations

from typing import Any

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {}
