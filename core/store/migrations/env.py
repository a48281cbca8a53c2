"""Alembic environment: migrations run on the connection the catalog hands over."""

from alembic import context

from core.store.catalog import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only used by the `alembic` command line
    from sqlalchemy import create_engine

    connection = create_engine(context.config.get_main_option("sqlalchemy.url")).connect()

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
