"""Fixtures shared by the unit tests: a real PostgreSQL server for the store suites (tests/postgres.py)."""

from tests.postgres import evidence_location, postgres_server, postgres_url, store_url

__all__ = ["evidence_location", "postgres_server", "postgres_url", "store_url"]
