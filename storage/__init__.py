"""SQLite storage: connection, migrations and repositories returning domain objects."""
