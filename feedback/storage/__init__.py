"""Storage: the database session, statement timeouts, secret keys, backups and attached files."""
