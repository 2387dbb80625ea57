"""What the command lines say about the database: where the data lives (never a password), and whether the embedded
PostgreSQL is being started or one already running is used."""

from __future__ import annotations

from config import Settings
from db.engine import database_location, embedded_status


def test_the_embedded_database_is_named_by_its_folder_and_said_to_start_when_none_runs(tmp_path):
    settings = Settings(database_url=None, data_dir=tmp_path)
    assert database_location(settings) == f"the embedded PostgreSQL in {tmp_path / 'pgdata'}"
    assert embedded_status(settings) == f"Starting the embedded database in {tmp_path / 'pgdata'} ..."


def test_a_server_is_named_by_host_port_and_database_without_its_password():
    settings = Settings(database_url="postgresql://clickboard:s3cret-pw@db.example.com:6543/analytics")
    assert database_location(settings) == "PostgreSQL at db.example.com:6543/analytics"
    assert embedded_status(settings) is None
    assert "s3cret" not in database_location(settings)


def test_a_read_replica_is_named_too_without_its_password():
    settings = Settings(
        database_url="postgresql://clickboard:s3cret-pw@db.example.com:6543/analytics",
        database_read_url="postgresql://reader:r3ad-pw@replica.example.com/analytics",
    )
    assert database_location(settings) == (
        "PostgreSQL at db.example.com:6543/analytics"
        " (figures read on the replica at replica.example.com:5432/analytics)"
    )
    assert "pw" not in database_location(settings)
