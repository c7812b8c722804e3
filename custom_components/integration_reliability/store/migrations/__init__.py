"""Alembic revisions shipped with the package (run by the writer thread)."""
