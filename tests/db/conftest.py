"""Fixtures the database tests share with the API tests."""

from tests.api.conftest import api_key  # noqa: F401 (fixture: a key made by the CLI)
