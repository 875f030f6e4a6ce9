"""The API tests' fixtures (clients, entities, generous throttles), shared by the interop tests."""

from tests.api.conftest import analyst, anon, entities, generous_throttles

__all__ = ["analyst", "anon", "entities", "generous_throttles"]
