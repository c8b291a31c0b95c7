"""SQL implementations of the metadata ports (SQLite by default, PostgreSQL for scale-out)."""
