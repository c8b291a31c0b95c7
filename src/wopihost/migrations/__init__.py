"""Alembic migrations of the metadata database."""

# The revision the packaged migrations end at, for the start-up check that runs without Alembic
# (adapters/sql/migrate.py); a test compares it with the head Alembic finds in versions/.
HEAD_REVISION = "0015"
