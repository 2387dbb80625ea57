"""Helpers for developer tooling shared by tests/ and bench/ (not imported by the app)."""
