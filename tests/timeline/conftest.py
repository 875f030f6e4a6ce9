"""Fixtures for the timeline tests."""

from __future__ import annotations

import pytest

from tests.timeline.factories import register_entities
from timeline.models import Entity


@pytest.fixture
def entities(db: None) -> list[Entity]:
    """DeepSeek, High-Flyer, Huawei, SMIC, Nvidia and BIS, with their Chinese and English aliases."""
    return register_entities()
