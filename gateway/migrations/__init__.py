"""Alembic migrations of the gateway's database (applied by gateway.db.Database.migrate)."""
