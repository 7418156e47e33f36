"""Alembic environment: run on the connection :func:`regional_eia.service.db.migrate` passes in."""

from alembic import context

from regional_eia.service.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
